"""Target profiles: where the roles of ROLES.md live on one deployment, and what the runner may know about it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .scenario import ROLES, SEVERITIES
from .yamlsrc import LoadError, format_path, load_yaml


@dataclass
class Target:
    name: str
    base_url: str
    roles: dict[str, str]
    users: list[dict[str, str]] = field(default_factory=list)
    http_url: str | None = None
    ca_bundle: str | None = None
    session: dict[str, Any] = field(default_factory=dict)
    csrf: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    text_filter: str | None = None
    login: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    file: str = ""

    @property
    def https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    @property
    def origin(self) -> str:
        u = urlsplit(self.base_url)
        return f"{u.scheme}://{u.netloc}"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def port(self) -> int:
        u = urlsplit(self.base_url)
        return u.port or (443 if u.scheme == "https" else 80)

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def secrets(self) -> list[str]:
        """Values that are redacted from every report."""
        s = self.session
        vals = [s.get("secret_key")] + list(s.get("fallback_keys") or []) + list(s.get("retired_keys") or [])
        vals += [u.get("password") for u in self.users]
        return [v for v in vals if v]

    def missing(self, requires: list[str]) -> list[str]:
        """The reasons a scenario with these requirements cannot run here (empty: it can)."""
        out = []
        for r in requires:
            if r in ROLES:
                if not self.roles.get(r):
                    out.append(f"role {r} is not in the profile")
            elif r == "https":
                if not self.https:
                    out.append("the target is not HTTPS")
            elif r == "http_url":
                if not self.http_url:
                    out.append("the profile has no http_url")
            elif r == "secret_key":
                if not self.session.get("secret_key"):
                    out.append("the profile gives no session.secret_key (white-box scenario)")
            elif r == "fallback_key":
                if not self.session.get("fallback_keys"):
                    out.append("the profile gives no session.fallback_keys")
            elif r == "retired_key":
                if not self.session.get("retired_keys"):
                    out.append("the profile gives no session.retired_keys")
            elif r == "two_users":
                if len(self.users) < 2:
                    out.append("the profile gives fewer than two users")
            elif r == "csrf_model:flask-wtf":
                if self.csrf.get("model") != "flask-wtf":
                    out.append("the profile's csrf.model is not flask-wtf")
            elif r.startswith("limits."):
                if self.limits.get(r.split(".", 1)[1]) is None:
                    out.append(f"the profile declares no {r}")
            elif r == "session_lifetime":
                if not self.session.get("lifetime"):
                    out.append("the profile declares no session.lifetime")
            elif r == "text_filter:strict":
                if self.text_filter != "strict":
                    out.append("the profile does not declare text_filter: strict")
        return out

    def namespace(self) -> dict[str, Any]:
        """What scenario expressions see as ``target``."""
        return {
            "name": self.name, "base_url": self.base_url, "origin": self.origin, "host": self.host,
            "netloc": self.netloc, "https": self.https, "http_url": self.http_url, "roles": dict(self.roles),
            "session": dict(self.session), "csrf": dict(self.csrf), "limits": dict(self.limits),
            "users": {f"user{i + 1}": dict(u) for i, u in enumerate(self.users)},
        }


_TOP = {"name", "base_url", "http_url", "ca_bundle", "roles", "users", "session", "csrf", "limits", "text_filter",
        "login", "headers", "description"}


def load_profile(path: str | Path, base_url: str | None = None, name: str | None = None) -> Target:
    """Loads a profile file; ``base_url``/``name`` override the file's values (``--target URL``)."""
    loc = load_yaml(path)
    d = loc.data

    def fail(p: tuple, msg: str):
        raise LoadError(loc.file, loc.line(p), format_path(p), msg)

    if not isinstance(d, dict):
        fail((), "a profile is a mapping")
    for k in d:
        if k not in _TOP:
            fail((k,), f"unknown field (allowed: {', '.join(sorted(_TOP))})")
    url = base_url or d.get("base_url")
    if not url:
        fail(("base_url",), "missing (give it in the profile or with --target URL)")
    u = urlsplit(str(url))
    if u.scheme not in ("http", "https") or not u.netloc:
        fail(("base_url",), f"must be an http:// or https:// URL, got {url!r}")
    roles = d.get("roles") or {}
    if not isinstance(roles, dict):
        fail(("roles",), "must be a mapping of role to path")
    for r, pth in roles.items():
        if r not in ROLES:
            fail(("roles", r), f"unknown role (roles: {', '.join(ROLES)})")
        if pth is not None and (not isinstance(pth, str) or not pth.startswith("/")):
            fail(("roles", r), "must be an absolute path starting with / (or null when absent)")
    users = d.get("users") or []
    if not isinstance(users, list):
        fail(("users",), "must be a list of {username, password}")
    for i, us in enumerate(users):
        if not isinstance(us, dict) or not {"username", "password"} <= set(us):
            fail(("users", i), "needs username and password")
    for sect in ("session", "csrf", "limits", "login", "headers"):
        if sect in d and not isinstance(d[sect], dict):
            fail((sect,), "must be a mapping")
    limits = d.get("limits") or {}
    for k, val in limits.items():
        if k not in ("max_content_length", "max_form_memory_size", "max_form_parts"):
            fail(("limits", k), "unknown limit (max_content_length, max_form_memory_size, max_form_parts)")
        if val is not None and (not isinstance(val, int) or val <= 0):
            fail(("limits", k), "must be a positive integer or null")
    if d.get("text_filter") not in (None, "doc", "strict"):
        fail(("text_filter",), "must be doc or strict")
    sess = dict(d.get("session") or {})
    sess.setdefault("cookie_name", "session")
    sess.setdefault("identity_field", "user")
    csrf = dict(d.get("csrf") or {})
    csrf.setdefault("field", "csrf_token")
    csrf.setdefault("header", "X-CSRFToken")
    ca = d.get("ca_bundle")
    if ca and not Path(ca).is_absolute():
        ca = str((Path(path).parent / ca).resolve())
    return Target(
        name=name or d.get("name") or Path(path).stem, base_url=str(url).rstrip("/"),
        roles={k: v for k, v in roles.items() if v}, users=[{"username": str(x["username"]),
                                                           "password": str(x["password"])} for x in users],
        http_url=d.get("http_url"), ca_bundle=ca, session=sess, csrf=csrf, limits=limits,
        text_filter=d.get("text_filter"), login=d.get("login") or {}, headers=d.get("headers") or {},
        file=str(path))


__all__ = ["Target", "load_profile", "SEVERITIES"]
