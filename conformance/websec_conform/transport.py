"""Sending requests: ``requests`` for ordinary ones, raw sockets (plain or TLS) where ``requests`` cannot express
the attack (chunked bodies, a lying Content-Length, slow sends, a half-closed connection).

Both paths return a :class:`Response` with the header lines exactly as received (repeated ``Set-Cookie`` kept
apart — ``requests`` folds them), the body read up to a cap, the elapsed time, and an outcome: ``response``,
``closed`` (the connection ended before a status line), ``timeout`` or ``error``.
"""
from __future__ import annotations

import http.cookiejar
import select
import shlex
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3

from .generators import Body

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


@dataclass
class Request:
    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body | None = None
    transport: str = "requests"
    timeout: float = 10.0
    content_length: int | None = None  # override of the declared length (raw transport)
    half_close: bool = False
    slow: dict | None = None
    follow_redirects: bool = False

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
    max_bytes: int = 1024 * 1024
    verify: Any = True  # True, False (--insecure) or a CA bundle path
    retry_after_cap: float = 10.0
    max_retries: int = 2


def _retry_after(resp: Response) -> float | None:
    if resp.status not in (429, 503):
        return None
    v = resp.header("Retry-After")
    if v is None:
        return None
    try:
        return max(0.0, float(v.strip()))
    except ValueError:
        from email.utils import parsedate_to_datetime
        try:
            return max(0.0, parsedate_to_datetime(v).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def send(req: Request, settings: Settings, limiter: RateLimiter | None = None) -> Response:
    """Sends ``req``; on 429/503 with Retry-After waits (capped) and retries a bounded number of times."""
    attempt = 0
    while True:
        if limiter:
            limiter.acquire()
        resp = _send_raw(req, settings) if req.transport == "raw" else _send_requests(req, settings)
        wait = _retry_after(resp)
        if wait is None or attempt >= settings.max_retries or wait > settings.retry_after_cap:
            return resp
        attempt += 1
        if limiter:
            limiter.pause(wait)
        else:
            time.sleep(wait)


_local = threading.local()


def _session() -> requests.Session:
    s = getattr(_local, "session", None)
    if s is None:
        s = requests.Session()
        s.trust_env = False  # the environment's proxies and CA bundle must not change what is tested
        # the runner keeps each scenario session's cookies itself: requests must never store or send any
        s.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        _local.session = s
    return s


def _send_requests(req: Request, settings: Settings) -> Response:
    headers = {}
    for k, v in req.headers:
        headers[k] = v if k not in headers else headers[k] + ", " + v
    data = None
    if req.body is not None:
        if req.body.content_type and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = req.body.content_type
        data = req.body.data
        if req.body.chunked:
            data = _chunks(req.body.data, req.body.chunk_size)
    t0 = time.monotonic()
    try:
        r = _session().request(req.method, req.url, headers=headers, data=data, allow_redirects=req.follow_redirects,
                               timeout=(min(req.timeout, 10.0), req.timeout), verify=settings.verify, stream=True)
    except requests.exceptions.Timeout as e:
        return Response("timeout", elapsed=time.monotonic() - t0, error=str(e))
    except requests.exceptions.ConnectionError as e:
        return Response("closed", elapsed=time.monotonic() - t0, error=str(e))
    except requests.exceptions.RequestException as e:
        return Response("error", elapsed=time.monotonic() - t0, error=str(e))
    try:
        msg = r.raw._original_response.msg  # http.client.HTTPMessage: every header line, in order
        hdrs = [(k, v) for k, v in msg.items()]
    except AttributeError:
        hdrs = list(r.headers.items())
    body = b""
    truncated = False
    try:
        if req.method != "HEAD":
            for chunk in r.iter_content(65536):
                body += chunk
                if len(body) > settings.max_bytes:
                    body = body[: settings.max_bytes]
                    truncated = True
                    break
    except requests.exceptions.RequestException as e:
        return Response("response", r.status_code, r.reason or "", hdrs, body, time.monotonic() - t0, truncated,
                        error=f"body read failed: {e}")
    finally:
        r.close()
    return Response("response", r.status_code, r.reason or "", hdrs, body, time.monotonic() - t0, truncated)


def _chunks(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i:i + size]


# ---------------------------------------------------------------------------------------------- raw sockets

def _connect(url: str, settings: Settings, timeout: float) -> socket.socket:
    u = urlsplit(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    sock = socket.create_connection((u.hostname, port), timeout=min(timeout, 10.0))
    if u.scheme == "https":
        if settings.verify is False:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif isinstance(settings.verify, str):
            ctx = ssl.create_default_context(cafile=settings.verify)
        else:
            ctx = ssl.create_default_context()
        sock = ctx.wrap_socket(sock, server_hostname=u.hostname)
    sock.settimeout(timeout)
    return sock


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


def _send_raw(req: Request, settings: Settings) -> Response:
    t0 = time.monotonic()
    deadline = t0 + req.timeout
    try:
        sock = _connect(req.url, settings, req.timeout)
    except socket.timeout as e:
        return Response("timeout", elapsed=time.monotonic() - t0, error=f"connect: {e}")
    except (OSError, ssl.SSLError) as e:
        return Response("error", elapsed=time.monotonic() - t0, error=f"connect: {e}")
    buf = bytearray()
    sent = 0
    try:
        data = raw_head(req) + _payload(req)
        piece = int(req.slow["chunk"]) if req.slow else 16384
        delay = float(req.slow["delay"]) if req.slow else 0.0
        head_len = len(raw_head(req))
        try:
            while sent < len(data):
                # the server may answer (413) before the body is complete: stop sending then
                if sent >= head_len and _early_answer(sock, buf, 0):
                    break
                n = piece if sent >= head_len else head_len
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                sock.sendall(data[sent:sent + n])
                sent += min(n, len(data) - sent)
                if delay and sent < len(data):
                    if _early_answer(sock, buf, delay):
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
                                bytes_sent=sent)
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
    buf += data
    return True


def _recv(sock, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise socket.timeout("deadline")
    sock.settimeout(remaining)
    return sock.recv(65536)


def _read_response(sock, req: Request, settings: Settings, deadline: float, t0: float, sent: int,
                   buf: bytearray) -> Response:
    try:
        while b"\r\n\r\n" not in buf:
            chunk = _recv(sock, deadline)
            if not chunk:
                return Response("closed", elapsed=time.monotonic() - t0, error="connection closed before a status line",
                                bytes_sent=sent)
            buf += chunk
            if len(buf) > 256 * 1024:
                return Response("error", elapsed=time.monotonic() - t0, error="response head over 256 KiB",
                                bytes_sent=sent)
    except socket.timeout:
        return Response("timeout", elapsed=time.monotonic() - t0, error="no response before the timeout",
                        bytes_sent=sent)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
        return Response("closed", elapsed=time.monotonic() - t0, error=f"connection reset: {e}", bytes_sent=sent)
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        return Response("error", elapsed=time.monotonic() - t0, error=f"bad status line {lines[0]!r}", bytes_sent=sent)
    reason = parts[2] if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
    resp = Response("response", status, reason, headers, b"", 0.0, bytes_sent=sent)
    body = bytearray(rest)
    if req.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = bytearray()
    else:
        te = (resp.header("Transfer-Encoding") or "").lower()
        cl = resp.header("Content-Length")
        try:
            if "chunked" in te:
                body = _read_chunked(sock, body, deadline, settings.max_bytes, resp)
            elif cl is not None and cl.strip().isdigit():
                want = int(cl)
                while len(body) < min(want, settings.max_bytes):
                    chunk = _recv(sock, deadline)
                    if not chunk:
                        break
                    body += chunk
                if want > settings.max_bytes:
                    resp.truncated = True
                body = body[:min(want, settings.max_bytes)]
            else:
                while len(body) < settings.max_bytes:
                    chunk = _recv(sock, deadline)
                    if not chunk:
                        break
                    body += chunk
        except (socket.timeout, ConnectionResetError, ssl.SSLError, OSError) as e:
            resp.error = f"body incomplete: {e}"
        if len(body) > settings.max_bytes:
            body = body[:settings.max_bytes]
            resp.truncated = True
    resp.body = bytes(body)
    resp.elapsed = time.monotonic() - t0
    return resp


def _read_chunked(sock, body: bytearray, deadline: float, cap: int, resp: Response) -> bytearray:
    out = bytearray()
    buf = body
    while True:
        while b"\r\n" not in buf:
            c = _recv(sock, deadline)
            if not c:
                return out
            buf += c
        line, _, rest = bytes(buf).partition(b"\r\n")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        buf = bytearray(rest)
        if size == 0:
            return out
        while len(buf) < size + 2:
            c = _recv(sock, deadline)
            if not c:
                out += buf[:size]
                return out
            buf += c
        out += buf[:size]
        buf = buf[size + 2:]
        if len(out) > cap:
            resp.truncated = True
            return out[:cap]


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
