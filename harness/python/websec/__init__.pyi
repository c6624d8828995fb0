from typing import Literal

from . import (  # submodules present when the library module is built (websec.modules lists them)
    cookie as cookie,
    csrf as csrf,
    escape as escape,
    headers as headers,
    multipart as multipart,
    serializer as serializer,
    session as session,
    signing as signing,
    terminal as terminal,
    url as url,
    urlencoded as urlencoded,
)

__version__: str
PROFILES: tuple[str, str]
modules: tuple[str, ...]
Profile = Literal["upstream", "debian"]

class Error(Exception):
    """Base of every websec exception."""
    kind: str
    offset: int
    message: str
    http_status: int
