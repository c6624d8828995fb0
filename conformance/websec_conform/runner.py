"""Runs scenarios against targets: sessions and logins, CSRF tokens, state probes, requests and checks.

The runner knows nothing of any one scenario: everything scenario-specific is data in the scenario file.
"""
from __future__ import annotations

import json as _json
import re
import secrets
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from . import checks, expr, extract, generators, judge
from .profile import Role, Target
from .scenario import Scenario, Step
from .transport import RateLimiter, Request, Response, Settings, build_url, reproduce, send

STATUS_ORDER = ("fail", "error", "pass", "skip")
RAW_BODY_THRESHOLD = 256 * 1024


@dataclass
class StepResult:
    name: str
    line: int
    request: dict | None = None
    response: dict | None = None
    checks: list[checks.CheckResult] = field(default_factory=list)
    curl: str | None = None

    @property
    def failed(self) -> list[checks.CheckResult]:
        return [c for c in self.checks if not c.ok and not c.error]

    @property
    def errors(self) -> list[checks.CheckResult]:
        return [c for c in self.checks if c.error]

    def to_dict(self) -> dict:
        return {"name": self.name, "line": self.line, "request": self.request, "response": self.response,
                "checks": [c.to_dict() for c in self.checks], "curl": self.curl}


@dataclass
class ScenarioResult:
    scenario: Scenario
    target: str
    status: str  # pass | fail | skip | error
    reason: str = ""
    steps: list[StepResult] = field(default_factory=list)
    duration: float = 0.0
    baselined: bool = False
    baseline_reason: str = ""
    error_kind: str = ""  # for errors: "mapping" (a role does not behave as mapped) or "run"

    def findings(self) -> list[dict]:
        """One entry per failed check, with the evidence and the reproduction."""
        out = []
        for st in self.steps:
            for c in st.failed:
                resp = st.response or {}
                out.append({
                    "scenario": self.scenario.id, "target": self.target, "severity": self.scenario.severity,
                    "step": st.name, "check": c.check, "message": c.message, "details": c.details,
                    "request": st.request, "response": {"status": resp.get("status"), "outcome": resp.get("outcome"),
                                                        "headers": resp.get("headers")},
                    "curl": st.curl, "file": self.scenario.file, "line": st.line})
        return out

    def summary_line(self) -> str:
        if self.status in ("fail", "error"):
            for st in self.steps:
                for c in st.failed + st.errors:
                    return f"{st.name}: {c.message}"
        return self.reason

    def to_dict(self) -> dict:
        s = self.scenario
        return {"id": s.id, "title": s.title, "doc": s.doc, "severity": s.severity, "area": s.area, "file": s.file,
                "line": s.line, "target": self.target, "status": self.status, "reason": self.reason,
                "baselined": self.baselined, "baseline_reason": self.baseline_reason,
                "error_kind": self.error_kind,
                "duration_ms": round(self.duration * 1000, 1), "steps": [st.to_dict() for st in self.steps]}


class _StopScenario(Exception):
    """A step did not hold: the steps after it are not run (they depend on it)."""


class ScenarioError(Exception):
    """The scenario could not be run to a verdict (login failed, expression error, no token...)."""


@dataclass
class Options:
    settings: Settings = field(default_factory=Settings)
    concurrency: int = 4
    rate: float = 0.0
    allow_dos: bool = False
    insecure: bool = False
    ca_bundle: str | None = None
    progress: Callable[[str, int, int, str], None] | None = None
    redactor: Any = None  # redact.Redactor: learns the session cookies and CSRF tokens of the run


class _Session:
    def __init__(self, name: str, user: str | None):
        self.name = name
        self.user = user
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def absorb(self, resp: Response) -> None:
        for line in resp.header_all("Set-Cookie"):
            first = line.split(";", 1)[0]
            if "=" not in first:
                continue
            k, v = first.split("=", 1)
            k, v = k.strip(), v.strip()
            if not k:
                continue
            if checks.is_deletion(line):
                self.cookies.pop(k, None)
            else:
                self.cookies[k] = v

    def cookie_header(self) -> str | None:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items()) or None


class MappingError(Exception):
    """A role does not behave as its mapping says: reported as ERROR, never as a finding."""


@dataclass
class SeenCookie:
    line: str
    method: str
    path: str
    scenario: str


class TargetState:
    """What the scenarios of one target share: positive controls (run once, cached) and every Set-Cookie seen."""

    def __init__(self, target: Target):
        self.target = target
        self.lock = threading.Lock()
        self.controls: dict[str, tuple[bool, str]] = {}
        self.control_locks: dict[str, threading.Lock] = {}
        self.cookies: dict[str, SeenCookie] = {}  # first non-deleting line per cookie name
        self.deletions: dict[str, SeenCookie] = {}

    def note_cookies(self, resp: Response, req: Request, scenario: str) -> None:
        from urllib.parse import urlsplit
        path = urlsplit(req.url).path
        with self.lock:
            for line in resp.header_all("Set-Cookie"):
                name = checks.cookie_name(line)
                if not name:
                    continue
                book = self.deletions if checks.is_deletion(line) else self.cookies
                book.setdefault(name, SeenCookie(line, req.method, path, scenario))

    def control(self, key: str, fn: Callable[[], tuple[bool, str]]) -> tuple[bool, str]:
        with self.lock:
            if key in self.controls:
                return self.controls[key]
            lk = self.control_locks.setdefault(key, threading.Lock())
        with lk:
            with self.lock:
                if key in self.controls:
                    return self.controls[key]
            try:
                res = fn()
            except (ScenarioError, MappingError) as e:
                res = (False, str(e))
            with self.lock:
                self.controls[key] = res
            return res


class _Run:
    """One scenario against one target."""

    def __init__(self, sc: Scenario, target: Target, opts: Options, limiter: RateLimiter,
                 shared: TargetState | None = None):
        self.sc, self.t, self.opts, self.limiter = sc, target, opts, limiter
        self.shared = shared or TargetState(target)
        self.canary = "wsc" + secrets.token_hex(6)
        self.sessions: dict[str, _Session] = {"main": _Session("main", None)}
        self.vars: dict[str, Any] = {}
        self.responses: dict[str, Response] = {}
        self.loop: dict[str, Any] = {}
        self.step_value: str | None = None  # the abstract value the current step sent (state checks)
        self.last_session: _Session | None = None  # the session of the last request a step sent
        self.last_form_names: list[str] = []  # the fields of the form _form_inputs last read

    # -- expressions
    def names(self, resp: Response | None = None) -> dict[str, Any]:
        n: dict[str, Any] = dict(generators.FUNCTIONS)
        t = self.t.namespace()
        n.update({"target": t, "limits": t["limits"], "canary": self.canary, "vars": self.vars,
                  "users": t["users"], "session_cfg": t["session"], "secret_key": t["session"].get("secret_key"),
                  "cookie_of": self.cookie_of, "csrf_of": self.csrf_of, "raw_csrf_of": self.raw_csrf_of,
                  "param_of": self.t.param_of, "csrf_field": self.csrf_field()})
        n.update(self.loop)
        if resp is not None:
            n["status"] = resp.status
            n["headers"] = {k.lower(): v for k, v in reversed(resp.headers)}
            try:
                n["json"] = _json.loads(resp.body) if resp.body else None
            except ValueError:
                n["json"] = None
            n["download_url"] = lambda filename, _r=resp: self.download_url(_r, str(filename))
        return n

    def render(self, value: Any, resp: Response | None = None) -> Any:
        return expr.render(value, self.names(resp))

    def csrf_field(self) -> str:
        return str(self.t.csrf.get("field", "csrf_token"))

    def cookie_of(self, session: str = "main") -> str:
        s = self.sessions.get(session)
        if s is None:
            raise expr.ExprError(f"no session {session!r}")
        v = s.cookies.get(self.t.session["cookie_name"])
        if v is None:
            raise expr.ExprError(f"session {session!r} has no {self.t.session['cookie_name']} cookie")
        return v

    def csrf_of(self, session: str = "main") -> str:
        return self._token(self.sessions[session])

    def raw_csrf_of(self, session: str = "main") -> str:
        """The raw token stored in the session (white-box; decoded by the C++ library)."""
        self._token(self.sessions[session])
        payload = judge.decode_session(self.cookie_of(session))
        raw = payload.get("csrf_token") if isinstance(payload, dict) else None
        if not raw:
            raise expr.ExprError("the session holds no csrf_token")
        if self.opts.redactor is not None:
            self.opts.redactor.add(str(raw), "csrf token")
        return raw

    # -- HTTP
    def _send(self, req: Request, sess: _Session | None) -> Response:
        resp = send(req, self.opts.settings, self.limiter)
        if resp.outcome == "response":
            self.shared.note_cookies(resp, req, self.sc.id)
            if sess is not None:
                sess.absorb(resp)
                red = self.opts.redactor
                if red is not None:
                    for v in sess.cookies.values():
                        red.add(v, "session cookie")
        return resp

    def _headers(self, sess: _Session | None, method: str, extra: list[tuple[str, str]] | None = None):
        hdrs = [(k, str(v)) for k, v in self.t.headers.items()] + list(extra or [])
        if sess is not None and sess.cookies:
            hdrs.append(("Cookie", sess.cookie_header()))
        if method not in ("GET", "HEAD"):
            hdrs.append(("Referer", self.t.origin + "/"))
        return hdrs

    def _get(self, path: str, sess: _Session | None, query: dict | None = None) -> Response:
        req = Request("GET", build_url(self.t.base_url, path, query), self._headers(sess, "GET"),
                      timeout=self.opts.settings.timeout)
        return self._send(req, sess)

    def _post_fields(self, role: Role, path: str, sess: _Session | None, fields: list[tuple[str, str]],
                     headers: list[tuple[str, str]] | None = None) -> tuple[Request, Response]:
        body = self._encode(role.content_type, fields)
        hdrs = self._headers(sess, role.method, headers)
        hdrs.append(("Content-Type", body.content_type))
        req = Request(role.method, build_url(self.t.base_url, path), hdrs, body, timeout=self.opts.settings.timeout)
        return req, self._send(req, sess)

    @staticmethod
    def _encode(content_type: str, fields: list[tuple[str, str]]) -> generators.Body:
        if content_type == "json":
            return generators.json(dict(fields))
        if content_type == "multipart":
            return generators.multipart().with_fields(fields) if fields else generators.multipart()
        return generators.form().with_fields(fields)

    def _form_inputs(self, page: str, sess: _Session, action: str | None, want: str | None = None
                     ) -> tuple[list[tuple[str, str]], Response]:
        """GET ``page`` and return the hidden inputs of the form that posts to ``action`` (or has the field
        ``want``, or is the first POST form)."""
        resp = self._get(page, sess)
        if resp.outcome != "response":
            raise ScenarioError(f"GET {page} for its form: {resp.outcome} {resp.error}")
        try:
            fs = extract.forms(resp.text)
        except extract.ExtractError as e:
            raise ScenarioError(str(e)) from None
        from urllib.parse import urljoin, urlsplit
        chosen = None
        for f in fs:
            target_path = urlsplit(urljoin(self.t.base_url + page, f.action or page)).path
            if want and want in f.names():
                chosen = f
                break
            if action and target_path == action and f.method == "POST" and chosen is None:
                chosen = f
        if chosen is None:
            chosen = next((f for f in fs if f.method == "POST"), None)
        self.last_form_names = chosen.names() if chosen else []
        return (chosen.hidden if chosen else []), resp

    def _require_fields(self, role: Role, page: str, names: list[str]) -> None:
        """A mapped form must have the fields the mapping sends: a wrong field name is a mapping error, not a form
        the app silently refuses (which would make every "refused" verdict pass)."""
        have = self.last_form_names
        missing = [n for n in names if n not in have]
        if missing:
            raise MappingError(f"role {role.name} does not behave as mapped: the form on {page} has no field "
                               f"{', '.join(repr(m) for m in missing)} (its fields: {', '.join(have) or 'none'})")

    def session_as(self, user_key: str) -> _Session:
        """A session of this scenario logged in as ``user_key`` (roles mapped with ``as:``), made once."""
        key = "as:" + user_key
        if key not in self.sessions:
            s = _Session(key, None)
            self.login(s, user_key)
            self.sessions[key] = s
        return self.sessions[key]

    def show_page(self, role: Role | None, resp: Response, sess: _Session | None) -> Response:
        """For a role mapped with ``show:``, the page where the stored value shows (judged instead of the answer
        to the request that stored it)."""
        if role is None or not role.show or resp.outcome != "response":
            return resp
        return self._get(role.show, sess)

    # -- login
    def login(self, sess: _Session, user_key: str) -> Response:
        users = self.t.namespace()["users"]
        if user_key not in users:
            raise ScenarioError(f"the profile has no {user_key}")
        if "login" not in self.t.roles:
            raise ScenarioError("the profile has no login role")
        u = users[user_key]
        role = self.t.roles["login"]
        name = self.t.session["cookie_name"]
        hidden: list[tuple[str, str]] = []
        form_page = role.form_page or (role.path if role.mapped and role.method == "POST" else None)
        if form_page:
            hidden, _ = self._form_inputs(form_page, sess, role.path, want=role.fields["password"])
            self._require_fields(role, form_page, [role.fields["username"], role.fields["password"]])
        before = sess.cookies.get(name)
        fields = [(k, v) for k, v in hidden if k not in (role.fields["username"], role.fields["password"])]
        extra_hdrs: list[tuple[str, str]] = []
        tokrole = self.t.roles.get("csrf_token")
        if tokrole is not None and tokrole.mapped and not any(k == self.csrf_field() for k, _ in fields):
            # a token that is not a hidden input of the login form (meta tag, cookie, header)
            try:
                tok = self._token(sess)
                if self.t.csrf_mode(role) == "header" or "input" not in (tokrole.extract or {}):
                    extra_hdrs.append((str(self.t.csrf.get("header", "X-CSRFToken")), tok))
                else:
                    fields.append((self.csrf_field(), tok))
            except (ScenarioError, MappingError):
                pass  # the login may need no token; if it does, its failure says so
        fields += list(role.extra.items())
        fields += [(role.fields["username"], u["username"]), (role.fields["password"], u["password"])]
        req, resp = self._post_fields(role, role.path, sess, fields, extra_hdrs)
        why = self._login_failure(role, resp, sess, before)
        if why:
            raise ScenarioError(f"login as {u['username']} failed: {why}")
        sess.user = u["username"]
        sess.csrf = None  # a login may rotate the session's token
        return resp

    def _login_failure(self, role: Role, resp: Response, sess: _Session, before: str | None) -> str | None:
        name = self.t.session["cookie_name"]
        if resp.outcome != "response":
            return f"no response ({resp.outcome}: {resp.error})"
        st = resp.status or 0
        text = resp.text
        seen = f"answered {st}"
        if re.search(r"(?i)csrf|xsrf", text) and re.search(r"(?i)missing|invalid|expired|does not match|failed", text) \
                and st != 200 or (st == 400 and re.search(r"(?i)csrf", text)):
            return f"{seen} and the page says the CSRF token is missing or invalid (map csrf_token or login.form_page)"
        if st >= 400:
            return f"{seen} (expected a success status with a {name} cookie)"
        if st == 200 and any(f.has_type("password") for f in _safe_forms(text)):
            # the session cookie may have changed anyway (a flashed message is stored in it)
            return f"{seen} with the login form shown again (wrong field names or credentials?)"
        after = sess.cookies.get(name)
        if after is None or after == before:
            return f"{seen} but set no {'new ' if before else ''}{name} cookie"
        loc = resp.header("Location") or ""
        if "redirect" in role.success and not re.search(role.success["redirect"], loc):
            return f"{seen}, redirect to {loc!r} does not match success.redirect"
        if "marker" in role.success:
            page = resp
            if 300 <= st < 400 and loc:
                from urllib.parse import urljoin, urlsplit
                nxt = urlsplit(urljoin(self.t.base_url + "/", loc))
                if nxt.netloc and nxt.netloc != self.t.netloc:
                    return f"{seen}, redirect to another host {nxt.netloc!r}"
                page = self._get(nxt.path + (f"?{nxt.query}" if nxt.query else ""), sess)
            if not re.search(role.success["marker"], page.text):
                return f"{seen} but the page does not show success.marker {role.success['marker']!r}"
        return None

    # -- CSRF tokens
    def _token(self, sess: _Session) -> str:
        if sess.csrf:
            return sess.csrf
        role = self.t.roles.get("csrf_token")
        if role is None:
            raise ScenarioError("a CSRF token is needed but the profile has no csrf_token role")
        resp = self._get(role.path, sess)
        if resp.outcome != "response" or (resp.status or 0) >= 400:
            raise MappingError(f"role csrf_token does not behave as mapped: GET {role.path} answered "
                               f"{resp.status or resp.outcome}")
        try:
            tok = extract.apply(role.extract, body=resp.body, headers=resp.headers, cookies=sess.cookies)
        except extract.ExtractError as e:
            raise MappingError(f"role csrf_token does not behave as mapped: {e}") from None
        if tok is extract.MISSING or not tok or not isinstance(tok, str):
            raise MappingError(f"role csrf_token does not behave as mapped: {_describe(role.extract)} found no "
                               f"token on {role.path} (status {resp.status})")
        sess.csrf = tok
        if self.opts.redactor is not None:
            self.opts.redactor.add(tok, "csrf token")
        return tok

    # -- identity and state
    def identity(self, resp: Response, sess_cookies: dict[str, str] | None = None) -> tuple[str, str]:
        """(who, how): who is a profile username, "anonymous", or "logged-in" (a marker without a name).
        Raises MappingError when the response does not fit the whoami role's contract."""
        role = self.t.roles.get("whoami")
        if role is None:
            raise ScenarioError("the profile has no whoami role")
        if resp.outcome != "response":
            raise MappingError(f"whoami: no response ({resp.outcome}: {resp.error})")
        st = resp.status or 0
        if st in (401, 403) and str(st) in role.anonymous:
            return "anonymous", f"answered {st}"
        if 300 <= st < 400 and "redirect" in role.anonymous:
            return "anonymous", f"redirected to {resp.header('Location')!r}"
        if st >= 500:
            return "error", f"answered {st}"
        if not 200 <= st < 300:
            raise MappingError(f"role whoami does not behave as mapped: GET {role.path} answered {st}, which is "
                               f"neither a page nor one of its anonymous answers ({', '.join(role.anonymous)})")
        if role.extract is not None:
            try:
                got = extract.apply(role.extract, body=resp.body, headers=resp.headers, cookies=sess_cookies)
            except extract.ExtractError as e:
                raise MappingError(f"role whoami does not behave as mapped: {e}") from None
            for u in self.t.users:
                if extract.names_user(got, u["username"]):
                    return u["username"], f"{_describe(role.extract)} reads {_short(got)}"
            if role.marker and re.search(role.marker, resp.text):
                return "logged-in", f"the logged-in marker {role.marker!r} shows"
            return "anonymous", (f"{_describe(role.extract)} finds nothing" if got is extract.MISSING or got in
                                 (None, "") else f"{_describe(role.extract)} reads {_short(got)}, no profile user")
        if role.marker and re.search(role.marker, resp.text):
            return "logged-in", f"the logged-in marker {role.marker!r} shows"
        return "anonymous", f"the logged-in marker {role.marker!r} is absent"

    def probe_shows(self, sess: _Session, value: str) -> tuple[bool, str]:
        role = self.t.roles.get("state_probe")
        if role is None:
            raise ScenarioError("the profile has no state_probe role")
        resp = self._get(role.path, sess)
        if resp.outcome != "response" or (resp.status or 0) >= 400:
            raise MappingError(f"role state_probe does not behave as mapped: GET {role.path} answered "
                               f"{resp.status or resp.outcome}")
        try:
            got = extract.apply(role.extract, body=resp.body, headers=resp.headers, cookies=sess.cookies)
        except extract.ExtractError as e:
            raise MappingError(f"role state_probe does not behave as mapped: {e}") from None
        shown = extract.shows(role.extract, got, value)
        desc = (f"GET {role.path} " + ("shows" if shown else "does not show") + f" {value!r}"
                + ("" if "contains" in role.extract else f" ({_describe(role.extract)} reads {_short(got)})"))
        return shown, desc

    def control_identity(self) -> tuple[bool, str]:
        """Positive control of whoami: a logged-in session is recognised (and an anonymous one is not)."""
        def run() -> tuple[bool, str]:
            s = _Session("control", None)
            if "login" in self.t.roles and self.t.users:
                self.login(s, "user1")
                cookies = dict(s.cookies)
                how = "the session of a fresh login"
            elif self.t.session.get("secret_key") and self.t.users:
                cookies = {self.t.session["cookie_name"]: generators.forge(
                    {"_permanent": True, self.t.session.get("identity_field", "user"): self.t.users[0]["username"]},
                    self.t.session["secret_key"])}
                how = "a cookie signed with the profile's secret_key"
            else:
                return False, "no login role and no secret_key to prove the whoami role with"
            role = self.t.roles["whoami"]
            probe = _Session("control-probe", None)
            probe.cookies = cookies
            who, why = self.identity(self._get(role.path, probe), cookies)
            if who != self.t.users[0]["username"] and not (who == "logged-in"):
                return False, (f"role whoami does not behave as mapped: with {how}, GET {role.path} gives "
                               f"{who} ({why})")
            return True, f"GET {role.path} recognises {self.t.users[0]['username']} ({why})"
        return self.shared.control("whoami", run)

    def control_state(self) -> tuple[bool, str]:
        def run() -> tuple[bool, str]:
            s = _Session("control", None)
            self.login(s, "user1")
            role = self.t.roles["state_change"]
            value = "ctl" + secrets.token_hex(5)
            spec = {"method": role.method, "role": "state_change", "value": value, "csrf": "valid"}
            req, _ = self.build_request(spec, sess_override=s)
            resp = self._send(req, s)
            if resp.outcome != "response" or not checks.status_matches(resp.status, role.accept):
                return False, (f"role state_change does not behave as mapped: a valid {role.method} {role.path} "
                               f"with {self.t.param_of('state_change')}={value!r} answered "
                               f"{resp.status or resp.outcome} (accepted: {role.accept})")
            shown, desc = self.probe_shows(s, value)
            if not shown:
                return False, (f"role state_change does not behave as mapped: a valid request was answered "
                               f"{resp.status} but {desc}")
            return True, f"a valid request with a token changes the state ({desc})"
        return self.shared.control("state", run)

    def control_reflect(self, role_name: str) -> tuple[bool, str]:
        def run() -> tuple[bool, str]:
            token = "wscctl" + secrets.token_hex(5)
            # a URL field may accept only URLs: the control for links is a harmless https URL
            value = f"https://example.com/{token}" if role_name == "reflect_href" else token
            req, sess = self.build_request({"role": role_name, "payload": value, "session": "main"})
            resp = self.show_page(self.t.roles.get(role_name), self._send(req, sess), sess)
            if resp.outcome != "response":
                return False, f"role {role_name} does not behave as mapped: {resp.outcome} {resp.error}"
            if token not in resp.text:
                return False, (f"role {role_name} does not behave as mapped: the harmless canary {token!r} sent "
                               f"in {self.t.param_of(role_name)!r} does not come back (status {resp.status})")
            return True, f"the harmless canary comes back in {role_name}"
        return self.shared.control("reflect:" + role_name, run)

    def control_stored(self) -> tuple[bool, str]:
        """Stored text: a harmless canary posted through comment_post shows on comment_list."""
        def run() -> tuple[bool, str]:
            token = "wscctl" + secrets.token_hex(5)
            post = self.t.roles["comment_post"]
            req, sess = self.build_request({"role": "comment_post", "text": token, "csrf": "valid",
                                            "session": "main"})
            resp = self._send(req, sess)
            if resp.outcome != "response" or not checks.status_matches(resp.status, post.accept):
                return False, (f"role comment_post does not behave as mapped: a valid {post.method} {post.path} "
                               f"answered {resp.status or resp.outcome} (accepted: {post.accept})")
            lreq, lsess = self.build_request({"role": "comment_list", "session": "main"})
            page = self._send(lreq, lsess)
            if token not in page.text:
                return False, (f"role comment_list does not behave as mapped: the harmless text {token!r} posted "
                               f"to {post.path} (answered {resp.status}) does not show on {lreq.url} "
                               f"(status {page.status})")
            return True, "harmless text posted through comment_post shows on comment_list"
        return self.shared.control("stored", run)

    def control_form(self, role_name: str) -> tuple[bool, str]:
        def run() -> tuple[bool, str]:
            req, sess = self.build_request({"role": role_name, "method": "POST",
                                            "body": "${multipart(fields=2, field_size=10)}", "session": "none"})
            resp = self._send(req, sess)
            if resp.outcome != "response":
                return False, f"role {role_name} does not behave as mapped: a small form got {resp.outcome}"
            if resp.status in (404, 405, 413) or (resp.status or 0) >= 500:
                return False, (f"role {role_name} does not behave as mapped: a small form (2 fields of 10 bytes) "
                               f"was answered {resp.status}")
            return True, f"a small form reaches the app (answered {resp.status})"
        return self.shared.control("form:" + role_name, run)

    def download_url(self, resp: Response, filename: str) -> str:
        """Where an uploaded file can be fetched: the JSON ``url`` of ROLES.md §2, or a link naming the file on
        the page the upload answered or redirected to."""
        try:
            obj = _json.loads(resp.body)
            if isinstance(obj, dict) and isinstance(obj.get("url"), str):
                return obj["url"]
        except ValueError:
            pass
        from urllib.parse import quote, urljoin, urlsplit
        page = resp
        loc = resp.header("Location")
        if loc and 300 <= (resp.status or 0) < 400:
            nxt = urlsplit(urljoin(self.t.base_url + "/", loc))
            if nxt.netloc == self.t.netloc:
                page = self._get(nxt.path + (f"?{nxt.query}" if nxt.query else ""), self.last_session)
        try:
            doc = extract.soup(page.text)
        except extract.ExtractError as e:
            raise ScenarioError(str(e)) from None
        from werkzeug.utils import secure_filename
        names = [filename, secure_filename(filename)]  # what a Flask app stores (secure_filename)
        for a in doc.find_all("a", href=True):
            href = str(a["href"])
            if any(n and (n in a.get_text() or n in href or quote(n) in href) for n in names):
                u = urlsplit(urljoin(self.t.base_url + "/", href))
                if u.netloc == self.t.netloc:
                    return u.path + (f"?{u.query}" if u.query else "")
        raise MappingError(f"role upload does not behave as mapped: no link to {filename!r} on the page the upload "
                           f"answered (status {resp.status})")

    # -- requests
    def build_request(self, spec: dict, sess_override: _Session | None = None) -> tuple[Request, _Session | None]:
        r = self.render
        sess_name = spec.get("session", "main")
        if sess_override is not None:
            sess = sess_override
        elif sess_name == "last":
            sess = self.last_session  # the session of the previous request (a download after an upload)
        else:
            sess = None if sess_name == "none" else self.sessions.get(sess_name)
            if sess_name != "none" and sess is None:
                raise ScenarioError(f"no session {sess_name!r} in this scenario")
        role = self.t.roles.get(spec["role"]) if "role" in spec else None
        if "role" in spec and role is None:
            raise ScenarioError(f"the profile has no {spec['role']} role")
        if role is not None and role.as_user and sess_override is None and sess_name == "main":
            sess = self.session_as(role.as_user)
        method = spec.get("method") or (role.method if role else "GET")
        path = role.path if role else str(r(spec["path"]))
        if "suffix" in spec:
            from urllib.parse import quote
            path = path + quote(str(r(spec["suffix"])), safe="/")
        query = {k: str(v) for k, v in r(spec.get("query", {})).items()}
        base = self.t.base_url
        if spec.get("base") == "http":
            if not self.t.http_url:
                raise ScenarioError("the profile has no http_url")
            base = self.t.http_url
        headers: list[tuple[str, str]] = [(k, str(v)) for k, v in self.t.headers.items()]
        headers += [(k, str(v)) for k, v in r(spec.get("headers", {})).items()]
        # the abstract input (payload, value, text) goes into the role's field
        abstract = next((k for k in ("payload", "value", "text") if k in spec), None)
        fields: list[tuple[str, str]] = []
        self.step_value = None
        if abstract is not None:
            if role is None:
                raise ScenarioError(f"{abstract} needs a role")
            v = str(r(spec[abstract]))
            self.step_value = v
            fields.append((self.t.param_of(role.name), v))
        fixed = list(role.fields.items()) if role is not None else []
        # a request that stores an abstract input through a form carries a valid token unless the scenario says
        # otherwise (the CSRF scenarios say csrf: none): escaping and upload scenarios are not about CSRF
        csrf = spec.get("csrf", "valid" if abstract is not None and method not in ("GET", "HEAD") and role is not None
                        and role.mapped else "none")
        if csrf == "valid":
            csrf = self.t.csrf_mode(role) if role is not None else "field"
        override = str(r(spec["csrf_token"])) if "csrf_token" in spec else None
        hidden: list[tuple[str, str]] = []
        if role is not None and role.form_page and method not in ("GET", "HEAD") and sess is not None:
            hidden, _ = self._form_inputs(role.form_page, sess, role.path)
            hidden = [(k, v) for k, v in hidden if k != self.csrf_field()]
            self._require_fields(role, role.form_page, ([self.t.param_of(role.name)] if abstract is not None else [])
                                 + [k for k, _ in role.fields.items()])
        tok = None
        if csrf in ("field", "header"):
            if sess is None:
                raise ScenarioError("csrf needs a session")
            if "csrf_token" in self.t.roles:
                tok = self._token(sess)  # may update the session cookie: fetch it before the Cookie header is built
            elif not self.t.roles.get("csrf_token") and role is not None and role.mapped:
                tok = None  # the app has no token to send
            else:
                tok = self._token(sess)
        jar = dict(sess.cookies) if sess else {}
        for k, v in r(spec.get("cookies", {})).items():
            if v is None:
                jar.pop(k, None)
            else:
                jar[k] = str(v)
        if jar:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in jar.items())))
        body = r(spec["body"]) if "body" in spec else None
        if body is not None and not isinstance(body, generators.Body):
            body = generators.raw(body)
        if method in ("GET", "HEAD"):
            for k, v in hidden + fixed + fields:
                query.setdefault(k, v)
        elif abstract is not None and body is None:
            body = self._encode(role.content_type, hidden + fixed + fields)
        elif body is not None and role is not None and role.mapped and body.rebuild is not None and (fixed or hidden):
            body = body.with_fields(hidden + fixed)
        url = build_url(base, path, query)
        if body is not None and body.content_type and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", body.content_type))
        if override is not None:
            body = (body or generators.form()).with_fields([(self.csrf_field(), override)])
            _fix_content_type(headers, body)
        elif tok is not None:
            if csrf == "header":
                headers.append((str(self.t.csrf.get("header", "X-CSRFToken")), tok))
            elif body is not None and body.kind == "raw" and body.content_type == "application/json":
                headers.append((str(self.t.csrf.get("header", "X-CSRFToken")), tok))
            else:
                body = (body or generators.form()).with_fields([(self.csrf_field(), tok)])
                _fix_content_type(headers, body)
        referer = r(spec["referer"]) if "referer" in spec else (self.t.origin + "/" if method not in ("GET", "HEAD")
                                                                and sess is not None else None)
        if referer:
            headers.append(("Referer", str(referer)))
        if "origin" in spec and r(spec["origin"]):
            headers.append(("Origin", str(r(spec["origin"]))))
        transport = spec.get("transport", "auto")
        cl = r(spec["content_length"]) if "content_length" in spec else None
        slow = {k: r(v) for k, v in spec["slow"].items()} if "slow" in spec else None
        if transport == "auto":
            # raw sockets where requests cannot express the request, and for large bodies: a server may answer
            # 413 and close before the body is sent, which requests reports as a broken connection
            transport = "raw" if (cl is not None or slow or spec.get("half_close") or "host" in spec or
                                  (body is not None and (body.chunked or len(body.data) >= RAW_BODY_THRESHOLD))) \
                else "requests"
        if "host" in spec:
            headers.append(("Host", str(r(spec["host"]))))
        timeout = float(r(spec.get("timeout", self.opts.settings.timeout)))
        return Request(method, url, headers, body, transport, timeout, int(cl) if cl is not None else None,
                       bool(spec.get("half_close")), slow, bool(spec.get("follow_redirects"))), sess

    # -- the scenario
    def run(self) -> ScenarioResult:
        t0 = time.monotonic()
        res = ScenarioResult(self.sc, self.t.name, "pass")
        try:
            for name, user in self.sc.sessions.items():
                s = _Session(name, None)
                self.sessions[name] = s
                if user != "anonymous":
                    self.login(s, user)
            if self.sc.skip_unless and not self.render(self.sc.skip_unless["when"]):
                res.status, res.reason = "skip", str(self.render(self.sc.skip_unless["reason"]))
                res.duration = time.monotonic() - t0
                return res
            for k, v in self.sc.vars.items():
                self.vars[k] = self.render(v)
            for step in self.sc.steps:
                self.run_step(step, res)
        except _StopScenario:
            pass
        except MappingError as e:
            res.status, res.reason, res.error_kind = "error", str(e), "mapping"
        except ScenarioError as e:
            res.status, res.reason = "error", str(e)
            res.error_kind = "mapping" if "does not behave as mapped" in str(e) or "login as" in str(e) else "run"
        except (expr.ExprError, generators.GeneratorError) as e:
            res.status, res.reason = "error", f"scenario expression: {e}"
        except judge.JudgeUnavailable as e:
            res.status, res.reason = "error", str(e)
        except Exception as e:  # noqa: BLE001 - a bug in one scenario must not stop the run
            res.status, res.reason = "error", f"internal error: {type(e).__name__}: {e}"
            text = traceback.format_exc()  # may quote what the server sent, or secrets: redacted and escaped
            if self.opts.redactor is not None:
                text = self.opts.redactor.apply_text(text)
            from .reporters import tty
            sys.stderr.write(tty(text) + "\n")
        if res.status == "pass":
            if any(st.errors for st in res.steps):
                res.status = "error"
                first = next(c for st in res.steps for c in st.errors)
                res.reason = first.message
                res.error_kind = "mapping" if first.details.get("mapping") else "run"
            elif any(st.failed for st in res.steps):
                res.status = "fail"
        res.duration = time.monotonic() - t0
        return res

    def run_step(self, step: Step, res: ScenarioResult) -> None:
        loops: list[dict[str, Any]] = [{}]
        if step.foreach:
            (var, values), = step.foreach.items()
            vals = self.render(values)
            if not isinstance(vals, list):
                raise ScenarioError(f"foreach {var} is not a list")
            loops = [{var: v} for v in vals]
        for i, loop in enumerate(loops):
            self.loop = loop
            name = step.name if not step.foreach else f"{step.name}[{i}]"
            sr = StepResult(name, step.line)
            res.steps.append(sr)
            needs_state = any(k in step.expect for k in ("state_unchanged", "state_equals"))
            resp: Response | None = None
            req: Request | None = None
            req_sess = None
            if step.request is not None and "login" in step.request:
                req_sess = self.sessions.get(step.request.get("session", "main"))
                if req_sess is None:
                    raise ScenarioError(f"no session {step.request.get('session')!r} in this scenario")
                resp = self.login(req_sess, step.request["login"])
                lr = self.t.roles["login"]
                sr.request = {"method": lr.method, "url": build_url(self.t.base_url, lr.path), "headers": [],
                              "transport": "requests", "login": step.request["login"], "role": "login"}
                sr.response = resp.summary()
                self.responses[step.name] = resp
            elif step.request is not None:
                req, req_sess = self.build_request(step.request)
            if req is not None:
                resp = self._send(req, req_sess)
                self.last_session = req_sess
                sr.request = req.summary()
                role = self.t.roles.get(step.request.get("role", ""))
                if role is not None and role.show and req.method not in ("GET", "HEAD"):
                    stored = resp
                    resp = self.show_page(role, resp, req_sess)
                    sr.request["then"] = f"GET {role.show} (where the stored value shows; the {req.method} was "\
                                         f"answered {stored.status or stored.outcome})"
                sr.response = resp.summary()
                sr.curl = reproduce(req, self.opts.insecure, self.opts.ca_bundle)
                self.responses[step.name] = resp
            state = None
            if needs_state:
                state = self._state_after(step, req_sess)
            ctx = checks.Context(self.t.https, lambda v, _r=resp: self.render(v, _r), self.responses, state,
                                 run=self, role=(step.request or {}).get("role"))
            sr.checks = checks.evaluate(step.expect, resp, ctx)
            if resp is not None and resp.outcome == "error" and not step.expect:
                sr.checks.append(checks.CheckResult("transport", False, resp.error, error=True))
            if step.or_next and step is not self.sc.steps[-1] and not foreach_left(i, loops):
                if all(c.ok for c in sr.checks):
                    raise _StopScenario()  # this step settles the verdict: the next ones are not needed
                for c in sr.checks:  # not conclusive: the next step decides
                    if not c.ok and not c.error:
                        c.ok, c.message = True, f"(not conclusive, the next step decides) {c.message}"
                continue
            if any(not c.ok for c in sr.checks):
                raise _StopScenario()  # later steps build on this one
            for k, v in step.save.items():
                self.vars[k] = self.render(v, resp)

    def _state_after(self, step: Step, req_sess: _Session | None) -> dict[str, Any]:
        sess = req_sess if req_sess is not None and req_sess.user else next(
            (s for s in self.sessions.values() if s.user), None)
        if sess is None:
            raise ScenarioError("state checks need a logged-in session (sessions: {a: user1})")
        if "state_equals" in step.expect:
            want = str(self.render(step.expect["state_equals"]))
            shown, desc = self.probe_shows(sess, want)
            return {"value": want, "shown": shown, "probe": desc}
        value = step.expect["state_unchanged"]
        value = str(self.render(value)) if isinstance(value, str) else self.step_value
        if value is None:
            raise ScenarioError("state_unchanged needs the step's request to send a value (or the value to look for)")
        shown, desc = self.probe_shows(sess, value)
        st: dict[str, Any] = {"value": value, "shown": shown, "probe": desc}
        if not shown:
            ok, why = self.control_state()
            st["control"] = why
            if not ok:
                st["error"] = why
        return st


def foreach_left(i: int, loops: list) -> bool:
    return i < len(loops) - 1


def _safe_forms(text: str):
    try:
        return extract.forms(text)
    except extract.ExtractError:
        return []


def _fix_content_type(headers: list[tuple[str, str]], body: generators.Body) -> None:
    if body.content_type and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", body.content_type))


def _describe(spec: dict | None) -> str:
    if not spec:
        return "the mapping"
    k = next(iter(k for k in spec if k != "attr"))
    return f"{k}: {spec[k]!r}" + (f" (attr {spec['attr']})" if "attr" in spec else "")


def _short(v: Any, n: int = 80) -> str:
    if v is extract.MISSING:
        return "nothing"
    s = repr(v)
    return s if len(s) <= n else s[:n] + "…"


def run_target(target: Target, scenarios: list[Scenario], opts: Options) -> list[ScenarioResult]:
    limiter = RateLimiter(opts.rate)
    shared = TargetState(target)
    results: list[ScenarioResult | None] = [None] * len(scenarios)
    done = [0]
    lock = threading.Lock()
    # a stored value (a role mapped with show:, e.g. a settings form) is overwritten by each scenario that saves it:
    # those scenarios never run at the same time on one target, or one would judge the other's payload
    stored = {r.path for r in target.roles.values() if r.show and r.name.startswith("reflect_")}

    def serial_of(sc: Scenario) -> str | None:
        if sc.serial:
            return sc.serial
        paths = sorted({target.roles[q].path for q in sc.requires if q in target.roles and
                        target.roles[q].show and target.roles[q].path in stored})
        return "stored:" + ",".join(paths) if paths else None

    serials = {sc.id: serial_of(sc) for sc in scenarios}
    groups: dict[str, threading.Lock] = {g: threading.Lock() for g in serials.values() if g}

    def one(i: int, sc: Scenario) -> None:
        missing = target.missing(sc.requires)
        if sc.dos and not opts.allow_dos:
            r = ScenarioResult(sc, target.name, "skip", "denial-of-service scenario: run with --allow-dos")
        elif missing:
            r = ScenarioResult(sc, target.name, "skip", "; ".join(missing))
        elif serials[sc.id]:
            with groups[serials[sc.id]]:
                r = _Run(sc, target, opts, limiter, shared).run()
        else:
            r = _Run(sc, target, opts, limiter, shared).run()
        results[i] = r
        with lock:
            done[0] += 1
            if opts.progress:
                opts.progress(target.name, done[0], len(scenarios), sc.id)

    # scenarios marked final judge what the others saw (every Set-Cookie of the run): they run last
    first = [(i, sc) for i, sc in enumerate(scenarios) if not sc.final]
    last = [(i, sc) for i, sc in enumerate(scenarios) if sc.final]
    with ThreadPoolExecutor(max_workers=max(1, opts.concurrency)) as ex:
        list(ex.map(lambda a: one(*a), first))
        list(ex.map(lambda a: one(*a), last))
    return [r for r in results if r is not None]


def run_all(targets: list[Target], scenarios: list[Scenario], opts: Options) -> dict[str, list[ScenarioResult]]:
    """Runs every scenario against every target; targets run in parallel, each bounded by ``concurrency``."""
    out: dict[str, list[ScenarioResult]] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as ex:
        futs = {t.name: ex.submit(run_target, t, scenarios, opts) for t in targets}
        for name, f in futs.items():
            out[name] = f.result()
    return out
