"""Support for the hostile-peer tests (no tests here): small malicious servers on raw sockets, TLS material made
with openssl, bombs built in milliseconds, and a runner of the scanner CLI as a child process that measures its
wall time and peak RSS (``os.wait4``)."""
from __future__ import annotations

import json
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"
PYTHONPATH = f"{REPO / 'conformance'}:{REPO / 'build' / 'default' / 'python'}"
MEMORY_LIMIT = 2 << 30  # address-space cap of the child: a regression fails the test instead of the machine


# ---------------------------------------------------------------------------------------------- servers

@dataclass
class Seen:
    """What a server received: one entry per request head (and the body that came with it)."""
    heads: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)


class Server:
    """A TCP server on ``host`` whose ``handler(conn, head, body, server)`` answers each request as it likes.

    ``tls``: an SSLContext for HTTPS; ``silent``: accept and never read nor answer (a TLS handshake that never
    completes when the client speaks HTTPS to it)."""

    def __init__(self, handler: Callable | None, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None,
                 silent: bool = False):
        self.handler = handler
        self.tls = tls
        self.silent = silent
        self.seen = Seen()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls or self.silent else 'http'}://{self.host}:{self.port}"

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.conns.append(c)
            if self.silent:
                continue  # hold it open, say nothing
            threading.Thread(target=self._conn, args=(c,), daemon=True).start()

    def _conn(self, c: socket.socket) -> None:
        try:
            c.settimeout(30)
            if self.tls is not None:
                c = self.tls.wrap_socket(c, server_side=True)
            buf = b""
            while b"\r\n\r\n" not in buf and len(buf) < 1 << 20:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            head, _, body = buf.partition(b"\r\n\r\n")
            n = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length" and v.strip().isdigit():
                    n = int(v)
            while len(body) < n:
                d = c.recv(65536)
                if not d:
                    break
                body += d
            with self.lock:
                self.seen.heads.append(head)
                self.seen.bodies.append(body)
            self.handler(c, head, body, self)
        except (OSError, ssl.SSLError, ValueError):
            pass  # the scanner closed the connection: the point of most of these servers
        finally:
            try:
                c.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


def send_forever(c: socket.socket, head: bytes, piece: bytes, delay: float = 0.0, limit_s: float = 60) -> None:
    """Sends ``head`` then ``piece`` again and again until the client goes away (or ``limit_s`` passes)."""
    c.sendall(head)
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        c.sendall(piece)
        if delay:
            time.sleep(delay)


def path_of(head: bytes) -> str:
    return head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")


def header_of(head: bytes, name: str) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode("latin-1")
    return None


# ---------------------------------------------------------------------------------------------- material

def gzip_zeros(mib: int) -> bytes:
    """A gzip member of ``mib`` MiB of zeros, built without compressing them: full-flushed deflate segments of
    one MiB are identical, so one is repeated (1 GiB -> 1 MB in a third of a second)."""
    z = b"\0" * (1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    seg = co.compress(z) + co.flush(zlib.Z_FULL_FLUSH)
    end = co.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(z, crc)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + seg * mib + end
            + struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF))


def make_cert(directory: Path, cn: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), as (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-subj", f"/CN={cn}", "-addext", f"subjectAltName=IP:{cn}", "-days", "1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


# ---------------------------------------------------------------------------------------------- the scanner

@dataclass
class Run:
    rc: int
    wall: float
    maxrss_kib: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def maxrss_mib(self) -> float:
        return self.maxrss_kib / 1024

    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text(encoding="utf-8"))

    def outputs(self) -> dict[str, bytes]:
        """Every output of the run: stdout, stderr and each report file, as bytes."""
        out = {"stdout": self.stdout.encode("utf-8", "surrogateescape"),
               "stderr": self.stderr.encode("utf-8", "surrogateescape")}
        for p in sorted(self.report_dir.glob("*")):
            if p.is_file():
                out[p.name] = p.read_bytes()
        return out

    def results(self) -> list[dict]:
        return [r for t in self.report()["targets"].values() for r in t["results"]]


# A fresh, small process starts the scanner and reports the scanner's own rusage: measured from the test process,
# ru_maxrss would include the test process's memory at fork time (Linux keeps the larger of the pre-exec image and
# the new program's peak).
_WRAPPER = r"""
import json, os, resource, subprocess, sys, time
out, limit, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
t0 = time.monotonic()
p = subprocess.Popen(cmd, preexec_fn=cap)
_, status, ru = os.wait4(p.pid, 0)
p.returncode = os.waitstatus_to_exitcode(status)
with open(out, "w") as f:
    json.dump({"rc": p.returncode, "wall": time.monotonic() - t0, "maxrss_kib": ru.ru_maxrss}, f)
"""


def run_scanner(args: list[str], work: Path, hard_limit: float = 120.0) -> Run:
    """Runs ``python3 -m websec_conform run ARGS --report-dir WORK/report`` as a child of a small wrapper; measures
    the scanner's wall time and its own peak RSS (os.wait4 in the wrapper)."""
    report = work / "report"
    if report.exists():
        shutil.rmtree(report)
    out_p, err_p, res_p = work / "stdout.txt", work / "stderr.txt", work / "rusage.json"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": PYTHONPATH, "LANG": "C.UTF-8", "MALLOC_ARENA_MAX": "2",
           "HOME": str(work)}
    cmd = [PYTHON, "-m", "websec_conform", "run", *map(str, args), "--report-dir", str(report), "--progress", "never"]
    with out_p.open("wb") as out, err_p.open("wb") as err:
        subprocess.run([PYTHON, "-c", _WRAPPER, str(res_p), str(MEMORY_LIMIT), *cmd], stdout=out, stderr=err, env=env,
                       cwd=str(REPO), timeout=hard_limit, check=False)
    res = json.loads(res_p.read_text())
    return Run(res["rc"], res["wall"], res["maxrss_kib"], out_p.read_text("utf-8", "replace"),
               err_p.read_text("utf-8", "replace"), report)
