"""secure_app — a Flask app configured as Flask's "Security Considerations" documentation recommends.

It implements every role of ``conformance/ROLES.md`` on Debian's Flask 2.2 / Werkzeug 2.2 stack, following the
doc as closely as that stack allows:

* limits: ``MAX_CONTENT_LENGTH`` = 1 MiB; ``MAX_FORM_MEMORY_SIZE`` = 500 000 and ``MAX_FORM_PARTS`` = 1000 set in
  the config as the 3.x doc says — Flask 2.2 has no such keys, so they are applied through the Request class,
  the 2.2 way. Debian's werkzeug then answers **500** (not 413) for a field over the limit (docs/spec.md §1.7)
  and applies ``MAX_CONTENT_LENGTH`` only to form parsing with a Content-Length (§1.4): the conformance suite
  reports those as failures of this deployment (conformance/expectations/secure_app.yaml).
* headers: Flask-Talisman (HSTS, CSP ``default-src 'self'; object-src 'none'``, nosniff, SAMEORIGIN).
* session: ``Secure; HttpOnly; SameSite=Lax``, ``PERMANENT_SESSION_LIFETIME`` 1 hour, ``SECRET_KEY_FALLBACKS``
  (a 3.1 feature) through a session interface that verifies with the fallbacks and signs with the current key.
* CSRF: Flask-WTF's model (docs/spec.md §6) written with itsdangerous (Flask-WTF is not packaged in Debian).
* escaping: Jinja autoescape, quoted attributes, ``|tojson`` in scripts; ``javascript:`` links are left to CSP.
* uploads served as attachments; user text filtered with the doc's ``replace("\\b", "")``.

Run: ``gunicorn --workers 1 --threads 8 --worker-class gthread --certfile C --keyfile K secure_app:app``.
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import io
import os
import secrets
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Request, abort, jsonify, redirect, render_template_string, request, send_file, session
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

USERS = {"alice": "alice-password", "bob": "bob-password"}


class LimitedRequest(Request):
    """Flask 2.2 reads neither MAX_FORM_MEMORY_SIZE nor MAX_FORM_PARTS; werkzeug takes them from the class."""
    max_form_memory_size = 500_000
    max_form_parts = 1000


class RotatingSessionInterface(SecureCookieSessionInterface):
    """SECRET_KEY_FALLBACKS as Flask 3.1.1 does it: sign with SECRET_KEY, also accept the fallbacks."""

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = [*app.config.get("SECRET_KEY_FALLBACKS", []), app.secret_key]  # itsdangerous signs with the last
        return URLSafeTimedSerializer(keys, salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})


app = Flask(__name__, static_folder="static")
app.request_class = LimitedRequest
app.session_interface = RotatingSessionInterface()
app.config.update(
    SECRET_KEY="websec-conformance-key-1",
    SECRET_KEY_FALLBACKS=["websec-conformance-key-0"],
    MAX_CONTENT_LENGTH=1024 * 1024,
    MAX_FORM_MEMORY_SIZE=500_000,
    MAX_FORM_PARTS=1000,
    PERMANENT_SESSION_LIFETIME=timedelta(hours=1),
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
    WTF_CSRF_TIME_LIMIT=3600,
)
Talisman(app, strict_transport_security_max_age=31556926, session_cookie_samesite="Lax")

_lock = threading.Lock()
_state: dict[str, str] = {}
_comments: collections.deque = collections.deque(maxlen=100)
_files: dict[str, tuple[str, bytes]] = {}

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>{{ content }}</body></html>"""


def page(title: str, template: str, **ctx) -> str:
    body = render_template_string(template, **ctx)
    return render_template_string(PAGE, title=title, content=Markup(body))  # already rendered (autoescaped)


# ---------------------------------------------------------------------------------------------- CSRF (§6)

class CSRFError(Exception):
    pass


CSRF_EXEMPT = {"form_echo", "login", "json_echo"}


def _csrf_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")


def generate_csrf() -> str:
    if "csrf_token" not in session:
        session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
    return _csrf_serializer().dumps(session["csrf_token"])


def validate_csrf(data: str | None) -> None:
    if not data:
        raise CSRFError("The CSRF token is missing.")
    if "csrf_token" not in session:
        raise CSRFError("The CSRF session token is missing.")
    try:
        token = _csrf_serializer().loads(data, max_age=app.config["WTF_CSRF_TIME_LIMIT"])
    except SignatureExpired:
        raise CSRFError("The CSRF token has expired.") from None
    except BadData:
        raise CSRFError("The CSRF token is invalid.") from None
    if not isinstance(token, str) or not hmac.compare_digest(session["csrf_token"], token):
        raise CSRFError("The CSRF tokens do not match.")
    if request.is_secure:
        ref = request.headers.get("Referer")
        if not ref:
            raise CSRFError("The referrer header is missing.")
        good = urlsplit(f"https://{request.host}/")
        r = urlsplit(ref)
        if (r.scheme, r.hostname, r.port) != (good.scheme, good.hostname, good.port):
            raise CSRFError("The referrer does not match the host.")


@app.before_request
def csrf_protect():
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.endpoint in CSRF_EXEMPT:
        return None
    if request.endpoint is None:  # 404/405 follow
        return None
    token = None
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        token = request.form.get("csrf_token")
    token = token or request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except CSRFError as e:
        return jsonify(error=str(e)), 400
    return None


# ---------------------------------------------------------------------------------------------- pages

@app.route("/", methods=["GET"])
def index():
    resp = app.make_response(page("websec secure_app", "<h1>secure_app</h1><p>Flask, configured as the doc says.</p>"))
    resp.set_cookie("theme", "light", secure=True, httponly=True, samesite="Lax")
    return resp


@app.route("/error")
def server_error():
    raise RuntimeError("deliberate error for the server_error role")


@app.route("/redirect")
def redirect_role():
    return redirect("/", 302)


@app.route("/json", methods=["POST"])
def json_echo():
    return jsonify(json=request.get_json())


@app.route("/form", methods=["POST"])
def form_echo():
    form, files = request.form, request.files
    parts = ([{"name": k, "size": len(v.encode("utf-8"))} for k, v in form.items(multi=True)])
    fls = []
    for k, f in files.items(multi=True):
        fls.append({"name": k, "filename": f.filename or "", "size": len(f.read())})
    return jsonify(parts=len(parts) + len(fls), fields=parts, files=fls)


@app.route("/reflect/text")
def reflect_text():
    # the doc's copy/paste filter applies to any text the page shows, reflected or stored
    return page("text", '<p id="out">{{ q }}</p>', q=request.args.get("q", "").replace("\b", ""))


@app.route("/reflect/attr")
def reflect_attr():
    return page("attr", """<input id="out" value="{{ q }}"><span title='{{ q }}'>x</span>""", q=request.args.get("q", ""))


@app.route("/reflect/unquoted")
def reflect_unquoted():
    return page("attr", '<input id="out" value="{{ q }}">', q=request.args.get("q", ""))


@app.route("/reflect/link")
def reflect_link():
    return page("link", '<a id="out" href="{{ url }}">link</a>', url=request.args.get("url", ""))


@app.route("/reflect/script")
def reflect_script():
    return page("script", "<script>var out = {{ q|tojson }};</script>", q=request.args.get("q", ""))


# ---------------------------------------------------------------------------------------------- session

@app.route("/login", methods=["POST"])
def login():
    u, p = request.form.get("username", ""), request.form.get("password", "")
    if u not in USERS or not hmac.compare_digest(USERS[u], p):
        return jsonify(user=None), 401
    session.clear()
    session["user"] = u
    session.permanent = True
    return jsonify(user=u)


@app.route("/whoami")
def whoami():
    return jsonify(user=session.get("user"))


@app.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return jsonify(user=None)


@app.route("/csrf")
def csrf_token():
    return jsonify(csrf_token=generate_csrf())


@app.route("/state", methods=["GET", "POST"])
def state():
    user = session.get("user")
    if not user:
        return jsonify(error="login required"), 401
    if request.method == "POST":
        if request.mimetype != "application/x-www-form-urlencoded" or "value" not in request.form:
            return jsonify(error="a form with value is required"), 400
        with _lock:
            _state[user] = request.form["value"][:200]
    with _lock:
        return jsonify(value=_state.get(user))


# ---------------------------------------------------------------------------------------------- user text and files

@app.route("/comments", methods=["GET", "POST"])
def comments():
    if request.method == "POST":
        text = request.form.get("text", "")[:2000].replace("\b", "")  # the doc's filter
        with _lock:
            _comments.appendleft(text)
        return redirect("/comments", 303)
    with _lock:
        items = list(_comments)
    return page("comments", '<ul id="comments">{% for c in items %}<li class="comment">{{ c }}</li>{% endfor %}</ul>',
                items=items)


@app.route("/files", methods=["POST"])
def upload():
    f = request.files.get("file")
    if f is None:
        return jsonify(error="no file part named file"), 400
    fid = secrets.token_hex(8)
    with _lock:
        if len(_files) > 200:
            _files.pop(next(iter(_files)))
        _files[fid] = (f.filename or "upload.bin", f.read())
    return jsonify(id=fid, url=f"/files/{fid}"), 201


@app.route("/files/<fid>")
def download(fid):
    with _lock:
        item = _files.get(fid)
    if item is None:
        abort(404)
    name, data = item
    mimetype = "text/plain" if name.lower().endswith(".txt") else "application/octet-stream"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
