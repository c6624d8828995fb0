"""The bundled servers: start websec-server, secure_app and insecure_app on 127.0.0.1, run the suite, stop them.

Used by ``scripts/conform`` (``python3 -m websec_conform bundled [--e2e] [runner options]``). One self-signed
certificate is generated per run (openssl) and trusted through the runner's CA bundle option. Every process
started here is stopped here (SIGTERM, then SIGKILL after a grace period), also on Ctrl-C.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .cli import CONFORMANCE, REPO

PY = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
SERVER_BIN = REPO / "build" / "default" / "bin" / "websec-server"


@dataclass
class Server:
    name: str
    cmd: list[str]
    port: int
    http_port: int | None = None
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-days", "2", "-keyout", str(key), "-out", str(cert)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def server_expected() -> bool:
    """websec-server is part of the project once harness/server has sources."""
    d = REPO / "harness" / "server"
    return d.is_dir() and any(d.glob("*.cpp"))


def plan(cert: Path, key: Path, with_server: bool) -> list[Server]:
    out = []
    if with_server:
        p, hp = free_port(), free_port()
        out.append(Server("websec-server", [str(SERVER_BIN), "--listen", f"127.0.0.1:{p}", "--listen-http",
                                            f"127.0.0.1:{hp}", "--tls-cert", str(cert), "--tls-key", str(key)], p, hp))
    for app in ("secure_app", "insecure_app"):
        p = free_port()
        out.append(Server(app, [PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{p}", "--workers", "1", "--threads", "8",
                                "--worker-class", "gthread", "--certfile", str(cert), "--keyfile", str(key),
                                "--timeout", "60", "--graceful-timeout", "2", "--log-level", "warning",
                                "--chdir", str(CONFORMANCE / "apps"), f"{app}:app"], p))
    return out


def start(servers: list[Server], logdir: Path) -> None:
    for s in servers:
        s.log = logdir / f"{s.name}.log"
        fh = open(s.log, "wb")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        s.proc = subprocess.Popen(s.cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                  start_new_session=True)


def wait_ready(servers: list[Server], cert: Path, timeout: float = 30.0) -> list[str]:
    import ssl
    ctx = ssl.create_default_context(cafile=str(cert))
    problems = []
    for s in servers:
        deadline = time.monotonic() + timeout
        ok = False
        while time.monotonic() < deadline:
            if s.proc and s.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", s.port), timeout=1) as raw:
                    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                        tls.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        if tls.recv(12).startswith(b"HTTP/1."):
                            ok = True
                            break
            except OSError:
                time.sleep(0.2)
        if not ok:
            tail = s.log.read_text(errors="replace")[-2000:] if s.log and s.log.exists() else ""
            problems.append(f"{s.name} did not start on port {s.port}:\n{tail}")
    return problems


def stop(servers: list[Server]) -> None:
    for s in servers:
        if s.proc and s.proc.poll() is None:
            try:
                os.killpg(s.proc.pid, signal.SIGTERM)  # the process group this module created for it
            except (ProcessLookupError, PermissionError):
                pass
    deadline = time.monotonic() + 5
    for s in servers:
        if s.proc is None:
            continue
        try:
            s.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(s.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            s.proc.wait(5)


def main(argv: list[str]) -> int:
    from . import cli
    e2e = "--e2e" in argv
    argv = [a for a in argv if a != "--e2e"]
    keep = "--keep-logs" in argv
    argv = [a for a in argv if a != "--keep-logs"]
    # the bundled servers are ours, on 127.0.0.1: the slow-client scenarios run too unless --no-dos is given
    no_dos = "--no-dos" in argv
    argv = [a for a in argv if a != "--no-dos"]
    if not no_dos and "--allow-dos" not in argv:
        argv.append("--allow-dos")
    with_server = SERVER_BIN.exists()
    if not with_server:
        if server_expected():
            print(f"error: {SERVER_BIN.relative_to(REPO)} is not built (run scripts/setup)", file=sys.stderr)
            return cli.EXIT_INCOMPLETE
        print("note: websec-server is not part of this checkout yet; running against the Flask apps only",
              file=sys.stderr)
    tmp = Path(tempfile.mkdtemp(prefix="websec-conform-"))
    servers: list[Server] = []
    old_term = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        cert, key = make_cert(tmp)
        servers = plan(cert, key, with_server)
        start(servers, tmp)
        problems = wait_ready(servers, cert)
        if problems:
            for p in problems:
                print(f"error: {p}", file=sys.stderr)
            return cli.EXIT_INCOMPLETE
        args = ["run"]
        for s in servers:
            args += ["--profile", str(CONFORMANCE / "profiles" / f"{s.name}.yaml"), "--target", s.url]
        args += ["--ca-bundle", str(cert)]
        if not any(a == "--report-dir" or a.startswith("--report-dir=") for a in argv):
            args += ["--report-dir", str(REPO / "conformance-report")]
        if e2e:
            for s in servers:
                args += ["--expect", str(CONFORMANCE / "expectations" / f"{s.name}.yaml")]
        for s in servers:
            if s.http_port:
                args += ["--http-target", f"{s.name}=http://127.0.0.1:{s.http_port}"]
        return cli.main(args + argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return cli.EXIT_INCOMPLETE
    finally:
        stop(servers)
        signal.signal(signal.SIGTERM, old_term)
        if keep:
            print(f"server logs kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
