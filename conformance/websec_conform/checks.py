"""Expectations: each key of a step's ``expect`` mapping is one check on the response.

A check returns a :class:`CheckResult` (passed or not, a one-line message a person can act on, and the details
that prove it: the headers that failed, the findings of the C++ judges). Checks that need the ``websec`` module
and cannot get it are errors, not failures.
"""
from __future__ import annotations

import json as _json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable

from . import judge
from .transport import Response

ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")
SECURITY_HEADERS = ("strict-transport-security", "content-security-policy", "x-content-type-options",
                    "x-frame-options", "referrer-policy")


@dataclass
class CheckResult:
    check: str
    ok: bool
    message: str
    details: dict = field(default_factory=dict)
    error: bool = False  # the check could not be evaluated (not a verdict on the target)

    def to_dict(self) -> dict:
        d = {"check": self.check, "ok": self.ok, "message": self.message}
        if self.details:
            d["details"] = self.details
        if self.error:
            d["error"] = True
        return d


@dataclass
class Context:
    """What a check may look at besides the response."""
    https: bool
    render: Callable[[Any], Any]
    step_responses: dict[str, Response]
    state: dict[str, Any] | None = None  # {"value", "shown", "probe", "control"?, "error"?} after a state probe
    run: Any = None  # the runner's scenario run: role mappings, identity, positive controls
    role: str | None = None  # the role the step's request went to


def status_matches(status: int | None, spec: Any) -> bool:
    if status is None:
        return False
    specs = spec if isinstance(spec, list) else [spec]
    for s in specs:
        if isinstance(s, int) and status == s:
            return True
        if isinstance(s, str):
            if s.endswith("xx") and str(status)[0] == s[0]:
                return True
            if s.isdigit() and int(s) == status:
                return True
    return False


def status_spec_valid(s: Any) -> bool:
    if isinstance(s, bool):
        return False
    if isinstance(s, int):
        return 100 <= s <= 599
    return isinstance(s, str) and re.fullmatch(r"[1-5]xx|[1-5][0-9][0-9]", s) is not None


def _mime(v: str | None) -> str:
    return (v or "").split(";")[0].strip().lower()


def _json_get(obj: Any, path: str) -> tuple[bool, Any]:
    cur = obj
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            i = int(part[1:-1])
            if not isinstance(cur, list) or i >= len(cur):
                return False, None
            cur = cur[i]
        else:
            if not isinstance(cur, dict) or part not in cur:
                return False, None
            cur = cur[part]
    return True, cur


class _Attrs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str, str]] = []  # (tag, attr name, value as the browser decodes it)

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            self.items.append((tag, k or "", v or ""))

    handle_startendtag = handle_starttag


def _attrs(body: str) -> list[tuple[str, str, str]]:
    p = _Attrs()
    try:
        p.feed(body)
        p.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; anything else means "no attributes seen"
        pass
    return p.items


def _headers_of(resp: Response, names: list[str]) -> list[list[str]]:
    low = {n.lower() for n in names}
    return [[k, v] for k, v in resp.headers if k.lower() in low]


def evaluate(expect: dict, resp: Response | None, ctx: Context) -> list[CheckResult]:
    """Runs every check of ``expect`` against ``resp`` (None for an offline step)."""
    out: list[CheckResult] = []
    no_response = resp is None or resp.outcome != "response"
    accepted_no_response = False
    if resp is not None and resp.outcome in ("closed", "timeout"):
        accepted_no_response = ((resp.outcome == "closed" and expect.get("closed_ok"))
                                or (resp.outcome == "timeout" and expect.get("timeout_ok")))

    for key, spec in expect.items():
        if key in ("closed_ok", "timeout_ok"):
            continue
        if key in ("weak_secret",):
            out.append(_weak_secret(ctx.render(spec)))
            continue
        if key == "cookies_seen":
            out.append(_guard(key, lambda: _cookies_seen(spec, ctx)))
            continue
        if key == "limit":
            out.append(_guard(key, lambda: _limit(spec, resp, ctx, expect)))
            continue
        if key in ("state_unchanged", "state_equals"):
            out.append(_state(key, spec, ctx))
            continue
        if key == "echo":
            role = _mapped_role(ctx)
            if role is not None and role.mapped:
                out.append(CheckResult("echo", True, f"not read back: role {role.name} is mapped to an app page, "
                                       "not the JSON echo of ROLES.md §2", {"na": True}))
            else:
                out.extend(evaluate(spec, resp, ctx))
            continue
        if key == "any_of":
            subs = [evaluate(e, resp, ctx) for e in spec]
            # an alternative that could not be read back (echo on a mapped role) does not hold
            ok = any(all(c.ok for c in s) and not any(c.details.get("na") for c in s) for s in subs)
            err = any(c.error for s in subs for c in s) and not ok
            msgs = ["; ".join(c.message for c in s if not c.ok) or
                    ("not applicable: " + next(c.message for c in s if c.details.get("na"))
                     if any(c.details.get("na") for c in s) else "holds") for s in subs]
            out.append(CheckResult("any_of", ok, "one alternative holds" if ok else
                                   "no alternative holds: " + " | ".join(f"({i + 1}) {m}" for i, m in enumerate(msgs)),
                                   {"alternatives": [[c.to_dict() for c in s] for s in subs]}, error=err))
            continue
        if key == "max_seconds":
            lim = float(ctx.render(spec))
            el = resp.elapsed if resp else 0.0
            out.append(CheckResult(key, el <= lim, f"answered in {el:.2f} s (limit {lim:g} s)"))
            continue
        if no_response:
            if key in ("status", "status_not"):
                if accepted_no_response:
                    out.append(CheckResult(key, True, f"no status line ({resp.outcome}), which this scenario accepts"))
                else:
                    what = resp.error if resp else "no request"
                    out.append(CheckResult(key, False, f"no response: {resp.outcome if resp else 'none'} ({what})",
                                           {"outcome": resp.outcome if resp else None},
                                           error=bool(resp and resp.outcome == "error")))
            elif not accepted_no_response:
                out.append(CheckResult(key, False, f"cannot check {key}: no response ({resp.outcome if resp else 'none'})",
                                       error=bool(resp and resp.outcome == "error")))
            continue
        fn = _CHECKS.get(key)
        if fn is None:
            out.append(CheckResult(key, False, f"unknown check {key}", error=True))
            continue
        try:
            res = fn(ctx.render(spec), resp, ctx)
            cause = _CAUSES.get(key)
            out.append(_with_cause(res, cause(ctx, res)) if cause else res)
        except judge.JudgeUnavailable as e:
            out.append(CheckResult(key, False, str(e), error=True))
        except Exception as e:  # noqa: BLE001 - a broken check is reported, never crashes the run
            out.append(CheckResult(key, False, f"check failed to run: {type(e).__name__}: {e}", error=True))
    return out


# ---------------------------------------------------------------------------------------------- checks

def _status(spec, resp: Response, ctx):
    ok = status_matches(resp.status, spec)
    return CheckResult("status", ok, f"status {resp.status}" + ("" if ok else f", expected {spec}"))


def _status_not(spec, resp: Response, ctx):
    bad = status_matches(resp.status, spec)
    return CheckResult("status_not", not bad, f"status {resp.status}" + (f" is one of {spec}" if bad else ""))


def _present(spec, resp: Response, ctx):
    missing = [h for h in spec if resp.header(h) is None]
    return CheckResult("headers_present", not missing,
                       "all present" if not missing else f"missing {', '.join(missing)} on a {resp.status} response",
                       {"missing": missing} if missing else {})


def _absent(spec, resp: Response, ctx):
    found = _headers_of(resp, spec)
    return CheckResult("headers_absent", not found, "none present" if not found else
                       "present: " + "; ".join(f"{k}: {v}" for k, v in found), {"headers": found} if found else {})


def _equals(spec, resp: Response, ctx):
    bad = []
    for name, want in spec.items():
        want = str(ctx.render(want))
        vals = resp.header_all(name)
        if len(vals) != 1 or vals[0].strip().lower() != want.strip().lower():
            bad.append({"header": name, "expected": want, "got": vals})
    return CheckResult("header_equals", not bad, "as expected" if not bad else
                       "; ".join(f"{b['header']}: got {b['got'] or 'nothing'}, expected {b['expected']!r}" for b in bad),
                       {"mismatches": bad} if bad else {})


def _matches(spec, resp: Response, ctx):
    bad = []
    for name, pattern in spec.items():
        pattern = str(ctx.render(pattern))
        vals = resp.header_all(name)
        if not any(re.search(pattern, v) for v in vals):
            bad.append({"header": name, "pattern": pattern, "got": vals})
    return CheckResult("header_matches", not bad, "as expected" if not bad else
                       "; ".join(f"{b['header']}: {b['got'] or 'absent'} does not match /{b['pattern']}/" for b in bad),
                       {"mismatches": bad} if bad else {})


def _filter(findings, only, ignore):
    out = []
    for f in findings:
        if only and not any(f.id.startswith(o) or f.subject.lower() == o.lower() for o in only):
            continue
        if ignore and any(f.id.startswith(i) for i in ignore):
            continue
        out.append(f)
    return out


def _verdict_entries(subjects, threshold, only=None, ignore=None):
    """One entry per header or cookie whose verdict is worse than pass because of a finding at or above
    ``threshold``: the subject with its verdict and every reason that lowers it (one weak header is one finding).
    The entry has the audit-finding shape (id "<area>.<verdict>", severity, subject, reason) the reports group by;
    the separate reasons sit under "reasons"."""
    out = []
    for s in subjects:
        fs = [f for f in s["findings"] if f["verdict"] != "pass"]
        if ignore:
            fs = [f for f in fs if not any(f["id"].startswith(i) for i in ignore)]
        if only and not any(s["name"].lower() == o.lower() or any(f["id"].startswith(o) for f in s["findings"])
                            for o in only):
            continue
        if s["verdict"] == "pass" or not any(judge.severity_at_least(f["severity"], threshold) for f in fs):
            continue
        worst = max((f["severity"] for f in fs), key=lambda x: judge.SEVERITY_RANK.get(x, 0))
        area = (s["findings"][0]["id"].split(".")[0] if s["findings"] else "header")
        label = f"cookie {s['name']} ({s.get('role', '')})" if s.get("kind") == "cookie" else s["name"]
        out.append({"id": f"{area}.{s['verdict']}", "severity": worst, "subject": s["name"], "verdict": s["verdict"],
                    "reason": f"{label}: {s['verdict']} — " + "; ".join(f"{f['reason']} ({f['id']})" for f in fs),
                    "value": s.get("value", ""),
                    "reasons": [{"finding": f["id"], "severity": f["severity"], "verdict": f["verdict"],
                                 "text": f["reason"]} for f in fs]})
    return out


def _header_audit(spec, resp: Response, ctx):
    spec = {} if spec is True else spec
    https = spec.get("https", ctx.https)
    rep = judge.header_verdicts(resp.headers, https)
    threshold = spec.get("min_severity", "medium")
    bad = _verdict_entries(rep["headers"] + rep["cookies"], threshold, spec.get("only"), spec.get("ignore"))
    msg = (f"websec headers audit: every header passes or its weaknesses are below {threshold}" if not bad else
           "; ".join(f"{b['subject']}: {b['verdict']} ({'; '.join(r['finding'] for r in b['reasons'])})" for b in bad))
    return CheckResult("header_audit", not bad, msg, {
        "findings": bad, "verdicts": {h["name"]: h["verdict"] for h in rep["headers"]},
        "headers": _headers_of(resp, list(SECURITY_HEADERS)), "status": resp.status})


def cookie_name(line: str) -> str:
    return line.split(";", 1)[0].split("=", 1)[0].strip()


def is_deletion(line: str) -> bool:
    """A Set-Cookie line that removes the cookie: empty value, Max-Age <= 0, or an Expires in the past."""
    first = line.split(";", 1)[0]
    if first.split("=", 1)[-1].strip() == "":
        return True
    m = re.search(r"(?i);\s*max-age\s*=\s*(-?\d+)", line)
    if m and int(m.group(1)) <= 0:
        return True
    m = re.search(r"(?i);\s*expires\s*=\s*([^;]+)", line)
    if m:
        from email.utils import parsedate_to_datetime
        import time as _t
        try:
            return parsedate_to_datetime(m.group(1).strip()).timestamp() < _t.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


_cookie_name, _is_deletion = cookie_name, is_deletion


def _cookie_audit(spec, resp: Response, ctx):
    name = spec["cookie"]
    lines = [v for v in resp.header_all("Set-Cookie") if name == "*" or _cookie_name(v) == name]
    want_deletion = spec.get("deletion", False)
    lines = [v for v in lines if _is_deletion(v) == want_deletion] if name != "*" else lines
    if not lines:
        ok = not spec.get("required", True)
        what = "deletion " if want_deletion else ""
        return CheckResult("cookie_audit", ok, f"no {what}Set-Cookie for {name!r}" + ("" if ok else " (required)"),
                           {"set_cookie": resp.header_all("Set-Cookie")})
    threshold = spec.get("min_severity", "low")
    max_life = spec.get("max_lifetime")
    max_life = int(ctx.render(max_life)) if max_life is not None else None
    bad = []
    if spec.get("max_bytes") is not None:
        cap = int(ctx.render(spec["max_bytes"]))
        big = [v for v in lines if len(v.split(";", 1)[0].encode("utf-8", "replace")) > cap]
        return CheckResult("cookie_audit", not big, f"every {name} Set-Cookie is at most {cap} bytes"
                           if not big else f"{name} is {len(big[0].split(';', 1)[0])} bytes (name=value), over "
                           f"{cap}: browsers drop it", {"sizes": [len(v.split(';', 1)[0]) for v in lines]})
    verdicts = {}
    for line in lines:
        c = judge.cookie_verdict(line, max_lifetime=None if _is_deletion(line) else max_life, https=ctx.https,
                                 role=_cookie_kind(_cookie_name(line), ctx, guess=True))
        verdicts[c["name"]] = c["verdict"]
        entries = _verdict_entries([c], threshold, None, spec.get("ignore"))
        if entries:
            bad.append({"set_cookie": line, "verdict": c["verdict"], "role": c.get("role"), "findings": entries})
    msg = (f"websec cookie audit: {len(lines)} Set-Cookie line(s), none worse than pass at {threshold} or above"
           if not bad else "; ".join(f"{_cookie_name(b['set_cookie'])} ({b['role']}): {b['verdict']} — " +
                                     "; ".join(r["text"] for r in b["findings"][0]["reasons"]) for b in bad))
    return CheckResult("cookie_audit", not bad, msg, {"failed": bad, "set_cookie": lines, "verdicts": verdicts})


def _cookie_matches_step(spec, resp: Response, ctx):
    """The cookie set in this response (e.g. its deletion) has the same scope and flags as in an earlier step."""
    name, step = spec["cookie"], spec["step"]
    attrs = spec.get("attributes", ["path", "domain", "secure", "httponly", "samesite", "partitioned"])
    other = ctx.step_responses.get(step)
    if other is None or other.outcome != "response":
        return CheckResult("cookie_matches_step", False, f"step {step} has no response to compare with", error=True)
    mine = [v for v in resp.header_all("Set-Cookie") if _cookie_name(v) == name]
    theirs = [v for v in other.header_all("Set-Cookie") if _cookie_name(v) == name]
    if not theirs:
        return CheckResult("cookie_matches_step", False, f"no Set-Cookie for {name!r} in step {step}",
                           {step: other.header_all("Set-Cookie")})
    if not mine:
        if spec.get("deletion"):
            return CheckResult("cookie_matches_step", True, f"this response does not touch {name} (the session must "
                               "end on the server: the next step checks it is anonymous)")
        return CheckResult("cookie_matches_step", False, f"no Set-Cookie for {name!r} in this response",
                           {"this": resp.header_all("Set-Cookie")})
    if spec.get("deletion") and not _is_deletion(mine[-1]):
        spec = {**spec, "deletion": False}  # replaced (a session emptied of its user), not deleted: compare scope
    a, b = judge.parse_set_cookie(mine[-1]), judge.parse_set_cookie(theirs[-1])
    problems = [f"{k}: {a[k]!r} here, {b[k]!r} in {step}" for k in attrs if a[k] != b[k]]
    if spec.get("deletion"):
        import time as _t
        gone = (a["max_age"] is not None and a["max_age"] <= 0) or (a["expires"] is not None and a["expires"] < _t.time())
        if not gone:
            problems.append("the line does not delete the cookie (no Max-Age<=0 or past Expires)")
    return CheckResult("cookie_matches_step", not problems, "; ".join(problems) if problems else
                       f"{name} is set with the same {', '.join(attrs)} as in {step}",
                       {"this": mine[-1], step: theirs[-1]})


def _where(ctx: Context) -> str:
    """The role, path and field a step's request went to, for a finding's cause."""
    if ctx.run is None or not ctx.role or ctx.role not in ctx.run.t.roles:
        return ctx.role or "the page"
    role = ctx.run.t.roles[ctx.role]
    try:
        param = ctx.run.t.param_of(ctx.role)
    except KeyError:
        param = None
    shown = f", shown on {role.show}" if role.show else ""
    return f"{role.method} {role.path}" + (f" ({param}{shown})" if param else shown)


def _with_cause(r: CheckResult, cause: str) -> CheckResult:
    if not r.ok and not r.error:
        r.details = {**r.details, "cause": cause}
    return r


def _mapped_role(ctx: Context):
    if ctx.run is None or not ctx.role:
        return None
    return ctx.run.t.roles.get(ctx.role)


def _reflect_control(ctx: Context, what: str) -> CheckResult | None:
    """When the canary is not in the page: ERROR unless the role is proven to reflect a harmless value."""
    if ctx.run is None or not ctx.role:
        return None
    if ctx.role == "comment_list" and "comment_post" in ctx.run.t.roles:
        ok, why = ctx.run.control_stored()
    elif ctx.role in ("comment_list", "not_found") or ctx.role not in ctx.run.t.roles:
        return None  # nothing to prove: the page is judged as it comes
    else:
        ok, why = ctx.run.control_reflect(ctx.role)
    if not ok:
        return CheckResult(what, False, why, {"mapping": True}, error=True)
    return None


def _canary(spec, resp: Response, ctx):
    payload = str(ctx.render(spec["payload"]))
    token = ctx.render("${canary}")
    body = resp.text
    present = spec.get("present", True)
    context = spec.get("context", "html")
    role = _mapped_role(ctx)
    problems = []
    if payload in body:
        i = body.index(payload)
        problems.append(f"the payload comes back raw: …{body[max(0, i - 40):i + len(payload) + 20]!r}…")
    if present and token not in body and not problems:
        ctl = _reflect_control(ctx, "canary")
        if ctl is not None:
            return ctl
        if role is not None and role.mapped:
            return CheckResult("canary", True, "the payload does not come back (the page reflects a harmless value, "
                               "so the payload was removed or rejected)", {"payload": payload})
        problems.append("the canary is not in the response at all (the page did not reflect the parameter)")
    if present and context == "html" and not problems and not (role is not None and role.mapped):
        esc = judge.escape(payload)
        if esc != payload and esc not in body:
            problems.append(f"the escaped form {esc!r} is not in the response")
    return CheckResult("canary", not problems, "; ".join(problems) if problems else
                       "the payload comes back escaped, never raw", {"payload": payload})


def _guard(key: str, fn) -> CheckResult:
    try:
        return fn()
    except judge.JudgeUnavailable as e:
        return CheckResult(key, False, str(e), error=True)
    except Exception as e:  # noqa: BLE001 - mapping errors and broken checks are reported, never crash the run
        if type(e).__name__ in ("MappingError", "ScenarioError"):
            return CheckResult(key, False, str(e), {"mapping": "does not behave as mapped" in str(e)}, error=True)
        return CheckResult(key, False, f"check failed to run: {type(e).__name__}: {e}", error=True)


def _identity(spec, resp: Response, ctx):
    want = spec if isinstance(spec, str) else spec["user"]
    control = isinstance(spec, dict) and spec.get("control", False)
    run = ctx.run
    users = run.t.namespace()["users"]
    want_name = None if want == "anonymous" else users.get(want, {}).get("username")
    who, how = run.identity(resp)
    details = {"identity": who, "evidence": how, "status": resp.status}
    if who == "error":
        return CheckResult("identity", False, f"the server failed: {how} (a cookie the client made up must give an "
                           f"anonymous session, never an error)", details)
    if want == "anonymous":
        if who == "anonymous":
            ok, why = run.control_identity()
            if not ok:
                return CheckResult("identity", False, why, {**details, "mapping": True}, error=True)
            return CheckResult("identity", True, f"anonymous: {how} (control: {why})", details)
        return CheckResult("identity", False, f"the request is recognised as {who}: {how}", details)
    if who == want_name or (who == "logged-in" and want_name):
        return CheckResult("identity", True, f"recognised as {want_name}: {how}", details)
    msg = f"expected {want_name}, got {who}: {how}"
    if control:
        return CheckResult("identity", False, f"role whoami does not behave as mapped: {msg}",
                           {**details, "mapping": True}, error=True)
    return CheckResult("identity", False, msg, details)


def _limit(spec, resp: Response | None, ctx: Context, expect: dict) -> CheckResult:
    """rejected: a limit refused the body (413 from the app or a proxy, or the connection closed after the
    limit); reached: the body got to the application (any other answer but a 5xx)."""
    if resp is None:
        return CheckResult("limit", False, "no request", error=True)
    if resp.outcome == "error":
        return CheckResult("limit", False, f"no response: {resp.error}", error=True)
    role = ctx.role
    if resp.outcome == "timeout":
        if spec == "rejected":
            return CheckResult("limit", False, f"no answer within {resp.elapsed:.1f} s: the server waits for (or "
                               f"reads) the body instead of refusing it", {"outcome": "timeout"})
        return CheckResult("limit", False, f"no answer within {resp.elapsed:.1f} s", {"outcome": "timeout"})
    if resp.outcome == "closed":
        if spec == "rejected":
            return CheckResult("limit", True, f"the connection was closed after {resp.bytes_sent} bytes sent "
                               "(refused by a limit)", {"outcome": "closed"})
        return CheckResult("limit", False, f"the connection was closed after {resp.bytes_sent} bytes sent: a body "
                           "within the limit did not reach the application", {"outcome": "closed"})
    st = resp.status or 0
    proxy = " (a proxy's page)" if st == 413 and _looks_like_proxy(resp) else ""
    if spec == "rejected":
        if st == 413:
            if role and ctx.run is not None:
                ok, why = ctx.run.control_form(role)
                if not ok:
                    return CheckResult("limit", False, why, {"mapping": True}, error=True)
            return CheckResult("limit", True, f"rejected by a limit: 413{proxy}", {"status": st})
        if st >= 500:
            return CheckResult("limit", False, f"answered {st} instead of 413 (the limit fails as a server error)",
                               {"status": st})
        if role and ctx.run is not None:
            ok, why = ctx.run.control_form(role)
            if not ok:
                return CheckResult("limit", False, why, {"mapping": True}, error=True)
        return CheckResult("limit", False, f"reached the application: answered {st}, no limit refused the body",
                           {"status": st})
    if st == 413:
        return CheckResult("limit", False, f"a body within the limit was rejected: 413{proxy}", {"status": st})
    if st >= 500:
        return CheckResult("limit", False, f"answered {st}", {"status": st})
    if st in (404, 405):
        return CheckResult("limit", False, f"role {role} does not behave as mapped: answered {st}",
                           {"status": st, "mapping": True}, error=True)
    return CheckResult("limit", True, f"reached the application (answered {st})", {"status": st})


def _looks_like_proxy(resp: Response) -> bool:
    server = (resp.header("Server") or "").lower()
    return any(p in server for p in ("nginx", "apache", "envoy", "cloudflare", "haproxy")) or \
        "<center>nginx" in resp.text


def _cookie_kind(name: str, ctx: Context, guess: bool = False) -> str | None:
    """The cookie's role: the profile's session cookie is "session"; otherwise the name's hint, and for an
    unknown name "other" (``guess``: None, so the library guesses — a theme cookie is a preference)."""
    low = name.lower()
    if ctx.run is not None and name == ctx.run.t.session.get("cookie_name"):
        return "session"
    if "remember" in low:
        return "remember-me"
    if "csrf" in low or "xsrf" in low:
        return "csrf"
    return None if guess else "other"


def _cookies_seen(spec, ctx: Context) -> CheckResult:
    """Every cookie the run saw set (once per name), audited with its role."""
    if ctx.run is None:
        return CheckResult("cookies_seen", False, "no run state", error=True)
    seen = dict(ctx.run.shared.cookies)
    if not seen:
        return CheckResult("cookies_seen", True, "the run saw no cookie set", {"cookies": []})
    threshold = spec.get("min_severity", "low")
    kinds = spec.get("kinds")
    max_life = spec.get("max_lifetime")
    max_life = int(ctx.render(max_life)) if max_life is not None else None
    bad, audited = [], []
    for name, sc in sorted(seen.items()):
        kind = _cookie_kind(name, ctx)
        if kinds and kind not in kinds:
            continue
        c = judge.cookie_verdict(sc.line, max_lifetime=max_life if kind == "session" else None, https=ctx.https,
                                 role=_cookie_kind(name, ctx, guess=True))
        entries = _verdict_entries([c], threshold, None, spec.get("ignore"))
        where = f"{sc.method} {sc.path}"
        audited.append({"cookie": name, "kind": kind, "role": c.get("role"), "verdict": c["verdict"], "set_by": where})
        if entries:
            bad.append({"cookie": name, "kind": kind, "role": c.get("role"), "verdict": c["verdict"], "set_by": where,
                        "set_cookie": sc.line, "findings": entries})
    msg = (f"{len(audited)} cookie(s), none worse than pass at {threshold} or above: " +
           ", ".join(f"{a['cookie']} ({a['role']}: {a['verdict']})" for a in audited)) if not bad else "; ".join(
        f"{b['cookie']} ({b['role']}, set by {b['set_by']}): {b['verdict']} — " +
        "; ".join(r["text"] for r in b["findings"][0]["reasons"]) for b in bad)
    return CheckResult("cookies_seen", not bad, msg, {"failed": bad, "audited": audited})


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def _not_reflected(spec, resp: Response, ctx):
    """A value (a foreign host) appears nowhere in the response: not in the body, not in any header."""
    token = str(ctx.render(spec))
    where = [f"header {k}: {v}" for k, v in resp.headers if token in v]
    if token in resp.text:
        i = resp.text.index(token)
        where.append(f"body: …{resp.text[max(0, i - 60):i + len(token) + 20]}…")
    return CheckResult("not_reflected", not where, f"{token} does not come back" if not where else
                       f"{token} comes back in the " + "; ".join(where[:3]), {"places": where[:10]} if where else {})


def _reflected_clean(spec, resp: Response, ctx):
    """The text reflected around the canary carries no control characters (\\b, ESC, C1, bidi overrides)."""
    token = str(ctx.render(spec))
    body = resp.text
    if token not in body:
        ctl = _reflect_control(ctx, "reflected_clean")
        if ctl is not None:
            return ctl
        return CheckResult("reflected_clean", True, "the text does not come back (removed or rejected)")
    bad = []
    for m in re.finditer(re.escape(token), body):
        window = body[max(0, m.start() - 64):m.end() + 64]
        bad += [c for c in _CONTROL_RE.findall(window)]
    if bad:
        shown = ", ".join(sorted({repr(c) for c in bad}))
        return CheckResult("reflected_clean", False, f"control characters come back in the page: {shown}",
                           {"characters": sorted({f"U+{ord(c):04X}" for c in bad})})
    return CheckResult("reflected_clean", True, "no control character comes back around the reflected text")


def _json_common(name, spec, resp: Response, ctx, cmp):
    try:
        obj = _json.loads(resp.body or b"null")
    except ValueError:
        return CheckResult(name, False, f"the body is not JSON (status {resp.status})")
    bad = []
    for path, want in spec.items():
        want = ctx.render(want)
        found, got = _json_get(obj, path)
        if not found or not cmp(got, want):
            bad.append(f"{path} = {got!r}" + ("" if found else " (absent)") + f", expected {name.split('_')[-1]} {want!r}")
    return CheckResult(name, not bad, "; ".join(bad) if bad else "JSON as expected", {"json": obj} if bad else {})


def _json_eq(spec, resp, ctx):
    return _json_common("json", spec, resp, ctx, lambda a, b: a == b)


def _json_max(spec, resp, ctx):
    return _json_common("json_max", spec, resp, ctx, lambda a, b: isinstance(a, (int, float)) and a <= b)


def _json_min(spec, resp, ctx):
    return _json_common("json_min", spec, resp, ctx, lambda a, b: isinstance(a, (int, float)) and a >= b)


def _body_absent(spec, resp: Response, ctx):
    found = [s for s in (str(ctx.render(x)) for x in spec) if s in resp.text]
    return CheckResult("body_absent", not found, "none found" if not found else f"found {found!r} in the body")


def _body_present(spec, resp: Response, ctx):
    missing = [s for s in (str(ctx.render(x)) for x in spec) if s not in resp.text]
    return CheckResult("body_present", not missing, "all found" if not missing else f"missing {missing!r}")


def _no_event_handler(spec, resp: Response, ctx):
    token = str(ctx.render(spec))
    if token not in resp.text:
        ctl = _reflect_control(ctx, "no_event_handler")
        if ctl is not None:
            return ctl
    bad = [f"<{t} {k}={v!r}>" for t, k, v in _attrs(resp.text)
           if (k.lower().startswith("on") and token in v) or token in k]
    return CheckResult("no_event_handler", not bad, "no attribute carries the canary as an event handler" if not bad
                       else "injected attribute(s): " + ", ".join(bad[:5]))


_CSP_INLINE = ("csp.unsafe_inline", "csp.unsafe_inline_attr", "csp.script_src_missing", "csp.missing",
               "csp.report_only_only", "csp.empty_policy", "csp.no_known_directive")


def _csp_blocks_inline(resp: Response, https: bool) -> tuple[bool, str]:
    """Whether the enforced CSP (its verdict, docs/verdicts.md) blocks inline script and javascript: URLs: a CSP
    that is weak or fails for another reason (a host allowlist, a missing base-uri) still blocks them."""
    if resp.header("Content-Security-Policy") is None:
        return False, "no Content-Security-Policy header"
    rep = judge.header_verdicts(resp.headers, https)
    csp = next((h for h in rep["headers"] if h["name"] == "Content-Security-Policy"), None)
    if csp is None:
        return False, "no Content-Security-Policy verdict"
    why = [f for f in csp["findings"] if f["id"] in _CSP_INLINE]
    if why:
        return False, f"the CSP ({csp['verdict']}) does not block inline script: " + "; ".join(f["reason"] for f in why)
    return True, f"the CSP ({csp['verdict']}) blocks inline script"


def _dangerous_links(spec, resp: Response, ctx):
    attrs = [a.lower() for a in spec.get("attrs", ["href", "src", "action", "formaction"])]
    bad = []
    for tag, k, v in _attrs(resp.text):
        if k.lower() in attrs:
            r = judge.url_check(v)
            if r["verdict"] == "dangerous":
                bad.append({"element": tag, "attribute": k, "value": v, "scheme": r["scheme"], "reason": r["reason"]})
    if not bad:
        ctl = _reflect_control(ctx, "dangerous_links")
        if ctl is not None:
            return ctl
        return CheckResult("dangerous_links", True, "no rendered URL has a dangerous scheme")
    if spec.get("allow_if_csp_blocks_inline", True):
        ok, why = _csp_blocks_inline(resp, ctx.https)
        if ok:
            return CheckResult("dangerous_links", True, f"a {bad[0]['scheme']}: URL is rendered, but {why}",
                               {"links": bad})
        return CheckResult("dangerous_links", False, f"{bad[0]['attribute']}={bad[0]['value']!r} runs script "
                           f"({bad[0]['scheme']}:) and {why}", {"links": bad,
                                                                "headers": _headers_of(resp, ["Content-Security-Policy"])})
    return CheckResult("dangerous_links", False, f"dangerous URL rendered: {bad[0]['value']!r}", {"links": bad})


def _same_headers(spec, resp: Response, ctx):
    other = ctx.step_responses.get(spec["step"])
    if other is None or other.outcome != "response":
        return CheckResult("same_headers_as", False, f"step {spec['step']} has no response to compare with", error=True)
    diffs = []
    for name in spec["headers"]:
        a, b = sorted(resp.header_all(name)), sorted(other.header_all(name))
        if a != b:
            diffs.append({"header": name, "this": a, spec["step"]: b})
    return CheckResult("same_headers_as", not diffs, "same security headers" if not diffs else
                       "; ".join(f"{d['header']}: {d['this'] or 'absent'} here vs {d[spec['step']] or 'absent'} on "
                                 f"{spec['step']}" for d in diffs), {"differences": diffs} if diffs else {})


def _download_safe(spec, resp: Response, ctx):
    disp = (resp.header("Content-Disposition") or "").split(";")[0].strip().lower()
    ctype = _mime(resp.header("Content-Type"))
    nosniff = (resp.header("X-Content-Type-Options") or "").strip().lower() == "nosniff"
    details = {"headers": _headers_of(resp, ["Content-Disposition", "Content-Type", "X-Content-Type-Options"])}
    if disp == "attachment":
        return CheckResult("download_not_inline_active", True, "served as an attachment", details)
    if ctype in ACTIVE_TYPES:
        return CheckResult("download_not_inline_active", False,
                           f"user content served inline as {ctype} (no Content-Disposition: attachment)", details)
    if not nosniff:
        return CheckResult("download_not_inline_active", False,
                           f"user content served inline as {ctype or 'no type'} without X-Content-Type-Options: nosniff "
                           f"(a browser may sniff it as HTML)", details)
    return CheckResult("download_not_inline_active", True, f"inline {ctype} with nosniff", details)


def _content_type(spec, resp: Response, ctx):
    got = _mime(resp.header("Content-Type"))
    ok = got in [s.lower() for s in spec]
    return CheckResult("content_type", ok, f"Content-Type {got or 'absent'}" + ("" if ok else f", expected one of {spec}"))


def _weak_secret(spec) -> CheckResult:
    cookie = spec["cookie"]
    if not cookie:
        return CheckResult("weak_secret", False, "no session cookie was captured to test", error=True)
    try:
        hits = [k for k in spec["keys"] if judge.verify_session(cookie, k)]
    except judge.JudgeUnavailable as e:
        return CheckResult("weak_secret", False, str(e), error=True)
    return CheckResult("weak_secret", not hits, f"none of {len(spec['keys'])} well-known keys signs the cookie" if not hits
                       else f"the session cookie is signed with a well-known key: {hits[0]!r}",
                       {"keys_tried": len(spec["keys"])})


def _state(key, spec, ctx: Context) -> CheckResult:
    st = ctx.state
    if not st or "shown" not in st:
        return CheckResult(key, False, "the state could not be read (state_probe)", st or {}, error=True)
    if st.get("error"):
        return CheckResult(key, False, st["error"], {**st, "mapping": True}, error=True)
    if key == "state_unchanged":
        ok = not st["shown"]
        return CheckResult(key, ok, f"state unchanged: {st['probe']}" + (f"; control: {st['control']}"
                                                                          if st.get("control") else "") if ok else
                           f"the state changed: {st['probe']} after a request that should have been refused", st)
    ok = st["shown"]
    return CheckResult(key, ok, st["probe"] if ok else f"the state did not change: {st['probe']}", st)


_CAUSES: dict[str, Callable[[Context, CheckResult], str]] = {
    "canary": lambda ctx, r: f"user input comes back unescaped: {_where(ctx)}",
    "no_event_handler": lambda ctx, r: f"user input adds an event-handler attribute: {_where(ctx)}",
    "dangerous_links": lambda ctx, r: f"a script URL from user input is rendered and not blocked: {_where(ctx)}",
    "reflected_clean": lambda ctx, r: f"control characters in user text come back: {_where(ctx)}",
    "not_reflected": lambda ctx, r: f"a foreign Host is reflected: {_where(ctx)}",
    "download_not_inline_active": lambda ctx, r: "uploaded files are served inline as active content",
}

_CHECKS: dict[str, Callable] = {
    "status": _status, "status_not": _status_not, "headers_present": _present, "headers_absent": _absent,
    "header_equals": _equals, "header_matches": _matches, "header_audit": _header_audit,
    "cookie_audit": _cookie_audit, "canary": _canary, "json": _json_eq, "json_max": _json_max,
    "json_min": _json_min, "body_absent": _body_absent, "body_present": _body_present,
    "no_event_handler": _no_event_handler, "dangerous_links": _dangerous_links, "same_headers_as": _same_headers,
    "download_not_inline_active": _download_safe, "content_type": _content_type,
    "cookie_matches_step": _cookie_matches_step, "identity": _identity, "reflected_clean": _reflected_clean,
    "not_reflected": _not_reflected,
}
