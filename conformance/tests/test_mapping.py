"""Role mappings (ROLES.md §5): extractors, the HTML login flow with a hidden CSRF input, identity and state read
through a role, and the guards: a mis-mapped role gives ERROR, never PASS. The apps below are written the way the
Flask, Flask-WTF and Flask-Login docs teach, not shaped for the scanner."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from websec_conform import cli, extract, generators, runner
from websec_conform.profile import load_profile
from websec_conform.scenario import load_dir, load_text

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


# ---------------------------------------------------------------------------------------------- extractors

PAGE = b"""<!doctype html><html><head><meta name="csrf-token" content="tok-meta"></head><body>
<nav>Logged in as <span class="username">alice</span></nav>
<form method="post" action="/x"><input type="hidden" name="csrf_token" value="tok-input">
<input name="title"><textarea name="body">t</textarea><select name="s"><option value="a">A</option>
<option value="b" selected>B</option></select></form></body></html>"""


@pytest.mark.parametrize("spec,want", [
    ({"select": "nav .username"}, "alice"),
    ({"select": "meta[name=csrf-token]", "attr": "content"}, "tok-meta"),
    ({"input": "csrf_token"}, "tok-input"),
    ({"input": "body"}, "t"),
    ({"meta": "csrf-token"}, "tok-meta"),
    ({"regex": r"Logged in as <span[^>]*>([^<]+)"}, "alice"),
    ({"regex": "alic."}, "alice"),
    ({"header": "x-token"}, "h1"),
    ({"cookie": "csrf_access"}, "c1"),
])
def test_html_header_cookie_extractors(spec, want):
    got = extract.apply(spec, body=PAGE, headers=[("X-Token", "h1")], cookies={"csrf_access": "c1"})
    assert got == want


def test_json_pointer_and_missing_values():
    body = b'{"data": {"user": {"name": "alice"}, "list": [1, {"a~b/c": 2}]}, "n": null}'
    assert extract.apply({"json": "/data/user/name"}, body=body, headers=[]) == "alice"
    assert extract.apply({"json": "/data/list/1/a~0b~1c"}, body=body, headers=[]) == 2
    assert extract.apply({"json": "/n"}, body=body, headers=[]) is None
    assert extract.apply({"json": "/nope"}, body=body, headers=[]) is extract.MISSING
    assert extract.apply({"json": "/data/list/01"}, body=body, headers=[]) is extract.MISSING
    assert extract.apply({"select": ".nope"}, body=PAGE, headers=[]) is extract.MISSING


def test_json_extractor_on_html_is_a_mapping_error():
    with pytest.raises(extract.ExtractError, match="not JSON.*text/html"):
        extract.apply({"json": "/user"}, body=PAGE, headers=[("Content-Type", "text/html; charset=utf-8")])


@pytest.mark.parametrize("spec,why", [
    ({"json": "user"}, "RFC 6901"), ({"regex": "("}, "does not compile"), ({"select": "a[["}, "CSS selector"),
    ({"json": "/a", "regex": "x"}, "exactly one"), ({"input": "a", "attr": "b"}, "attr goes with select"),
    ({"contains": "other"}, "contains"), ("json", "mapping"),
])
def test_bad_extractors_are_refused(spec, why):
    assert why in (extract.validate(spec) or "")


def test_forms_and_identity_matching():
    (f,) = extract.forms(PAGE.decode())
    assert f.method == "POST" and f.hidden == [("csrf_token", "tok-input")]
    assert f.names() == ["csrf_token", "title", "body", "s"] and f.inputs[-1][2] == "b"
    assert extract.names_user("Hello, alice!", "alice")
    assert not extract.names_user("alice2", "alice") and not extract.names_user("malice", "alice")


def test_generic_tamper_of_a_cookie_that_is_not_itsdangerous():
    sid = "f3a9c2d4e5b6a7980112233445566778"
    for v in (generators.replace_segment(sid, -2, "X"), generators.flip_bit(sid, 5),
              generators.flip_bit(sid, -1, segment=0)):
        assert v != sid and len(v) == len(sid)
    assert generators.replace_segment(sid, 0, "abc") == "abc"
    assert not generators.is_signed(sid)
    assert generators.is_signed("eyJhIjoxfQ.ZW1p.c2lnbmF0dXJl")


# ---------------------------------------------------------------------------------------------- a real-shaped app

def make_app(csrf: bool, limit: bool):
    from flask import Flask, abort, flash, jsonify, redirect, render_template_string, request, url_for
    from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
    from flask_wtf import FlaskForm
    from flask_wtf.csrf import CSRFProtect
    from wtforms import PasswordField, StringField
    from werkzeug.security import check_password_hash, generate_password_hash

    app = Flask("mapped_fixture")
    app.config.update(SECRET_KEY="fixture-" + ("secure" if csrf else "insecure") + "-key-0123456789",
                      WTF_CSRF_ENABLED=csrf, WTF_CSRF_SSL_STRICT=False)
    if limit:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    if csrf:
        CSRFProtect(app)
    lm = LoginManager(app)
    lm.login_view = "login"
    users = {"alice": generate_password_hash("a-pass"), "bob": generate_password_hash("b-pass")}
    notes: dict[str, list[str]] = {"alice": [], "bob": []}
    lock = threading.Lock()

    class User(UserMixin):
        def __init__(self, name):
            self.id = name

    @lm.user_loader
    def load(uid):
        return User(uid) if uid in users else None

    @lm.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return jsonify(error="authentication required"), 401
        return redirect(url_for("login", next=request.path))

    class LoginForm(FlaskForm):
        login_name = StringField()
        secret = PasswordField()

    class NoteForm(FlaskForm):
        title = StringField()
        body = StringField()

    base = """<!doctype html><html><body><nav>{% if current_user.is_authenticated %}Logged in as
      <b class="who">{{ current_user.id }}</b> <a href="/notes/new">New note</a>{% else %}<a href="/auth/login">Log
      in</a>{% endif %} <form action="/find"><input name="term"><button>Search</button></form></nav>
      {% for m in get_flashed_messages() %}<p class=flash>{{ m }}</p>{% endfor %}{% block c %}{% endblock %}
      </body></html>"""

    def render(body, **kw):
        return render_template_string(base.replace("{% block c %}{% endblock %}", body), **kw)

    @app.route("/")
    def index():
        mine = notes.get(current_user.id, []) if current_user.is_authenticated else []
        return render("<ul>{% for n in mine %}<li>{{ n }}</li>{% endfor %}</ul>", mine=mine)

    @app.route("/auth/login", methods=["GET", "POST"])
    def login():
        form = LoginForm()
        if form.validate_on_submit():
            name = form.login_name.data
            if name in users and check_password_hash(users[name], form.secret.data or ""):
                login_user(User(name))
                return redirect(url_for("index"))
            flash("Invalid username or password")
        return render("""<form method=post>{{ form.hidden_tag() }}{{ form.login_name() }}{{ form.secret() }}
                      <button>Log in</button></form>""", form=form)

    @app.route("/notes/new", methods=["GET", "POST"])
    @login_required
    def new_note():
        form = NoteForm()
        if form.validate_on_submit():
            with lock:
                notes[current_user.id].append(form.title.data or "")
            return redirect(url_for("index"))
        return render("<form method=post>{{ form.hidden_tag() }}{{ form.title() }}{{ form.body() }}</form>", form=form)

    @app.route("/find")
    def find():
        return render("<p>Results for <em>{{ term }}</em></p>", term=request.args.get("term", ""))

    @app.route("/api/me")
    @login_required
    def me():
        return jsonify(username=current_user.id)

    @app.route("/feedback", methods=["POST"])
    def feedback():
        request.form  # parsed (and limited) like any form
        if csrf:
            abort(400)
        return redirect(url_for("index"))

    return app


@pytest.fixture(scope="module")
def apps():
    from werkzeug.serving import make_server
    servers, urls = [], {}
    for name, csrf, limit in (("secure", True, True), ("insecure", False, False)):
        srv = make_server("127.0.0.1", 0, make_app(csrf, limit), threaded=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        urls[name] = f"http://127.0.0.1:{srv.server_port}"
    yield urls
    for s in servers:
        s.shutdown()


PROFILE = """
name: {name}
base_url: {url}
roles:
  page: /
  login:
    path: /auth/login
    fields: {{username: login_name, password: secret}}
    success: {{redirect: "^/$"}}
  whoami: {whoami}
{csrf_role}
  state_change: {{path: /notes/new, method: POST, param: title, fields: {{body: from the run}}}}
  state_probe: {state_probe}
  reflect_text: {{path: /find, param: {param}}}
  form_echo: {{path: /feedback, method: POST}}
users:
  - {{username: alice, password: {pw}}}
  - {{username: bob, password: b-pass}}
"""

CSRF_ROLE = "  csrf_token: {path: /notes/new, extract: {input: csrf_token}}"
GOOD = dict(whoami="{path: /, extract: {select: nav .who}}", state_probe="{path: /, extract: {contains: value}}",
            param="term", pw="a-pass")


def profile_for(tmp_path, apps, which, **over):
    kw = {**GOOD, "csrf_role": CSRF_ROLE if which == "secure" else "", **over}
    p = tmp_path / f"{which}.yaml"
    p.write_text(PROFILE.format(name=which, url=apps[which], **kw))
    return load_profile(p)


def run_ids(target, *ids):
    scs = [s for s in load_dir(SCENARIOS) if s.id in ids]
    assert len(scs) == len(ids)
    return {r.scenario.id: r for r in runner.run_target(target, scs, runner.Options(concurrency=2))}


def test_html_login_with_hidden_csrf_input_and_redirect(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure")
    r = run_ids(t, "session.control.captured", "cookies.session.flags")
    assert r["session.control.captured"].status == "pass", r["session.control.captured"].steps[0].checks
    # the login POST's cookie is audited (no Secure over plain HTTP is still a finding the audit names)
    assert r["cookies.session.flags"].status in ("pass", "fail")
    assert r["cookies.session.flags"].steps[0].request["login"] == "user1"


def test_failed_login_is_an_error_that_names_what_it_saw(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure", pw="wrong")
    r = run_ids(t, "session.control.captured")["session.control.captured"]
    assert r.status == "error" and "login as alice failed" in r.reason
    assert "login form shown again" in r.reason


def test_login_without_the_form_page_names_the_csrf_cause(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure")
    t.roles["login"].form_page = None
    t.roles["login"].mapped = False  # posts straight away, as for the JSON shape of ROLES.md §2
    del t.roles["csrf_token"]
    r = run_ids(t, "session.control.captured")["session.control.captured"]
    assert r.status == "error" and "CSRF" in r.reason


def test_identity_in_html_and_anonymous_redirect(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure", whoami="{path: /api/me, extract: {json: /username}}")
    r = run_ids(t, "session.tamper.bit-flip", "session.control.captured")
    assert r["session.control.captured"].status == "pass"
    assert r["session.tamper.bit-flip"].status == "pass", r["session.tamper.bit-flip"].reason
    msg = r["session.tamper.bit-flip"].steps[0].checks[0].message
    assert "anonymous: answered 401" in msg and "control:" in msg


def test_mis_mapped_whoami_gives_error_never_pass(tmp_path, apps):
    # a selector that never matches would make every tampered cookie look anonymous: the control catches it
    t = profile_for(tmp_path, apps, "secure", whoami="{path: /, extract: {select: nav .nobody}}")
    r = run_ids(t, "session.tamper.bit-flip", "session.unsigned")
    for sid, res in r.items():
        assert res.status == "error", (sid, res.status)
        assert res.error_kind == "mapping" and "role whoami does not behave as mapped" in res.reason


def test_csrf_verdicts_rest_on_the_state_with_a_positive_control(tmp_path, apps):
    sec = run_ids(profile_for(tmp_path, apps, "secure"), "csrf.no-token", "csrf.positive.field-token",
                  "csrf.tampered-token")
    assert {k: v.status for k, v in sec.items()} == {"csrf.no-token": "pass", "csrf.positive.field-token": "pass",
                                                     "csrf.tampered-token": "pass"}
    assert "control: a valid request with a token changes the state" in sec["csrf.no-token"].steps[0].checks[-1].message
    ins = run_ids(profile_for(tmp_path, apps, "insecure"), "csrf.no-token", "csrf.no-token-same-origin")
    assert ins["csrf.no-token"].status == "fail"
    assert "the state changed" in ins["csrf.no-token"].summary_line()


def test_mis_mapped_state_probe_gives_error_never_pass(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure", state_probe="{path: /find, extract: {contains: value}}")
    r = run_ids(t, "csrf.no-token")["csrf.no-token"]
    assert r.status == "error" and r.error_kind == "mapping"
    assert "role state_change does not behave as mapped" in r.reason


def test_reflection_guard(tmp_path, apps):
    ok = run_ids(profile_for(tmp_path, apps, "secure"), "escaping.text.script-tag")["escaping.text.script-tag"]
    assert ok.status == "pass"
    bad = run_ids(profile_for(tmp_path, apps, "secure", param="q"), "escaping.text.script-tag",
                  "escaping.text.img-onerror")
    for res in bad.values():
        assert res.status == "error" and "does not come back" in res.reason


def test_limit_verdicts_without_an_echo_endpoint(tmp_path, apps):
    sec = run_ids(profile_for(tmp_path, apps, "secure"), "limits.some-limit-exists")["limits.some-limit-exists"]
    assert sec.status == "pass", sec.summary_line()
    ins = run_ids(profile_for(tmp_path, apps, "insecure"), "limits.some-limit-exists")["limits.some-limit-exists"]
    assert ins.status == "fail" and "reached the application" in ins.summary_line()
    t = profile_for(tmp_path, apps, "insecure")
    t.roles["form_echo"].path = "/nowhere"
    mis = run_ids(t, "limits.some-limit-exists")["limits.some-limit-exists"]
    assert mis.status == "error" and "does not behave as mapped" in mis.reason


def test_every_cookie_of_the_run_is_audited(tmp_path, apps):
    t = profile_for(tmp_path, apps, "insecure")
    scs = [s for s in load_dir(SCENARIOS) if s.id in ("session.control.captured", "cookies.seen.flags")]
    res = {r.scenario.id: r for r in runner.run_target(t, scs, runner.Options())}
    seen = res["cookies.seen.flags"]
    audited = seen.steps[0].checks[0].details["audited"] + seen.steps[0].checks[0].details.get("failed", [])
    assert any(a["cookie"] == "session" and a["set_by"].startswith("POST /auth/login") or
               a["cookie"] == "session" for a in audited)


def test_exit_codes_and_summary_tell_findings_from_mapping_errors(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure", whoami="{path: /, extract: {select: nav .nobody}}")
    res = {"secure": list(run_ids(t, "session.unsigned").values())}
    assert cli.exit_code(res, "info") == cli.EXIT_ERRORS
    assert "1 mapping errors" in cli.summary(res, "info")
    ins = {"insecure": list(run_ids(profile_for(tmp_path, apps, "insecure"), "csrf.no-token").values())}
    assert cli.exit_code(ins, "info") == cli.EXIT_FAIL and cli.exit_code(ins, "high") == cli.EXIT_FAIL
    assert "1 findings" in cli.summary(ins, "info")


def test_profile_mapping_errors_point_at_the_field(tmp_path):
    from websec_conform.yamlsrc import LoadError
    for bad, where in (("whoami: {path: /}", "whoami needs extract"), ("csrf_token: {path: /x}", "csrf_token needs"),
                       ("reflect_text: {path: /x, extract: {contains: value}}", "state_probe only"),
                       ("login: {path: /l, fields: {user: u}}", "username and password"),
                       ("page: {path: x}", "absolute path"), ("page: {path: /, bogus: 1}", "unknown field")):
        p = tmp_path / "p.yaml"
        p.write_text(f"base_url: http://127.0.0.1:1\nroles:\n  {bad}\n")
        with pytest.raises(LoadError, match=where):
            load_profile(p)


def test_profile_extends_a_discovered_profile(tmp_path):
    from websec_conform.yamlsrc import LoadError
    (tmp_path / "found.yaml").write_text("name: found\nbase_url: https://127.0.0.1:9\nroles:\n  page: /\n"
                                         "  reflect_text: {path: /search, param: term}\n  static: /s.css\n"
                                         "session: {cookie_name: sid}\n")
    (tmp_path / "mine.yaml").write_text("extends: found.yaml\nname: mine\nroles:\n  reflect_text: {fields: {a: b}}\n"
                                        "  static: null\nsession: {secret_key: k}\n")
    t = load_profile(tmp_path / "mine.yaml")
    assert t.name == "mine" and "static" not in t.roles
    assert t.roles["reflect_text"].param == "term" and t.roles["reflect_text"].fields == {"a": "b"}
    assert t.session["cookie_name"] == "sid" and t.session["secret_key"] == "k"
    (tmp_path / "broken.yaml").write_text("base_url: https://127.0.0.1:9\nroles:\n  page: nope\n")
    (tmp_path / "over.yaml").write_text("extends: broken.yaml\n")
    with pytest.raises(LoadError, match="broken.yaml"):
        load_profile(tmp_path / "over.yaml")


def test_server_side_session_ids_get_the_tamper_scenarios(tmp_path):
    """A session cookie that is not an itsdangerous value (a server-side id): the tamper scenarios judge it
    (edited-timestamp used to crash in replace_segment), the signature-specific ones are skipped with the reason."""
    import secrets as _s
    from flask import Flask, jsonify, make_response, request
    from werkzeug.serving import make_server
    app = Flask("server_side_sessions")
    store: dict[str, str] = {}

    @app.post("/login")
    def login():
        if request.form.get("username") in ("alice", "bob") and request.form.get("password") == "pw":
            sid = _s.token_hex(16)
            store[sid] = request.form["username"]
            resp = make_response(jsonify(ok=True))
            resp.set_cookie("sid", sid, httponly=True, samesite="Lax")
            return resp
        return jsonify(ok=False), 401

    @app.get("/me")
    def me():
        return jsonify(user=store.get(request.cookies.get("sid", "")))

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        p = tmp_path / "p.yaml"
        p.write_text(f"base_url: http://127.0.0.1:{srv.server_port}\nroles:\n  login: /login\n"
                     f"  whoami: {{path: /me, extract: {{json: /user}}}}\n"
                     "users: [{username: alice, password: pw}, {username: bob, password: pw}]\n"
                     "session: {cookie_name: sid}\n")
        r = run_ids(load_profile(p), "session.tamper.edited-timestamp", "session.tamper.generic",
                    "session.tamper.bit-flip", "session.tamper.edited-payload", "session.tamper.payload-swap",
                    "session.unsigned")
    finally:
        srv.shutdown()
    for sid in ("session.tamper.edited-timestamp", "session.tamper.generic", "session.tamper.bit-flip",
                "session.tamper.edited-payload"):
        assert r[sid].status == "pass", (sid, r[sid].reason, r[sid].summary_line())
    for sid in ("session.tamper.payload-swap", "session.unsigned"):
        assert r[sid].status == "skip" and "not an itsdangerous value" in r[sid].reason


def test_a_mapped_form_field_that_does_not_exist_is_a_mapping_error(tmp_path, apps):
    t = profile_for(tmp_path, apps, "secure")
    t.roles["state_change"].form_page = "/notes/new"
    t.roles["state_change"].param = "headline"  # the form's field is "title"
    r = run_ids(t, "csrf.no-token")["csrf.no-token"]
    assert r.status == "error" and r.error_kind == "mapping"
    assert "has no field 'headline'" in r.reason and "title" in r.reason


@pytest.mark.filterwarnings("ignore:The 'session' cookie is too large")  # werkzeug's own warning, the point here
def test_session_cookie_size_is_judged_on_the_session_cookie_alone(tmp_path):
    """A 9,000-byte session cookie fails cookies.session.size even when the response sets another, small cookie
    (the check used to pass when any Set-Cookie line matched)."""
    from flask import Flask, make_response, request
    from werkzeug.serving import make_server
    app = Flask("big_cookie")

    @app.post("/login")
    def login():
        resp = make_response("ok")
        resp.set_cookie("theme", "light", secure=True, httponly=True, samesite="Lax")
        resp.set_cookie("session", "x" * 9000 if request.form.get("username") == "alice" else "small",
                        secure=True, httponly=True, samesite="Lax")
        return resp

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        p = tmp_path / "p.yaml"
        p.write_text(f"base_url: http://127.0.0.1:{srv.server_port}\nroles: {{login: /login}}\n"
                     "users: [{username: alice, password: pw}, {username: bob, password: pw}]\n")
        big = run_ids(load_profile(p), "cookies.session.size")["cookies.session.size"]
        p.write_text(p.read_text().replace("{username: alice, password: pw}, {username: bob, password: pw}",
                                           "{username: bob, password: pw}"))
        small = run_ids(load_profile(p), "cookies.session.size")["cookies.session.size"]
    finally:
        srv.shutdown()
    assert big.status == "fail" and "session is 9008 bytes" in big.summary_line() and "over 4093" in \
        big.summary_line(), big.summary_line()
    assert small.status == "pass"


def test_target_without_profile_discovers_one_first(tmp_path, apps, capsys):
    """`--target URL` without `--profile`: discovery writes the profile, then the run uses it (one command)."""
    out = tmp_path / "rep"
    code = cli.main(["run", "--target", apps["insecure"], "--user", "alice", "--password", "a-pass",
                     "--user", "bob", "--password", "b-pass", "--only", "csrf.no-token", "--only", "escaping.text.*",
                     "--report-dir", str(out), "-q"])
    err = capsys.readouterr().err
    assert (out / "discovered-profile.yaml").exists(), err
    assert "discovery:" in err and "roles found" in err
    assert code == cli.EXIT_FAIL  # the insecure app has no CSRF protection: a finding, not an error
    import json as _j
    rep = _j.loads((out / "report.json").read_text())
    (res,) = rep["targets"].values()
    by = {r["id"]: r["status"] for r in res["results"]}
    assert by["csrf.no-token"] == "fail"
