"""The one door to the C++ library (the pybind11 module ``websec``).

Headers, Set-Cookie lines, session cookies, escaping and URL schemes are judged by the reference
implementation, never by a second implementation in Python. This module only adapts calls and results;
everything else in the package goes through it.

The module is found on ``sys.path``; the CLI adds ``build/default/python`` of the repository when present.
When it cannot be imported, every check that needs it reports an error naming what to build.
"""
from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}

_mod = None
_err: str | None = None


class JudgeUnavailable(RuntimeError):
    """The websec module (or one of its functions) is not available in this build."""


def _add_build_path() -> None:
    root = Path(__file__).resolve().parents[2]
    for cand in (os.environ.get("WEBSEC_PYTHONPATH"), str(root / "build" / "default" / "python")):
        if cand and Path(cand).is_dir() and cand not in sys.path:
            sys.path.insert(0, cand)


def module():
    """The imported ``websec`` module; raises JudgeUnavailable with the reason otherwise."""
    global _mod, _err
    if _mod is not None:
        return _mod
    if _err is None:
        _add_build_path()
        try:
            m = importlib.import_module("websec")
            if getattr(m, "__file__", None) is None:  # an empty directory seen as a namespace package
                raise ImportError(f"websec at {list(getattr(m, '__path__', []))} is not a built module")
            _mod = m
            return _mod
        except ImportError as e:
            _err = (f"the websec Python module cannot be imported ({e}); build it with scripts/setup "
                    f"(it lands in build/default/python) or set WEBSEC_PYTHONPATH")
    raise JudgeUnavailable(_err)


def _fn(path: str):
    obj = module()
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise JudgeUnavailable(f"websec.{path} is not in this build of the websec module")
    return obj


def available() -> tuple[bool, str]:
    try:
        module()
        return True, ""
    except JudgeUnavailable as e:
        return False, str(e)


@dataclass
class Finding:
    id: str
    severity: str
    subject: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "severity": self.severity, "subject": self.subject, "reason": self.reason}


def _findings(raw) -> list[Finding]:
    out = []
    for f in raw:
        sev = str(getattr(f, "severity", "info")).lower()
        sev = sev.split(".")[-1]  # tolerate enum reprs like Severity.high
        out.append(Finding(str(getattr(f, "id", "")), sev if sev in SEVERITY_RANK else "info",
                           str(getattr(f, "subject", "")), str(getattr(f, "reason", ""))))
    return out


def audit_headers(headers: list[tuple[str, str]], https: bool) -> list[Finding]:
    """websec.headers.audit over the response's header lines (repeated headers kept apart)."""
    return _findings(_fn("headers.audit")(list(headers), https))


def audit_cookie(set_cookie: str, max_lifetime: int | None = None, https: bool = True) -> list[Finding]:
    """websec.cookie.audit over one raw Set-Cookie value."""
    return _findings(_fn("cookie.audit")(set_cookie, max_lifetime=max_lifetime, https=https))


def header_verdicts(headers: list[tuple[str, str]], https: bool) -> dict:
    """websec.headers.report over the response's header lines: {"overall", "headers": [...], "cookies": [...]}, each
    subject {"name", "verdict" (pass < weak < fail < invalid), "present", "value", "findings": [{id, severity,
    verdict, subject, reason}]} (docs/verdicts.md)."""
    return _fn("headers.report")(list(headers), https).to_dict()


def cookie_verdict(set_cookie: str, max_lifetime: int | None = None, https: bool = True,
                   role: str | None = None) -> dict:
    """websec.cookie.report over one raw Set-Cookie value, with its role (session, remember-me, csrf, preference,
    other; None guesses from the name): {"name", "verdict", "role", "findings", ...}."""
    return _fn("cookie.report")(set_cookie, max_lifetime=max_lifetime, https=https, role=role).to_dict()


VERDICT_RANK = {"pass": 0, "weak": 1, "fail": 2, "invalid": 3}


def parse_set_cookie(line: str) -> dict[str, Any]:
    """A Set-Cookie line as a browser reads it (websec.cookie.parse_set_cookie, RFC 6265bis)."""
    c = _fn("cookie.parse_set_cookie")(line)
    return {k: getattr(c, k, None) for k in ("name", "value", "domain", "path", "secure", "httponly", "samesite",
                                             "partitioned", "expires", "max_age")}


def escape(s: str) -> str:
    """markupsafe-compatible escape (websec.escape.escape)."""
    return str(_fn("escape.escape")(s))


def url_check(url: str, from_attribute: bool = False) -> dict[str, Any]:
    r = _fn("url.check")(url, from_attribute=from_attribute)
    return {"verdict": str(getattr(r, "verdict", "")).split(".")[-1], "scheme": str(getattr(r, "scheme", "")),
            "reason": str(getattr(r, "reason", ""))}


def sign_session(payload: Any, secret: str, *, salt: str = "cookie-session", timestamp: int | None = None,
                 key_derivation: str = "hmac", digest: str = "sha1") -> str:
    """A session cookie value as Flask would produce it (or with another salt/derivation/digest, to forge)."""
    return str(_fn("session.sign")(payload, secret, salt=salt, timestamp=timestamp,
                                   key_derivation=key_derivation, digest=digest))


def decode_session(cookie: str) -> dict:
    """The unverified payload of a session cookie."""
    return _fn("session.decode")(cookie)


def verify_session(cookie: str, secret: str, *, salt: str = "cookie-session", key_derivation: str = "hmac",
                   digest: str = "sha1") -> bool:
    """True if ``cookie`` carries a valid signature under ``secret`` (age not checked)."""
    m = module()
    verify = getattr(getattr(m, "session", None), "verify", None)
    if verify is not None:
        try:
            r = verify(cookie, secret, max_age=None, salt=salt, key_derivation=key_derivation, digest=digest)
        except TypeError:
            r = verify(cookie, secret)
        except Exception:  # noqa: BLE001 - any websec.Error means "does not verify"
            return False
        return bool(getattr(r, "ok", r is not None and r is not False))
    raise JudgeUnavailable("websec.session.verify is not in this build of the websec module")


def severity_at_least(sev: str, threshold: str) -> bool:
    return SEVERITY_RANK.get(sev, 0) >= SEVERITY_RANK[threshold]
