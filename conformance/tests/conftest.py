"""Fixtures for the runner's own tests: a tiny local HTTP server and scenario files written on the fly."""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):  # keep pytest output clean
        pass

    def _send(self, status, body=b"", ctype="text/html; charset=utf-8", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/reflect"):
            from urllib.parse import parse_qs, urlsplit
            q = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
            safe = q.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return self._send(200, f"<p>{safe}</p>".encode())
        if self.path == "/":
            return self._send(200, b"<p>hi</p>", extra=[("Set-Cookie", "a=1; Path=/"),
                                                         ("Set-Cookie", "b=2; Expires=Thu, 01 Jan 2037 00:00:00 GMT")])
        if self.path == "/json":
            return self._send(200, json.dumps({"user": None, "n": 3}).encode(), "application/json")
        if self.path == "/retry":
            self.server.hits = getattr(self.server, "hits", 0) + 1
            if self.server.hits == 1:
                return self._send(429, b"slow down", extra=[("Retry-After", "0")])
            return self._send(200, b"ok")
        return self._send(404, b"not found")

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1000:
            self.close_connection = True
            return self._send(413, b"too large", extra=[("Connection", "close")])
        body = self.rfile.read(n)
        return self._send(200, json.dumps({"bytes": len(body)}).encode(), "application/json")


@pytest.fixture(scope="session")
def http_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p
    return _write


@pytest.fixture
def profile(write, http_server):
    return write("profile.yaml", f"""
name: local
base_url: {http_server}
roles:
  page: /
  form_echo: /form
  reflect_text: /reflect
  whoami: /json
""")
