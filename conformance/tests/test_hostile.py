"""Hostile peers (issue 12): the scanner against small malicious servers on 127.0.0.1.

Each case runs the scanner CLI as a child process against one server and checks that:

* the run is bounded in wall time by its budget: STARTUP (interpreter, imports, reports) plus the requests that
  follow each other (the reachability check, then the scenarios, which run in parallel) times their worst case —
  one request is at most its deadline (``--timeout``), and with Retry-After at most
  ``(max_retries + 1) * timeout + max_retries * min(10 s, timeout)``;
* its peak RSS stays at most 256 MiB (the child's own, from os.wait4);
* the reports are valid: junit.xml parses, report.sarif is SARIF 2.1.0 JSON with runs, report.html runs no script
  from the server, report.json parses;
* what happened is reported with its reason: an ERROR (or the bound that applied: truncation, a redirect not
  followed, the Retry-After cap) in the report and on the console.

The cases run in parallel (a module fixture) to keep the whole file within about a minute.
"""
from __future__ import annotations

import gzip
import json
import re
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from test_hostile_support import Server, gzip_zeros, make_cert, run_scanner, send_forever, server_tls

TIMEOUT = 2.0         # --timeout of every run: the deadline of one request
STARTUP = 10.0        # interpreter start, imports, the websec module, writing five reports (generous for slow CI)
RSS_CAP_MIB = 256
RETRY_CAP = min(10.0, TIMEOUT)   # transport.RETRY_AFTER_CAP, never more than the timeout
RETRY_WORST = 3 * TIMEOUT + 2 * RETRY_CAP  # one request with two Retry-After retries

SCENARIOS = """
scenarios:
  - id: hostile.page.requests
    title: the page answers 200 with nosniff (requests transport)
    doc: "issue 12: hostile peers"
    severity: medium
    requires: [page]
    steps:
      - request: {role: page}
        expect: {status: 200, header_equals: {X-Content-Type-Options: nosniff}}
  - id: hostile.page.raw
    title: the page answers 200 with nosniff (raw transport)
    doc: "issue 12: hostile peers"
    severity: medium
    requires: [page]
    steps:
      - request: {role: page, transport: raw}
        expect: {status: 200, header_equals: {X-Content-Type-Options: nosniff}}
  - id: hostile.page.absent
    title: the page sends no X-Evil header and sets no cookie
    doc: "issue 12: hostile peers"
    severity: low
    requires: [page]
    steps:
      - request: {role: page}
        expect: {headers_absent: [X-Evil, Set-Cookie]}
  - id: hostile.page.follow
    title: the page answers 200 after its redirects
    doc: "issue 12: hostile peers"
    severity: medium
    requires: [page]
    steps:
      - request: {role: page, follow_redirects: true}
        expect: {status: 200}
"""

PROFILE = """
name: hostile
base_url: http://127.0.0.1:1
roles:
  page: /
users:
  - {username: alice, password: "hostile-pass-1"}
headers:
  Authorization: "Bearer hostile-bearer-token-0123456789"
session:
  cookie_name: session
  secret_key: hostile-secret-key-0123
"""


# ---------------------------------------------------------------------------------------------- handlers

OK_HEAD = b"HTTP/1.1 200 OK\r\nX-Content-Type-Options: nosniff\r\n"
BOMB_1 = gzip_zeros(1024)                        # 1 GiB of zeros in about 1 MB
BOMB_2 = gzip.compress(gzip_zeros(4096), 9)      # 4 GiB of zeros, gzip twice: about 10 kB


def h_gzip_bomb(c, head, body, srv):
    c.sendall(OK_HEAD + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(BOMB_1) + BOMB_1)


def h_gzip_double(c, head, body, srv):
    c.sendall(OK_HEAD + b"Content-Encoding: gzip, gzip\r\nContent-Length: %d\r\n\r\n" % len(BOMB_2) + BOMB_2)


def h_gzip_triple(c, head, body, srv):
    data = gzip.compress(gzip.compress(gzip.compress(b"hi")))
    c.sendall(OK_HEAD + b"Content-Encoding: gzip, gzip, gzip\r\nContent-Length: %d\r\n\r\n" % len(data) + data)


def h_chunk_line_endless(c, head, body, srv):
    send_forever(c, OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n", b"1" * 65536)


def h_chunk_huge(c, head, body, srv):
    send_forever(c, OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFF\r\n", b"x" * 65536)


def h_chunk_invalid(c, head, body, srv):
    c.sendall(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
    time.sleep(1)


def h_drip_body(c, head, body, srv):
    send_forever(c, OK_HEAD + b"Content-Length: 100000\r\n\r\n", b"x", delay=1.0, limit_s=30)


def h_endless_body(c, head, body, srv):
    send_forever(c, OK_HEAD + b"Connection: close\r\n\r\n", b"y" * 65536)


def h_header_10mib(c, head, body, srv):
    c.sendall(OK_HEAD + b"X-Huge: " + b"a" * (10 << 20) + b"\r\nContent-Length: 0\r\n\r\n")


def h_headers_5000(c, head, body, srv):
    c.sendall(OK_HEAD + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"Content-Length: 0\r\n\r\n")


def h_redirect_loop(c, head, body, srv):
    nxt = b"/b" if head.split(b" ")[1] == b"/a" else b"/a"
    c.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + nxt + b"\r\nContent-Length: 0\r\n\r\n")


def h_redirect_bomb(c, head, body, srv):
    c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Encoding: gzip, gzip\r\nContent-Length: %d\r\n\r\n"
              % len(BOMB_2) + BOMB_2)


def h_retry_after(c, head, body, srv):
    c.sendall(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 999999\r\nContent-Length: 0\r\n\r\n")


def h_bad_status(c, head, body, srv):
    c.sendall(b"HTTP/1.1 OK-ish\r\n\r\nwhatever")


ESC_HEADERS = (b"HTTP/1.1 500 \x1b[2J\x1b]0;owned\x07Boom\r\n"
               b"X-Evil: \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07 \x1b[31mred \xe2\x80\xae reversed\r\n"
               b"Set-Cookie: track=\x1b[1mbold\x00nul; Path=/\r\n"
               b"Content-Type: text/html\r\n")
ESC_BODY = b"<script>alert('from the server')</script><img src=x onerror=alert(1)>\x1b[5mblink\x1b]52;c;ZXZpbA==\x07"


def h_control_chars(c, head, body, srv):
    c.sendall(ESC_HEADERS + b"Content-Length: %d\r\n\r\n" % len(ESC_BODY) + ESC_BODY)


# ---------------------------------------------------------------------------------------------- cases

@dataclass
class Case:
    name: str
    handler: Callable | None
    only: list[str]
    serial: int = 2                 # requests that follow each other: reachability, then the scenarios
    per_request: float = TIMEOUT    # worst case of one of them
    tls: bool = False
    silent: bool = False
    error: str | None = None        # an ERROR with this reason (regex) is expected
    note: str | None = None         # a bound that applied, said in the response's notes
    rc: tuple[int, ...] = (1, 2, 3)
    extra: dict = field(default_factory=dict)

    @property
    def budget(self) -> float:
        return STARTUP + self.serial * self.per_request


PAGE = ["hostile.page.requests", "hostile.page.raw"]
CASES = [
    Case("gzip_bomb", h_gzip_bomb, PAGE, note=r"decoded body larger than --max-bytes \(1048576\)", rc=(0,)),
    Case("gzip_double", h_gzip_double, PAGE, note=r"decoded body larger than --max-bytes.*gzip, gzip", rc=(0,)),
    Case("gzip_triple", h_gzip_triple, PAGE, error=r"Content-Encoding lists 3 codings .*at most 2 are decoded"),
    Case("chunk_line_endless", h_chunk_line_endless, PAGE, error=r"chunk-size line longer than 65536 bytes"),
    Case("chunk_huge", h_chunk_huge, PAGE, note=r"a chunk declared 1099511627775 bytes", rc=(0,)),
    Case("chunk_invalid", h_chunk_invalid, PAGE, error=r"invalid chunk size line 'zz'"),
    Case("drip_body", h_drip_body, PAGE, error=r"the body did not complete within the 2 s deadline"),
    Case("drip_body_tls", h_drip_body, PAGE, tls=True, error=r"the body did not complete within the 2 s deadline"),
    Case("endless_body", h_endless_body, PAGE, note=r"body larger than --max-bytes \(1048576\)", rc=(0,)),
    Case("header_10mib", h_header_10mib, PAGE, error=r"response head larger than 65536 bytes"),
    Case("headers_5000", h_headers_5000, PAGE, error=r"response head has more than 100 header lines"),
    Case("redirect_bomb", h_redirect_bomb, PAGE, note=r"decoded body larger than --max-bytes.*gzip, gzip", rc=(1,)),
    Case("redirect_loop", h_redirect_loop, ["hostile.page.follow"], error=r"redirect loop: .*/a -> .*/b -> .*/a"),
    Case("tls_never", None, PAGE, silent=True, serial=1, rc=(2,),
         error=r"unreachable: error at tls \(TLS handshake did not complete within the 2 s deadline\)"),
    Case("retry_after", h_retry_after, PAGE, per_request=RETRY_WORST,
         note=r"Retry-After asks 999999 s; paused 2 s, the cap"),
    Case("bad_status", h_bad_status, PAGE, error=r"invalid status line 'HTTP/1.1 OK-ish"),
    Case("control_chars", h_control_chars, PAGE + ["hostile.page.absent"]),
]


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("tls"))


def _run_case(case: Case, work: Path, cert) -> tuple:
    work.mkdir(parents=True, exist_ok=True)
    srv = Server(case.handler, tls=server_tls(*cert) if case.tls else None, silent=case.silent)
    try:
        (work / "scenarios.yaml").write_text(SCENARIOS, encoding="utf-8")
        (work / "profile.yaml").write_text(PROFILE, encoding="utf-8")
        args = ["--profile", work / "profile.yaml", "--target", srv.url, "--scenarios", work / "scenarios.yaml",
                "--timeout", TIMEOUT]
        for o in case.only:
            args += ["--only", o]
        if case.tls:
            args += ["--ca-bundle", cert[0]]
        return run_scanner(args, work), srv
    finally:
        srv.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cert):
    base = tmp_path_factory.mktemp("hostile")
    with ThreadPoolExecutor(max_workers=8) as ex:
        futs = {c.name: ex.submit(_run_case, c, base / c.name, cert) for c in CASES}
        out = {name: f.result()[0] for name, f in futs.items()}
    # the figures of every case, for the record (pytest -s shows them)
    for c in CASES:
        r = out[c.name]
        print(f"hostile {c.name:20s} rc={r.rc} wall={r.wall:5.1f}s (budget {c.budget:4.1f}s) "
              f"peak RSS={r.maxrss_mib:5.1f} MiB")
    return out


def _all_reasons(run) -> str:
    """Every reason, error and note of every result of the run (report.json), one per line."""
    lines = []
    rep = run.report()
    lines += [f"unreachable: {v}" for v in (rep["meta"].get("unreachable_reasons") or {}).values()]
    for r in run.results():
        lines.append(f"{r['status']}: {r['reason']}")
        for st in r["steps"]:
            rs = st.get("response") or {}
            lines += [rs.get("error") or ""] + list(rs.get("notes") or [])
            lines += [c["message"] for c in st["checks"]]
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_peer(case: Case, runs):
    run = runs[case.name]
    # bounded: time, memory, exit code
    assert run.wall <= case.budget, f"{case.name}: {run.wall:.1f} s over its budget of {case.budget:.1f} s"
    assert run.maxrss_mib <= RSS_CAP_MIB, f"{case.name}: peak RSS {run.maxrss_mib:.0f} MiB"
    assert run.rc in case.rc, f"{case.name}: exit {run.rc}\n{run.stdout}\n{run.stderr}"
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr
    assert "MemoryError" not in run.stderr
    # valid reports
    _check_reports(run)
    reasons = _all_reasons(run)
    if case.error:
        assert re.search(case.error, reasons), f"{case.name}: no reason matching {case.error!r} in\n{reasons}"
        if not case.silent:
            errors = [r for r in run.results() if r["status"] == "error"]
            assert errors, f"{case.name}: no ERROR in {[r['status'] for r in run.results()]}"
            assert "ERROR" in run.stdout and re.search(case.error, run.stdout), run.stdout
            assert "unreachable" not in run.stderr, run.stderr  # it answered: say what, not "unreachable"
        else:
            assert re.search(case.error, "unreachable: " + run.stderr.split("unreachable: ", 1)[-1]), run.stderr
    if case.note:
        assert re.search(case.note, reasons), f"{case.name}: no note matching {case.note!r} in\n{reasons}"


class _Active(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.handlers: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.handlers += [(tag, k) for k, v in attrs if k.startswith("on") or (v or "").lower().startswith(
            "javascript:")]

    handle_startendtag = handle_starttag


def _active_html(page: str) -> tuple[int, list]:
    """(script elements, elements with event handlers or javascript: URLs) as a browser parses the page."""
    p = _Active()
    p.feed(page)
    p.close()
    return p.scripts, p.handlers


def _check_reports(run) -> None:
    d = run.report_dir
    run.report()  # report.json parses
    ET.parse(d / "junit.xml")  # well-formed XML
    sarif = json.loads((d / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and isinstance(sarif["runs"], list) and sarif["runs"]
    page = (d / "report.html").read_text(encoding="utf-8")
    scripts, handlers = _active_html(page)
    assert scripts == 1, "the report's own script only"
    assert handlers == [], handlers
    for name in ("report.txt",):
        assert b"\x1b" not in (d / name).read_bytes()
    assert "\x1b" not in run.stdout and "\x1b" not in run.stderr


def test_control_characters_never_reach_outputs(runs):
    """Raw ESC sequences, OSC hyperlinks and clipboard writes, bidi overrides and NULs from the server are shown
    as text in every output; junit.xml stays well-formed; the HTML runs no script from the server."""
    run = runs["control_chars"]
    outs = run.outputs()
    for name, data in outs.items():
        for bad in (b"\x1b", b"\x07", b"\x00", "\u202e".encode()):
            if name == "report.json" or name == "report.sarif":
                continue  # JSON escapes them as \u001b: valid, and not a terminal
            assert bad not in data, f"{bad!r} in {name}"
    for name in ("stdout", "report.txt", "junit.xml"):
        assert "\\x1b]8;;http://evil.example/\\x07click" in outs[name].decode(), name  # shown, not obeyed
    assert "\\u0080" in outs["report.txt"].decode()  # a C1 control (here from U+202E read as Latin-1)
    page = outs["report.html"].decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;from the server&#x27;)" in page
    assert "Content-Security-Policy" in page and "script-src 'sha256-" in page
    root = ET.parse(run.report_dir / "junit.xml").getroot()
    assert root.get("tests") == "3"
    sarif = json.loads(outs["report.sarif"])
    assert all("\x1b" not in r["message"]["text"] for r in sarif["runs"][0]["results"])


def test_cross_host_redirect_sends_nothing_to_the_other_host(tmp_path, cert):
    """A redirect to another host (127.0.0.2) is not followed: the collector there sees no request at all, so no
    Cookie and no Authorization; the report says the redirect was not followed."""
    collector = Server(lambda c, h, b, s: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                       host="127.0.0.2")

    def h(c, head, body, srv):
        c.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:%d/collect\r\nSet-Cookie: session=abcdefgh"
                  b"ijklmnop; Path=/\r\nContent-Length: 0\r\n\r\n" % collector.port)

    srv = Server(h)
    try:
        (tmp_path / "scenarios.yaml").write_text(SCENARIOS, encoding="utf-8")
        (tmp_path / "profile.yaml").write_text(PROFILE, encoding="utf-8")
        run = run_scanner(["--profile", tmp_path / "profile.yaml", "--target", srv.url, "--scenarios",
                           tmp_path / "scenarios.yaml", "--timeout", TIMEOUT, "--only", "hostile.page.follow"],
                          tmp_path)
    finally:
        srv.close()
        collector.close()
    assert run.wall <= STARTUP + 2 * TIMEOUT and run.maxrss_mib <= RSS_CAP_MIB
    assert collector.seen.heads == [], collector.seen.heads
    assert any(b"Authorization: Bearer" in h for h in srv.seen.heads)  # sent to the target, never elsewhere
    assert re.search(r"redirect to another origin not followed .*127\.0\.0\.2", _all_reasons(run))
    [r] = run.results()
    assert r["status"] == "fail" and "status 302" in r["steps"][0]["checks"][0]["message"]


# ---------------------------------------------------------------------------------------------- the transports
# The same servers against transport.send in-process, both transports: the reason of each outcome, quickly.

from websec_conform.transport import Request, Settings, send  # noqa: E402


@pytest.mark.parametrize("transport", ["requests", "raw"])
@pytest.mark.parametrize("handler,outcome,reason", [
    (h_gzip_double, "response", r"decoded body larger than"),
    (h_gzip_triple, "error", r"Content-Encoding lists 3 codings"),
    (h_chunk_line_endless, "error", r"chunk-size line longer than 65536 bytes"),
    (h_chunk_huge, "response", r"a chunk declared 1099511627775 bytes"),
    (h_chunk_invalid, "error", r"invalid chunk size line 'zz'"),
    (h_header_10mib, "error", r"response head larger than 65536 bytes"),
    (h_headers_5000, "error", r"more than 100 header lines"),
    (h_bad_status, "error", r"invalid status line"),
    (lambda c, h, b, s: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc"), "error",
     r"invalid Content-Length '-1'"),
    (lambda c, h, b, s: send_forever(c, OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n", b"x" * 65536),
     "error", r"invalid chunk size line '-1'"),
], ids=["gzip-double", "gzip-triple", "chunk-line", "chunk-huge", "chunk-invalid", "header-10mib", "headers-5000",
        "bad-status", "bad-content-length", "negative-chunk"])
def test_transport_outcomes(transport, handler, outcome, reason):
    srv = Server(handler)
    try:
        t0 = time.monotonic()
        r = send(Request("GET", srv.url + "/", transport=transport, timeout=TIMEOUT), Settings(timeout=TIMEOUT))
        assert time.monotonic() - t0 < TIMEOUT + 1
    finally:
        srv.close()
    assert r.outcome == outcome, (r.outcome, r.error, r.notes)
    assert re.search(reason, r.error + " " + " ".join(r.notes)), (r.error, r.notes)
    assert len(r.body) <= Settings().max_bytes


@pytest.mark.parametrize("transport", ["requests", "raw"])
def test_tls_handshake_that_never_completes_is_bounded(transport):
    srv = Server(None, silent=True)
    try:
        t0 = time.monotonic()
        r = send(Request("GET", srv.url + "/", transport=transport, timeout=1.0), Settings(timeout=1.0, verify=False))
        el = time.monotonic() - t0
    finally:
        srv.close()
    assert el < 2.0 and r.outcome == "error" and r.stage == "tls"
    assert "TLS handshake did not complete within the 1 s deadline" in r.error


@pytest.mark.parametrize("transport", ["requests", "raw"])
def test_dripped_head_is_bounded_by_the_deadline(transport):
    def h(c, head, body, srv):
        for b in OK_HEAD + b"X-Slow: " + b"s" * 100:
            c.sendall(bytes([b]))
            time.sleep(0.2)
    srv = Server(h)
    try:
        t0 = time.monotonic()
        r = send(Request("GET", srv.url + "/", transport=transport, timeout=1.0), Settings(timeout=1.0))
        el = time.monotonic() - t0
    finally:
        srv.close()
    assert el < 2.0 and r.outcome == "timeout" and "no complete response head within the 1 s deadline" in r.error


def test_redirects_are_bounded_and_same_origin_only():
    hops = []

    def h(c, head, body, srv):
        p = head.split(b" ")[1]
        hops.append(p)
        n = int(p.strip(b"/") or b"0")
        c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /%d\r\nContent-Length: 0\r\n\r\n" % (n + 1))
    srv = Server(h)
    try:
        r = send(Request("GET", srv.url + "/", timeout=TIMEOUT, follow_redirects=True), Settings())
    finally:
        srv.close()
    assert r.outcome == "error" and r.stage == "redirect" and "more than 5 redirects" in r.error
    assert len(hops) == 6
