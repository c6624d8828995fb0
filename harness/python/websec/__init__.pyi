from typing import Any, Literal

from . import (  # submodules present when the library module is built (websec.modules lists them)
    content_type as content_type,
    cookie as cookie,
    csrf as csrf,
    escape as escape,
    headers as headers,
    json as json,
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
SEVERITIES: tuple[str, str, str, str]
modules: tuple[str, ...]
Profile = Literal["upstream", "debian"]
Buffer = bytes | bytearray | memoryview
Severity = Literal["info", "low", "medium", "high"]

class Error(Exception):
    """Base of every websec exception."""
    kind: str
    offset: int
    message: str
    http_status: int

class Finding:
    """One finding of an audit (websec.cookie.audit, websec.headers.audit)."""
    @property
    def id(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def severity_rank(self) -> int: ...
    @property
    def subject(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def verdict(self) -> VerdictName:
        """The verdict this finding imposes on its subject: 'pass' for advice (severity info)."""
    def as_dict(self) -> dict[str, str]: ...
    def to_dict(self) -> dict[str, str]: ...

Verdict = Finding
VerdictName = Literal["pass", "weak", "fail", "invalid"]
VERDICTS: tuple[str, str, str, str]

class SubjectReport:
    """The verdict on one header or one cookie (websec::subject_report)."""
    kind: str  # "header" | "cookie"
    name: str
    verdict: VerdictName
    present: bool
    value: str
    resolution: str
    role: str  # cookies: session, remember-me, csrf, preference, other
    findings: list[Finding]
    def to_dict(self) -> dict[str, Any]: ...

class Report:
    """A whole audit: the overall verdict (the worst subject verdict), headers and cookies."""
    overall: VerdictName
    headers: list[SubjectReport]
    cookies: list[SubjectReport]
    def findings(self) -> list[Finding]: ...
    def subject(self, name: str) -> SubjectReport | None: ...
    def to_dict(self) -> dict[str, Any]: ...
