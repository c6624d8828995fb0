"""Target profiles: where the roles of ROLES.md live on one deployment, and what the runner may know about it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import extract
from .scenario import ROLES, SEVERITIES
from .yamlsrc import LoadError, format_path, load_yaml

POST_ROLES = ("login", "logout", "state_change", "comment_post", "upload", "form_echo", "json_echo",
              "password_reset")
DEFAULT_PARAM = {"reflect_text": "q", "reflect_attr": "q", "reflect_unquoted_attr": "q", "reflect_script": "q",
                 "reflect_json_attr": "q", "reflect_href": "url", "state_change": "value", "comment_post": "text", "upload": "file",
                 "password_reset": "username"}
CONTENT_TYPES = ("form", "multipart", "json")
ANONYMOUS_KINDS = ("401", "403", "redirect", "no-identity")
_ROLE_FIELDS = {"path", "method", "param", "fields", "content_type", "csrf", "accept", "extract", "marker",
                "form_page", "success", "anonymous", "extra", "note", "show", "as"}


@dataclass
class Role:
    """Where a role lives and how the runner talks to it (conformance/ROLES.md §5).

    ``mapped`` is False for a role given as a plain path: the bundled shape of ROLES.md §2 (JSON answers)."""
    name: str
    path: str
    method: str
    param: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    content_type: str = "form"
    csrf: str | None = None  # field | header | none; None: field when the profile has a csrf_token role
    accept: list = field(default_factory=lambda: ["2xx", "3xx"])
    extract: dict | None = None
    marker: str | None = None
    form_page: str | None = None
    success: dict = field(default_factory=dict)
    anonymous: list[str] = field(default_factory=lambda: list(ANONYMOUS_KINDS))
    extra: dict[str, str] = field(default_factory=dict)
    show: str | None = None  # a page to GET after the request: where a stored value shows (judged instead)
    as_user: str | None = None  # user1 | user2: the role's requests are made logged in as this user
    mapped: bool = False

    def __str__(self) -> str:  # scenarios and reports name a role by its path
        return self.path


def _role_from_path(name: str, path: str, profile: dict) -> Role:
    sess = profile.get("session") or {}
    r = Role(name, path, "POST" if name in POST_ROLES else "GET", DEFAULT_PARAM.get(name),
             content_type="multipart" if name == "upload" else "form")
    if name == "whoami":
        r.extract = {"json": "/" + str(sess.get("identity_field", "user"))}
        r.anonymous = ["no-identity"]
    elif name == "csrf_token":
        r.extract = {"json": "/csrf_token"}
    elif name == "state_probe":
        r.extract = {"json": "/value"}
    return r


@dataclass
class Target:
    name: str
    base_url: str
    roles: dict[str, Role]
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

    def role(self, name: str) -> Role:
        return self.roles[name]

    def param_of(self, name: str) -> str:
        r = self.roles.get(name)
        p = (r.param if r else None) or DEFAULT_PARAM.get(name)
        if not p:
            raise KeyError(f"role {name} has no param")
        return p

    def csrf_mode(self, role: Role) -> str:
        """How a token travels on requests to ``role`` that should carry one."""
        if role.csrf:
            return role.csrf
        return "field" if "csrf_token" in self.roles else "none"

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
            elif r.startswith("echo:"):
                role = self.roles.get(r.split(":", 1)[1])
                if role is not None and role.mapped and not (role.extract and "json" in role.extract):
                    out.append(f"role {role.name} is mapped to an app page, not the JSON echo of ROLES.md §2 "
                               f"that this scenario reads back")
            elif r == "csrf_protected":
                if "csrf_token" not in self.roles:
                    out.append("the profile has no csrf_token role (no CSRF token to send or tamper with)")
            elif r == "text_filter:strict":
                if self.text_filter != "strict":
                    out.append("the profile does not declare text_filter: strict")
        return out

    def namespace(self) -> dict[str, Any]:
        """What scenario expressions see as ``target``."""
        return {
            "name": self.name, "base_url": self.base_url, "origin": self.origin, "host": self.host,
            "netloc": self.netloc, "https": self.https, "http_url": self.http_url,
            "roles": {k: r.path for k, r in self.roles.items()},
            "session": dict(self.session), "csrf": dict(self.csrf), "limits": dict(self.limits),
            "users": {f"user{i + 1}": {**u, "session_id": u.get("session_id") or
                                       str((self.session.get("identity_values") or {}).get(u["username"],
                                                                                         u["username"]))}
                      for i, u in enumerate(self.users)},
        }


_TOP = {"name", "base_url", "http_url", "ca_bundle", "roles", "users", "session", "csrf", "limits", "text_filter",
        "login", "headers", "description", "cookies", "discovered", "extends"}


def _parse_role(name: str, spec: Any, d: dict, fail) -> Role | None:
    from .checks import status_spec_valid
    if spec is None:
        return None
    if isinstance(spec, str):
        if not spec.startswith("/"):
            fail(("roles", name), "must be an absolute path starting with / (or a mapping, or null when absent)")
        return _role_from_path(name, spec, d)
    if not isinstance(spec, dict):
        fail(("roles", name), "must be a path or a mapping (conformance/ROLES.md §5)")
    for k in spec:
        if k not in _ROLE_FIELDS:
            fail(("roles", name, k), f"unknown field (allowed: {', '.join(sorted(_ROLE_FIELDS))})")
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        fail(("roles", name, "path"), "required: an absolute path starting with /")
    r = _role_from_path(name, path, d)
    r.mapped = True
    r.extract = None
    r.anonymous = list(ANONYMOUS_KINDS)
    if "method" in spec:
        m = str(spec["method"]).upper()
        if m not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            fail(("roles", name, "method"), "must be GET, POST, PUT, PATCH or DELETE")
        r.method = m
    for k in ("param", "marker", "form_page"):
        if k in spec:
            if not isinstance(spec[k], str) or not spec[k]:
                fail(("roles", name, k), "must be a non-empty string")
            setattr(r, k, spec[k])
    if "show" in spec:
        if not isinstance(spec["show"], str) or not spec["show"].startswith("/"):
            fail(("roles", name, "show"), "must be an absolute path starting with /")
        r.show = spec["show"]
    if "as" in spec:
        if spec["as"] not in ("user1", "user2"):
            fail(("roles", name, "as"), "must be user1 or user2 (the profile's users, in order)")
        r.as_user = spec["as"]
    if r.form_page is not None and not r.form_page.startswith("/"):
        fail(("roles", name, "form_page"), "must be an absolute path starting with /")
    if r.marker is not None:
        try:
            re.compile(r.marker)
        except re.error as e:
            fail(("roles", name, "marker"), f"regex does not compile: {e}")
    for k in ("fields", "extra"):
        if k in spec:
            if not isinstance(spec[k], dict):
                fail(("roles", name, k), "must be a mapping of field name to value")
            setattr(r, k, {str(a): "" if b is None else str(b) for a, b in spec[k].items()})
    if "content_type" in spec:
        if spec["content_type"] not in CONTENT_TYPES:
            fail(("roles", name, "content_type"), f"must be one of {', '.join(CONTENT_TYPES)}")
        r.content_type = spec["content_type"]
    if "csrf" in spec:
        if spec["csrf"] not in ("field", "header", "none"):
            fail(("roles", name, "csrf"), "must be field, header or none")
        r.csrf = spec["csrf"]
    if "accept" in spec:
        acc = spec["accept"] if isinstance(spec["accept"], list) else [spec["accept"]]
        if not acc or not all(status_spec_valid(a) for a in acc):
            fail(("roles", name, "accept"), "must be status codes or classes like 2xx")
        r.accept = acc
    if "extract" in spec:
        why = extract.validate(spec["extract"])
        if why:
            fail(("roles", name, "extract"), why)
        r.extract = dict(spec["extract"])
    if "success" in spec:
        sc = spec["success"]
        if not isinstance(sc, dict) or set(sc) - {"marker", "redirect"}:
            fail(("roles", name, "success"), "must be a mapping with marker and/or redirect (regexes)")
        for k, v in sc.items():
            try:
                re.compile(str(v))
            except re.error as e:
                fail(("roles", name, "success", k), f"regex does not compile: {e}")
        r.success = {k: str(v) for k, v in sc.items()}
    if "anonymous" in spec:
        an = spec["anonymous"] if isinstance(spec["anonymous"], list) else [spec["anonymous"]]
        an = [str(a) for a in an]
        if not an or any(a not in ANONYMOUS_KINDS for a in an):
            fail(("roles", name, "anonymous"), f"must be a list of {', '.join(ANONYMOUS_KINDS)}")
        r.anonymous = an
    # what a mapping without extractor reads back
    if r.extract is None:
        if name == "whoami" and not r.marker:
            fail(("roles", name), "whoami needs extract (where the user's name shows) or marker (a regex shown "
                                  "only to a logged-in user)")
        if name == "csrf_token":
            fail(("roles", name), "csrf_token needs extract: {input: NAME}, {meta: NAME}, {json: POINTER}, "
                                  "{cookie: NAME} or {header: NAME}")
        if name == "state_probe":
            r.extract = {"contains": "value"}
    if "extract" in spec and "contains" in spec["extract"] and name != "state_probe":
        fail(("roles", name, "extract"), "contains: is for state_probe only")
    return r


def _merge(base: Any, over: Any) -> Any:
    """``over`` on top of ``base``: mappings merge key by key (a null removes the key), anything else replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _merge(base.get(k), v)
        return out
    return over


def _extend(path: str | Path, d: dict, fail, depth: int) -> dict:
    """``extends: FILE`` (relative to this file): that profile, with this file's keys on top. A discovered profile
    stays as discovery wrote it, and the few hand-written lines (a test instance's secret key, the declared limits)
    live beside it."""
    ext = d["extends"]
    if not isinstance(ext, str) or not ext:
        fail(("extends",), "must be the path of another profile")
    if depth >= 4:
        fail(("extends",), "extends nests more than 4 deep")
    base_path = Path(ext) if Path(ext).is_absolute() else Path(path).parent / ext
    if not base_path.is_file():
        fail(("extends",), f"no such file: {base_path}")
    load_profile(base_path, base_url=None if load_yaml(base_path).data.get("base_url") else "http://127.0.0.1:1",
                 _depth=depth + 1)  # errors in the base point at the base file
    base = load_yaml(base_path).data
    if "extends" in base:
        base = _extend(base_path, base, fail, depth + 1)
    over = {k: v for k, v in d.items() if k != "extends"}
    return _merge(base, over)


def load_profile(path: str | Path, base_url: str | None = None, name: str | None = None,
                 _depth: int = 0) -> Target:
    """Loads a profile file; ``base_url``/``name`` override the file's values (``--target URL``)."""
    loc = load_yaml(path)
    d = loc.data

    def fail(p: tuple, msg: str):
        raise LoadError(loc.file, loc.line(p), format_path(p), msg)

    if not isinstance(d, dict):
        fail((), "a profile is a mapping")
    if "extends" in d:
        d = _extend(path, d, fail, _depth)
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
        fail(("roles",), "must be a mapping of role to path or mapping")
    parsed: dict[str, Role] = {}
    for r, spec in roles.items():
        if r not in ROLES:
            fail(("roles", r), f"unknown role (roles: {', '.join(ROLES)})")
        role = _parse_role(r, spec, d, fail)
        if role is not None:
            parsed[r] = role
    login_sect = d.get("login") or {}
    if "login" in parsed and isinstance(login_sect, dict):
        # the older top-level login: {fields, extra, format} section still describes the login role
        lr = parsed["login"]
        if "fields" in login_sect and not (isinstance(roles.get("login"), dict) and "fields" in roles["login"]):
            lr.fields = {str(a): str(b) for a, b in login_sect["fields"].items()}
        if "extra" in login_sect and not lr.extra:
            lr.extra = {str(a): str(b) for a, b in (login_sect["extra"] or {}).items()}
        if login_sect.get("format") == "json":
            lr.content_type = "json"
    if "login" in parsed and not parsed["login"].fields:
        parsed["login"].fields = {"username": "username", "password": "password"}
    if "login" in parsed:
        bad = set(parsed["login"].fields) - {"username", "password"}
        if bad or set(parsed["login"].fields) != {"username", "password"}:
            fail(("roles", "login", "fields"), "must map username and password to the form's field names")
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
    if csrf.get("model") == "flask-wtf":
        csrf.setdefault("time_limit", 3600)  # Flask-WTF's WTF_CSRF_TIME_LIMIT default
    ca = d.get("ca_bundle")
    if ca and not Path(ca).is_absolute():
        ca = str((Path(path).parent / ca).resolve())
    return Target(
        name=name or d.get("name") or Path(path).stem, base_url=str(url).rstrip("/"),
        roles=parsed, users=[{"username": str(x["username"]), "password": str(x["password"]),
                **({"session_id": str(x["session_id"])} if x.get("session_id") is not None else {})}
               for x in users],
        http_url=d.get("http_url"), ca_bundle=ca, session=sess, csrf=csrf, limits=limits,
        text_filter=d.get("text_filter"), login=d.get("login") or {}, headers=d.get("headers") or {},
        file=str(path))


__all__ = ["Target", "load_profile", "SEVERITIES"]
