from typing import Literal, overload

from ._types import Buffer, Text

class Change:
    @property
    def kind(self) -> str: ...
    offset: int
    length: int
    count: int

class Cleaned:
    @property
    def text(self) -> str: ...
    changes: list[Change]
    @property
    def changed(self) -> bool: ...

@overload
def filter_doc(s: str) -> str: ...
@overload
def filter_doc(s: Buffer) -> bytes: ...
def clean(s: Text, *, policy: Literal["strict", "doc"] = "strict", visible: bool = False, keep_tab: bool = True,
          keep_newline: bool = True, keep_crlf: bool = True) -> Cleaned: ...
