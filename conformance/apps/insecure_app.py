"""insecure_app — the negative control: every role of ``conformance/ROLES.md``, each promise broken in a known way.

The conformance suite must fail exactly the scenarios listed in ``conformance/expectations/insecure_app.yaml``
against this app; a scenario that passes here although its promise is broken means the scenario is blind.

How it breaks the doc (each line is one known defect):
* no limits at all: no ``MAX_CONTENT_LENGTH``, ``max_form_memory_size``/``max_form_parts`` = None;
* no security headers (no HSTS, CSP, nosniff, X-Frame-Options);
* ``SECRET_KEY = "dev"`` (the tutorial's key), Flask's default cookie flags (no Secure, no SameSite), the default
  31-day lifetime, and a session interface that never checks the signature's age (expired and future-dated
  cookies are accepted);
* no CSRF protection;
* reflection without escaping (text, attribute), an unquoted attribute, ``javascript:`` links with no CSP,
  ``"…{{ q|safe }}"`` in a script, a 404 page that reflects the path, a 500 page that shows the traceback;
* uploads served inline with the type guessed from the file name, no nosniff;
* comments stored and rendered raw (no escaping, no control-character filter).
"""
from __future__ import annotations

import collections
import io
import mimetypes
import secrets
import threading
import traceback

from flask import Flask, Request, abort, jsonify, redirect, render_template_string, request, send_file, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

USERS = {"alice": "alice-password", "bob": "bob-password"}


class UnlimitedRequest(Request):
    max_form_memory_size = None
    max_form_parts = None


class AgelessSessionInterface(SecureCookieSessionInterface):
    """Defect: loads the cookie without max_age, so expired and future-dated signatures are accepted."""

    def open_session(self, app, request):
        s = self.get_signing_serializer(app)
        if s is None:
            return None
        val = request.cookies.get(self.get_cookie_name(app))
        if not val:
            return self.session_class()
        try:
            return self.session_class(s.loads(val))
        except BadSignature:
            return self.session_class()


app = Flask(__name__, static_folder="static")
app.request_class = UnlimitedRequest
app.session_interface = AgelessSessionInterface()
app.config.update(SECRET_KEY="dev")

_lock = threading.Lock()
_state: dict[str, str] = {}
_comments: collections.deque = collections.deque(maxlen=100)
_files: dict[str, tuple[str, bytes]] = {}


def page(title: str, body: str) -> str:
    return f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'


@app.errorhandler(404)
def not_found(e):
    return page("not found", f"<p>No page at {request.path}</p>"), 404  # defect: reflects the path raw


@app.errorhandler(500)
def internal(e):
    orig = getattr(e, "original_exception", e)
    tb = "".join(traceback.format_exception(type(orig), orig, orig.__traceback__))
    return page("error", f"<h1>Internal error</h1><pre>Traceback (most recent call last):\n{tb}</pre>"), 500


@app.route("/")
def index():
    resp = app.make_response(page("websec insecure_app", "<h1>insecure_app</h1>"))
    resp.set_cookie("theme", "light")  # defect: no Secure, HttpOnly or SameSite
    return resp


@app.route("/error")
def server_error():
    raise RuntimeError("deliberate error for the server_error role")


@app.route("/redirect")
def redirect_role():
    return redirect("/", 302)


@app.route("/json", methods=["POST"])
def json_echo():
    return jsonify(json=request.get_json(force=True))


@app.route("/form", methods=["POST"])
def form_echo():
    fields = [{"name": k, "size": len(v.encode("utf-8"))} for k, v in request.form.items(multi=True)]
    files = [{"name": k, "filename": f.filename or "", "size": len(f.read())} for k, f in request.files.items(multi=True)]
    return jsonify(parts=len(fields) + len(files), fields=fields, files=files)


@app.route("/reflect/text")
def reflect_text():
    return page("text", f'<p id="out">{request.args.get("q", "")}</p>')


@app.route("/reflect/attr")
def reflect_attr():
    q = request.args.get("q", "")
    return page("attr", f"""<input id="out" value="{q}"><span title='{q}'>x</span>""")


@app.route("/reflect/unquoted")
def reflect_unquoted():
    return page("attr", render_template_string("<input id=out value={{ q }}>", q=request.args.get("q", "")))


@app.route("/reflect/link")
def reflect_link():
    return page("link", render_template_string('<a id="out" href="{{ url }}">link</a>', url=request.args.get("url", "")))


@app.route("/reflect/script")
def reflect_script():
    return page("script", render_template_string('<script>var out = "{{ q|safe }}";</script>', q=request.args.get("q", "")))


@app.route("/login", methods=["POST"])
def login():
    u, p = request.form.get("username", ""), request.form.get("password", "")
    if USERS.get(u) != p:
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
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_hex(20)
    return jsonify(csrf_token=session["csrf_token"])  # issued, never checked


@app.route("/state", methods=["GET", "POST"])
def state():
    user = session.get("user")
    if not user:
        return jsonify(error="login required"), 401
    value = request.values.get("value")
    if value is None and request.method == "POST" and request.data:
        try:
            value = (request.get_json(force=True, silent=True) or {}).get("value")
        except AttributeError:
            value = None
    if value is not None:  # defect: no CSRF check, and GET changes state too
        with _lock:
            _state[user] = str(value)[:200]
    with _lock:
        return jsonify(value=_state.get(user))


@app.route("/comments", methods=["GET", "POST"])
def comments():
    if request.method == "POST":
        with _lock:
            _comments.appendleft(request.form.get("text", "")[:2000])
        return redirect("/comments", 303)
    with _lock:
        items = "".join(f'<li class="comment">{c}</li>' for c in _comments)
    return page("comments", f'<ul id="comments">{items}</ul>')


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
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=False, download_name=name)

