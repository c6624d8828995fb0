"""The bundled notes application (conformance/apps/notes): its features, each planted deviation of the insecure
variant (present there, absent from the secure one), and one real start behind nginx.

Most tests use Flask's test client over https://localhost with a same-origin Referer, as a browser on the
site sends. The nginx test starts gunicorn and two nginx renderings on free ports of 127.0.0.1 and stops them.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import sys
import tempfile
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"
sys.path.insert(0, str(APPS))

bs4 = pytest.importorskip("bs4")
pytest.importorskip("flask_wtf")
pytest.importorskip("flask_login")
pytest.importorskip("flask_talisman")

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from notes import create_app  # noqa: E402
from notes.config import DEFAULT_SECRET_KEY  # noqa: E402
from notes.insecure import PLANTED  # noqa: E402

BASE = "https://localhost"
SECURITY_HEADERS = ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                    "X-Frame-Options", "Referrer-Policy")


class Browser(FlaskClient):
    """The test client as a browser on the site: HTTPS, and a same-origin Referer unless a test sends another."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_REFERER"] = f"{BASE}/"

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", BASE)
        return super().open(*args, **kwargs)


def make_app(variant: str, **config) -> Flask:
    app = create_app(variant, config or None)
    app.test_client_class = Browser
    return app


@pytest.fixture(scope="module")
def apps() -> dict[str, Flask]:
    return {v: make_app(v) for v in ("secure", "insecure")}


@pytest.fixture(params=["secure", "insecure"])
def app(request, apps) -> Flask:
    return apps[request.param]


def soup(html: str):
    return bs4.BeautifulSoup(html, "html.parser")


def csrf_from(html: str) -> str | None:
    inp = soup(html).find("input", attrs={"name": "csrf_token"})
    return inp["value"] if inp is not None else None


def form_post(c: FlaskClient, form_page: str, data: dict, path: str | None = None, **kw):
    """GET the form page, send its hidden csrf_token back (when it has one) with ``data``."""
    token = csrf_from(c.get(form_page).text)
    if token is not None:
        data = {**data, "csrf_token": token}
    return c.post(path or form_page, data=data, **kw)


def login(app: Flask, user: str = "alice", remember: bool = False, next_: str | None = None):
    c = app.test_client()
    data = {"username": user, "password": f"{user}-password"}
    if remember:
        data["remember_me"] = "y"
    path = "/auth/login" + (f"?next={next_}" if next_ else "")
    resp = form_post(c, "/auth/login", data, path=path)
    assert resp.status_code == 302, resp.text
    return c, resp


def set_cookie(resp, name: str) -> str | None:
    for line in resp.headers.getlist("Set-Cookie"):
        if line.startswith(name + "="):
            return line
    return None


def cookie_attrs(line: str) -> dict[str, str]:
    out = {}
    for part in line.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        out[k.lower()] = v
    return out


def identity(html: str) -> str | None:
    span = soup(html).select_one("nav .username")
    return span.get_text() if span else None


# ---------------------------------------------------------------------------------------------- login and identity

def test_login_page_is_a_flask_wtf_form(apps):
    html = apps["secure"].test_client().get("/auth/login").text
    doc = soup(html)
    form = doc.find("form", attrs={"method": "post"})
    names = {i.get("name") for i in form.find_all("input")}
    assert {"csrf_token", "username", "password", "remember_me"} <= names
    assert form.find("input", attrs={"name": "csrf_token"})["type"] == "hidden"
    assert doc.find("a", string="Log in") is not None  # anonymous nav
    assert csrf_from(apps["insecure"].test_client().get("/auth/login").text) is None


def test_login_redirects_and_the_nav_names_the_user(app):
    c, resp = login(app)
    assert resp.headers["Location"] == "/"
    page = c.get("/")
    assert page.status_code == 200
    assert 'Logged in as <span class="username">alice</span>' in page.text
    logout = soup(page.text).find("form", attrs={"action": "/auth/logout"})
    assert logout is not None and logout["method"] == "post" and logout.find("button") is not None
    if app.config["WTF_CSRF_ENABLED"]:
        assert logout.find("input", attrs={"type": "hidden", "name": "csrf_token"})["value"]


@pytest.mark.parametrize("nxt, expected", [
    ("/notes/new", "/notes/new"),
    ("/search?term=x", "/search?term=x"),
    (f"{BASE}/search?term=y", "/search?term=y"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("////evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_next_stays_on_the_site(apps, nxt, expected):
    from urllib.parse import quote
    _, resp = login(apps["secure"], next_=quote(nxt, safe=""))
    assert resp.headers["Location"] == expected


def test_login_failure_shows_the_form_again(app):
    c = app.test_client()
    resp = form_post(c, "/auth/login", {"username": "alice", "password": "wrong"})
    assert resp.status_code == 200
    assert "Invalid username or password" in resp.text
    assert soup(resp.text).find("input", attrs={"name": "password"}) is not None
    assert identity(c.get("/").text) is None
    resp = form_post(c, "/auth/login", {"username": "nobody", "password": "wrong"})
    assert resp.status_code == 200 and "Invalid username or password" in resp.text


def test_secure_login_without_token_is_refused(apps):
    c = apps["secure"].test_client()
    c.get("/auth/login")
    resp = c.post("/auth/login", data={"username": "alice", "password": "alice-password"})
    assert resp.status_code == 400
    assert "The CSRF token is missing." in resp.text
    assert identity(c.get("/").text) is None
    assert c.get("/api/me").status_code == 401


def test_secure_login_with_a_foreign_referer_is_refused(apps):
    c = apps["secure"].test_client()
    token = csrf_from(c.get("/auth/login").text)
    resp = c.post("/auth/login", data={"username": "alice", "password": "alice-password", "csrf_token": token},
                  headers={"Referer": "https://evil.example/"})
    assert resp.status_code == 400 and "referrer does not match" in resp.text


def test_api_me(app):
    anon = app.test_client().get("/api/me")
    assert anon.status_code == 401 and anon.json == {"error": "authentication required"}
    c, _ = login(app)
    me = c.get("/api/me")
    assert me.status_code == 200 and me.json == {"username": "alice", "id": 1}
    bob, _ = login(app, "bob")
    assert bob.get("/api/me").json == {"username": "bob", "id": 2}


def test_login_required_pages_redirect_to_the_login(app):
    for path in ("/notes/new", "/settings", "/attachments"):
        resp = app.test_client().get(path)
        assert resp.status_code == 302
        assert resp.headers["Location"] == f"/auth/login?next={path.replace('/', '%2F')}"


def test_register_then_login(app):
    c = app.test_client()
    name = f"carol{app.config['NOTES_VARIANT']}"
    resp = form_post(c, "/auth/register", {"username": name, "email": f"{name}@example.test",
                                           "password": "carol-password", "confirm": "carol-password"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/auth/login"
    resp = form_post(c, "/auth/login", {"username": name, "password": "carol-password"})
    assert resp.status_code == 302
    assert c.get("/api/me").json["username"] == name
    again = form_post(app.test_client(), "/auth/register", {"username": name, "email": "x@example.test",
                                                            "password": "carol-password", "confirm": "carol-password"})
    assert again.status_code == 200 and "already registered" in again.text


def test_logout(app):
    c, _ = login(app)
    assert c.get("/auth/logout").status_code == 405
    token = csrf_from(c.get("/").text)
    resp = c.post("/auth/logout", data={"csrf_token": token} if token else {})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert c.get("/api/me").status_code == 401
    assert identity(c.get("/").text) is None


# ---------------------------------------------------------------------------------------------- features

def test_notes_are_listed_escaped(app):
    c, _ = login(app)
    title = f"<b>note-{app.config['NOTES_VARIANT']}</b> & more"
    resp = form_post(c, "/notes/new", {"title": title, "body": "line one\nline <i>two</i>"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = c.get("/").text
    assert title not in page
    assert "&lt;b&gt;note-" in page and "line &lt;i&gt;two&lt;/i&gt;" in page
    other, _ = login(app, "bob")
    assert "note-" + app.config["NOTES_VARIANT"] not in other.get("/").text  # notes are private


def test_search(app):
    c, _ = login(app)
    form_post(c, "/notes/new", {"title": "groceries list", "body": "apples"})
    page = c.get("/search?term=grocer").text
    assert "Results for <em>grocer</em>" in page
    assert "groceries list" in page
    assert soup(page).find("input", attrs={"name": "term"})["value"] == "grocer"
    anon = app.test_client().get("/search?term=grocer").text
    assert "Results for <em>grocer</em>" in anon and "groceries list" not in anon


def test_settings_and_profile(app):
    c, _ = login(app)
    resp = form_post(c, "/settings", {"display_name": "Alice A.", "website": "https://alice.example/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/u/alice"
    page = app.test_client().get("/u/alice")  # public
    assert page.status_code == 200
    doc = soup(page.text)
    assert doc.find("a", string="website")["href"] == "https://alice.example/"
    assert doc.select_one(".content h1").get_text() == "Alice A."
    assert app.test_client().get("/u/nobody").status_code == 404


def test_secure_profile_json_in_single_quoted_attribute(apps):
    c, _ = login(apps["secure"])
    form_post(c, "/settings", {"display_name": "it's \"quoted\" <b>", "website": ""})
    page = c.get("/u/alice").text
    assert "data-profile='{" in page
    div = soup(page).find("div", id="profile")
    assert json.loads(div["data-profile"]) == {"username": "alice", "display_name": "it's \"quoted\" <b>",
                                               "website": ""}
    assert soup(page).find("script", src="/static/profile.js") is not None


@pytest.mark.parametrize("website", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                                     "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                     "vbscript:msgbox(1)", "https://", "//evil.example/"])
def test_secure_refuses_dangerous_websites(apps, website):
    c, _ = login(apps["secure"])
    form_post(c, "/settings", {"display_name": "", "website": "https://ok.example/"})
    resp = form_post(c, "/settings", {"display_name": "", "website": website})
    assert resp.status_code == 200 and "Enter an address starting with http:// or https://." in resp.text
    assert soup(c.get("/u/alice").text).find("a", string="website")["href"] == "https://ok.example/"


def upload(c: FlaskClient, name: str, content: bytes):
    import io
    token = csrf_from(c.get("/attachments").text)
    data = {"attachment": (io.BytesIO(content), name)}
    if token:
        data["csrf_token"] = token
    return c.post("/attachments", data=data, content_type="multipart/form-data")


def download_link(c: FlaskClient, name: str) -> str:
    links = [a["href"] for a in soup(c.get("/attachments").text).select("#attachments a") if a.get_text() == name]
    assert links, f"no link to {name}"
    return links[0]


def test_attachments(app):
    c, _ = login(app)
    resp = upload(c, "report.txt", b"hello")
    assert resp.status_code == 302 and resp.headers["Location"] == "/attachments"
    assert "Uploaded report.txt." in c.get("/attachments").text
    link = download_link(c, "report.txt")
    assert re.fullmatch(r"/attachments/[0-9a-f]{16}", link)
    got = c.get(link)
    assert got.status_code == 200 and got.data == b"hello"
    bob, _ = login(app, "bob")
    assert bob.get(link).status_code == 404  # only the owner
    assert app.test_client().get(link).status_code == 302


def test_secure_download_is_an_attachment(apps):
    c, _ = login(apps["secure"])
    upload(c, "page.html", b"<script>alert(1)</script>")
    got = c.get(download_link(c, "page.html"))
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_reset_password_flow(app):
    store = app.extensions["notes_store"]
    c = app.test_client()
    resp = form_post(c, "/reset-password", {"login": "bob@example.test"})
    assert resp.status_code == 200
    assert "If an account matches <strong>bob@example.test</strong>, we sent a link" in resp.text
    mail = store.outbox[-1]
    assert mail.to == "bob@example.test"
    link = re.search(r"https://localhost/reset-password/\S+", mail.body).group(0)
    shown = link in resp.text
    assert shown == app.config["NOTES_SHOW_RESET_LINK"]
    path = link[len(BASE):]
    resp = form_post(c, path, {"password": "bob-password", "confirm": "bob-password"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/auth/login"
    again = c.get(path)  # single use: the hash changed
    assert again.status_code == 302 and again.headers["Location"] == "/reset-password"
    sent = len(store.outbox)
    unknown = form_post(c, "/reset-password", {"login": "nobody"})
    assert "If an account matches <strong>nobody</strong>, we sent a link" in unknown.text
    assert len(store.outbox) == sent


def test_secure_foreign_host_is_refused(apps):
    c = apps["secure"].test_client()
    for path in ("/", "/reset-password", "/auth/login"):
        assert c.get(path, base_url="https://evil.example").status_code == 400
    assert c.get("/", base_url="https://127.0.0.1:8443").status_code == 200


def test_error_pages(app):
    c = app.test_client()
    nf = c.get("/no-such-page/<script>x</script>")
    assert nf.status_code == 404 and "Page Not Found" in nf.text and "<script>x" not in nf.text
    assert nf.headers["Content-Type"] == "text/html; charset=utf-8"
    css = c.get("/static/style.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")


def test_server_error_page_is_a_template_without_traceback():
    app = make_app("secure")

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500 and "Something Went Wrong" in resp.text
    assert "Traceback" not in resp.text and "RuntimeError" not in resp.text
    for h in SECURITY_HEADERS:
        assert resp.headers.get(h), h


def test_secure_headers_on_every_response(apps):
    app = apps["secure"]
    c, _ = login(app)
    anon = app.test_client()
    responses = {
        "page": anon.get("/"), "static": anon.get("/static/style.css"), "redirect": anon.get("/notes/new"),
        "404": anon.get("/nope"), "405": anon.get("/auth/logout"), "api 401": anon.get("/api/me"),
        "csrf 400": anon.post("/auth/login", data={"username": "a"}),
        "413": anon.post("/auth/login", data={"x": "a" * (1024 * 1024 + 1)}),
        "host 400": anon.get("/", base_url="https://evil.example"),
        "json": c.get("/api/me"), "logged-in page": c.get("/"),
    }
    expect = {"405": 405, "api 401": 401, "csrf 400": 400, "413": 413, "host 400": 400, "404": 404, "redirect": 302}
    for name, resp in responses.items():
        assert resp.status_code == expect.get(name, 200), name
        for h in SECURITY_HEADERS:
            assert len(resp.headers.getlist(h)) == 1, f"{name}: {h}"
        assert resp.headers["Content-Security-Policy"] == ("default-src 'self'; object-src 'none'; "
                                                          "base-uri 'none'; frame-ancestors 'self'")
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "X-XSS-Protection" not in resp.headers


def test_secure_cookies(apps):
    c, resp = login(apps["secure"], remember=True)
    now = datetime.now(timezone.utc)
    session = cookie_attrs(set_cookie(resp, "session"))
    assert {"secure", "httponly"} <= set(session) and session["samesite"] == "Lax"
    assert 3500 < (parsedate_to_datetime(session["expires"]) - now).total_seconds() <= 3600
    remember = cookie_attrs(set_cookie(resp, "remember_token"))
    assert {"secure", "httponly"} <= set(remember) and remember["samesite"] == "Lax"
    assert 6.9 * 86400 < (parsedate_to_datetime(remember["expires"]) - now).total_seconds() <= 7 * 86400
    # the remember cookie alone logs in again
    fresh = apps["secure"].test_client()
    fresh.set_cookie("localhost", "remember_token", set_cookie(resp, "remember_token").split(";")[0].split("=", 1)[1],
                     secure=True)
    assert fresh.get("/api/me").json == {"username": "alice", "id": 1}


def test_secure_session_key_is_the_documented_default(apps):
    _, resp = login(apps["secure"])
    assert session_verifies(resp, DEFAULT_SECRET_KEY)
    assert not session_verifies(resp, "dev")


def test_secure_controls_are_removed(apps):
    c, _ = login(apps["secure"])
    form_post(c, "/notes/new", {"title": "tab\tbell\x07back\bspace", "body": "a\x1b[31mred\r\nb\x7f"})
    page = c.get("/").text
    assert "tab\tbellbackspace" in page and "a[31mred\nb" in page


# ---------------------------------------------------------------------------------------------- planted deviations

def session_verifies(resp, key: str) -> bool:
    value = set_cookie(resp, "session").split(";")[0].split("=", 1)[1]
    probe = Flask("probe")
    probe.secret_key = key
    try:
        probe.session_interface.get_signing_serializer(probe).loads(value)
        return True
    except Exception:
        return False


def _no_csrf(app):
    c, _ = login(app)
    c.get("/notes/new")
    title = f"posted-without-token-{time.monotonic_ns()}"
    resp = c.post("/notes/new", data={"title": title, "body": "x"})
    return resp.status_code == 302 and title in c.get("/").text


def _weak_secret_key(app):
    return session_verifies(login(app)[1], "dev")


def _session_cookie_flags(app):
    a = cookie_attrs(set_cookie(login(app)[1], "session"))
    return "secure" not in a or "samesite" not in a


def _session_lifetime(app):
    a = cookie_attrs(set_cookie(login(app)[1], "session"))
    return (parsedate_to_datetime(a["expires"]) - datetime.now(timezone.utc)).days >= 30


def _remember_cookie(app):
    a = cookie_attrs(set_cookie(login(app, remember=True)[1], "remember_token"))
    days = (parsedate_to_datetime(a["expires"]) - datetime.now(timezone.utc)).days
    return "secure" not in a and "httponly" not in a and "samesite" not in a and days >= 364


def _no_max_content_length(app):
    body = "username=alice&password=x&filler=" + "a" * (2 * 1024 * 1024)
    resp = app.test_client().post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
    return resp.status_code != 413


def _no_security_headers(app):
    resp = app.test_client().get("/")
    return all(h not in resp.headers for h in SECURITY_HEADERS)


def _search_term_safe(app):
    return "<b>canary-1</b>" in app.test_client().get("/search?term=<b>canary-1</b>").text


def _search_control_characters(app):
    return "ab\x08c\x1b[2J" in app.test_client().get("/search?term=ab%08c%1b[2J").text


def _note_control_characters(app):
    c, _ = login(app)
    form_post(c, "/notes/new", {"title": "ctl\x08title", "body": "ctl\x1b[31mbody"})
    page = c.get("/").text
    return "ctl\x08title" in page and "ctl\x1b[31mbody" in page


def _display_name_unquoted_attribute(app):
    c, _ = login(app)
    form_post(c, "/settings", {"display_name": "x onmouseover=alert(1)", "website": ""})
    inp = soup(c.get("/settings").text).find("input", attrs={"name": "display_name"})
    return inp.has_attr("onmouseover")


def _website_javascript_no_csp(app):
    c, _ = login(app)
    form_post(c, "/settings", {"display_name": "", "website": "javascript:alert(1)"})
    page = app.test_client().get("/u/alice")
    links = [a["href"] for a in soup(page.text).find_all("a", href=True)]
    return "javascript:alert(1)" in links and "Content-Security-Policy" not in page.headers


def _tojson_double_quoted_attribute(app):
    c, _ = login(app)
    form_post(c, "/settings", {"display_name": "x\" onmouseover=\"alert(1)", "website": ""})
    div = soup(app.test_client().get("/u/alice").text).find("div", id="profile")
    try:
        ok = json.loads(div["data-profile"])["display_name"] == "x\" onmouseover=\"alert(1)"
    except (ValueError, KeyError, TypeError):
        ok = False
    return not ok and div.has_attr("onmouseover")


def _upload_served_inline(app):
    c, _ = login(app)
    upload(c, "inline.html", b"<script>alert(1)</script>")
    got = c.get(download_link(c, "inline.html"))
    return (got.headers["Content-Type"].startswith("text/html")
            and not got.headers.get("Content-Disposition", "").startswith("attachment")
            and "X-Content-Type-Options" not in got.headers)


def _reset_link_host_header(app):
    c = app.test_client()
    token = csrf_from(c.get("/reset-password").text)
    resp = c.post("/reset-password", data={"login": "alice", **({"csrf_token": token} if token else {})},
                  base_url="https://evil.example", headers={"Referer": "https://evil.example/"})
    return resp.status_code == 200 and "https://evil.example/reset-password/" in resp.text


PLANTED_CHECKS = {
    "no-csrf": _no_csrf,
    "weak-secret-key": _weak_secret_key,
    "session-cookie-flags": _session_cookie_flags,
    "session-lifetime": _session_lifetime,
    "remember-cookie": _remember_cookie,
    "no-max-content-length": _no_max_content_length,
    "no-security-headers": _no_security_headers,
    "search-term-safe": _search_term_safe,
    "search-control-characters": _search_control_characters,
    "note-control-characters": _note_control_characters,
    "display-name-unquoted-attribute": _display_name_unquoted_attribute,
    "website-javascript-no-csp": _website_javascript_no_csp,
    "tojson-double-quoted-attribute": _tojson_double_quoted_attribute,
    "upload-served-inline": _upload_served_inline,
    "reset-link-host-header": _reset_link_host_header,
}


def test_every_planted_deviation_has_a_check():
    assert set(PLANTED_CHECKS) == set(PLANTED)


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_planted_deviation(apps, planted):
    check = PLANTED_CHECKS[planted]
    assert check(apps["insecure"]) is True, f"{planted} is not present in the insecure variant: {PLANTED[planted]}"
    assert check(apps["secure"]) is False, f"{planted} is present in the secure variant"


def test_readme_lists_every_planted_deviation():
    readme = (APPS / "notes" / "README.md").read_text()
    table = set(re.findall(r"^\| `([a-z0-9-]+)` \|", readme, re.M))
    assert table == set(PLANTED)


def test_insecure_config_marks_every_planted_setting():
    text = (APPS / "notes" / "config.py").read_text()
    marked = set()
    for ids in re.findall(r"# planted: (.*)", text):
        marked |= {m.group(0) for m in re.finditer(r"[a-z0-9]+(?:-[a-z0-9]+)+", ids)}
    assert marked <= set(PLANTED)
    for path in (APPS / "notes" / "templates_insecure").rglob("*.html"):
        assert re.search(r'PLANTED\["([a-z0-9-]+)"\]', path.read_text()).group(1) in PLANTED


# ---------------------------------------------------------------------------------------------- behind nginx

def _http(port: int, request: bytes, cafile: str | None = None, timeout: float = 10) -> bytes:
    """One raw request (HTTPS when ``cafile`` is given); returns the response head and what body came."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = raw
    if cafile:
        conn = ssl.create_default_context(cafile=cafile).wrap_socket(raw, server_hostname="127.0.0.1")
    with conn:
        conn.sendall(request)
        data = b""
        try:
            while chunk := conn.recv(65536):
                data += chunk
                head, sep, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head) if sep else None
                if length and len(body) >= int(length.group(1)):
                    break  # complete (nginx's 413 would otherwise linger, waiting for the body it refused)
        except (ConnectionResetError, ssl.SSLError, socket.timeout):
            pass
    return data


def _head(response: bytes) -> tuple[int, list[tuple[str, str]]]:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    return status, [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in head[1:])]


def _values(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


@pytest.fixture(scope="module")
def nginx_stack():
    """gunicorn (notes.secure:app, plain HTTP, NOTES_BEHIND_PROXY=1) behind two nginx renderings of
    conformance/apps/nginx/notes.conf.in: "always" (the default) and without "always"."""
    from websec_conform import bundled
    if not Path(bundled.NGINX_BIN).exists() or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed")
    pytest.importorskip("gunicorn")
    tmp = Path(tempfile.mkdtemp(prefix="websec-notes-nginx-"))
    servers: list = []
    try:
        cert, key = bundled.make_cert(tmp)
        up = bundled.free_port()
        servers.append(bundled.Server("app", bundled.gunicorn_cmd("notes.secure:app", up), up, tls=False,
                                      env={"NOTES_BEHIND_PROXY": "1"}, backend_of="nginx"))
        for name, always in (("nginx-always", True), ("nginx-plain", False)):
            p, hp = bundled.free_port(), bundled.free_port()
            cmd = bundled.prepare_nginx(tmp / name, https_port=p, http_port=hp, upstream_port=up, cert=cert,
                                        key=key, error_headers_always=always)
            servers.append(bundled.Server(name, cmd, p, hp))
        bundled.start(servers, tmp)
        problems = bundled.wait_ready(servers, cert, timeout=20)
        assert not problems, problems
        yield {"cert": str(cert), "always": servers[1], "plain": servers[2], "tmp": tmp}
    finally:
        bundled.stop(servers)
        for s in servers:
            assert s.proc is None or s.proc.poll() is not None, f"{s.name} still runs"
        shutil.rmtree(tmp, ignore_errors=True)


def test_nginx_redirects_http_to_https(nginx_stack):
    s = nginx_stack["always"]
    status, headers = _head(_http(s.http_port, b"GET /search?term=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               b"Connection: close\r\n\r\n"))
    assert status == 301
    assert _values(headers, "Location") == [f"https://127.0.0.1:{s.port}/search?term=x"]
    assert not _values(headers, "Strict-Transport-Security")
    for h in SECURITY_HEADERS[1:]:
        assert len(_values(headers, h)) == 1, h
    status, _ = _head(_http(s.http_port, b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                                         b"Connection: close\r\n\r\n"))
    assert status == 301


@pytest.mark.parametrize("path, status", [("/", 200), ("/static/style.css", 200), ("/notes/new", 302),
                                          ("/no-such-page/", 404), ("/api/me", 401)])
def test_nginx_proxied_responses_carry_each_header_once(nginx_stack, path, status):
    for which in ("always", "plain"):
        s = nginx_stack[which]
        got, headers = _head(_http(s.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
                                           f"Connection: close\r\n\r\n".encode(), nginx_stack["cert"]))
        assert got == status
        for h in SECURITY_HEADERS:
            assert len(_values(headers, h)) == 1, f"{which} {path}: {h} {_values(headers, h)}"
        # the application's own values (Talisman's HSTS max-age), not nginx's
        assert _values(headers, "Strict-Transport-Security") == ["max-age=31556926; includeSubDomains"]


def test_nginx_413_page_headers_depend_on_always(nginx_stack):
    request = (b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: 2097152\r\nConnection: close\r\n\r\n")
    for which, present in (("always", True), ("plain", False)):
        resp = _http(nginx_stack[which].port, request, nginx_stack["cert"])
        status, headers = _head(resp)
        assert status == 413 and _values(headers, "Server") == ["nginx"] and b"<center>nginx</center>" in resp
        for h in SECURITY_HEADERS:
            assert len(_values(headers, h)) == (1 if present else 0), f"{which}: {h}"


def test_nginx_login_upload_and_host_through_the_proxy(nginx_stack):
    requests = pytest.importorskip("requests")
    s = nginx_stack["always"]
    base = f"https://127.0.0.1:{s.port}"
    with requests.Session() as http:
        http.trust_env = False  # REQUESTS_CA_BUNDLE would replace the run's certificate
        http.verify = nginx_stack["cert"]
        token = csrf_from(http.get(f"{base}/auth/login", timeout=10).text)
        resp = http.post(f"{base}/auth/login", data={"username": "alice", "password": "alice-password",
                                                     "csrf_token": token},
                         headers={"Referer": f"{base}/auth/login"}, allow_redirects=False, timeout=10)
        assert resp.status_code == 302 and resp.headers["Location"] == "/"
        assert "Secure" in resp.raw.headers.getlist("Set-Cookie")[-1]
        assert http.get(f"{base}/api/me", timeout=10).json() == {"username": "alice", "id": 1}
        # a 600 kB file: nginx buffers the body in its temp directory before passing it on
        token = csrf_from(http.get(f"{base}/attachments", timeout=10).text)
        resp = http.post(f"{base}/attachments", data={"csrf_token": token},
                         files={"attachment": ("big.bin", b"x" * 600_000)}, headers={"Referer": f"{base}/"},
                         allow_redirects=False, timeout=10)
        assert resp.status_code == 302
        link = [a["href"] for a in soup(http.get(f"{base}/attachments", timeout=10).text).select("#attachments a")]
        assert len(http.get(base + link[0], timeout=10).content) == 600_000
    status, _ = _head(_http(s.port, b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
                            nginx_stack["cert"]))
    assert status == 400  # the app's trusted hosts, through X-Forwarded-Host


def test_bundled_plans_the_notes_targets(tmp_path):
    from websec_conform import bundled
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    servers = bundled.plan(cert, key, False, {"notes-nginx", "notes-insecure"})
    by = {s.name: s for s in servers}
    assert list(by) == ["notes-insecure", "notes-nginx-app", "notes-nginx"]
    assert by["notes-insecure"].cmd[-1] == "notes.insecure:app" and "--certfile" in by["notes-insecure"].cmd
    backend = by["notes-nginx-app"]
    assert backend.backend_of == "notes-nginx" and not backend.tls and backend.env == {"NOTES_BEHIND_PROXY": "1"}
    assert "--certfile" not in backend.cmd and backend.cmd[-1] == "notes.secure:app"
    assert by["notes-nginx"].http_port and by["notes-nginx"].cmd[0] == bundled.NGINX_BIN
    conf = (tmp_path / "notes-nginx" / "nginx.conf").read_text()
    assert "@" not in re.sub(r"#.*", "", conf) and f"127.0.0.1:{backend.port}" in conf and " always;" in conf
    assert set(bundled.NOTES_TARGETS) == {"notes-secure", "notes-insecure", "notes-nginx"}
    for name in bundled.NOTES_TARGETS:
        assert (Path(bundled.CONFORMANCE) / "profiles" / f"{name}.yaml").exists()


def test_scanner_judges_nginx_413_as_a_rejection_and_reports_headers_missing_without_always(nginx_stack, tmp_path):
    """The scanner behind nginx: nginx's own 413 page is a rejection by a limit, and the security headers missing
    from it (add_header without always) are reported; with always they are there."""
    from websec_conform import runner
    from websec_conform.profile import load_profile
    from websec_conform.scenario import load_dir
    from websec_conform.transport import Settings
    scs = [s for s in load_dir(Path(__file__).resolve().parents[1] / "scenarios")
           if s.id in ("headers.payload-too-large", "limits.content-length.one-over-limit")]
    out = {}
    for which in ("always", "plain"):
        p = tmp_path / f"{which}.yaml"
        p.write_text(f"name: {which}\nbase_url: https://127.0.0.1:{nginx_stack[which].port}\n"
                     "roles:\n  form_echo: {path: /auth/login, method: POST}\n"
                     "limits: {max_content_length: 1048576}\n")
        opts = runner.Options(settings=Settings(timeout=10, verify=nginx_stack["cert"]))
        out[which] = {r.scenario.id: r for r in runner.run_target(load_profile(p), scs, opts)}
    lim = out["always"]["limits.content-length.one-over-limit"]
    assert lim.status == "pass" and "413 (a proxy's page)" in lim.steps[0].checks[0].message
    assert out["always"]["headers.payload-too-large"].status == "pass"
    plain = out["plain"]["headers.payload-too-large"]
    assert plain.status == "fail"
    text = plain.summary_line()
    assert "hsts.missing" in text or "Strict-Transport-Security" in text, text
