"""Scenario files: the schema, validated on load, and the loaded model.

A scenario file is a YAML mapping with one key ``scenarios``: a list of scenarios. Every error names the file,
the line and the field (``limits.yaml:42: scenarios[3].steps[0].request.method: must be one of ...``).
The full field reference is in ``conformance/README.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import expr
from .yamlsrc import Located, LoadError, format_path, load_yaml, load_yaml_text

SEVERITIES = ("info", "low", "medium", "high")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
TRANSPORTS = ("auto", "requests", "raw")
CSRF_MODES = ("none", "valid", "field", "header")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*[a-z0-9]$")

# Requirements that are not roles (checked against the profile by profile.Target.missing()).
CAPABILITIES = (
    "https", "http_url", "secret_key", "fallback_key", "retired_key", "two_users", "csrf_model:flask-wtf",
    "limits.max_content_length", "limits.max_form_memory_size", "limits.max_form_parts", "session_lifetime",
    "text_filter:strict", "csrf_protected", "echo:form_echo", "echo:json_echo", "echo:upload", "echo:whoami",
)
ROLES = (
    "page", "not_found", "server_error", "redirect", "static", "json_echo", "form_echo",
    "reflect_text", "reflect_attr", "reflect_unquoted_attr", "reflect_href", "reflect_script", "reflect_json_attr",
    "login", "whoami", "logout", "csrf_token", "state_change", "state_probe",
    "comment_post", "comment_list", "upload", "download", "password_reset",
)


# ---------------------------------------------------------------------------------------------- the schema

class _V:
    """Schema validation context: raises LoadError pointing at the offending field."""

    def __init__(self, loc: Located):
        self.loc = loc

    def fail(self, path: tuple, msg: str):
        raise LoadError(self.loc.file, self.loc.line(path), format_path(path), msg)

    def typ(self, path, value, types, what):
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
            self.fail(path, f"must be {what}, got {type(value).__name__}")

    def mapping(self, path, value, allowed: dict[str, Callable | None], required=()):
        self.typ(path, value, dict, "a mapping")
        for k in value:
            if k not in allowed:
                self.fail(path + (k,), f"unknown field (allowed: {', '.join(sorted(allowed))})")
        for k in required:
            if k not in value:
                self.fail(path, f"missing required field {k!r}")
        for k, check in allowed.items():
            if k in value and check is not None:
                check(path + (k,), value[k])

    def templates(self, path, value):
        errs = expr.check_syntax(value)
        if errs:
            self.fail(path, errs[0])


def _tuple(t):
    return t if isinstance(t, tuple) else (t,)


def _str(v: _V):
    return lambda p, x: v.typ(p, x, str, "a string")


def _nonempty_str(v: _V):
    def c(p, x):
        v.typ(p, x, str, "a string")
        if not x.strip():
            v.fail(p, "must not be empty")
    return c


def _enum(v: _V, values):
    def c(p, x):
        if x not in values:
            v.fail(p, f"must be one of {', '.join(map(str, values))}, got {x!r}")
    return c


def _bool(v: _V):
    return lambda p, x: v.typ(p, x, bool, "true or false")


def _number_or_template(v: _V, positive=True):
    def c(p, x):
        if isinstance(x, str) and expr.has_template(x):
            return v.templates(p, x)
        v.typ(p, x, (int, float), "a number or ${expression}")
        if positive and x <= 0:
            v.fail(p, "must be > 0")
    return c


def _any_templated(v: _V):
    return lambda p, x: v.templates(p, x)


def _str_list(v: _V, values=None):
    def c(p, x):
        v.typ(p, x, list, "a list")
        for i, e in enumerate(x):
            v.typ(p + (i,), e, str, "a string")
            if values is not None and e not in values:
                v.fail(p + (i,), f"must be one of {', '.join(values)}, got {e!r}")
    return c


def _str_map(v: _V):
    def c(p, x):
        v.typ(p, x, dict, "a mapping")
        for k, e in x.items():
            v.typ(p + (k,), k, str, "a string key")
            if not isinstance(e, (str, int, float)) or isinstance(e, bool):
                v.fail(p + (k,), "must be a string, a number or ${expression}")
            v.templates(p + (k,), e)
    return c


def _status_spec(v: _V):
    def one(p, x):
        if isinstance(x, bool):
            v.fail(p, "must be a status code or a class like 2xx")
        if isinstance(x, int):
            if not 100 <= x <= 599:
                v.fail(p, f"status {x} out of range 100-599")
        elif isinstance(x, str):
            if not re.fullmatch(r"[1-5]xx|[1-5][0-9][0-9]", x):
                v.fail(p, f"must be a status code or a class like 2xx, got {x!r}")
        else:
            v.fail(p, "must be a status code or a class like 2xx")

    def c(p, x):
        if isinstance(x, list):
            if not x:
                v.fail(p, "must not be empty")
            for i, e in enumerate(x):
                one(p + (i,), e)
        else:
            one(p, x)
    return c


def _requires(v: _V):
    def c(p, x):
        v.typ(p, x, list, "a list of roles or capabilities")
        for i, e in enumerate(x):
            v.typ(p + (i,), e, str, "a string")
            if e not in ROLES and e not in CAPABILITIES:
                v.fail(p + (i,), f"unknown role or capability {e!r} (roles: {', '.join(ROLES)}; "
                                  f"capabilities: {', '.join(CAPABILITIES)})")
    return c


def _expect_schema(v: _V) -> dict[str, Callable | None]:
    def json_checks(p, x):
        v.typ(p, x, dict, "a mapping of JSON field path to expected value")
        for k, e in x.items():
            v.typ(p + (k,), k, str, "a string key")
            v.templates(p + (k,), e)

    def header_audit(p, x):
        if x is True:
            return
        v.mapping(p, x, {"min_severity": _enum(v, SEVERITIES), "only": _str_list(v), "ignore": _str_list(v),
                         "https": _bool(v)})

    def cookie_audit(p, x):
        v.mapping(p, x, {"cookie": _nonempty_str(v), "required": _bool(v), "min_severity": _enum(v, SEVERITIES),
                         "max_lifetime": _number_or_template(v), "ignore": _str_list(v), "deletion": _bool(v),
                         "max_bytes": _number_or_template(v)},
                  required=("cookie",))

    def canary(p, x):
        v.mapping(p, x, {"payload": _any_templated(v), "present": _bool(v),
                         "context": _enum(v, ("html", "script", "none"))}, required=("payload",))

    def state(p, x):
        v.templates(p, x)

    def links(p, x):
        v.mapping(p, x, {"attrs": _str_list(v), "allow_if_csp_blocks_inline": _bool(v)})

    def weak(p, x):
        v.mapping(p, x, {"cookie": _any_templated(v), "keys": _str_list(v)}, required=("cookie", "keys"))

    def cookie_match(p, x):
        v.mapping(p, x, {"cookie": _nonempty_str(v), "step": _nonempty_str(v), "attributes": _str_list(v),
                         "deletion": _bool(v)}, required=("cookie", "step"))

    def identity(p, x):
        if isinstance(x, str):
            if x not in ("anonymous", "user1", "user2"):
                v.fail(p, "must be anonymous, user1 or user2")
            return
        v.mapping(p, x, {"user": _enum(v, ("anonymous", "user1", "user2")), "control": _bool(v)}, required=("user",))

    def cookies_seen(p, x):
        v.mapping(p, x, {"min_severity": _enum(v, SEVERITIES), "ignore": _str_list(v), "kinds": _str_list(v),
                         "max_lifetime": _number_or_template(v)})

    def compare(p, x):
        v.mapping(p, x, {"step": _nonempty_str(v), "headers": _str_list(v)}, required=("step", "headers"))

    def any_of(p, x):
        v.typ(p, x, list, "a list of expectation mappings")
        if len(x) < 2:
            v.fail(p, "needs at least two alternatives")
        for i, e in enumerate(x):
            v.mapping(p + (i,), e, schema)

    schema = {
        "any_of": any_of,
        "status": _status_spec(v), "status_not": _status_spec(v), "closed_ok": _bool(v), "timeout_ok": _bool(v),
        "max_seconds": _number_or_template(v),
        "headers_present": _str_list(v), "headers_absent": _str_list(v), "header_equals": _str_map(v),
        "header_matches": _str_map(v), "header_audit": header_audit, "cookie_audit": cookie_audit,
        "canary": canary, "json": json_checks, "json_max": json_checks, "json_min": json_checks,
        "body_absent": _str_list(v), "body_present": _str_list(v), "no_event_handler": _any_templated(v),
        "dangerous_links": links, "state_unchanged": lambda p, x: None if isinstance(x, bool) else v.templates(p, x), "state_equals": state,
        "same_headers_as": compare, "download_not_inline_active": _bool(v), "weak_secret": weak,
        "content_type": _str_list(v), "cookie_matches_step": cookie_match,
        "identity": identity, "limit": _enum(v, ("rejected", "reached")), "cookies_seen": cookies_seen,
        "reflected_clean": _any_templated(v), "not_reflected": _any_templated(v),
    }
    schema["echo"] = lambda p, x: v.mapping(p, x, schema)
    return schema


def _request_schema(v: _V) -> dict[str, Callable | None]:
    return {
        "method": _enum(v, METHODS), "role": _enum(v, ROLES), "path": _any_templated(v),
        "suffix": _any_templated(v), "query": _str_map(v), "headers": _str_map(v), "cookies": _str_map(v),
        "session": _nonempty_str(v), "body": _any_templated(v), "csrf": _enum(v, CSRF_MODES),
        "content_length": _number_or_template(v, positive=False), "transport": _enum(v, TRANSPORTS),
        "timeout": _number_or_template(v), "half_close": _bool(v), "follow_redirects": _bool(v),
        "referer": _any_templated(v), "origin": _any_templated(v), "base": _enum(v, ("https", "http")),
        "payload": _any_templated(v), "value": _any_templated(v), "text": _any_templated(v),
        "csrf_token": _any_templated(v), "login": _enum(v, ("user1", "user2")), "host": _any_templated(v),
        "slow": lambda p, x: v.mapping(p, x, {"chunk": _number_or_template(v), "delay": _number_or_template(v)},
                                       required=("chunk", "delay")),
    }


def _step_schema(v: _V) -> Callable:
    req = _request_schema(v)
    exp = _expect_schema(v)

    def c(p, x):
        v.mapping(p, x, {
            "name": _nonempty_str(v),
            "request": lambda pp, xx: (v.mapping(pp, xx, req), _request_target(v, pp, xx)),
            "expect": lambda pp, xx: v.mapping(pp, xx, exp),
            "foreach": lambda pp, xx: _foreach(v, pp, xx),
            "save": _str_map(v), "or_next": _bool(v),
        })
        if "request" not in x and "expect" not in x:
            v.fail(p, "a step needs a request, an expect, or both")
        if "request" not in x:
            allowed_offline = {"weak_secret", "state_unchanged", "state_equals", "cookies_seen"}
            bad = set(x.get("expect", {})) - allowed_offline
            if bad:
                v.fail(p + ("expect",), f"{', '.join(sorted(bad))} need a request in the same step")
    return c


def _request_target(v: _V, p, x):
    if "login" in x:
        extra = set(x) - {"login", "session"}
        if extra:
            v.fail(p, f"a login request takes only session (got {', '.join(sorted(extra))})")
        return
    if ("role" in x) == ("path" in x):
        v.fail(p, "exactly one of role or path is required")
    abstract = [k for k in ("payload", "value", "text") if k in x]
    if len(abstract) > 1:
        v.fail(p, "at most one of payload, value, text")
    if abstract and "role" not in x:
        v.fail(p + (abstract[0],), "an abstract input needs a role (the role's param carries it)")
    if abstract and "body" in x:
        v.fail(p + (abstract[0],), "give either an abstract input or a body")
    if "slow" in x and x.get("transport") == "requests":
        v.fail(p + ("slow",), "slow sends need the raw transport")


def _foreach(v: _V, p, x):
    v.typ(p, x, dict, "a mapping of variable to list of values")
    if len(x) != 1:
        v.fail(p, "exactly one loop variable")
    for k, e in x.items():
        if not isinstance(e, list) and not expr.has_template(e):
            v.fail(p + (k,), "must be a list or ${expression}")
        v.templates(p + (k,), e)


def _scenario_schema(v: _V) -> dict[str, Callable | None]:
    step = _step_schema(v)

    def steps(p, x):
        v.typ(p, x, list, "a list of steps")
        if not x:
            v.fail(p, "must not be empty")
        for i, s in enumerate(x):
            step(p + (i,), s)

    def sessions(p, x):
        v.typ(p, x, dict, "a mapping of session name to user (a profile username key: user1, user2) or anonymous")
        for k, e in x.items():
            if e not in ("user1", "user2", "anonymous"):
                v.fail(p + (k,), f"must be user1, user2 or anonymous, got {e!r}")

    def ident(p, x):
        v.typ(p, x, str, "a string")
        if not ID_RE.match(x):
            v.fail(p, "must be lower-case letters, digits, '.', '_' or '-' (e.g. limits.parts.over-limit)")

    return {
        "id": ident, "title": _nonempty_str(v), "doc": _nonempty_str(v), "severity": _enum(v, SEVERITIES),
        "requires": _requires(v), "tags": _str_list(v), "dos": _bool(v), "description": _str(v),
        "serial": _nonempty_str(v), "final": _bool(v),
        "skip_unless": lambda p, x: (v.typ(p, x, dict, "a mapping {when: ${expression}, reason: text}"),
                                     v.mapping(p, x, {"when": _any_templated(v), "reason": _nonempty_str(v)},
                                               required=("when", "reason"))),
        "remediation": _str(v), "sessions": sessions,
        "vars": lambda p, x: (v.typ(p, x, dict, "a mapping"), v.templates(p, x)), "steps": steps,
    }


# ---------------------------------------------------------------------------------------------- the model

@dataclass
class Step:
    index: int
    name: str
    request: dict | None
    expect: dict
    foreach: dict | None
    save: dict
    line: int
    or_next: bool = False  # passing settles the scenario; failing hands the verdict to the next step


@dataclass
class Scenario:
    id: str
    title: str
    doc: str
    severity: str
    requires: list[str]
    steps: list[Step]
    file: str
    line: int
    tags: list[str] = field(default_factory=list)
    dos: bool = False
    description: str = ""
    remediation: str = ""
    sessions: dict[str, str] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    area: str = ""
    serial: str | None = None  # scenarios of one serial group never run at the same time on a target
    final: bool = False  # runs after every other scenario of the target (judges what the run saw)
    skip_unless: dict | None = None  # {when, reason}: checked after the logins; falsy -> SKIP with the reason


def parse_located(loc: Located) -> list[Scenario]:
    v = _V(loc)
    data = loc.data
    if data is None:
        v.fail((), "empty file (expected a mapping with 'scenarios')")
    v.mapping((), data, {"scenarios": None}, required=("scenarios",))
    v.typ(("scenarios",), data["scenarios"], list, "a list of scenarios")
    schema = _scenario_schema(v)
    out = []
    for i, s in enumerate(data["scenarios"]):
        p = ("scenarios", i)
        v.mapping(p, s, schema, required=("id", "title", "doc", "severity", "steps"))
        names = set()
        steps = []
        for j, st in enumerate(s["steps"]):
            name = st.get("name", f"step{j + 1}")
            if name in names:
                v.fail(p + ("steps", j, "name"), f"duplicate step name {name!r}")
            names.add(name)
            steps.append(Step(j, name, st.get("request"), st.get("expect", {}), st.get("foreach"),
                              st.get("save", {}), loc.line(p + ("steps", j)), st.get("or_next", False)))
        for j, st in enumerate(s["steps"]):
            for key in ("same_headers_as", "cookie_matches_step"):
                cmp = st.get("expect", {}).get(key)
                if cmp and cmp["step"] not in names:
                    v.fail(p + ("steps", j, "expect", key, "step"), f"no step named {cmp['step']!r}")
        area = Path(loc.file).stem
        out.append(Scenario(
            id=s["id"], title=s["title"], doc=s["doc"], severity=s["severity"], requires=s.get("requires", []),
            steps=steps, file=loc.file, line=loc.line(p), tags=s.get("tags", []), dos=s.get("dos", False),
            description=s.get("description", ""), remediation=s.get("remediation", ""),
            sessions=s.get("sessions", {}), vars=s.get("vars", {}), area=area, serial=s.get("serial"),
            final=s.get("final", False), skip_unless=s.get("skip_unless")))
    return out


def load_file(path: str | Path, display: str | None = None) -> list[Scenario]:
    return parse_located(load_yaml(path, display))


def load_text(text: str, display: str = "<string>") -> list[Scenario]:
    return parse_located(load_yaml_text(text, display))


def load_dir(directory: str | Path, relative_to: str | Path | None = None) -> list[Scenario]:
    """Loads every ``*.yaml`` of a directory (sorted); scenario ids must be unique across files."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else [directory]
    seen: dict[str, Scenario] = {}
    out: list[Scenario] = []
    for f in files:
        display = str(f)
        if relative_to is not None:
            try:
                display = str(Path(f).resolve().relative_to(Path(relative_to).resolve()))
            except ValueError:
                pass
        for s in load_file(f, display):
            if s.id in seen:
                o = seen[s.id]
                raise LoadError(s.file, s.line, "id", f"duplicate scenario id {s.id!r} (first in {o.file}:{o.line})")
            seen[s.id] = s
            out.append(s)
    return out
