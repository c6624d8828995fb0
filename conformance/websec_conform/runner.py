"""Runs scenarios against targets: sessions and logins, CSRF tokens, state probes, requests and checks.

The runner knows nothing of any one scenario: everything scenario-specific is data in the scenario file.
"""
from __future__ import annotations

import json as _json
import secrets
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from . import checks, expr, generators, judge
from .profile import Target
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
            low = line.lower().replace(" ", "")
            if v == "" or "max-age=0" in low or "expires=thu,01jan197000:00:00gmt" in low:
                self.cookies.pop(k, None)
            else:
                self.cookies[k] = v


class _Run:
    """One scenario against one target."""

    def __init__(self, sc: Scenario, target: Target, opts: Options, limiter: RateLimiter):
        self.sc, self.t, self.opts, self.limiter = sc, target, opts, limiter
        self.canary = "wsc" + secrets.token_hex(6)
        self.sessions: dict[str, _Session] = {"main": _Session("main", None)}
        self.vars: dict[str, Any] = {}
        self.responses: dict[str, Response] = {}
        self.last_json: Any = None
        self.loop: dict[str, Any] = {}

    # -- expressions
    def names(self, resp: Response | None = None) -> dict[str, Any]:
        n: dict[str, Any] = dict(generators.FUNCTIONS)
        t = self.t.namespace()
        n.update({"target": t, "limits": t["limits"], "canary": self.canary, "vars": self.vars,
                  "users": t["users"], "session_cfg": t["session"], "secret_key": t["session"].get("secret_key"),
                  "cookie_of": self.cookie_of, "csrf_of": self.csrf_of, "raw_csrf_of": self.raw_csrf_of})
        n.update(self.loop)
        if resp is not None:
            n["status"] = resp.status
            n["headers"] = {k.lower(): v for k, v in reversed(resp.headers)}
            try:
                n["json"] = _json.loads(resp.body) if resp.body else None
            except ValueError:
                n["json"] = None
        return n

    def render(self, value: Any, resp: Response | None = None) -> Any:
        return expr.render(value, self.names(resp))

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
        return raw

    # -- HTTP
    def _send(self, req: Request, sess: _Session | None) -> Response:
        resp = send(req, self.opts.settings, self.limiter)
        if sess is not None and resp.outcome == "response":
            sess.absorb(resp)
        return resp

    def _simple(self, method: str, role: str, sess: _Session, body=None, headers=None) -> Response:
        hdrs = list((headers or {}).items())
        hdrs += [(k, v) for k, v in self.t.headers.items()]
        if sess.cookies:
            hdrs.append(("Cookie", "; ".join(f"{k}={v}" for k, v in sess.cookies.items())))
        if method not in ("GET", "HEAD"):
            hdrs.append(("Referer", self.t.origin + "/"))
        req = Request(method, build_url(self.t.base_url, self.t.roles[role]), hdrs, body,
                      timeout=self.opts.settings.timeout)
        return self._send(req, sess)

    def login(self, sess: _Session, user_key: str) -> None:
        users = self.t.namespace()["users"]
        if user_key not in users:
            raise ScenarioError(f"the profile has no {user_key}")
        if "login" not in self.t.roles:
            raise ScenarioError("the profile has no login role")
        u = users[user_key]
        f = self.t.login.get("fields", {"username": "username", "password": "password"})
        fields = {**(self.t.login.get("extra") or {}), f["username"]: u["username"], f["password"]: u["password"]}
        body = generators.json(fields) if self.t.login.get("format") == "json" else generators.form(**fields)
        resp = self._simple("POST", "login", sess, body)
        if resp.outcome != "response" or not (200 <= (resp.status or 0) < 400):
            raise ScenarioError(f"login as {u['username']} failed: {resp.outcome} {resp.status} {resp.error}")
        if self.t.session["cookie_name"] not in sess.cookies:
            raise ScenarioError(f"login as {u['username']} set no {self.t.session['cookie_name']} cookie")
        sess.user = u["username"]

    def _token(self, sess: _Session) -> str:
        if sess.csrf:
            return sess.csrf
        if "csrf_token" not in self.t.roles:
            raise ScenarioError("a CSRF token is needed but the profile has no csrf_token role")
        resp = self._simple("GET", "csrf_token", sess)
        try:
            tok = _json.loads(resp.body).get("csrf_token")
        except (ValueError, AttributeError):
            tok = None
        if resp.status != 200 or not tok:
            raise ScenarioError(f"could not get a CSRF token: {resp.outcome} {resp.status}")
        sess.csrf = tok
        return tok

    def probe_state(self, sess: _Session) -> Any:
        if "state_probe" not in self.t.roles:
            raise ScenarioError("the profile has no state_probe role")
        resp = self._simple("GET", "state_probe", sess)
        if resp.status != 200:
            raise ScenarioError(f"state_probe answered {resp.outcome} {resp.status}")
        try:
            return _json.loads(resp.body).get("value")
        except (ValueError, AttributeError):
            raise ScenarioError("state_probe did not answer JSON {value}") from None

    def build_request(self, spec: dict) -> tuple[Request, _Session | None]:
        r = self.render
        sess_name = spec.get("session", "main")
        sess = None if sess_name == "none" else self.sessions.get(sess_name)
        if sess_name != "none" and sess is None:
            raise ScenarioError(f"no session {sess_name!r} in this scenario")
        method = spec.get("method", "GET")
        if "role" in spec:
            path = self.t.roles[spec["role"]]
        else:
            path = str(r(spec["path"]))
        if "suffix" in spec:
            from urllib.parse import quote
            path = path + quote(str(r(spec["suffix"])), safe="/")
        query = {k: str(v) for k, v in r(spec.get("query", {})).items()}
        base = self.t.base_url
        if spec.get("base") == "http":
            if not self.t.http_url:
                raise ScenarioError("the profile has no http_url")
            base = self.t.http_url
        url = build_url(base, path, query)
        headers: list[tuple[str, str]] = [(k, str(v)) for k, v in self.t.headers.items()]
        headers += [(k, str(v)) for k, v in r(spec.get("headers", {})).items()]
        csrf = spec.get("csrf", "none")
        tok = None
        if csrf != "none":
            if sess is None:
                raise ScenarioError("csrf needs a session")
            tok = self._token(sess)  # may update the session cookie: fetch it before the Cookie header is built
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
        if body is not None and body.content_type and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", body.content_type))
        if tok is not None:
            if csrf == "header":
                headers.append((self.t.csrf.get("header", "X-CSRFToken"), tok))
            else:
                body = (body or generators.form()).with_fields([(self.t.csrf.get("field", "csrf_token"), tok)])
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
            transport = "raw" if (cl is not None or slow or spec.get("half_close") or
                                  (body is not None and (body.chunked or len(body.data) >= RAW_BODY_THRESHOLD))) \
                else "requests"
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
            for k, v in self.sc.vars.items():
                self.vars[k] = self.render(v)
            for step in self.sc.steps:
                self.run_step(step, res)
        except _StopScenario:
            pass
        except ScenarioError as e:
            res.status, res.reason = "error", str(e)
        except (expr.ExprError, generators.GeneratorError) as e:
            res.status, res.reason = "error", f"scenario expression: {e}"
        except judge.JudgeUnavailable as e:
            res.status, res.reason = "error", str(e)
        except Exception as e:  # noqa: BLE001 - a bug in one scenario must not stop the run
            res.status, res.reason = "error", f"internal error: {type(e).__name__}: {e}"
            traceback.print_exc(file=sys.stderr)
        if res.status == "pass":
            if any(st.errors for st in res.steps):
                res.status = "error"
                res.reason = next(c.message for st in res.steps for c in st.errors)
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
            state: dict[str, Any] | None = None
            req_sess = None
            resp: Response | None = None
            req: Request | None = None
            if step.request is not None:
                req, req_sess = self.build_request(step.request)
            if needs_state:
                probe_sess = self._state_session(step, req_sess)
                state = {"before": self.probe_state(probe_sess)} if step.request is not None else {}
            if req is not None:
                resp = self._send(req, req_sess)
                sr.request = _redact(req.summary(), self.t.secrets())
                sr.response = _redact(resp.summary(), self.t.secrets())
                sr.curl = _redact(reproduce(req, self.opts.insecure, self.opts.ca_bundle), self.t.secrets())
                self.responses[step.name] = resp
            if needs_state:
                state["after"] = self.probe_state(probe_sess)
                if "before" not in state:
                    state["before"] = state["after"]
            ctx = checks.Context(self.t.https, lambda v, _r=resp: self.render(v, _r), self.responses, state)
            sr.checks = checks.evaluate(step.expect, resp, ctx)
            if resp is not None and resp.outcome == "error" and not step.expect:
                sr.checks.append(checks.CheckResult("transport", False, resp.error, error=True))
            if any(not c.ok for c in sr.checks):
                raise _StopScenario()  # later steps build on this one
            for k, v in step.save.items():
                self.vars[k] = self.render(v, resp)

    def _state_session(self, step: Step, req_sess: _Session | None) -> _Session:
        if req_sess is not None and req_sess.user:
            return req_sess
        for s in self.sessions.values():
            if s.user:
                return s
        raise ScenarioError("state checks need a logged-in session (sessions: {a: user1})")


def _redact(obj: Any, secrets_: list[str]) -> Any:
    if not secrets_:
        return obj
    if isinstance(obj, str):
        for s in secrets_:
            if len(s) >= 4:
                obj = obj.replace(s, "***")
        return obj
    if isinstance(obj, list):
        return [_redact(x, secrets_) for x in obj]
    if isinstance(obj, dict):
        return {k: _redact(v, secrets_) for k, v in obj.items()}
    return obj


def run_target(target: Target, scenarios: list[Scenario], opts: Options) -> list[ScenarioResult]:
    limiter = RateLimiter(opts.rate)
    results: list[ScenarioResult | None] = [None] * len(scenarios)
    done = [0]
    lock = threading.Lock()
    groups: dict[str, threading.Lock] = {sc.serial: threading.Lock() for sc in scenarios if sc.serial}

    def one(i: int, sc: Scenario) -> None:
        missing = target.missing(sc.requires)
        if sc.dos and not opts.allow_dos:
            r = ScenarioResult(sc, target.name, "skip", "denial-of-service scenario: run with --allow-dos")
        elif missing:
            r = ScenarioResult(sc, target.name, "skip", "; ".join(missing))
        elif sc.serial:
            with groups[sc.serial]:
                r = _Run(sc, target, opts, limiter).run()
        else:
            r = _Run(sc, target, opts, limiter).run()
        results[i] = r
        with lock:
            done[0] += 1
            if opts.progress:
                opts.progress(target.name, done[0], len(scenarios), sc.id)

    with ThreadPoolExecutor(max_workers=max(1, opts.concurrency)) as ex:
        list(ex.map(lambda a: one(*a), enumerate(scenarios)))
    return [r for r in results if r is not None]


def run_all(targets: list[Target], scenarios: list[Scenario], opts: Options) -> dict[str, list[ScenarioResult]]:
    """Runs every scenario against every target; targets run in parallel, each bounded by ``concurrency``."""
    out: dict[str, list[ScenarioResult]] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(targets))) as ex:
        futs = {t.name: ex.submit(run_target, t, scenarios, opts) for t in targets}
        for name, f in futs.items():
            out[name] = f.result()
    return out
