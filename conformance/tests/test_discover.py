"""Profile discovery (websec_conform.discover) against live servers: the bundled secure_app and insecure_app, a blog
written the way the Flask tutorial teaches (tests/fixtures/tutorial_app.py, Flask-WTF), the notes application when
it is there, and small servers that check the bounds (origin, pages, depth, wall time, rate); stored reflections
found with --submit-forms (a preferences app, the notes app in-process), and the normalisation and comparison of
discovered profiles kept as expectations (conformance/profiles/*.discovered.yaml)."""
from __future__ import annotations

import importlib
import logging
import re
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from websec_conform import discover as dsc
from websec_conform.scenario import METHODS, ROLES
from websec_conform.transport import Settings

HERE = Path(__file__).resolve().parent
APPS = HERE.parent / "apps"
sys.path[:0] = [str(HERE / "fixtures"), str(APPS)]
logging.getLogger("werkzeug").setLevel(logging.ERROR)

USERS = [{"username": "alice", "password": "alice-password"}, {"username": "bob", "password": "bob-password"}]


# ---------------------------------------------------------------------------------------------- servers

@contextmanager
def serve_wsgi(app, ssl_context=None):
    from werkzeug.serving import make_server
    srv = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()


class _Recorder(BaseHTTPRequestHandler):
    """Pages /p/N linking to /p/3N+1 … /p/3N+3 (an endless site); every request is recorded."""
    protocol_version = "HTTP/1.1"
    delay = 0.0

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.server.seen.append(self.path)
        if self.server.delay:
            time.sleep(self.server.delay)
        n = int(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/p/") and self.path[3:].isdigit() else 0
        links = "".join(f'<a href="/p/{3 * n + i}">p{3 * n + i}</a>' for i in (1, 2, 3))
        body = f"<!doctype html><title>p{n}</title><body>{links}</body>".encode()
        status = 404 if self.path.startswith("/no-such-page/") else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.server.seen.append("POST " + self.path)
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def recorder(delay: float = 0.0):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    srv.daemon_threads = True
    srv.seen = []
    srv.delay = delay
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv, f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    from websec_conform.bundled import make_cert
    c, k = make_cert(tmp_path_factory.mktemp("tls"))
    return str(c), str(k)


def settings(verify=True) -> Settings:
    return Settings(timeout=5.0, verify=verify)


# ---------------------------------------------------------------------------------------------- the schema

ROLE_FIELDS = {"path", "method", "param", "fields", "content_type", "csrf", "accept", "extract", "marker",
               "form_page", "success", "anonymous", "extra",
               "as",     # the loader's: whose session the role's requests use (user1, user2)
               "show"}   # a stored value: the page where it shows
EXTRACTORS = {"json", "regex", "select", "input", "meta", "cookie", "header", "contains"}
TOP = {"name", "description", "base_url", "http_url", "ca_bundle", "roles", "users", "login", "headers", "session",
       "csrf", "limits", "text_filter"}


def assert_profile_schema(d: dict) -> None:
    """The profile schema of README.md and ROLES.md §5 (role mappings), checked field by field."""
    assert isinstance(d, dict) and set(d) <= TOP, set(d) - TOP
    assert re.match(r"^https?://[^/]+$", d["base_url"])
    roles = d.get("roles") or {}
    assert set(roles) <= set(ROLES), set(roles) - set(ROLES)
    for role, v in roles.items():
        if isinstance(v, str):
            assert v.startswith("/"), (role, v)
            continue
        assert isinstance(v, dict) and set(v) <= ROLE_FIELDS, (role, set(v) - ROLE_FIELDS)
        assert isinstance(v["path"], str) and v["path"].startswith("/"), (role, v)
        if "method" in v:
            assert v["method"] in METHODS, (role, v["method"])
        if "param" in v:
            assert isinstance(v["param"], str) and v["param"]
        for k in ("fields", "extra"):
            if k in v:
                assert isinstance(v[k], dict) and all(isinstance(a, str) and isinstance(b, str)
                                                      for a, b in v[k].items()), (role, k, v[k])
        if "extra" in v:
            assert role == "login"
        if "content_type" in v:
            assert v["content_type"] in ("form", "multipart", "json")
        if "csrf" in v:
            assert v["csrf"] in ("field", "header", "none")
        if "accept" in v:
            assert all(re.match(r"^([1-5]xx|[1-5]\d\d)$", str(a)) for a in v["accept"])
        if "extract" in v:
            ex = v["extract"]
            keys = set(ex) - {"attr"}
            assert len(keys) == 1 and keys <= EXTRACTORS, (role, ex)
            if "attr" in ex:
                assert "select" in ex
            if "contains" in ex:
                assert role == "state_probe" and ex["contains"] == "value"
            if "json" in ex:
                assert ex["json"] == "" or ex["json"].startswith("/")
        if "marker" in v:
            assert role == "whoami" and re.compile(v["marker"])
        if "form_page" in v:
            assert role in ("login", "state_change", "comment_post", "upload", "password_reset") or (
                role.startswith("reflect_") and v.get("method") == "POST"), role
            assert v["form_page"].startswith("/")
        if "show" in v:
            assert role.startswith("reflect_") and v["method"] == "POST" and v["show"].startswith("/")
            assert v["as"] in ("user1", "user2") and "param" in v
        if "success" in v:
            assert role == "login" and set(v["success"]) <= {"marker", "redirect"}
            for rx in v["success"].values():
                re.compile(rx)
        if "as" in v:
            assert v["as"] in ("user1", "user2") and len(d.get("users") or []) >= int(v["as"][-1])
        if "anonymous" in v:
            assert role == "whoami" and v["anonymous"] and set(v["anonymous"]) <= {401, 403, "redirect", "no-identity"}
    for u in d.get("users") or []:
        assert set(u) == {"username", "password"}
    if "session" in d:
        assert isinstance(d["session"]["cookie_name"], str)
        if "identity_values" in d["session"]:
            assert isinstance(d["session"]["identity_field"], str)
            assert set(d["session"]["identity_values"]) <= {u["username"] for u in d["users"]}
    if "csrf" in d:
        assert set(d["csrf"]) <= {"model", "field", "header", "time_limit"}


def check_output(res: dsc.Discovery, tmp_path: Path | None = None) -> str:
    """The YAML text loads to exactly the profile, follows the schema, and (once the runner reads role
    mappings) loads with profile.load_profile."""
    text = res.to_yaml()
    assert yaml.safe_load(text) == res.profile
    assert_profile_schema(res.profile)
    for kind, _ in res.notes:
        assert kind in ("guess", "missing", "info")
    for role in res.missing():
        assert f"# not found: {role} — " in text
    for path in res.guesses():
        assert path.startswith(("roles.", "session.", "csrf.", "users"))
    assert text.count("# guess: ") == len(res.guesses())
    if tmp_path is not None:
        from websec_conform.profile import load_profile
        from websec_conform.yamlsrc import LoadError
        p = tmp_path / "discovered.yaml"
        p.write_text(text, encoding="utf-8")
        try:
            t = load_profile(p)
        except LoadError as e:
            if "absolute path" not in str(e):  # the loader without role mappings rejects every mapping
                raise
        else:
            assert set(t.roles) == set(res.profile["roles"])
    return text


# ---------------------------------------------------------------------------------------------- offline

def test_reflection_contexts_from_the_parsed_page():
    c = "wscd0123abcd"
    rc = dsc.reflection_contexts
    assert rc(f"<p>Results for <em>{c}</em></p>", c) == {"reflect_text"}
    assert rc(f'<input value="{c}"><span title=\'x {c}\'>', c) == {"reflect_attr"}
    assert rc(f"<input id=out value={c}>", c) == {"reflect_unquoted_attr"}
    assert rc(f'<a id="out" href="{c}">x</a>', c) == {"reflect_href"}
    assert rc(f'<a href="/x?next={c}">x</a>', c) == {"reflect_attr"}
    assert rc(f"<script>var out = \"{c}\";</script>", c) == {"reflect_script"}
    assert rc(f"<!-- {c} --><p>no</p>", c) == set()
    assert rc("<p>nothing</p>", c) == set()
    both = rc(f'<form><input name=terms value="{c}"></form><p>{c}</p><img src={c}>', c)
    assert both == {"reflect_attr", "reflect_text", "reflect_href", "reflect_unquoted_attr"}


def test_json_in_an_attribute_read_from_the_start_tag_text():
    c = "wscd0123abcd"
    rc, ja = dsc.reflection_contexts, dsc.json_attributes
    # |tojson in single quotes (the doc's way): still a quoted attribute, and JSON in it
    ok = f"<div id=\"profile\" data-profile='{{\"display_name\": \"{c}\", \"username\": \"alice\"}}'></div>"
    assert rc(ok, c) == {"reflect_attr", "reflect_json_attr"}
    assert ja(ok, c) == [("div", "data-profile", "'", False)]
    # in double quotes the JSON's first quote ends the attribute: html.parser sees the canary in an attribute *name*
    broken = (f'<div id="profile" data-profile="{{"display_name": "{c}", "username": "alice", "website": ""}}">'
              "</div><p>after</p>")
    assert rc(broken, c) == {"reflect_json_attr"}
    assert ja(broken, c) == [("div", "data-profile", '"', True)]
    # an array, entity-escaped JSON (autoescaped json.dumps), an unquoted value, a JSON string broken by a '
    assert ja(f'<i data-x="[1, &quot;{c}&quot;]">', c) == [("i", "data-x", '"', False)]
    assert ja(f'<i data-x="{{&#34;a&#34;: &#34;{c}&#34;}}">', c) == [("i", "data-x", '"', False)]
    assert rc(f'<i data-x={{"a":"{c}"}}>', c) == {"reflect_json_attr", "reflect_unquoted_attr"}
    assert ja(f'<i data-x={{"a": "{c}"}}>', c) == [("i", "data-x", "", True)]
    assert ja(f"<i data-x='{{\"a\": \"it's {c}\"}}'>", c) == [("i", "data-x", "'", True)]
    # no JSON: the other contexts are classified as before, and none of these is a JSON attribute
    for page, ctxs in ((f'<i title="x {{{c}}}">', {"reflect_attr"}),
                       (f'<i data-x="{{" title="{c}">', {"reflect_attr"}),   # the canary is in no JSON string
                       (f'<p>{{"a": "{c}"}}</p>', {"reflect_text"}),
                       (f"<i onclick='{{\"a\": \"{c}\"}}'>", set()),          # an event handler is script
                       (f"<script>var x = {{\"a\": \"{c}\"}};</script>", {"reflect_script"}),
                       (f'<a href="{c}">x</a><input value="{c}">', {"reflect_href", "reflect_attr"})):
        assert rc(page, c) == ctxs, page
        assert ja(page, c) == [], page


def test_identity_selector_json_pointer_and_set_cookie():
    soup = dsc.parse_html("<nav><ul><li><span>alice</span>\n<li><a href=/x>Log out</a></ul></nav>"
                          "<article><div class=about>by alice</div></article>")
    span = soup.find("span")
    sel = dsc.selector_for(span, soup)
    assert sel and soup.select_one(sel) is span
    about = soup.find("div")
    assert soup.select_one(dsc.selector_for(about, soup)) is about
    assert dsc.json_pointer_to({"data": {"users": [{"name": "bob"}, {"name": "a/b~"}]}}, "a/b~") == \
        "/data/users/1/name"
    assert dsc.json_pointer_get({"a/b": {"~": 1}}, "/a~1b/~0") == 1
    assert dsc.parse_set_cookie("session=abc; Path=/; HttpOnly") == ("session", "abc", "Path=/; HttpOnly", False)
    assert dsc.parse_set_cookie("remember=; Max-Age=0; Path=/")[3] is True
    assert dsc.parse_set_cookie("x=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT")[3] is True
    assert dsc._cookie_lifetime("s=1; Expires=Thu, 01 Jan 2037 01:00:00 GMT", "Thu, 01 Jan 2037 00:00:00 GMT") == 3600


# ---------------------------------------------------------------------------------------------- the tutorial blog

@pytest.fixture(scope="module")
def elsewhere():
    with recorder() as (srv, url):
        yield srv, url


def _tutorial(elsewhere_url: str, **kw):
    from tutorial_app import create_app
    return create_app(external_url=elsewhere_url + "/from-the-blog", **kw)


def test_tutorial_blog(elsewhere, tmp_path):
    other, other_url = elsewhere
    app = _tutorial(other_url)
    with serve_wsgi(app) as url:
        res = dsc.discover(url + "/", USERS, settings=settings(), max_seconds=20)
    roles = res.profile["roles"]
    assert roles["page"] == "/"
    assert roles["not_found"] == "/no-such-page/"
    assert roles["static"] == "/static/style.css"
    assert roles["redirect"] in ("/create", "/attachments")  # a page of the user's, asked anonymously
    # the login form, its field names, the remember-me checkbox, the redirect that means success
    assert roles["login"] == {"path": "/auth/login", "form_page": "/auth/login",
                              "fields": {"username": "username", "password": "password"},
                              "extra": {"remember": "y"}, "success": {"redirect": r"^(https?://[^/]+)?/(\?|$)"}}
    # identity: the JSON endpoint, 401 for an anonymous visitor; the HTML place named as an alternative
    assert roles["whoami"] == {"path": "/api/me", "extract": {"json": "/username"}, "anonymous": [401]}
    assert "nav span" in " ".join(res.comments["roles.whoami"])
    assert roles["logout"] == {"path": "/auth/logout", "method": "POST", "csrf": "field"}
    # Flask-WTF's hidden input, read from a page that gives the token to anonymous visitors and the user alike
    assert roles["csrf_token"] == {"path": "/auth/login", "extract": {"input": "csrf_token"}}
    assert res.profile["csrf"]["field"] == "csrf_token" and res.profile["csrf"]["model"] == "flask-wtf"
    # Flask's session cookie is signed, not encrypted: the key that tells alice from bob shows in their cookies
    assert res.profile["session"] == {"cookie_name": "session", "identity_field": "user_id",
                                      "identity_values": {"alice": "1", "bob": "2"}}
    assert roles["state_change"] == {"path": "/create", "method": "POST", "form_page": "/create", "param": "title",
                                     "fields": {"body": "written by the conformance run"}, "csrf": "field"}
    assert roles["state_probe"] == {"path": "/", "extract": {"contains": "value"}}
    # the login form reads every body it gets; /create sends an anonymous request to the login first
    assert roles["form_echo"] == {"path": "/auth/login", "method": "POST"}
    assert roles["upload"] == {"path": "/attachments", "method": "POST", "form_page": "/attachments",
                               "param": "attachment", "content_type": "multipart", "csrf": "field", "as": "user1"}
    # no comment form: the post's body carries stored user text, shown on / (a guess until submitted)
    assert roles["comment_post"] == {"path": "/create", "method": "POST", "form_page": "/create", "param": "body",
                                     "fields": {"title": "conformance"}, "csrf": "field", "as": "user1"}
    assert roles["comment_list"] == {"path": "/", "as": "user1"}
    # the search page's own parameter name, in text and in a quoted attribute; the link parameter in an href
    assert roles["reflect_text"] == {"path": "/search", "param": "terms", "fields": {"scope": "all"}}
    assert roles["reflect_attr"] == {"path": "/search", "param": "terms", "fields": {"scope": "all"}}
    assert roles["reflect_href"] == {"path": "/go", "param": "next"}
    g = res.guesses()
    for path in ("roles.state_change", "roles.state_probe", "roles.upload", "roles.logout", "csrf.header",
                 "roles.comment_post", "roles.comment_list"):
        assert path in g, path
    m = res.missing()
    assert set(m) >= {"server_error", "json_echo", "download", "reflect_script", "reflect_unquoted_attr"}
    assert "--submit-forms" in m["download"]
    # what it must not have done: submit a form other than the login, fetch another origin, follow log-out links
    posts = [p for m_, p in app.config["SEEN"] if m_ != "GET"]
    assert set(posts) == {"/auth/login"} and len(posts) == 2  # alice, then bob's credentials checked
    assert other.seen == []
    assert all(u.startswith(url) for _, u, _ in res.requests)
    assert res.stats["offsite_links_skipped"] >= 1
    text = check_output(res, tmp_path)
    assert "# guess: the form on /create; not submitted" in text
    assert "# not found: json_echo — " in text
    assert "# cookies:" in text and "remember_me: a remember-me cookie" in text
    assert "registration: POST /auth/register" in text


def test_tutorial_blog_html_identity_and_submitted_forms(elsewhere, tmp_path):
    other, other_url = elsewhere
    app = _tutorial(other_url, api_me=False)
    with serve_wsgi(app) as url:
        res = dsc.discover(url, USERS[:1], settings=settings(), submit_forms=True, max_seconds=20)
    roles = res.profile["roles"]
    # the name shows only in the navigation; an anonymous visitor sees the page without it
    assert roles["whoami"] == {"path": "/", "extract": {"select": "nav span"}, "anonymous": ["no-identity"]}
    # submitted: the value written through /create shows on /, the upload comes back from its link
    assert roles["state_probe"] == {"path": "/", "extract": {"contains": "value"}}
    assert roles["download"] == {"path": "/attachments/", "as": "user1"}
    # a 302 answered the accepted submissions: a 200 would be the form shown again
    assert roles["state_change"]["accept"] == roles["upload"]["accept"] == roles["comment_post"]["accept"] == ["3xx"]
    assert roles["comment_list"] == {"path": "/", "as": "user1"}
    g = res.guesses()
    assert not {"roles.state_change", "roles.state_probe", "roles.upload", "roles.logout", "roles.comment_post",
                "roles.comment_list"} & set(g)
    assert "verified" in res.trailing["roles.state_change"]
    posts = [p for m, p in app.config["SEEN"] if m == "POST"]
    # the state form, the comment (its text area), the upload, the forms saved with canaries, the log-out
    assert posts == ["/auth/login", "/create", "/create", "/attachments", "/create", "/auth/logout"]
    assert "stored values: the form on /create" in res.to_yaml()
    assert not any("/delete" in p for _, p in app.config["SEEN"])
    assert other.seen == []
    check_output(res, tmp_path)


def _token_app():
    """A page-script style app: the CSRF token in a <meta> tag and a cookie, the login by e-mail, a list page
    that reflects its sort key unquoted and its page number in a script."""
    from flask import Flask, redirect, request, session
    from markupsafe import escape
    app = Flask("token_app")
    app.secret_key = "token-app-key"
    said: list[str] = []

    @app.route("/")
    def index():
        resp = app.make_response('<!doctype html><head><meta name="csrf-token" content="t0k3n"><script src="/app.js">'
                                 '</script></head><body><a href="/signin">Sign in</a> '
                                 '<a href="/items?sort=new&page=1">Items</a></body>')
        resp.set_cookie("XSRF-TOKEN", "t0k3n")
        return resp

    @app.route("/signin", methods=["GET", "POST"])
    def signin():
        if request.method == "POST" and request.form.get("email") == "alice" and \
                request.form.get("pass") == "alice-password":
            session["u"] = "alice"
            return redirect("/items")
        return ('<!doctype html><form method=post><input type=email name=email><input type=password name=pass>'
                '<button>Sign in</button></form>')

    @app.route("/items")
    def items():
        who = f'<p class=who>Signed in as <b>{escape(session["u"])}</b></p>' if "u" in session else ""
        return (f'<!doctype html>{who}<div class=list data-sort={escape(request.args.get("sort", ""))}>no items</div>'
                f'<script>var page = "{escape(request.args.get("page", ""))}";</script>'
                '<form method=post action="/items/comments"><textarea name=say></textarea><button>Comment</button>'
                '</form><ul>' + "".join(f"<li>{escape(c)}" for c in said) + "</ul>")

    @app.route("/items/comments", methods=["POST"])
    def comment():
        said.append(request.form["say"])
        return redirect("/items", 303)

    @app.route("/app.js")
    def js():
        return "console.log(1)\n", 200, {"Content-Type": "text/javascript"}
    return app


def test_meta_token_email_login_unquoted_and_script_reflections_http_url(tmp_path):
    with serve_wsgi(_token_app()) as url, recorder() as (plain, plain_url):
        res = dsc.discover(url, USERS[:1], settings=settings(), http_url=plain_url + "/ignored", max_seconds=20,
                           submit_forms=True)
        assert plain.seen == ["/"]  # --http-url: its root, once, and no other port
    p = res.profile
    assert p["http_url"] == plain_url
    assert p["roles"]["csrf_token"] == {"path": "/", "extract": {"meta": "csrf-token"}}
    assert p["csrf"] == {"header": "X-CSRF-Token"} and "csrf.header" in res.guesses()
    assert p["roles"]["login"]["fields"] == {"username": "email", "password": "pass"}
    rx = p["roles"]["login"]["success"]["redirect"]
    assert rx == r"^(https?://[^/]+)?/items(\?|$)"
    assert re.search(rx, "/items") and re.search(rx, url + "/items?x=1") and not re.search(rx, "/items2")
    assert p["roles"]["whoami"] == {"path": "/items", "extract": {"select": "p.who b"}, "anonymous": ["no-identity"]}
    assert p["roles"]["reflect_unquoted_attr"] == {"path": "/items", "param": "sort", "fields": {"page": "1"}}
    assert p["roles"]["reflect_script"] == {"path": "/items", "param": "page", "fields": {"sort": "new"}}
    assert p["roles"]["static"] == "/app.js"
    assert "XSRF-TOKEN: a CSRF cookie" in res.to_yaml()
    # the only POST form is a comment form: it carries comments and state; the token travels in the header
    want = {"path": "/items/comments", "method": "POST", "form_page": "/items", "param": "say", "csrf": "header",
            "accept": ["3xx"]}
    assert p["roles"]["comment_post"] == p["roles"]["state_change"] == want
    assert p["roles"]["comment_list"] == "/items"
    assert p["roles"]["state_probe"] == {"path": "/items", "extract": {"contains": "value"}}
    assert not {"roles.comment_post", "roles.comment_list", "roles.state_change"} & set(res.guesses())
    check_output(res, tmp_path)


def test_start_redirect_and_a_logout_button_as_identity_marker(tmp_path):
    """/ sends an anonymous visitor to the login page; the user's name shows nowhere, only a log-out button."""
    from flask import Flask, redirect, request, session
    app = Flask("marker_app")
    app.secret_key = "marker-app-key"

    @app.route("/")
    def index():
        if "u" not in session:
            return redirect("/login")
        return ('<!doctype html><p>Your dashboard</p><form method=post action="/session/end">'
                '<button>Sign out</button></form>')

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST" and request.form.get("login") == "alice":
            session["u"] = 1
            return redirect("/")
        return '<!doctype html><form method=post><input name=login><input type=password name=pw></form>'

    with serve_wsgi(app) as url:
        res = dsc.discover(url + "/", USERS[:1], settings=settings(), max_seconds=20)
    roles = res.profile["roles"]
    assert roles["page"] == "/login" and "redirects here" in res.trailing["roles.page"]
    assert roles["redirect"] == "/"
    assert roles["login"]["fields"] == {"username": "login", "password": "pw"}
    assert roles["whoami"] == {"path": "/", "marker": re.escape("Sign out"), "anonymous": ["redirect"]}
    assert "roles.whoami" in res.guesses()
    assert roles["logout"] == {"path": "/session/end", "method": "POST"}
    check_output(res, tmp_path)


def _json_attr_app(quote: str | None):
    """A search page that hands the query to its script as |tojson in data-query, in the quotes given (None: no
    JSON, the query in a value attribute and in text)."""
    from flask import Flask, render_template_string, request
    app = Flask("json_attr_app")
    if quote is None:
        out = '<input id=again value="{{ q }}"><p>No results for {{ q }}</p>'
    else:
        out = "<div id=results data-query=" + quote + "{{ {'q': q, 'page': 1}|tojson }}" + quote + "></div>"
    page = "<!doctype html><title>find</title><form action=/find><input name=q><button>Find</button></form>"

    @app.route("/")
    def index():
        return page

    @app.route("/find")
    def find():
        return render_template_string(page + out, q=request.args.get("q", ""))
    return app


def run_scenarios(profile_path: Path, ids: set[str], verify=True) -> dict:
    """The scenarios of conformance/scenarios with these ids, run by the runner against a profile file."""
    from websec_conform import runner
    from websec_conform.profile import load_profile
    from websec_conform.scenario import load_dir
    scs = [s for s in load_dir(HERE.parent / "scenarios") if s.id in ids]
    assert {s.id for s in scs} == ids
    opts = runner.Options(settings=Settings(timeout=10, verify=verify), concurrency=2)
    return {r.scenario.id: r for r in runner.run_target(load_profile(profile_path), scs, opts)}


@pytest.mark.parametrize("quote", ['"', "'", None])
def test_get_reflection_inside_json_in_an_attribute(quote, tmp_path):
    """A GET parameter that comes back inside |tojson in an attribute is reflect_json_attr, whichever the quotes;
    escaping.attr.tojson-double-quoted run with the discovered profile fails on double quotes only, and is skipped
    where there is no JSON attribute."""
    with serve_wsgi(_json_attr_app(quote)) as url:
        res = dsc.discover(url, [], settings=settings(), max_seconds=20)
        text = check_output(res, tmp_path)
        (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
        got = run_scenarios(tmp_path / "p.yaml", {"escaping.attr.tojson-double-quoted"})
    roles = res.profile["roles"]
    verdict = got["escaping.attr.tojson-double-quoted"]
    if quote is None:
        assert roles["reflect_text"] == roles["reflect_attr"] == {"path": "/find", "param": "q"}
        assert "reflect_json_attr" not in roles
        assert res.missing()["reflect_json_attr"] == ("no GET form field or link parameter came back in that "
                                                      "context (1 tested)")
        assert verdict.status == "skip" and "reflect_json_attr" in verdict.reason
        return
    assert roles["reflect_json_attr"] == {"path": "/find", "param": "q"}
    words = "single-quoted" if quote == "'" else "double-quoted, which the JSON's own quotes end"
    assert res.comments["roles.reflect_json_attr"] == [
        f"found: q (the search form on /) came back inside JSON in an attribute (data-query of <div>, {words})"]
    assert "  # found: q (the search form on /) came back inside JSON in an attribute" in text
    # the classification of the other contexts is unchanged: in single quotes the value is a quoted attribute
    assert ("reflect_attr" in roles) == (quote == "'") and "reflect_text" not in roles
    if quote == "'":
        assert verdict.status == "pass", verdict.summary_line()
    else:
        assert verdict.status == "fail", verdict.summary_line()
        assert "onmouseover" in verdict.summary_line()


# ---------------------------------------------------------------------------------------------- bundled apps

@pytest.mark.parametrize("name,lifetime,model", [("secure_app", 3600, "flask-wtf"),
                                                  ("insecure_app", 31 * 86400, None)])
def test_bundled_apps(name, lifetime, model, cert, tmp_path):
    app = importlib.import_module(name).app
    with serve_wsgi(app, ssl_context=cert) as url:
        res = dsc.discover(url, USERS, settings=settings(verify=cert[0]), max_seconds=20)
    p = res.profile
    assert p["base_url"] == url
    # no HTML links to follow: the well-known paths find the §2 JSON roles, written as plain paths
    assert p["roles"]["page"] == "/" and p["roles"]["not_found"] == "/no-such-page/"
    assert p["roles"]["login"] == "/login"
    assert p["roles"]["whoami"] == "/whoami"
    assert p["roles"]["csrf_token"] == "/csrf"
    assert p["roles"]["logout"] == "/logout" and "roles.logout" in res.guesses()
    assert p["session"] == {"cookie_name": "session", "lifetime": lifetime, "identity_field": "user"}
    assert p["csrf"].get("model") == model
    assert "state_change" in res.missing() and "reflect_text" in res.missing()
    check_output(res, tmp_path)


# ---------------------------------------------------------------------------------------------- bounds

def test_stays_on_the_origin_within_max_pages_and_depth():
    with recorder() as (srv, url):
        res = dsc.discover(url + "/p/0", [], settings=settings(), max_pages=8, max_seconds=10)
        crawled = [p for p in srv.seen if p.startswith("/p/")]
        assert len(crawled) <= 8 and res.stats["pages"] <= 8
        assert res.profile["roles"]["page"] == "/p/0"
    with recorder() as (srv, url):
        dsc.discover(url + "/p/0", [], settings=settings(), max_depth=1, max_seconds=10)
        depth = {int(p[3:]) for p in srv.seen if p.startswith("/p/")}
        assert depth == {0, 1, 2, 3}  # the start page and its links, nothing two links away
        assert not any(p.startswith("POST") for p in srv.seen)


def test_respects_max_seconds_and_rate():
    with recorder(delay=0.2) as (srv, url):
        t0 = time.monotonic()
        res = dsc.discover(url + "/p/0", USERS, settings=settings(), max_seconds=1.0)
        took = time.monotonic() - t0
    assert took < 1.6, took
    assert res.stats["out_of_time"]
    assert any(k == "info" and "wall time" in t for k, t in res.notes)
    check_output(res)
    with recorder() as (srv, url):
        t0 = time.monotonic()
        dsc.discover(url + "/p/0", [], settings=settings(), rate=40.0, max_pages=4, max_seconds=10)
        took = time.monotonic() - t0
        n = len(srv.seen)
    assert n >= 4 and took >= (n - 1) / 40.0 - 0.05, (n, took)


class _Odd(_Recorder):
    """A redirect loop, bytes that are not HTML under an HTML type, a page larger than the byte cap, a 500."""

    def do_GET(self):
        self.server.seen.append(self.path)
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop?again")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 500 if self.path == "/boom" else 200
        if self.path == "/bin":
            body = bytes(range(256)) * 64
        elif self.path == "/huge":
            body = b"<p>" + b"<a href=/huge>x</a>" * 200_000
        else:
            body = b'<a href="/loop">l</a><a href="/bin">b</a><a href="/huge">h</a><a href="/boom">e</a>'
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_odd_answers_stay_bounded():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Odd)
    srv.daemon_threads = True
    srv.seen = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        res = dsc.discover(f"http://127.0.0.1:{srv.server_address[1]}/", USERS, settings=Settings(
            timeout=5.0, max_bytes=64 * 1024), max_seconds=10)
    finally:
        srv.shutdown()
        srv.server_close()
    assert srv.seen.count("/loop?again") <= 6
    assert srv.seen.count("/huge") == 1
    roles = res.profile["roles"]
    assert roles["server_error"] == "/boom" and "roles.server_error" in res.guesses()
    assert roles["redirect"] == "/loop"
    assert not [t for k, t in res.notes if "stopped on" in t]
    check_output(res)


def test_unreachable_target_and_command_line(tmp_path, capsys):
    from websec_conform import cli
    with recorder() as (srv, url):
        out = tmp_path / "p.yaml"
        assert cli.main(["discover", url + "/p/0", "--user", "alice", "--password", "pw", "--out", str(out),
                         "--max-pages", "3", "--max-seconds", "5", "--rate-limit", "100/s"]) == 0
        d = yaml.safe_load(out.read_text())
        assert d["roles"]["page"] == "/p/0" and d["users"] == [{"username": "alice", "password": "pw"}]
        assert "# not found: login — " in out.read_text()
        assert "discover: " in capsys.readouterr().err
    assert dsc.main([url, "--user", "a"]) == 2
    res = dsc.discover(url, [], settings=Settings(timeout=1.0), max_seconds=3)  # the server is gone
    assert res.profile["roles"] == {} and set(res.missing()) == set(ROLES)
    assert dsc.main([url, "--max-seconds", "2", "-q"]) == 2


# ---------------------------------------------------------------------------------------------- stored reflections

def _prefs_app():
    """Per-user preferences saved by a form and shown on a public page: the nickname in text and in an unquoted
    attribute, the motto inside a script; an account form with an e-mail address that must never be saved."""
    from flask import Flask, redirect, request, session
    from markupsafe import escape
    app = Flask("prefs_app")
    app.secret_key = "prefs-app-key"
    prefs = {"alice": {"nickname": "Al", "motto": "hi"}, "bob": {"nickname": "", "motto": ""}}
    app.config["PREFS"] = prefs
    nav = ('<nav><a href="/">Home</a> <a href="/prefs">Preferences</a> <a href="/account">Account</a> '
           '<a href="/people/{u}">My page</a> <span class=me>{u}</span></nav>')

    @app.route("/")
    def index():
        u = session.get("u")
        return "<!doctype html>" + (nav.format(u=u) if u else '<a href="/login">Log in</a>') + "<p>Welcome</p>"

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST" and request.form.get("password") == f"{request.form.get('username')}-password":
            session["u"] = request.form["username"]
            return redirect("/")
        return '<!doctype html><form method=post><input name=username><input type=password name=password></form>'

    @app.route("/prefs", methods=["GET", "POST"])
    def prefs_view():
        u = session.get("u")
        if not u:
            return redirect("/login")
        if request.method == "POST":
            prefs[u] = {"nickname": request.form.get("nickname", ""), "motto": request.form.get("motto", "")}
            return redirect(f"/people/{u}")
        p = prefs[u]
        return (f'<!doctype html>{nav.format(u=u)}<form method=post><input name=nickname '
                f'value="{escape(p["nickname"])}"><textarea name=motto>{escape(p["motto"])}</textarea>'
                '<button>Save</button></form>')

    @app.route("/account", methods=["GET", "POST"])
    def account():
        u = session.get("u")
        if not u:
            return redirect("/login")
        if request.method == "POST":
            raise AssertionError("the account form (an e-mail address) was saved")
        return (f'<!doctype html>{nav.format(u=u)}<form method=post><input type=email name=email value="{u}@x.test">'
                '<input name=bio><button>Save</button></form>')

    @app.route("/people/<name>")
    def people(name):
        p = prefs.get(name) or {"nickname": "", "motto": ""}
        return (f'<!doctype html><p class=nick>{escape(p["nickname"])}</p><img alt={escape(p["nickname"])} src=/x.png>'
                f'<script>var motto = "{escape(p["motto"])}";</script>')
    return app


def test_stored_reflections_two_roles_of_one_form_use_two_users(tmp_path):
    app = _prefs_app()
    seen = []

    def recorded(environ, start_response):
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return app(environ, start_response)
    with serve_wsgi(recorded) as url:
        res = dsc.discover(url, USERS, settings=settings(), submit_forms=True, max_seconds=20)
    roles = res.profile["roles"]
    # saving the form stores both fields: each role re-sends the other one harmless, and they use different users
    assert roles["reflect_unquoted_attr"] == {"path": "/prefs", "method": "POST", "form_page": "/prefs",
                                              "param": "nickname", "fields": {"motto": ""}, "show": "/people/alice",
                                              "as": "user1", "accept": ["3xx"]}
    assert roles["reflect_script"] == {"path": "/prefs", "method": "POST", "form_page": "/prefs", "param": "motto",
                                       "fields": {"nickname": ""}, "show": "/people/bob", "as": "user2",
                                       "accept": ["3xx"]}
    assert "roles.reflect_script" not in res.guesses()  # seen as bob too
    assert res.comments["roles.reflect_script"] == [
        "found: motto of the form on /prefs (POST /prefs), saved with a canary, shows on /people/alice inside "
        "<script>; as user2: saving the form as user1 for reflect_unquoted_attr (nickname) would overwrite it"]
    # the nickname shows in text and (on /prefs) in a quoted attribute too: no user is left for them, they share
    # the user of the role on their field (the runner never runs two scenarios that save one form at once)
    shared = {"path": "/prefs", "method": "POST", "form_page": "/prefs", "param": "nickname",
              "fields": {"motto": ""}, "as": "user1", "accept": ["3xx"]}
    assert roles["reflect_text"] == {**shared, "show": "/people/alice"}
    assert roles["reflect_attr"] == {**shared, "show": "/prefs"}
    assert res.comments["roles.reflect_text"] == [
        "found: nickname of the form on /prefs (POST /prefs), saved with a canary, shows on /people/alice in text; "
        "as user1, like reflect_unquoted_attr: no user is left, and the runner never runs two scenarios that save "
        "this form at the same time"]
    assert "reflect_href" not in roles and "reflect_json_attr" not in roles
    # never saved: the form with an e-mail address; the edit form got alice's and bob's values back
    assert ("POST", "/account") not in seen
    assert app.config["PREFS"] == {"alice": {"nickname": "Al", "motto": "hi"}, "bob": {"nickname": "", "motto": ""}}
    text = check_output(res, tmp_path)
    assert "# found: nickname of the form on /prefs" in text


def _card_app(json_fields: tuple[str, ...]):
    """A profile card: an edit form (a text field "motto", a URL field "homepage") saved and shown on /people/<u>,
    the motto in text, and the fields of ``json_fields`` as |tojson in a single-quoted data-card attribute."""
    from flask import Flask, redirect, render_template_string, request, session
    app = Flask("card_app")
    app.secret_key = "card-app-key"
    cards = {u["username"]: {"motto": "", "homepage": ""} for u in USERS}
    app.config["CARDS"] = cards
    nav = '<nav><a href="/">Home</a> <a href="/edit">Edit</a> <a href="/people/{{ u }}">{{ u }}</a></nav>'

    @app.route("/")
    def index():
        if "u" not in session:
            return '<!doctype html><a href="/login">Log in</a>'
        return render_template_string("<!doctype html>" + nav, u=session["u"])

    @app.route("/login", methods=["GET", "POST"])
    def login():
        u = request.form.get("username")
        if request.method == "POST" and request.form.get("password") == f"{u}-password":
            session["u"] = u
            return redirect("/")
        return '<!doctype html><form method=post><input name=username><input type=password name=password></form>'

    @app.route("/edit", methods=["GET", "POST"])
    def edit():
        u = session.get("u")
        if not u:
            return redirect("/login")
        if request.method == "POST":
            cards[u] = {"motto": request.form.get("motto", ""), "homepage": request.form.get("homepage", "")}
            return redirect(f"/people/{u}")
        return render_template_string("<!doctype html>" + nav + '<form method=post><input name=motto value="{{ c.motto '
                                      '}}"><input type=url name=homepage value="{{ c.homepage }}"><button>Save</button>'
                                      "</form>", u=u, c=cards[u])

    @app.route("/people/<name>")
    def people(name):
        c = cards.get(name) or {"motto": "", "homepage": ""}
        data = {k: c[k] for k in json_fields}
        return render_template_string("<!doctype html><p class=motto>{{ c.motto }}</p><div data-card='{{ data|tojson "
                                      "}}'></div>", c=c, data=data)
    return app


@pytest.mark.parametrize("json_fields", [("motto", "homepage"), ("homepage",), ()])
def test_stored_reflection_inside_json_in_an_attribute(json_fields, tmp_path):
    """A text field saved and shown inside |tojson in an attribute is reflect_json_attr (show, as, form_page); a URL
    field there is not mapped (its canary was a URL, the scenario's payload is none); no JSON attribute, no role."""
    app = _card_app(json_fields)
    with serve_wsgi(app) as url:
        res = dsc.discover(url, USERS, settings=settings(), submit_forms=True, max_seconds=20)
    roles = res.profile["roles"]
    check_output(res, tmp_path)
    assert app.config["CARDS"] == {"alice": {"motto": "", "homepage": ""}, "bob": {"motto": "", "homepage": ""}}
    if "motto" in json_fields:
        assert roles["reflect_json_attr"] == {"path": "/edit", "method": "POST", "form_page": "/edit",
                                              "param": "motto", "fields": {"homepage": ""}, "show": "/people/alice",
                                              "as": "user1", "accept": ["3xx"]}
        assert res.comments["roles.reflect_json_attr"] == [
            "found: motto of the form on /edit (POST /edit), saved with a canary, shows on /people/alice inside JSON "
            "in an attribute (data-card of <div>, single-quoted)"]
        return
    assert "reflect_json_attr" not in roles
    why = res.missing()["reflect_json_attr"]
    assert why.startswith("no GET form and no link with a query parameter to test; no stored value came back in it "
                          "either (1 form saved with canaries)"), why
    url_note = "; only a URL field's did (homepage of the form on /edit (on /people/alice)), and the scenario's payload"
    assert (url_note in why) == (json_fields == ("homepage",)), why


def test_stored_reflections_need_submit_forms():
    app = _prefs_app()
    with serve_wsgi(app) as url:
        res = dsc.discover(url, USERS, settings=settings(), max_seconds=20)
    assert not any(r.startswith("reflect_") for r in res.profile["roles"])
    assert app.config["PREFS"]["alice"] == {"nickname": "Al", "motto": "hi"}


# ---------------------------------------------------------------------------------------------- the notes app

PROFILES = HERE.parent / "profiles"


@pytest.fixture(scope="module", params=["secure", "insecure"])
def notes(request, cert):
    """A fresh notes app (the variant of the parameter) served over HTTPS and discovered with --submit-forms; the
    server keeps running for the tests that use the discovered profile. Yields (variant, url, Discovery, the
    (method, path) of each request discovery made, the users' (display name, website) right after it)."""
    if not (APPS / "notes" / "secure.py").exists():
        pytest.skip("conformance/apps/notes is not there yet")
    from notes import create_app
    variant = request.param
    app = create_app(variant)
    seen = []

    def recorded(environ, start_response):
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return app(environ, start_response)
    with serve_wsgi(recorded, ssl_context=cert) as url:
        res = dsc.discover(url, USERS, settings=settings(verify=cert[0]), submit_forms=True,
                           name=f"notes-{variant}", max_seconds=20)
        store = app.extensions["notes_store"]
        profiles = [(u.display_name, u.website) for u in map(store.find_user, ("alice", "bob"))]
        yield variant, url, res, list(seen), profiles


def test_notes_app(notes, tmp_path):
    """A fresh notes app discovered with --submit-forms: the stored reflections of its settings form, the reset
    form mapped and never submitted, the identity read from the session cookie; the output is the committed
    expectation conformance/profiles/notes-<variant>.discovered.yaml once normalised."""
    variant, url, res, seen, profiles = notes
    roles = res.profile["roles"]
    for r in ("page", "not_found", "login", "whoami", "logout", "state_change", "state_probe", "reflect_text",
              "reflect_attr", "reflect_href", "reflect_json_attr", "comment_post", "comment_list", "upload",
              "download", "password_reset"):
        assert r in roles, (r, res.missing().get(r))
    csrf = {"csrf": "field"} if variant == "secure" else {}
    # GET reflections first (the search page), stored ones fill what they do not have
    assert roles["reflect_text"] == roles["reflect_attr"] == {"path": "/search", "param": "term"}
    settings_form = {"path": "/settings", "method": "POST", "form_page": "/settings"}
    # one form, two roles: the display name inside the JSON of data-profile on /u/alice (the rarest context), the
    # website as the link there; the second one is saved as bob and read on his page
    assert roles["reflect_json_attr"] == {**settings_form, "param": "display_name", "fields": {"website": ""},
                                          **csrf, "show": "/u/alice", "as": "user1", "accept": ["3xx"]}
    assert roles["reflect_href"] == {**settings_form, "param": "website", "fields": {"display_name": ""}, **csrf,
                                     "show": "/u/bob", "as": "user2", "accept": ["3xx"]}
    found = ("found: display_name of the form on /settings (POST /settings), saved with a canary, shows on /u/alice "
             "inside JSON in an attribute (data-profile of <div>, ")
    assert res.comments["roles.reflect_json_attr"] == [found + (
        "single-quoted)" if variant == "secure" else "double-quoted, which the JSON's own quotes end)")]
    if variant == "secure":  # the display name is quoted everywhere
        assert "reflect_unquoted_attr" not in roles
        assert res.missing()["reflect_unquoted_attr"].startswith("no GET form field or link parameter came back")
    else:  # the unquoted value= of /settings: a third role of the form, no user left: alice's, like the JSON's
        assert roles["reflect_unquoted_attr"] == {**settings_form, "param": "display_name",
                                                  "fields": {"website": ""}, "show": "/settings", "as": "user1",
                                                  "accept": ["3xx"]}
        assert res.comments["roles.reflect_unquoted_attr"] == [
            "found: display_name of the form on /settings (POST /settings), saved with a canary, shows on /settings "
            "in an unquoted attribute; as user1, like reflect_json_attr: no user is left, and the runner never runs "
            "two scenarios that save this form at the same time"]
    assert res.comments["roles.reflect_href"][0].startswith("found: website of the form on /settings (POST "
                                                             "/settings), saved with a canary, shows on /u/alice at "
                                                             "the start of a link")
    assert "reflect_script" in res.missing()
    assert roles["password_reset"] == {"path": "/reset-password", "method": "POST", "form_page": "/reset-password",
                                       "param": "login", **csrf}
    assert res.profile["session"]["identity_field"] == "_user_id"
    assert res.profile["session"]["identity_values"] == {"alice": "1", "bob": "2"}
    assert not {"roles.state_change", "roles.comment_post", "roles.comment_list", "roles.upload",
                "roles.reflect_href", "roles.reflect_json_attr"} & set(res.guesses())
    # never submitted: the reset request (it mails), the registration, the password change
    posts = {p for m, p in seen if m == "POST"}
    assert posts == {"/auth/login", "/notes/new", "/attachments", "/settings", "/auth/logout"}, posts
    # the settings form got its previous values back
    assert profiles == [("", ""), ("", "")]
    text = check_output(res, tmp_path)
    kept = PROFILES / f"notes-{variant}.discovered.yaml"
    assert dsc.compare_discovered(kept.read_text(encoding="utf-8"), text, f"notes-{variant}", kept.name) == []


def test_notes_tojson_attribute_verdict_with_the_discovered_profile(notes, cert, tmp_path):
    """The runner with the discovered profile: escaping.attr.tojson-double-quoted saves the display name as alice
    and reads /u/alice; notes.insecure's data-profile="{{ profile|tojson }}" lets the payload's quote out as an
    onmouseover attribute (PLANTED tojson-double-quoted-attribute), notes.secure's single quotes keep it in. The
    scenarios of the other roles on the settings form run beside it (on notes.insecure reflect_unquoted_attr saves
    the same display name as alice) and keep their verdicts."""
    variant, url, res, _, _ = notes
    p = tmp_path / f"notes-{variant}.yaml"
    p.write_text(res.to_yaml(), encoding="utf-8")
    others = {"escaping.attr.unquoted", "escaping.href.javascript", "escaping.href.javascript-variants"}
    got = run_scenarios(p, {"escaping.attr.tojson-double-quoted"} | others, verify=cert[0])
    for sid in others:  # notes.secure: no unquoted attribute (skipped), links neutralised by its CSP
        want = "fail" if variant == "insecure" else ("skip" if sid == "escaping.attr.unquoted" else "pass")
        assert got[sid].status == want, (sid, got[sid].summary_line())
    r = got["escaping.attr.tojson-double-quoted"]
    step = r.steps[0]
    assert step.request["method"] == "POST" and step.request["url"] == url + "/settings"
    assert step.request["then"].startswith("GET /u/alice ")
    if variant == "insecure":
        assert r.status == "fail", r.summary_line()
        check = next(c for c in step.checks if c.check == "no_event_handler")
        assert check.message.startswith("injected attribute(s): <div onmouseover=")
    else:
        assert r.status == "pass", r.summary_line()


# ---------------------------------------------------------------------------------------------- kept expectations

_RUN = """# Target profile written by `scripts/conform discover` on 2026-01-02 03:04 UTC from https://127.0.0.1:40123/
# (10 pages crawled, 43 probes, 53 requests in 0.9 s; forms were submitted).
name: t
description: discovered from https://127.0.0.1:40123/ by websec_conform discover
base_url: https://127.0.0.1:40123
http_url: http://127.0.0.1:40999  # GET http://127.0.0.1:40999/ answered 301 to https://127.0.0.1:40123/
roles:
  not_found: /no-such-page/  # GET /no-such-page/wscd5a4b93ca answered 404
  page: /
# cookies:
#   remember_token: a remember-me cookie; Expires=Mon, 14 Dec 2026 17:59:06 GMT; Secure
"""


def test_normalise_replaces_ports_dates_timings_and_canaries():
    n = dsc.normalise(_RUN)
    assert "40123" not in n and "40999" not in n and "2026" not in n and "5a4b93ca" not in n
    assert "base_url: https://127.0.0.1:8443\n" in n and "http_url: http://127.0.0.1:8080  # GET " in n
    assert "answered 301 to https://127.0.0.1:8443/" in n
    assert "on <date> UTC from https://127.0.0.1:8443/" in n and "(N pages crawled, N probes, N requests in T s;" in n
    assert "Expires=<date>; Secure" in n and "/no-such-page/wscd<canary> answered" in n
    assert dsc.normalise(n) == n  # idempotent: the kept file is its own normal form
    # another run on other ports and another day is the same once normalised
    other = _RUN.replace("40123", "51000").replace("40999", "51001").replace("03:04", "23:59")
    assert dsc.compare_discovered(n, other, "t", "t.discovered.yaml") == []


def test_compare_names_each_differing_line():
    kept = dsc.normalise(_RUN)
    changed = _RUN.replace("  page: /\n", "  page: /home\n").replace("name: t\n", "")
    changed += "  static: /app.css\n"
    got = dsc.compare_discovered(kept, changed, "t", "t.discovered.yaml")
    assert any("t.discovered.yaml:9: expected 'page: /', discovered 'page: /home'" in m for m in got), got
    assert any("discovery no longer writes t.discovered.yaml:3: 'name: t'" in m for m in got), got
    assert any("discovery writes a line t.discovered.yaml does not have" in m and "static: /app.css" in m
               for m in got), got
    assert len(got) == 3


def test_bundled_overlays_extend_the_kept_discoveries(tmp_path, monkeypatch):
    """Each notes target's hand-written profile extends its discovered one with a few lines; copied into a run
    directory it extends that run's discovery; check_discovered compares and rewrites."""
    from websec_conform import bundled
    from websec_conform.profile import load_profile
    for name in bundled.NOTES_TARGETS:
        hand = PROFILES / f"{name}.yaml"
        data = yaml.safe_load(hand.read_text())
        assert data["extends"] == f"{name}.discovered.yaml"
        assert set(data) <= {"extends", "session", "csrf", "limits", "text_filter"}, set(data)
        t = load_profile(hand)
        assert t.name == name and t.base_url == dsc.NORMAL_BASE_URL
        assert t.session["secret_key"] and t.session["retired_keys"] and t.limits["max_content_length"] == 1048576
        assert t.session["identity_field"] == "_user_id" and "reflect_href" in t.roles and "login" in t.roles
        # in a run directory: this run's discovery, this run's URL
        run_text = (PROFILES / f"{name}.discovered.yaml").read_text().replace("127.0.0.1:8443", "127.0.0.1:40123")
        (tmp_path / f"{name}.discovered.yaml").write_text(run_text)
        (tmp_path / f"{name}.yaml").write_text(bundled.overlay_text(hand.read_text(), f"{name}.discovered.yaml",
                                                                    "https://127.0.0.1:40123"))
        assert load_profile(tmp_path / f"{name}.yaml").base_url == "https://127.0.0.1:40123"
    kept = tmp_path / "kept"
    kept.mkdir()
    monkeypatch.setattr(bundled, "PROFILES", kept)
    monkeypatch.setattr(bundled, "REPO", tmp_path)
    run = {"notes-secure": bundled.Discovered("notes-secure", _RUN, tmp_path / "x.yaml", 1.0)}
    assert bundled.check_discovered(run, update=False) == ["notes-secure: kept/notes-secure.discovered.yaml does "
                                                           "not exist (--update-discovered writes it)"]
    assert bundled.check_discovered(run, update=True) == []
    assert (kept / "notes-secure.discovered.yaml").read_text() == dsc.normalise(_RUN)
    assert bundled.check_discovered(run, update=False) == []
    run["notes-secure"].text = _RUN.replace("  page: /\n", "  page: /home\n")
    assert len(bundled.check_discovered(run, update=False)) == 1
    run["notes-secure"].error = "ConnectionError: refused"
    assert bundled.check_discovered(run, update=False) == ["notes-secure: discovery failed: ConnectionError: refused"]
