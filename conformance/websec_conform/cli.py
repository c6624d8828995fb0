"""Command line: ``python3 -m websec_conform [run] --profile FILE [--target URL] ...``.

Exit codes: 0 every scenario at or above ``--fail-on`` holds and none ended in an error; 1 a finding at or above
the threshold (or, with ``--expect``, the results differ from the expectations file); 2 the run could not
complete (a scenario, profile or baseline file does not load, a target is unreachable); 3 no such finding, but
scenarios ended in ERROR (a role that does not behave as mapped, a login that failed).
"""
from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import os
import sys
import threading
import time
from pathlib import Path

from . import __version__, baseline as baseline_mod, generators, judge, reporters, runner
from .expr import ExprError, evaluate
from .profile import Target, load_profile
from .scenario import SEVERITIES, load_dir
from .transport import Settings
from .yamlsrc import LoadError, load_yaml

PKG_ROOT = Path(__file__).resolve().parent
CONFORMANCE = PKG_ROOT.parent
REPO = CONFORMANCE.parent
EXIT_OK, EXIT_FAIL, EXIT_INCOMPLETE, EXIT_ERRORS = 0, 1, 2, 3


def _rate(v: str) -> float:
    v = v.strip()
    num, _, unit = v.partition("/")
    per = {"": 1, "s": 1, "m": 60, "h": 3600}.get(unit.strip() or "s")
    if per is None:
        raise argparse.ArgumentTypeError(f"rate must look like 20/s, 600/m or 0 (unlimited), got {v!r}")
    try:
        return float(num) / per
    except ValueError:
        raise argparse.ArgumentTypeError(f"rate must look like 20/s, got {v!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="websec_conform", description="Replay the conformance scenarios against "
                                "live servers and report what holds.")
    p.add_argument("--version", action="version", version=f"websec_conform {__version__}")
    sub = p.add_subparsers(dest="cmd")

    r = sub.add_parser("run", help="run scenarios against one or more targets (the default command)")
    r.add_argument("--profile", action="append", default=[], metavar="FILE",
                   help="target profile (repeatable: one target each)")
    r.add_argument("--target", metavar="URL", action="append", default=[],
                   help="base URL of the target (overrides the profile's base_url); with several profiles, give one "
                        "--target per --profile, in the same order")
    r.add_argument("--name", help="name of the target in reports (default: the profile's name)")
    r.add_argument("--user", action="append", default=[], metavar="NAME",
                   help="without --profile: a test account for discovery (repeat with --password, in order)")
    r.add_argument("--password", action="append", default=[], metavar="P", help="the password of each --user")
    r.add_argument("--discover-out", metavar="FILE", help="without --profile: where the discovered profile is written "
                   "(default: discovered-profile.yaml in --report-dir, or the current directory)")
    r.add_argument("--http-target", action="append", default=[], metavar="NAME=URL",
                   help="plain-HTTP URL of target NAME (overrides the profile's http_url)")
    r.add_argument("--scenarios", default=str(CONFORMANCE / "scenarios"), metavar="DIR|FILE")
    r.add_argument("--only", action="append", default=[], metavar="GLOB", help="run only scenario ids matching")
    r.add_argument("--skip", action="append", default=[], metavar="GLOB", help="leave out scenario ids matching")
    r.add_argument("--allow-dos", action="store_true", help="also run denial-of-service style scenarios "
                   "(slow bodies, held connections); only against servers you own")
    r.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    r.add_argument("--ca-bundle", metavar="FILE", help="CA bundle that verifies the targets' certificates")
    r.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    r.add_argument("--concurrency", type=int, default=4, help="scenarios in flight per target (default 4)")
    r.add_argument("--rate-limit", type=_rate, default=0.0, metavar="N/s",
                   help="requests per second per target (default unlimited; 429/503 Retry-After is always honoured)")
    r.add_argument("--max-bytes", type=int, default=1024 * 1024, help="cap on response body bytes read (default 1 MiB)")
    r.add_argument("--report-dir", default=None, metavar="DIR", help="write reports there")
    r.add_argument("--format", default="json,junit,sarif,html,txt",
                   help="report formats for --report-dir (json, junit, sarif, html, txt)")
    r.add_argument("--baseline", metavar="FILE", help="accepted findings (reason + expiry date)")
    r.add_argument("--fail-on", choices=SEVERITIES, default="info",
                   help="lowest scenario severity whose failure makes the exit code 1 (default info: every failure)")
    r.add_argument("--expect", metavar="FILE", action="append", default=[],
                   help="expectations file (target: expected failures); the exit code then says whether the results "
                        "match it exactly")
    r.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress on stderr (auto: only on a terminal)")
    r.add_argument("-v", "--verbose", action="store_true", help="print the reproduction command of each failure")
    r.add_argument("-q", "--quiet", action="store_true", help="no table, only the summary lines")

    v = sub.add_parser("validate", help="load every scenario (and profiles) and report schema errors")
    v.add_argument("--scenarios", default=str(CONFORMANCE / "scenarios"))
    v.add_argument("--profile", action="append", default=[])

    ls = sub.add_parser("list", help="list the scenarios")
    ls.add_argument("--scenarios", default=str(CONFORMANCE / "scenarios"))

    b = sub.add_parser("body", help="print the bytes of a body generator, e.g. 'multipart(fields=1001)'")
    b.add_argument("expr")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bundled":
        from . import bundled
        return bundled.main(argv[1:])
    if argv and argv[0] == "discover":
        from . import discover
        return discover.main(argv[1:])
    if not argv or argv[0] not in ("run", "validate", "list", "body", "-h", "--help", "--version"):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)
    try:
        if args.cmd == "validate":
            return cmd_validate(args)
        if args.cmd == "list":
            return cmd_list(args)
        if args.cmd == "body":
            return cmd_body(args)
        return cmd_run(args)
    except LoadError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INCOMPLETE


def _load_scenarios(path: str):
    return load_dir(path, relative_to=REPO)


def cmd_validate(args) -> int:
    sc = _load_scenarios(args.scenarios)
    for p in args.profile:
        load_profile(p, base_url="http://127.0.0.1:1" if "base_url" not in (load_yaml(p).data or {}) else None)
    print(f"{len(sc)} scenarios in {len({s.file for s in sc})} files: valid")
    return EXIT_OK


def cmd_list(args) -> int:
    for s in _load_scenarios(args.scenarios):
        print(f"{s.id:55s} {s.severity:6s} {'dos ' if s.dos else ''}{','.join(s.requires)}")
    return EXIT_OK


def cmd_body(args) -> int:
    try:
        body = evaluate(args.expr, generators.FUNCTIONS)
    except (ExprError, generators.GeneratorError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INCOMPLETE
    data = body.data if isinstance(body, generators.Body) else str(body).encode()
    if isinstance(body, generators.Body) and body.chunked:
        print(f"(send with Transfer-Encoding: chunked, Content-Type: {body.content_type})", file=sys.stderr)
    sys.stdout.buffer.write(data)
    return EXIT_OK


class _Progress:
    def __init__(self, enabled: bool, targets: list[str], total: int):
        self.enabled = enabled
        self.state = {t: (0, total) for t in targets}
        self.lock = threading.Lock()

    def __call__(self, target: str, i: int, n: int, sid: str) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.state[target] = (i, n)
            line = " · ".join(f"{t} {a}/{b}" for t, (a, b) in self.state.items())
            sys.stderr.write(f"\r\033[K{line}  {sid[:40]}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def cmd_run(args) -> int:
    if not args.profile and args.target:
        made = _discover_profiles(args)
        if made is None:
            return EXIT_INCOMPLETE
        args.profile = made
    if not args.profile:
        print("error: give --profile FILE, or --target URL to discover one (see conformance/README.md)",
              file=sys.stderr)
        return EXIT_INCOMPLETE
    if args.target and len(args.target) != len(args.profile):
        print("error: give one --target per --profile (or none)", file=sys.stderr)
        return EXIT_INCOMPLETE
    scenarios = _load_scenarios(args.scenarios)
    if args.only:
        scenarios = [s for s in scenarios if any(fnmatch.fnmatch(s.id, g) for g in args.only)]
    if args.skip:
        scenarios = [s for s in scenarios if not any(fnmatch.fnmatch(s.id, g) for g in args.skip)]
    urls = args.target or [None] * len(args.profile)
    targets: list[Target] = [load_profile(p, base_url=u, name=args.name if len(args.profile) == 1 else None)
                             for p, u in zip(args.profile, urls)]
    for spec in args.http_target:
        tname, _, url = spec.partition("=")
        match = [t for t in targets if t.name == tname]
        if not match or not url.startswith("http://"):
            print(f"error: --http-target {spec!r}: want NAME=http://... with NAME one of the targets", file=sys.stderr)
            return EXIT_INCOMPLETE
        match[0].http_url = url
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        print(f"error: two targets share a name: {names}", file=sys.stderr)
        return EXIT_INCOMPLETE
    base = baseline_mod.load_baseline(args.baseline) if args.baseline else None
    expectations = [load_expectations(f) for f in args.expect]
    ca = args.ca_bundle
    verify = False if args.insecure else (ca if ca else True)
    if not args.insecure and not ca:
        tcas = {t.ca_bundle for t in targets if t.ca_bundle}
        if len(tcas) == 1:
            verify = ca = tcas.pop()
    ok, why = judge.available()
    if not ok:
        print(f"warning: {why}; checks that judge headers, cookies or sessions will end in errors", file=sys.stderr)
    progress_on = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    prog = _Progress(progress_on, names, len(scenarios))
    opts = runner.Options(settings=Settings(timeout=args.timeout, max_bytes=args.max_bytes, verify=verify),
                          concurrency=args.concurrency, rate=args.rate_limit, allow_dos=args.allow_dos,
                          insecure=args.insecure, ca_bundle=ca, progress=prog)
    from .redact import Redactor
    redactor = Redactor()  # one for the run: every target's secrets are kept out of every output
    for t in targets:
        redactor.add_target(t)
    opts.redactor = redactor  # the runner registers the session cookies and CSRF tokens it obtains
    unreachable = [t.name for t in targets if not _reachable(t, opts)]
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.monotonic()
    results = runner.run_all([t for t in targets if t.name not in unreachable], scenarios, opts)
    prog.done()
    duration = time.monotonic() - t0
    expired = baseline_mod.apply(results, base)
    meta = {"started": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration_s": round(duration, 1),
            "scenarios": len(scenarios), "targets": {t.name: t.base_url for t in targets},
            "fail_on": args.fail_on, "allow_dos": args.allow_dos, "expired_baseline_entries": expired,
            "unreachable": unreachable}
    redactor.harvest_set_cookies([r.to_dict() for rs in results.values() for r in rs],
                                 {t.session.get("cookie_name") or "session" for t in targets})
    if not args.quiet:
        reporters.console(results, sys.stdout, verbose=args.verbose, color=sys.stdout.isatty(), redactor=redactor)
    else:
        for t, rs in results.items():
            c = reporters.counts(rs)
            print(f"{t}: {c['pass']} pass, {c['fail']} fail, {c['known']} known, {c['skip']} skip, {c['error']} error")
    for e in expired:
        print(f"expired baseline entry ({e['file']}:{e['line']}, expired {e['expired']}): {e['scenario']} on "
              f"{e['target']} fails again", file=sys.stderr)
    for u in unreachable:
        why = reporters.tty(redactor.apply_text(_UNREACHABLE.get(u, "")))
        print(f"error: target {u} is unreachable" + (f": {why}" if why else ""), file=sys.stderr)
    print(f"{len(scenarios)} scenarios × {len(results)} targets in {duration:.1f} s")
    if args.report_dir:
        meta["unreachable_reasons"] = {u: _UNREACHABLE.get(u, "") for u in unreachable}
        written = reporters.write_all(results, meta, args.report_dir, [f.strip() for f in args.format.split(",")],
                                      redactor=redactor)
        print("reports: " + ", ".join(str(p) for p in written))
    print(summary(results, args.fail_on))
    code = exit_code(results, args.fail_on)
    if unreachable:
        code = EXIT_INCOMPLETE
    if expectations:
        mismatches = compare_expectations(results, expectations, allow_dos=args.allow_dos)
        for m in mismatches:
            print(f"EXPECTATION: {reporters.tty(redactor.apply_text(m))}")
        n_checked = sum(len(rs) for rs in results.values())
        print(f"expectations: {n_checked - len(mismatches)} passed, {len(mismatches)} failed")
        return EXIT_OK if not mismatches and not unreachable else EXIT_FAIL
    return code


def _discover_profiles(args) -> list[str] | None:
    """``--target URL`` without ``--profile``: discovery writes the profile first (marked guesses included)."""
    from . import discover
    if len(args.user) != len(args.password):
        print("error: give one --password per --user", file=sys.stderr)
        return None
    users = [{"username": u, "password": p} for u, p in zip(args.user, args.password)]
    verify = False if args.insecure else (args.ca_bundle or True)
    settings = Settings(timeout=args.timeout, max_bytes=args.max_bytes, verify=verify)
    out = []
    for i, url in enumerate(args.target):
        d = discover.discover(url, users, settings=settings, rate=args.rate_limit)
        path = Path(args.discover_out or Path(args.report_dir or ".") / "discovered-profile.yaml")
        if len(args.target) > 1:
            path = path.with_name(f"{path.stem}-{i + 1}{path.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(d.to_yaml(), encoding="utf-8")
        missing = [t for k, t in d.notes if k == "missing"]
        print(f"discovery: {url} -> {path} ({len(d.profile.get('roles') or {})} roles found, "
              f"{len(missing)} not found; edit it and pass it with --profile next time)", file=sys.stderr)
        out.append(str(path))
    args.target = []  # the profiles carry the URLs
    return out


_UNREACHABLE: dict[str, str] = {}  # target name -> what happened (outcome and reason)


def _reachable(t: Target, opts) -> bool:
    """True when the target answers at all: a response, or an answer that broke a bound or the protocol (huge
    headers, a bad status line...), which each scenario then reports as its error. False when nothing answers
    (refused, no TCP or TLS connection, silence); the reason is kept in _UNREACHABLE."""
    from .transport import Request, send
    page = t.roles["page"].path if "page" in t.roles else "/"
    why = ""
    for _ in range(3):
        r = send(Request("GET", t.base_url + page, timeout=min(5.0, opts.settings.timeout)), opts.settings)
        if r.outcome == "response" or (r.outcome == "error" and r.stage not in ("connect", "tls", "internal")):
            return True
        why = f"{r.outcome}" + (f" at {r.stage}" if r.stage else "") + (f" ({r.error})" if r.error else "")
        if r.outcome == "timeout" or r.stage == "tls":
            break  # a full deadline already passed: retrying would only multiply it
        time.sleep(0.5)
    _UNREACHABLE[t.name] = why
    return False


def exit_code(results, fail_on: str) -> int:
    """1 when a finding is at or above ``fail_on`` (findings come first: CI must see them even when other scenarios
    could not run); else 3 when a scenario ended in ERROR (a mapping error or a scenario that could not run);
    else 0. A run that could not complete at all (unreachable target, bad file) is 2, decided by the caller."""
    for rs in results.values():
        for r in rs:
            if r.status == "fail" and not r.baselined and judge.severity_at_least(r.scenario.severity, fail_on):
                return EXIT_FAIL
    if any(r.status == "error" for rs in results.values() for r in rs):
        return EXIT_ERRORS
    return EXIT_OK


def summary(results, fail_on: str) -> str:
    """One line CI can read: findings, mapping errors and other errors kept apart."""
    rs = [r for v in results.values() for r in v]
    fails = [r for r in rs if r.status == "fail" and not r.baselined]
    above = [r for r in fails if judge.severity_at_least(r.scenario.severity, fail_on)]
    mapping = [r for r in rs if r.status == "error" and r.error_kind == "mapping"]
    other = [r for r in rs if r.status == "error" and r.error_kind != "mapping"]
    skips = [r for r in rs if r.status == "skip"]
    ran = len(rs) - len(skips)
    return (f"summary: {len(fails)} findings ({len(above)} at or above {fail_on}), {len(mapping)} mapping errors, "
            f"{len(other)} other errors, {len(skips)} skipped; {ran} of {len(rs)} scenario runs reached a verdict"
            f" or an error")


# ---------------------------------------------------------------------------------------------- expectations

def load_expectations(path: str) -> dict:
    """``target: NAME`` and ``expected_failures: {scenario id: reason}`` (+ optional ``expected_skips``)."""
    loc = load_yaml(path)
    d = loc.data
    if not isinstance(d, dict) or "target" not in d:
        raise LoadError(loc.file, 1, "", "an expectations file has target, expected_failures, expected_skips")
    for k in d:
        if k not in ("target", "expected_failures", "expected_skips", "description"):
            raise LoadError(loc.file, loc.line((k,)), k, "unknown field")
    for k in ("expected_failures", "expected_skips"):
        v = d.get(k) or {}
        if not isinstance(v, dict):
            raise LoadError(loc.file, loc.line((k,)), k, "must be a mapping of scenario id to reason")
        for sid, reason in v.items():
            if not isinstance(reason, str) or not reason.strip():
                raise LoadError(loc.file, loc.line((k, sid)), f"{k}.{sid}", "every entry needs its reason")
    return {"target": d["target"], "fail": dict(d.get("expected_failures") or {}),
            "skip": dict(d.get("expected_skips") or {}), "file": loc.file}


def compare_expectations(results, expectations: list[dict], allow_dos: bool) -> list[str]:
    out = []
    for exp in expectations:
        t = exp["target"]
        if t not in results:
            out.append(f"{t}: no results (target not run)")
            continue
        ids = {r.scenario.id for r in results[t]}
        for sid in list(exp["fail"]) + list(exp["skip"]):
            if sid not in ids:
                out.append(f"{t}: {exp['file']} names {sid}, which is not a scenario of this run")
        for r in results[t]:
            sid = r.scenario.id
            if r.status == "error":
                out.append(f"{t}: {sid} ended in an error: {r.summary_line()}")
            elif r.status == "fail" and sid not in exp["fail"]:
                out.append(f"{t}: {sid} fails but is not an expected failure: {r.summary_line()}")
            elif r.status == "pass" and sid in exp["fail"]:
                out.append(f"{t}: {sid} passes but is listed as an expected failure ({exp['fail'][sid]})")
            elif r.status == "skip" and sid in exp["fail"] and not (r.scenario.dos and not allow_dos):
                out.append(f"{t}: {sid} was skipped ({r.reason}) but is listed as an expected failure")
            elif r.status == "skip" and not (r.scenario.dos and not allow_dos) and sid not in exp["skip"]:
                out.append(f"{t}: {sid} was skipped: {r.reason}")
    return out


if __name__ == "__main__":
    sys.exit(main())
