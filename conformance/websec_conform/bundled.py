"""The bundled servers: start websec-server, secure_app, insecure_app and the notes application (notes-secure,
notes-insecure, notes-nginx) on 127.0.0.1, run the suite, stop them.

Used by ``scripts/conform`` (``python3 -m websec_conform bundled [--e2e] [runner options]``). One self-signed
certificate is generated per run (openssl) and trusted through the runner's CA bundle option. Every process
started here is stopped here (SIGTERM, then SIGKILL after a grace period), also on Ctrl-C.

The notes targets (conformance/apps/notes, README.md there): notes-secure and notes-insecure are gunicorn serving
HTTPS itself; notes-nginx is gunicorn on plain HTTP (NOTES_BEHIND_PROXY=1) behind nginx, which terminates TLS and
redirects its HTTP port to HTTPS (conformance/apps/nginx/notes.conf.in). ``--targets a,b`` picks targets; with
``--e2e`` the default is the targets that have an expectations file.

The notes targets run with discovered profiles: once their servers answer, ``discover.discover`` crawls each (in
parallel threads, forms submitted: these are test deployments) as alice and bob, writes ``<name>.discovered.yaml``
into the run directory, and the target runs with ``conformance/profiles/<name>.yaml``, a small hand-written profile
that ``extends:`` it with what discovery cannot see (the secret key, the declared limits), copied next to it.
``conformance/profiles/<name>.discovered.yaml`` is the expected discovery (ports, dates, timings and canaries
normalised, ``discover.normalise``): with ``--e2e`` every line the fresh discovery differs in is an EXPECTATION
line and fails the run; ``--update-discovered`` rewrites those files.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .cli import CONFORMANCE, REPO

PY = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
SERVER_BIN = REPO / "build" / "default" / "bin" / "websec-server"
NGINX_BIN = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_TEMPLATE = CONFORMANCE / "apps" / "nginx" / "notes.conf.in"
NOTES_TARGETS = ("notes-secure", "notes-insecure", "notes-nginx")
PROFILES = CONFORMANCE / "profiles"
# the notes application's demo accounts (conformance/apps/notes/store.py)
DISCOVER_USERS = ({"username": "alice", "password": "alice-password"}, {"username": "bob", "password": "bob-password"})


@dataclass
class Server:
    name: str
    cmd: list[str]
    port: int
    http_port: int | None = None
    proc: subprocess.Popen | None = None
    log: Path | None = None
    tls: bool = True                 # the readiness probe speaks TLS (False: a plain-HTTP backend)
    env: dict[str, str] = field(default_factory=dict)   # added to the environment of the process
    backend_of: str | None = None    # a process another target proxies to: started and stopped with it, not run

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


def gunicorn_cmd(app: str, port: int, cert: Path | None = None, key: Path | None = None) -> list[str]:
    """gunicorn serving ``app`` (``module:app`` under conformance/apps) on 127.0.0.1:port, HTTPS with a cert."""
    cmd = [PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "8",
           "--worker-class", "gthread"]
    if cert is not None and key is not None:
        cmd += ["--certfile", str(cert), "--keyfile", str(key)]
    return cmd + ["--timeout", "60", "--graceful-timeout", "2", "--log-level", "warning",
                  "--chdir", str(CONFORMANCE / "apps"), app]


def render_nginx_conf(template: str, values: dict[str, object]) -> str:
    """The template with each ``@NAME@`` replaced by ``values[NAME]``; a placeholder without a value, or a
    value without its placeholder, is an error."""
    import re
    names = set(re.findall(r"@([A-Z_]+)@", template))
    if names != set(values):
        raise ValueError(f"nginx template placeholders {sorted(names)} do not match the values {sorted(values)}")
    return re.sub(r"@([A-Z_]+)@", lambda m: str(values[m.group(1)]), template)


def prepare_nginx(prefix: Path, *, https_port: int, http_port: int, upstream_port: int, cert: Path, key: Path,
                  error_headers_always: bool = True) -> list[str]:
    """Writes ``prefix/nginx.conf`` from conformance/apps/nginx/notes.conf.in (pid, logs and temp files stay in
    ``prefix``) and returns the command that runs nginx with it in the foreground.

    ``error_headers_always=False`` renders the security headers without ``always``: nginx's own error pages
    (its 413) then go out without them. As root, nginx's workers run as nobody, so ``prefix`` and its parent
    are made traversable (0711/0755) for them.
    """
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "logs").mkdir(exist_ok=True)
    (prefix / "tmp").mkdir(exist_ok=True)
    user = "# nginx runs as the user that starts it"
    if os.geteuid() == 0:
        import grp
        try:
            grp.getgrnam("nogroup")
            user = "user nobody nogroup;"
        except KeyError:
            user = "user nobody nobody;"
        os.chmod(prefix.parent, os.stat(prefix.parent).st_mode | 0o111)
        for d in (prefix, prefix / "tmp"):
            os.chmod(d, 0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(render_nginx_conf(NGINX_TEMPLATE.read_text(), {
        "PREFIX": prefix, "USER_DIRECTIVE": user, "HTTPS_PORT": https_port, "HTTP_PORT": http_port,
        "UPSTREAM_PORT": upstream_port, "CERT": cert, "KEY": key,
        "ALWAYS": "always" if error_headers_always else ""}))
    return [NGINX_BIN, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]


def notes_plan(cert: Path, key: Path, workdir: Path) -> list[Server]:
    """notes-secure, notes-insecure (gunicorn over HTTPS), and notes-nginx: nginx (TLS, HTTP redirect port,
    1 MiB limit) in front of gunicorn on plain HTTP; the backend comes first so that it is ready before nginx
    is probed."""
    out = []
    for name, module in (("notes-secure", "notes.secure:app"), ("notes-insecure", "notes.insecure:app")):
        p = free_port()
        out.append(Server(name, gunicorn_cmd(module, p, cert, key), p))
    up, p, hp = free_port(), free_port(), free_port()
    out.append(Server("notes-nginx-app", gunicorn_cmd("notes.secure:app", up), up, tls=False,
                      env={"NOTES_BEHIND_PROXY": "1"}, backend_of="notes-nginx"))
    out.append(Server("notes-nginx", prepare_nginx(workdir / "notes-nginx", https_port=p, http_port=hp,
                                                   upstream_port=up, cert=cert, key=key), p, hp))
    return out


def plan(cert: Path, key: Path, with_server: bool, names: set[str] | None = None) -> list[Server]:
    """The servers to start; ``names`` (default: all) picks targets (their backends come along)."""
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
    if names is None or names & set(NOTES_TARGETS):
        out += notes_plan(cert, key, cert.parent)
    if names is not None:
        out = [s for s in out if s.name in names or s.backend_of in names]
    return out


def start(servers: list[Server], logdir: Path) -> None:
    for s in servers:
        s.log = logdir / f"{s.name}.log"
        fh = open(s.log, "wb")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **s.env)
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
                    with (ctx.wrap_socket(raw, server_hostname="127.0.0.1") if s.tls else raw) as conn:
                        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        if conn.recv(12).startswith(b"HTTP/1."):
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


@dataclass
class Discovered:
    """One notes target's discovery in this run: the YAML as written (this run's ports), the profile to run with
    (the hand-written overlay copied next to it), the wall time, and an error that stopped it."""
    name: str
    text: str
    profile: Path
    seconds: float
    error: str | None = None


def overlay_text(hand: str, discovered: str, base_url: str) -> str:
    """The hand-written profile as copied into the run directory: it extends this run's ``discovered`` file, and a
    ``base_url`` it gives is this run's."""
    out = []
    for line in hand.splitlines():
        if line.startswith("extends:"):
            line = f"extends: {discovered}"
        elif line.startswith("base_url:"):
            line = f"base_url: {base_url}"
        out.append(line)
    return "\n".join(out) + "\n"


def discover_targets(servers: list[Server], cert: Path, workdir: Path, timeout: float = 10.0,
                     max_seconds: float = 45.0) -> dict[str, Discovered]:
    """Discovers each server's profile (one thread each, forms submitted) and writes ``<name>.discovered.yaml`` and
    the overlay ``<name>.yaml`` that extends it into ``workdir``."""
    from . import discover
    from .transport import Settings
    settings = Settings(timeout=timeout, verify=str(cert))
    got: dict[str, tuple[str, float, str | None]] = {}

    def one(s: Server) -> None:
        t0 = time.monotonic()
        try:
            d = discover.discover(s.url, [dict(u) for u in DISCOVER_USERS], settings=settings, submit_forms=True,
                                  http_url=f"http://127.0.0.1:{s.http_port}" if s.http_port else None, name=s.name,
                                  max_seconds=max_seconds)
            got[s.name] = (d.to_yaml(), time.monotonic() - t0, None if d.profile.get("roles") else
                           "no role found: " + "; ".join(t for k, t in d.notes if k == "info")[:300])
        except Exception as e:  # noqa: BLE001 — reported as this target's discovery error, the others go on
            got[s.name] = ("", time.monotonic() - t0, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(s,), name=f"discover-{s.name}", daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 4 * timeout)
    out = {}
    for s in servers:
        text, secs, err = got.get(s.name, ("", max_seconds, "discovery did not finish"))
        disc = workdir / f"{s.name}.discovered.yaml"
        disc.write_text(text, encoding="utf-8")
        hand = PROFILES / f"{s.name}.yaml"
        prof = workdir / f"{s.name}.yaml"
        prof.write_text(overlay_text(hand.read_text(encoding="utf-8"), disc.name, s.url), encoding="utf-8")
        out[s.name] = Discovered(s.name, text, prof, secs, err)
    return out


def check_discovered(found: dict[str, Discovered], update: bool) -> list[str]:
    """Each difference between this run's discoveries and ``conformance/profiles/<name>.discovered.yaml`` (both
    normalised); with ``update`` the files are rewritten instead."""
    from . import discover
    out = []
    for name, d in found.items():
        kept = PROFILES / f"{name}.discovered.yaml"
        rel = kept.relative_to(REPO)
        if d.error:
            out.append(f"{name}: discovery failed: {d.error}")
            continue
        if update:
            kept.write_text(discover.normalise(d.text), encoding="utf-8")
            print(f"discovery: wrote {rel}", file=sys.stderr)
        elif not kept.exists():
            out.append(f"{name}: {rel} does not exist (--update-discovered writes it)")
        else:
            out += discover.compare_discovered(kept.read_text(encoding="utf-8"), d.text, name, str(rel))
    return out


def _redact_users(text: str) -> str:
    for u in DISCOVER_USERS:
        text = text.replace(u["password"], "«redacted:password»")
    return text


def main(argv: list[str]) -> int:
    from . import cli, reporters
    e2e = "--e2e" in argv
    argv = [a for a in argv if a != "--e2e"]
    update_discovered = "--update-discovered" in argv
    argv = [a for a in argv if a != "--update-discovered"]
    keep = "--keep-logs" in argv
    argv = [a for a in argv if a != "--keep-logs"]
    # the bundled servers are ours, on 127.0.0.1: the slow-client scenarios run too unless --no-dos is given
    no_dos = "--no-dos" in argv
    argv = [a for a in argv if a != "--no-dos"]
    if not no_dos and "--allow-dos" not in argv:
        argv.append("--allow-dos")
    all_targets = ("websec-server", "secure_app", "insecure_app", *NOTES_TARGETS)
    names: set[str] | None = None
    for i, a in enumerate(argv):
        if a == "--targets" or a.startswith("--targets="):
            value = a.partition("=")[2] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
            del argv[i:i + (1 if "=" in a else 2)]
            names = {n.strip() for n in value.split(",") if n.strip()}
            unknown = names - set(all_targets)
            if not names or unknown:
                print(f"error: --targets {value!r}: want a comma-separated list of {', '.join(all_targets)}",
                      file=sys.stderr)
                return cli.EXIT_INCOMPLETE
            break
    if names is None and e2e:  # compared with expectations: the targets that have them
        names = {n for n in all_targets if (CONFORMANCE / "expectations" / f"{n}.yaml").exists()}
    if not Path(NGINX_BIN).exists() and (names is None or "notes-nginx" in names):
        if names is not None:
            print("error: notes-nginx needs nginx (Debian package nginx-light; run scripts/setup)", file=sys.stderr)
            return cli.EXIT_INCOMPLETE
        print("note: nginx is not installed; leaving out notes-nginx", file=sys.stderr)
        names = set(all_targets) - {"notes-nginx"}
    with_server = SERVER_BIN.exists() and (names is None or "websec-server" in names)
    if not with_server and (names is None or "websec-server" in names):
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
        servers = plan(cert, key, with_server, names)
        start(servers, tmp)
        problems = wait_ready(servers, cert)
        if problems:
            for p in problems:
                print(f"error: {p}", file=sys.stderr)
            return cli.EXIT_INCOMPLETE
        args = ["run"]
        targets = [s for s in servers if s.backend_of is None]
        notes = [s for s in targets if s.name in NOTES_TARGETS]
        found: dict[str, Discovered] = {}
        mismatches: list[str] = []
        if notes:
            t0 = time.monotonic()
            found = discover_targets(notes, cert, tmp)
            print(f"discovery: {', '.join(f'{d.name} {d.seconds:.1f} s' for d in found.values())} "
                  f"({time.monotonic() - t0:.1f} s in parallel)", file=sys.stderr)
            diffs = check_discovered(found, update_discovered)
            for d in found.values():
                if d.error:
                    print(f"error: discovery of {d.name} failed: {d.error}", file=sys.stderr)
            if e2e:
                mismatches = diffs
            elif diffs:
                print(f"note: {len(diffs)} line(s) of the discovered profiles differ from conformance/profiles/"
                      f"*.discovered.yaml (--e2e fails on them, --update-discovered rewrites the files)",
                      file=sys.stderr)
        for s in targets:
            prof = found[s.name].profile if s.name in found else CONFORMANCE / "profiles" / f"{s.name}.yaml"
            args += ["--profile", str(prof), "--target", s.url]
        args += ["--ca-bundle", str(cert)]
        if not any(a == "--report-dir" or a.startswith("--report-dir=") for a in argv):
            args += ["--report-dir", str(REPO / "conformance-report")]
        if not any(a == "--baseline" or a.startswith("--baseline=") for a in argv):
            # the known defects of Debian's stack on the targets configured as the doc recommends (KNOWN)
            args += ["--baseline", str(CONFORMANCE / "baselines" / "debian-12.yaml")]
        if e2e:
            for s in targets:
                if (CONFORMANCE / "expectations" / f"{s.name}.yaml").exists():
                    args += ["--expect", str(CONFORMANCE / "expectations" / f"{s.name}.yaml")]
        for s in targets:
            if s.http_port:
                args += ["--http-target", f"{s.name}=http://127.0.0.1:{s.http_port}"]
        code = cli.main(args + argv)
        for m in mismatches:
            print(f"EXPECTATION: {reporters.tty(_redact_users(m))}")
        if e2e and found:
            bad = {m.split(":", 1)[0] for m in mismatches}
            print(f"discovered profiles: {len(found) - len(bad)} as expected, {len(bad)} differ")
            if bad and code == cli.EXIT_OK:
                code = cli.EXIT_FAIL
        return code
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
