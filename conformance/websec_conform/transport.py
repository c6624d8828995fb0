"""Sending requests: ``requests`` for ordinary ones, raw sockets (plain or TLS) where ``requests`` cannot express
the attack (chunked bodies, a lying Content-Length, slow sends, a half-closed connection).

Both paths return a :class:`Response` with the header lines exactly as received (repeated ``Set-Cookie`` kept
apart — ``requests`` folds them), the body read and decoded up to a cap, the elapsed time, and an outcome:
``response``, ``closed`` (the connection ended before a status line), ``timeout`` (no answer within the deadline)
or ``error`` (the peer broke the protocol or a bound, named in ``error``; ``stage`` says where).

The peer is not trusted. Every bound below holds whatever it sends (see the threat model in
conformance/README.md):

* one deadline per request (``Request.timeout``) covers connect, the TLS handshake, sending, the response head,
  the body and its decoding, and the redirects followed. The raw transport reads with the time left; the
  ``requests`` transport has a watchdog that shuts the socket down when the deadline passes, so a peer that
  drips one byte a second cannot hold a request open;
* the response head: at most ``max_head_bytes`` (64 KiB) and ``max_headers`` (100) header lines; a longer
  chunk-size line than ``max_line_bytes`` (64 KiB) is an error;
* the body: at most ``max_bytes`` read from the wire and at most ``max_bytes`` after decoding; at most
  ``max_encodings`` (2) content codings are decoded (gzip, x-gzip, deflate), decompressed incrementally with
  ``zlib.decompressobj(...).decompress(data, max_length)``; more codings is an error;
* redirects are followed only when a step asks, only within the request's origin (scheme, host and port), at
  most ``max_redirects`` (5) and never in a loop; a redirect to another origin is returned, not followed, so
  cookies and credentials never travel to another host;
* ``429``/``503`` with ``Retry-After`` pause the target for at most ``min(retry_after_cap, timeout)`` seconds,
  at most ``max_retries`` times; a longer ask is cut to the cap and said in the response's ``notes``.

No server-controlled input raises: every parse error becomes an outcome with its reason.
"""
from __future__ import annotations

import heapq
import http.client
import http.cookiejar
import itertools
import math
import os
import re
import select
import shlex
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode, urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection as _U3HTTPConnection, HTTPSConnection as _U3HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool as _U3HTTPPool, HTTPSConnectionPool as _U3HTTPSPool

from .generators import Body

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

MAX_HEAD_BYTES = 64 * 1024   # the response head (status line, header lines, interim 1xx heads)
MAX_HEADERS = 100            # header lines of one head (http.client's limit, so both transports agree)
MAX_LINE_BYTES = 64 * 1024   # one chunk-size or trailer line (http.client's _MAXLINE)
MAX_ENCODINGS = 2            # content codings decoded; more is an error
MAX_REDIRECTS = 5
RETRY_AFTER_CAP = 10.0       # seconds; never more than the request's timeout either
READ_BLOCK = 64 * 1024


@dataclass
class Request:
    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body | None = None
    transport: str = "requests"
    timeout: float = 10.0  # the deadline of the whole request, redirects included
    content_length: int | None = None  # override of the declared length (raw transport)
    half_close: bool = False
    slow: dict | None = None
    follow_redirects: bool = False  # same origin only, at most Settings.max_redirects

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def summary(self) -> dict[str, Any]:
        d: dict[str, Any] = {"method": self.method, "url": self.url, "headers": [list(h) for h in self.headers],
                             "transport": self.transport}
        if self.body is not None:
            d["body"] = {"generator": self.body.expr, "bytes": len(self.body.data), "chunked": self.body.chunked}
            if len(self.body.data) <= 2048:
                d["body"]["text"] = self.body.data.decode("utf-8", "replace")
        if self.content_length is not None:
            d["declared_content_length"] = self.content_length
        if self.half_close:
            d["half_close"] = True
        if self.slow:
            d["slow"] = self.slow
        return d


@dataclass
class Response:
    outcome: str  # response | closed | timeout | error
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    elapsed: float = 0.0
    truncated: bool = False
    error: str = ""
    bytes_sent: int = 0
    stage: str = ""  # where it ended when not a response: connect | tls | send | head | body | decode | redirect
    notes: list[str] = field(default_factory=list)  # bounds that applied (truncation, Retry-After cap, redirects)
    url: str = ""  # the URL that answered (differs from the request's after a followed redirect)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def summary(self, body_limit: int = 2048) -> dict[str, Any]:
        d: dict[str, Any] = {"outcome": self.outcome, "status": self.status, "reason": self.reason,
                             "headers": [list(h) for h in self.headers], "elapsed_ms": round(self.elapsed * 1000, 1),
                             "body_bytes": len(self.body)}
        if self.body:
            d["body_excerpt"] = self.body[:body_limit].decode("utf-8", "replace")
        if self.truncated:
            d["body_truncated"] = True
        if self.error:
            d["error"] = self.error
        if self.stage and self.outcome != "response":
            d["stage"] = self.stage
        if self.notes:
            d["notes"] = list(self.notes)
        if self.bytes_sent:
            d["bytes_sent"] = self.bytes_sent
        return d


class RateLimiter:
    """A token bucket shared by all requests to one target (``rate`` requests per second, 0 = unlimited)."""

    def __init__(self, rate: float):
        self.rate = rate
        self.lock = threading.Lock()
        self.next_at = 0.0
        self.pause_until = 0.0

    def acquire(self) -> None:
        if self.rate <= 0 and self.pause_until <= time.monotonic():
            return
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at, self.pause_until)
            self.next_at = at + (1.0 / self.rate if self.rate > 0 else 0)
        delay = at - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.pause_until = max(self.pause_until, time.monotonic() + seconds)


@dataclass
class Settings:
    timeout: float = 10.0
    max_bytes: int = 1024 * 1024  # body bytes read from the wire, and body bytes after decoding
    verify: Any = True  # True, False (--insecure) or a CA bundle path
    retry_after_cap: float = RETRY_AFTER_CAP  # one pause; also never longer than the request's timeout
    max_retries: int = 2
    max_head_bytes: int = MAX_HEAD_BYTES
    max_headers: int = MAX_HEADERS
    max_line_bytes: int = MAX_LINE_BYTES
    max_encodings: int = MAX_ENCODINGS
    max_redirects: int = MAX_REDIRECTS


# ---------------------------------------------------------------------------------------------- send

def _retry_after(resp: Response) -> float | None:
    if resp.status not in (429, 503):
        return None
    v = resp.header("Retry-After")
    if v is None:
        return None
    v = v.strip()
    try:
        wait = float(v)
    except ValueError:
        from email.utils import parsedate_to_datetime
        try:
            wait = parsedate_to_datetime(v).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if math.isnan(wait):
        return None
    return max(0.0, wait)


def send(req: Request, settings: Settings, limiter: RateLimiter | None = None) -> Response:
    """Sends ``req``, follows same-origin redirects when it asks, and on 429/503 with Retry-After pauses (capped)
    and retries a bounded number of times. Never raises on anything the peer sends.

    Worst case in time: ``(max_retries + 1) * req.timeout + max_retries * min(retry_after_cap, req.timeout)``."""
    attempt = 0
    notes: list[str] = []
    while True:
        if limiter:
            limiter.acquire()
        resp = _send_following(req, settings)
        wait = _retry_after(resp)
        if wait is None:
            break
        if attempt >= settings.max_retries:
            notes.append(f"still {resp.status} after {attempt} retr{'y' if attempt == 1 else 'ies'}")
            break
        cap = max(0.0, min(settings.retry_after_cap, req.timeout))
        pause = min(wait, cap)
        if wait > cap:
            notes.append(f"Retry-After asks {wait:.0f} s; paused {pause:g} s, the cap "
                         f"(min({settings.retry_after_cap:g} s, the request timeout))")
        else:
            notes.append(f"{resp.status} with Retry-After: paused {pause:g} s and retried")
        attempt += 1
        if limiter:
            limiter.pause(pause)
        else:
            time.sleep(pause)
    resp.notes[:0] = notes
    return resp


def _origin(url: str) -> tuple[str, str, int]:
    u = urlsplit(url)
    try:
        port = u.port
    except ValueError:
        port = None
    return u.scheme.lower(), (u.hostname or "").lower(), port or (443 if u.scheme.lower() == "https" else 80)


def _send_following(req: Request, settings: Settings) -> Response:
    t0 = time.monotonic()
    deadline = t0 + req.timeout
    resp = _send_once(req, settings, deadline)
    if not req.follow_redirects:
        return resp
    seen = [req.url]
    cur = req
    while resp.outcome == "response" and resp.status in (301, 302, 303, 307, 308):
        loc = resp.header("Location")
        if not loc:
            return resp
        try:
            nxt = urljoin(cur.url, loc.strip())
            scheme = urlsplit(nxt).scheme.lower()
        except ValueError:
            resp.notes.append(f"redirect not followed: invalid Location {loc[:200]!r}")
            return resp
        if scheme not in ("http", "https"):
            resp.notes.append(f"redirect not followed: Location {nxt[:200]!r} is not http(s)")
            return resp
        if _origin(nxt) != _origin(req.url):
            resp.notes.append(f"redirect to another origin not followed (no cookie or credential is sent there): "
                              f"{nxt[:500]}")
            return resp
        if nxt in seen:
            return Response("error", resp.status, resp.reason, resp.headers, elapsed=time.monotonic() - t0,
                            stage="redirect", url=cur.url,
                            error="redirect loop: " + " -> ".join(s[:200] for s in seen + [nxt]))
        if len(seen) > settings.max_redirects:
            return Response("error", resp.status, resp.reason, resp.headers, elapsed=time.monotonic() - t0,
                            stage="redirect", url=cur.url, error=f"more than {settings.max_redirects} redirects")
        seen.append(nxt)
        method, body = cur.method, cur.body
        if resp.status == 303 or (resp.status in (301, 302) and cur.method == "POST"):
            method, body = ("GET" if cur.method != "HEAD" else "HEAD"), None
        hdrs = cur.headers if body is not None else [
            (k, v) for k, v in cur.headers if k.lower() not in ("content-type", "content-length", "transfer-encoding")]
        cur = Request(method, nxt, list(hdrs), body, cur.transport, cur.timeout,
                      cur.content_length if body is not None else None, cur.half_close, cur.slow, True)
        resp = _send_once(cur, settings, deadline)
        resp.notes.insert(0, "followed redirects: " + " -> ".join(s[:200] for s in seen))
    resp.elapsed = time.monotonic() - t0
    return resp


def _send_once(req: Request, settings: Settings, deadline: float) -> Response:
    t0 = time.monotonic()
    try:
        resp = _send_raw(req, settings, deadline) if req.transport == "raw" else _send_requests(req, settings, deadline)
    except Exception as e:  # noqa: BLE001 - whatever the peer did, the run gets an outcome, never a traceback
        resp = Response("error", elapsed=time.monotonic() - t0, stage="internal",
                        error=f"{type(e).__name__}: {e}"[:500])
    if not resp.url:
        resp.url = req.url
    return resp


# ---------------------------------------------------------------------------------------------- bounded reading

class _Hostile(Exception):
    """The peer broke the protocol or a bound: an ``error`` outcome with this reason."""

    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


class _DeadlineHit(Exception):
    pass


class _Broken(Exception):
    """The connection failed (reset, closed by the watchdog)."""


def _show(b: bytes, n: int = 80) -> str:
    """A short printable view of peer bytes for a reason string."""
    s = b[:n].decode("latin-1")
    s = "".join(c if 0x20 <= ord(c) < 0x7f else f"\\x{ord(c):02x}" for c in s)
    return repr(s + ("…" if len(b) > n else ""))


class _Source:
    """The bytes of one response, read under the request's deadline, with bounded lines."""

    def __init__(self, read_some: Callable[[int, float], bytes], deadline: float, initial: bytes = b""):
        self._read_some = read_some  # (n, seconds left) -> up to n bytes; b"" at EOF
        self.deadline = deadline
        self.buf = bytearray(initial)
        self.pos = 0
        self.eof = False
        self.received = len(initial)

    def _fill(self) -> bool:
        if self.eof:
            return False
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _DeadlineHit()
        data = self._read_some(READ_BLOCK, left)
        if not data:
            self.eof = True
            return False
        if self.pos > READ_BLOCK:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data
        self.received += len(data)
        return True

    def readline(self, cap: int, what: str, stage: str) -> bytes:
        """One line with its LF (b"" at EOF, the partial line if EOF comes first); a line longer than ``cap`` bytes
        is an error."""
        off = 0  # bytes after pos already searched
        while True:
            i = self.buf.find(b"\n", self.pos + off, self.pos + cap + 1)
            if i >= 0:
                line = bytes(self.buf[self.pos:i + 1])
                self.pos = i + 1
                return line
            if len(self.buf) - self.pos > cap:
                raise _Hostile(stage, f"{what} longer than {cap} bytes")
            off = len(self.buf) - self.pos
            if not self._fill():
                line = bytes(self.buf[self.pos:])
                self.pos = len(self.buf)
                return line

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (at least one unless at EOF)."""
        if self.pos >= len(self.buf) and not self._fill():
            return b""
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += len(out)
        return out


_STATUS_RE = re.compile(rb"HTTP/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?\r?\n")


def _parse_header_lines(lines: list[bytes]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip(b"\r\n").decode("latin-1")
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            k, v = headers[-1]
            headers[-1] = (k, (v + " " + line.strip()).strip())
            continue
        if ":" not in line:
            continue  # not a header line; http.client skips it too
        k, v = line.split(":", 1)
        headers.append((k.strip(), v.strip()))
    return headers


def _read_head(src: _Source, settings: Settings) -> tuple[int, str, list[tuple[str, str]]]:
    """Status and header lines; interim 1xx heads (except 101) are skipped. Bounded in bytes and lines."""
    cap = settings.max_head_bytes
    too_big = f"response head larger than {cap} bytes"
    total = 0

    def line_of_head() -> bytes:
        nonlocal total
        if total >= cap:
            raise _Hostile("head", too_big)
        try:
            line = src.readline(cap - total, "response head", "head")
        except _Hostile:
            raise _Hostile("head", too_big) from None
        total += len(line)
        return line

    while True:
        line = line_of_head()
        if not line:
            raise _Closed("connection closed before a status line")
        m = _STATUS_RE.fullmatch(line)
        if not m:
            if not line.endswith(b"\n"):
                raise _Closed(f"connection closed in the status line {_show(line)}")
            raise _Hostile("head", f"invalid status line {_show(line)}")
        status = int(m.group(3))
        reason = (m.group(4) or b"").decode("latin-1")
        lines: list[bytes] = []
        while True:
            line = line_of_head()
            if not line.endswith(b"\n"):
                raise _Hostile("head", "connection closed before the end of the response head")
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
            if len(lines) > settings.max_headers:
                raise _Hostile("head", f"response head has more than {settings.max_headers} header lines")
        if 100 <= status < 200 and status != 101:
            continue  # interim response: the final one follows
        return status, reason, _parse_header_lines(lines)


class _Closed(Exception):
    pass


# ---------------------------------------------------------------------------------------------- decoding

def _codings(headers: list[tuple[str, str]]) -> list[str]:
    out = []
    for k, v in headers:
        if k.lower() == "content-encoding":
            out += [c.strip().lower() for c in v.split(",")]
    return [c for c in out if c and c != "identity"]


class _Decoder:
    """Content codings undone incrementally: at most ``cap`` bytes come out, whatever the ratio, and every stage
    holds at most about one read block (``zlib`` ``max_length``)."""

    KNOWN = ("gzip", "x-gzip", "deflate")

    def __init__(self, codings: list[str], cap: int):
        self.codings = list(reversed(codings))  # the last coding applied is undone first
        self.cap = cap
        self.out = bytearray()
        self.over = False
        self.stages: list[Any] = [None] * len(self.codings)
        self.pend = [b""] * len(self.codings)
        self.done = [False] * len(self.codings)

    def _new(self, i: int) -> Any:
        c = self.codings[i]
        if c in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = self.pend[i]
        if len(data) < 2:
            return None
        # deflate is the zlib format (RFC 9110 §8.4.1.2); some servers send raw deflate
        zlib_hdr = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_hdr else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> None:
        if self.over or not data:
            return
        if not self.codings:
            room = self.cap - len(self.out)
            self.out += data[:room]
            if len(data) > room:
                self.over = True
            return
        self.pend[0] += data
        self._pump()

    def _pump(self) -> None:
        n = len(self.codings)
        while not self.over:
            moved = False
            for i in range(n - 1, -1, -1):  # drain the later stages first: every buffer stays small
                if not self.pend[i] or self.done[i]:
                    continue
                if i < n - 1 and len(self.pend[i + 1]) >= READ_BLOCK:
                    continue
                if self.stages[i] is None:
                    self.stages[i] = self._new(i)
                    if self.stages[i] is None:
                        continue
                d = self.stages[i]
                limit = READ_BLOCK if i < n - 1 else max(1, min(READ_BLOCK, self.cap + 1 - len(self.out)))
                before = len(self.pend[i])
                try:
                    o = d.decompress(self.pend[i], limit)
                except zlib.error as e:
                    raise _Hostile("decode", f"Content-Encoding {self.codings[i]}: invalid compressed data ({e})")
                rest = d.unconsumed_tail
                if d.eof:
                    rest = d.unused_data
                    if rest and self.codings[i] in ("gzip", "x-gzip"):
                        self.stages[i] = zlib.decompressobj(16 + zlib.MAX_WBITS)  # another gzip member
                    elif rest:
                        rest = b""  # bytes after the end of the stream are ignored
                        self.done[i] = True
                    else:
                        self.stages[i] = None if self.codings[i] == "deflate" else self.stages[i]
                        self.done[i] = True
                self.pend[i] = rest
                if i == n - 1:
                    self.out += o
                    if len(self.out) > self.cap:
                        del self.out[self.cap:]
                        self.over = True
                else:
                    self.pend[i + 1] += o
                if o or len(rest) < before:
                    moved = True
                    break
            if not moved:
                break


# ---------------------------------------------------------------------------------------------- body

def _framing(method: str, status: int, headers: list[tuple[str, str]]) -> tuple[str, int | None]:
    """("none"|"chunked"|"length"|"close", length) as RFC 9112 §6.3 reads a response."""
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return "none", 0
    te = [c.strip().lower() for k, v in headers if k.lower() == "transfer-encoding" for c in v.split(",")]
    te = [c for c in te if c]
    if te:
        return ("chunked", None) if te[-1] == "chunked" else ("close", None)
    cls = [v.strip() for k, v in headers if k.lower() == "content-length"]
    if cls:
        vals = {p.strip() for v in cls for p in v.split(",")}
        if len(vals) != 1 or not next(iter(vals)).isdigit() or len(next(iter(vals))) > 18:
            raise _Hostile("head", f"invalid Content-Length {', '.join(cls)[:80]!r} (RFC 9112 §6.3: the response "
                                   f"cannot be framed)")
        return "length", int(next(iter(vals)))
    return "close", None


def _read_body(src: _Source, method: str, status: int, headers: list[tuple[str, str]], settings: Settings,
               resp: Response) -> None:
    """Reads and decodes the body into ``resp`` within the caps; raises _Hostile or _DeadlineHit."""
    framing, length = _framing(method, status, headers)
    if framing == "none":
        return
    codings = _codings(headers)
    unknown = [c for c in codings if c not in _Decoder.KNOWN]
    if len(codings) > settings.max_encodings:
        raise _Hostile("decode", f"Content-Encoding lists {len(codings)} codings ({', '.join(codings)[:120]}); at "
                                 f"most {settings.max_encodings} are decoded")
    if unknown:
        resp.notes.append(f"body left encoded: Content-Encoding {', '.join(unknown)[:80]} is not decoded")
        codings = []
    cap = settings.max_bytes
    dec = _Decoder(codings, cap)
    wire = 0

    def take(data: bytes) -> bool:
        nonlocal wire
        wire += len(data)
        dec.feed(data)
        return wire >= cap or dec.over

    full = False
    if framing == "length":
        while wire < length and not full:
            data = src.read(min(READ_BLOCK, length - wire, cap - wire))
            if not data:
                resp.error = f"body incomplete: connection closed after {wire} of {length} bytes"
                break
            full = take(data)
        if length > cap and wire >= cap:
            resp.notes.append(f"body of {length} bytes read up to --max-bytes ({cap})")
            resp.truncated = True
    elif framing == "close":
        while not full:
            data = src.read(min(READ_BLOCK, cap - wire))
            if not data:
                break
            full = take(data)
        if full and not src.eof and wire >= cap:
            resp.notes.append(f"body larger than --max-bytes ({cap}): read up to the cap")
            resp.truncated = True
    else:
        while not full:
            line = src.readline(settings.max_line_bytes, "chunk-size line", "body")
            if not line.endswith(b"\n"):
                resp.error = f"body incomplete: connection closed in the chunked body after {wire} bytes"
                break
            size_text = line.split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size_text):
                shown = _show(line.rstrip(b"\r\n"))
                raise _Hostile("body", f"invalid chunk size line {shown}")
            size = int(size_text, 16)
            if size == 0:
                break  # trailers are not read: the connection is closed after the response
            left = size
            while left > 0 and not full:
                data = src.read(min(READ_BLOCK, left, cap - wire))
                if not data:
                    resp.error = f"body incomplete: connection closed inside a chunk after {wire} bytes"
                    full = True
                    break
                left -= len(data)
                full = take(data)
            if full:
                if wire >= cap and not resp.error:
                    resp.notes.append(f"chunked body larger than --max-bytes ({cap}): read up to the cap"
                                      + (f" (a chunk declared {size} bytes)" if size > cap else ""))
                    resp.truncated = True
                break
            crlf = src.readline(settings.max_line_bytes, "chunk data terminator", "body")
            if crlf.strip(b"\r\n"):
                raise _Hostile("body", f"chunk data of {size} bytes is followed by {_show(crlf)} instead of CRLF")
            if not crlf:
                resp.error = f"body incomplete: connection closed after a chunk ({wire} bytes)"
                break
    if dec.over:
        resp.truncated = True
        resp.notes.append(f"decoded body larger than --max-bytes ({cap}): decoding stopped at the cap "
                          f"(Content-Encoding {', '.join(reversed(dec.codings))}, {wire} bytes on the wire)")
    resp.body = bytes(dec.out)


# ---------------------------------------------------------------------------------------------- requests

class _Watch:
    """The deadline of one request on the requests transport: a watchdog shuts its sockets down when it passes,
    which ends any blocked connect, TLS handshake, send or read at once."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.lock = threading.Lock()
        self.socks: list[socket.socket] = []
        self.fired = False
        self.closed = False
        self.stage = "connect"

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def track(self, sock) -> None:
        try:
            dup = socket.socket(fileno=os.dup(sock.fileno()))
        except (OSError, ValueError):
            return
        with self.lock:
            if self.closed:
                dup.close()
                return
            self.socks.append(dup)
            if self.fired:
                _shutdown(dup)

    def fire(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.fired = True
            for s in self.socks:
                _shutdown(s)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for s in self.socks:
                try:
                    s.close()
                except OSError:
                    pass
            self.socks.clear()


def _shutdown(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One thread that fires the deadlines of all requests."""

    def __init__(self):
        self.cv = threading.Condition()
        self.heap: list[tuple[float, int, _Watch]] = []
        self.seq = itertools.count()
        self.thread: threading.Thread | None = None

    def add(self, w: _Watch) -> None:
        with self.cv:
            heapq.heappush(self.heap, (w.deadline, next(self.seq), w))
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="websec-conform-deadlines", daemon=True)
                self.thread.start()
            self.cv.notify()

    def _loop(self) -> None:
        while True:
            with self.cv:
                while self.heap and self.heap[0][2].closed:
                    heapq.heappop(self.heap)
                if not self.heap:
                    self.cv.wait()
                    continue
                wait = self.heap[0][0] - time.monotonic()
                if wait > 0:
                    self.cv.wait(wait)
                    continue
                _, _, w = heapq.heappop(self.heap)
            w.fire()


_watchdog = _Watchdog()
_local = threading.local()


def _watch() -> _Watch | None:
    return getattr(_local, "watch", None)


class _ConnMixin:
    def _new_conn(self):
        w = _watch()
        if w is not None:
            self.timeout = max(0.001, w.remaining())  # the connect timeout: what is left of the deadline
        sock = super()._new_conn()
        if w is not None:
            w.track(sock)
            w.stage = "tls" if isinstance(self, _U3HTTPSConnection) else "send"
        return sock

    def connect(self):
        super().connect()
        w = _watch()
        if w is not None:
            w.stage = "send"

    def request(self, *a, **kw):
        w = _watch()
        if w is not None and getattr(self, "sock", None) is not None:
            w.track(self.sock)  # a connection from the pool
        return super().request(*a, **kw)

    def request_chunked(self, *a, **kw):
        w = _watch()
        if w is not None and getattr(self, "sock", None) is not None:
            w.track(self.sock)
        return super().request_chunked(*a, **kw)

    def getresponse(self, *a, **kw):
        w = _watch()
        if w is not None:
            w.stage = "head"
        return super().getresponse(*a, **kw)


class _HTTPConn(_ConnMixin, _U3HTTPConnection):
    pass


class _HTTPSConn(_ConnMixin, _U3HTTPSConnection):
    pass


class _HTTPPool(_U3HTTPPool):
    ConnectionCls = _HTTPConn


class _HTTPSPool(_U3HTTPSPool):
    ConnectionCls = _HTTPSConn


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *a, **kw):
        super().init_poolmanager(*a, **kw)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class _Session(requests.Session):
    def get_redirect_target(self, resp):
        # requests reads a redirect's whole body (resp.content: unbounded, decoded) to prepare the next hop even
        # with allow_redirects=False; redirects are followed by send() here, within bounds
        return None


def _session() -> requests.Session:
    s = getattr(_local, "session", None)
    if s is None:
        s = _Session()
        s.trust_env = False  # the environment's proxies and CA bundle must not change what is tested
        # the runner keeps each scenario session's cookies itself: requests must never store or send any
        s.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # redirects are followed by this module, never by requests (allow_redirects=False); requests still
        # prepares the next hop of a 3xx with allow_redirects=False and raises TooManyRedirects at 0
        s.max_redirects = 1
        s.mount("http://", _Adapter())
        s.mount("https://", _Adapter())
        _local.session = s
    return s


def _chain(e: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (args, __cause__, __context__)."""
    out: list[BaseException] = []
    todo = [e]
    while todo and len(out) < 20:
        x = todo.pop(0)
        if x is None or any(x is y for y in out):
            continue
        out.append(x)
        todo += [a for a in getattr(x, "args", ()) if isinstance(a, BaseException)]
        todo += [getattr(x, "reason", None) if isinstance(getattr(x, "reason", None), BaseException) else None]
        todo += [x.__cause__, x.__context__]
    return out


def _deadline_response(stage: str, timeout: float, t0: float, received: int | None = None) -> Response:
    el = time.monotonic() - t0
    if stage == "connect":
        return Response("timeout", elapsed=el, stage="connect", error=f"connect: no connection within {timeout:g} s")
    if stage == "tls":
        return Response("error", elapsed=el, stage="tls",
                        error=f"TLS handshake did not complete within the {timeout:g} s deadline")
    if stage == "send":
        return Response("timeout", elapsed=el, stage="send", error=f"timed out while sending ({timeout:g} s deadline)")
    got = f" ({received} bytes received)" if received else ""
    return Response("timeout", elapsed=el, stage="head",
                    error=f"no complete response head within the {timeout:g} s deadline{got}")


def _classify(e: BaseException, w: _Watch, timeout: float, t0: float) -> Response:
    el = time.monotonic() - t0
    if w.fired:
        return _deadline_response(w.stage, timeout, t0)
    chain = _chain(e)
    if isinstance(e, (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL,
                      requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return Response("error", elapsed=el, stage="request", error=f"the request cannot be sent: {e}"[:500])
    for x in chain:
        if isinstance(x, http.client.LineTooLong):
            return Response("error", elapsed=el, stage="head",
                            error=f"response head larger than {MAX_HEAD_BYTES} bytes (a line over "
                                  f"{http.client._MAXLINE} bytes: {x})")
        if isinstance(x, http.client.RemoteDisconnected):
            return Response("closed", elapsed=el, stage="head", error="connection closed before a status line")
        if isinstance(x, http.client.BadStatusLine):
            line = x.args[0] if x.args else ""
            return Response("error", elapsed=el, stage="head",
                            error=f"invalid status line {_show(str(line).encode('latin-1', 'replace'))}")
        if isinstance(x, http.client.HTTPException) and "more than" in str(x) and "headers" in str(x):
            return Response("error", elapsed=el, stage="head",
                            error=f"response head has more than {http.client._MAXHEADERS} header lines")
    if w.stage == "tls" or any(isinstance(x, (requests.exceptions.SSLError, ssl.SSLError)) for x in chain):
        if any(isinstance(x, (socket.timeout, requests.exceptions.Timeout)) for x in chain):
            return _deadline_response("tls", timeout, t0)
        return Response("error", elapsed=el, stage="tls", error=f"TLS: {e}"[:500])
    if isinstance(e, requests.exceptions.ConnectTimeout) or (
            w.stage == "connect" and any(isinstance(x, socket.timeout) for x in chain)):
        return _deadline_response("connect", timeout, t0)
    if isinstance(e, requests.exceptions.Timeout) or any(isinstance(x, socket.timeout) for x in chain):
        return _deadline_response(w.stage if w.stage in ("send", "head") else "head", timeout, t0)
    if w.stage == "connect" or any(isinstance(x, urllib3.exceptions.NewConnectionError) for x in chain):
        return Response("error", elapsed=el, stage="connect", error=f"connect: {e}"[:500])
    if isinstance(e, requests.exceptions.ConnectionError):
        return Response("closed", elapsed=el, stage=w.stage, error=str(e)[:500])
    return Response("error", elapsed=el, stage=w.stage, error=f"{type(e).__name__}: {e}"[:500])


def _send_requests(req: Request, settings: Settings, deadline: float) -> Response:
    t0 = time.monotonic()
    headers = {}
    for k, v in req.headers:
        headers[k] = v if k not in headers else headers[k] + ", " + v
    if not any(k.lower() == "accept-encoding" for k in headers):
        headers["Accept-Encoding"] = "gzip, deflate"  # the codings decoded here, within bounds (no br)
    data = None
    if req.body is not None:
        if req.body.content_type and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = req.body.content_type
        data = req.body.data
        if req.body.chunked:
            data = _chunks(req.body.data, req.body.chunk_size)
    left = deadline - t0
    if left <= 0:
        return _deadline_response("connect", req.timeout, t0)
    w = _Watch(deadline)
    _local.watch = w
    _watchdog.add(w)
    r = None
    try:
        try:
            r = _session().request(req.method, req.url, headers=headers, data=data, allow_redirects=False,
                                   timeout=(left, left), verify=settings.verify, stream=True)
        except Exception as e:  # noqa: BLE001 - classified into an outcome
            return _classify(e, w, req.timeout, t0)
        w.stage = "body"
        orig = getattr(r.raw, "_original_response", None)
        try:
            hdrs = [(k, v) for k, v in orig.msg.items()]
        except AttributeError:
            hdrs = list(r.headers.items())
        resp = Response("response", r.status_code, r.reason or "", hdrs)
        head_size = len(f"HTTP/1.1 {r.status_code} {r.reason or ''}\r\n") + sum(len(k) + len(v) + 4 for k, v in hdrs) + 2
        if head_size > settings.max_head_bytes:
            return Response("error", r.status_code, r.reason or "", elapsed=time.monotonic() - t0, stage="head",
                            error=f"response head larger than {settings.max_head_bytes} bytes ({head_size} bytes)")
        fp = getattr(orig, "fp", None)

        def read_some(n: int, _left: float) -> bytes:
            if fp is None:
                return b""
            try:
                data = fp.read1(n)
            except (OSError, ValueError) as e:
                if w.fired:
                    raise _DeadlineHit() from None
                raise _Broken(str(e)) from None
            if not data and w.fired:
                raise _DeadlineHit()
            return data

        _finish(resp, _Source(read_some, deadline), req.method, settings, req.timeout)
        resp.elapsed = time.monotonic() - t0
        return resp
    finally:
        _local.watch = None
        w.close()
        if r is not None:
            try:
                r.close()  # the body was read past urllib3: the connection is never reused
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass


def _finish(resp: Response, src: _Source, method: str, settings: Settings, timeout: float) -> None:
    """Reads the body of a response whose head is in ``resp``; turns every peer failure into the outcome."""
    try:
        _read_body(src, method, resp.status or 0, resp.headers, settings, resp)
    except _Hostile as h:
        resp.outcome, resp.stage, resp.error = "error", h.stage, h.reason
    except _DeadlineHit:
        resp.outcome, resp.stage = "error", "body"
        resp.error = (f"the body did not complete within the {timeout:g} s deadline "
                      f"({src.received} bytes received after the head)")
    except _Broken as e:
        resp.error = f"body incomplete: {e}"


def _chunks(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i:i + size]


# ---------------------------------------------------------------------------------------------- raw sockets

def _tls_context(settings: Settings) -> ssl.SSLContext:
    if settings.verify is False:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif isinstance(settings.verify, str):
        ctx = ssl.create_default_context(cafile=settings.verify)
    else:
        ctx = ssl.create_default_context()
    return ctx


def _connect(url: str, settings: Settings, deadline: float) -> tuple[socket.socket | None, Response | None]:
    """A connected (and TLS-established) socket, or the outcome that stopped it; all within the deadline."""
    t0 = time.monotonic()
    u = urlsplit(url)
    timeout = max(0.0, deadline - t0)
    shown = f"{timeout:.3g}"
    try:
        port = u.port or (443 if u.scheme == "https" else 80)
        sock = socket.create_connection((u.hostname, port), timeout=max(0.001, timeout))
    except socket.timeout:
        return None, Response("timeout", elapsed=time.monotonic() - t0, stage="connect",
                              error=f"connect: no connection within {shown} s")
    except (OSError, ValueError) as e:
        return None, Response("error", elapsed=time.monotonic() - t0, stage="connect", error=f"connect: {e}")
    if u.scheme != "https":
        return sock, None
    try:
        ssock = _tls_context(settings).wrap_socket(sock, server_hostname=u.hostname, do_handshake_on_connect=False)
    except (OSError, ssl.SSLError, ValueError) as e:
        sock.close()
        return None, Response("error", elapsed=time.monotonic() - t0, stage="tls", error=f"TLS: {e}")
    try:
        ssock.setblocking(False)
        while True:
            try:
                ssock.do_handshake()
                break
            except ssl.SSLWantReadError:
                want_read = True
            except ssl.SSLWantWriteError:
                want_read = False
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            r, wr, _ = select.select([ssock] if want_read else [], [] if want_read else [ssock], [], left)
            if not r and not wr:
                raise socket.timeout()
        ssock.setblocking(True)
        return ssock, None
    except socket.timeout:
        ssock.close()
        return None, Response("error", elapsed=time.monotonic() - t0, stage="tls",
                              error=f"TLS handshake did not complete within the {shown} s deadline")
    except (OSError, ssl.SSLError, ValueError) as e:
        ssock.close()
        return None, Response("error", elapsed=time.monotonic() - t0, stage="tls", error=f"TLS: {e}")


def raw_head(req: Request) -> bytes:
    u = urlsplit(req.url)
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    host = next((v for k, v in req.headers if k.lower() == "host"), u.netloc)  # a scenario may send a foreign Host
    lines = [f"{req.method} {target} HTTP/1.1", f"Host: {host}"]
    names = {k.lower() for k, _ in req.headers}
    for k, v in req.headers:
        if k.lower() != "host":
            lines.append(f"{k}: {v}")
    if req.body is not None:
        if req.body.content_type and "content-type" not in names:
            lines.append(f"Content-Type: {req.body.content_type}")
        if req.body.chunked and req.content_length is None:
            lines.append("Transfer-Encoding: chunked")
        elif "content-length" not in names:
            lines.append(f"Content-Length: {req.content_length if req.content_length is not None else len(req.body.data)}")
    elif req.content_length is not None:
        lines.append(f"Content-Length: {req.content_length}")
    if "connection" not in names:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _payload(req: Request) -> bytes:
    if req.body is None:
        return b""
    if req.body.chunked and req.content_length is None:
        out = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in _chunks(req.body.data, req.body.chunk_size))
        return out + b"0\r\n\r\n"
    return req.body.data


def _send_raw(req: Request, settings: Settings, deadline: float) -> Response:
    t0 = time.monotonic()
    sock, failed = _connect(req.url, settings, deadline)
    if failed is not None:
        return failed
    buf = bytearray()
    sent = 0
    try:
        head = raw_head(req)
        data = head + _payload(req)
        piece = int(req.slow["chunk"]) if req.slow else 16384
        delay = float(req.slow["delay"]) if req.slow else 0.0
        head_len = len(head)
        try:
            while sent < len(data):
                # the server may answer (413) before the body is complete: stop sending then
                if sent >= head_len and _early_answer(sock, buf, 0):
                    break
                n = piece if sent >= head_len else head_len
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("send deadline")
                sock.settimeout(left)
                sock.sendall(data[sent:sent + n])
                sent += min(n, len(data) - sent)
                if delay and sent < len(data):
                    if _early_answer(sock, buf, max(0.0, min(delay, deadline - time.monotonic()))):
                        break
                if time.monotonic() > deadline:
                    raise socket.timeout("send deadline")
            if req.half_close and not isinstance(sock, ssl.SSLSocket):
                # plain TCP only: over TLS a half-close would tear down the TLS layer, so the request
                # just stays incomplete until the timeout
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        except socket.timeout:
            if not _early_answer(sock, buf, 0):
                return Response("timeout", elapsed=time.monotonic() - t0, error="timed out while sending",
                                bytes_sent=sent, stage="send")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass  # the server stopped reading; its answer may still be there
        return _read_response(sock, req, settings, deadline, t0, sent, buf)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def _readable(sock, wait: float) -> bool:
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    try:
        r, _, _ = select.select([sock], [], [], wait)
    except (OSError, ValueError):
        return True
    return bool(r)


def _early_answer(sock, buf: bytearray, wait: float) -> bool:
    """True if the server already answered (or closed) while the request is still being sent.

    A readable TLS socket may only carry handshake records (TLS 1.3 session tickets), so readability alone
    is not an answer: application bytes (kept in ``buf``) or an EOF are."""
    if not _readable(sock, wait):
        return False
    old = sock.gettimeout()
    try:
        sock.settimeout(0)
        data = sock.recv(65536)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
        return False
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
        return True
    finally:
        try:
            sock.settimeout(old)
        except OSError:
            pass
    if not data:
        return True
    if len(buf) < MAX_HEAD_BYTES + READ_BLOCK:
        buf += data
    return True


def _read_response(sock, req: Request, settings: Settings, deadline: float, t0: float, sent: int,
                   buf: bytearray) -> Response:
    def read_some(n: int, left: float) -> bytes:
        try:
            sock.settimeout(left)
            return sock.recv(n)
        except socket.timeout:
            raise _DeadlineHit() from None
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return b"" if time.monotonic() >= deadline else read_some(n, deadline - time.monotonic())
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
            raise _Broken(f"connection reset: {e}") from None

    src = _Source(read_some, deadline, bytes(buf))
    try:
        status, reason, headers = _read_head(src, settings)
    except _Hostile as h:
        return Response("error", elapsed=time.monotonic() - t0, error=h.reason, bytes_sent=sent, stage=h.stage)
    except _Closed as c:
        return Response("closed", elapsed=time.monotonic() - t0, error=str(c), bytes_sent=sent, stage="head")
    except _DeadlineHit:
        got = f" ({src.received} bytes received)" if src.received else ""
        return Response("timeout", elapsed=time.monotonic() - t0, bytes_sent=sent, stage="head",
                        error=f"no complete response head within the {req.timeout:g} s deadline{got}")
    except _Broken as e:
        return Response("closed", elapsed=time.monotonic() - t0, error=str(e), bytes_sent=sent, stage="head")
    resp = Response("response", status, reason, headers, b"", 0.0, bytes_sent=sent)
    received_head = src.received
    _finish(resp, src, req.method, settings, req.timeout)
    if resp.outcome == "error" and resp.stage == "body" and "deadline" in resp.error:
        resp.error = (f"the body did not complete within the {req.timeout:g} s deadline "
                      f"({src.received - received_head} bytes received after the head)")
    resp.elapsed = time.monotonic() - t0
    return resp


# ---------------------------------------------------------------------------------------------- reproduction

def reproduce(req: Request, insecure: bool = False, ca_bundle: str | None = None) -> str:
    """A shell command that sends the same request: curl where curl can express it, otherwise a raw pipe."""
    tls = []
    if req.url.startswith("https"):
        if insecure:
            tls = ["-k"]
        elif isinstance(ca_bundle, str):
            tls = ["--cacert", ca_bundle]
    body_cmd = None
    if req.body is not None:
        body_cmd = f"PYTHONPATH=conformance /usr/bin/python3 -m websec_conform body {shlex.quote(req.body.expr)}"
    needs_raw = req.content_length is not None or req.half_close or req.slow
    if not needs_raw:
        cmd = ["curl", "-sS", "-i", *tls, "-X", req.method] if req.method != "HEAD" else ["curl", "-sS", "-I", *tls]
        for k, v in req.headers:
            cmd += ["-H", f"{k}: {v}"]
        if req.body is not None:
            if req.body.content_type and not req.header("Content-Type"):
                cmd += ["-H", f"Content-Type: {req.body.content_type}"]
            if req.body.chunked:
                cmd += ["-H", "Transfer-Encoding: chunked"]
            cmd += ["--data-binary", "@-"]
        cmd.append(req.url)
        line = " ".join(shlex.quote(c) for c in cmd)
        return f"{body_cmd} | {line}" if body_cmd else line
    u = urlsplit(req.url)
    port = u.port or (443 if u.scheme == "https" else 80)
    head = raw_head(req).decode("latin-1").replace("\r\n", "\\r\\n")
    conn = (f"openssl s_client -quiet -connect {u.hostname}:{port}" if u.scheme == "https"
            else f"nc {u.hostname} {port}")
    parts = [f"printf %b {shlex.quote(head)}"]
    if body_cmd:
        parts.append(body_cmd)
    return "{ " + "; ".join(parts) + "; } | " + conn


def build_url(base: str, path: str, query: dict | None = None) -> str:
    url = base.rstrip("/") + path
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    return url
