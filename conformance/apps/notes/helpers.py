"""Small helpers shared by the views and forms: user text, redirects after login, the store."""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, request

from .store import Store

# C0 controls except tab and newline, and DEL. Flask's doc suggests removing at least "\b" from text that
# users may copy into a terminal; the other controls (ESC starts ANSI sequences, CR rewrites the line) are
# removed for the same reason.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def store() -> Store:
    return current_app.extensions["notes_store"]


def clean_text(value):
    """A WTForms filter (and a helper for query parameters): user text without control characters."""
    if isinstance(value, str) and current_app.config["NOTES_STRIP_CONTROLS"]:
        return _CONTROLS.sub("", value)
    return value


def safe_next_url(target: str | None, default: str) -> str:
    """Where to go after logging in: ``target`` when it stays on this site, else ``default``.

    Accepts a path (``/notes/new?x=1``) or an absolute URL on this host; refuses other hosts, scheme-relative
    URLs (``//evil.example``), backslashes (browsers read ``/\\evil.example`` as ``//evil.example``) and
    control characters. Returns a path, never an absolute URL.
    """
    if not target or "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or parts.netloc != request.host:
            return default
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return default
    return urlunsplit(("", "", path, parts.query, ""))
