from typing import Literal, Union

Buffer = Union[bytes, bytearray, memoryview]
Text = Union[str, bytes, bytearray, memoryview]
Profile = Literal["upstream", "debian"]
