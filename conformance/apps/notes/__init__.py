"""notes — a small Flask application (notes, profiles, attachments) built the way the Flask tutorial, Flask-WTF,
Flask-Login and Flask-Talisman documentation teach, as a target of the conformance suite.

``create_app("secure")`` follows Flask's "Security Considerations"; ``create_app("insecure")`` is the same code
with the deviations listed in ``notes.insecure.PLANTED`` (and README.md). The WSGI entry points are
``notes.secure:app`` and ``notes.insecure:app``::

    gunicorn --chdir conformance/apps --workers 1 --threads 8 --worker-class gthread \\
        --certfile cert.pem --keyfile key.pem notes.secure:app

Environment: ``NOTES_SECRET_KEY`` (secure variant's key, default ``config.DEFAULT_SECRET_KEY``),
``NOTES_TRUSTED_HOSTS`` (comma-separated, default ``127.0.0.1,localhost``), ``NOTES_BEHIND_PROXY=1`` (trust one
proxy's X-Forwarded-For/-Proto/-Host through werkzeug's ProxyFix).

State lives in memory (``store.Store``), one store per application object: run one worker process.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Request, request
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import csrf, login_manager
from .store import Store

VARIANTS = {"secure": config.secure_config, "insecure": config.insecure_config}


def create_app(variant: str = "secure", test_config: dict | None = None) -> Flask:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} (secure, insecure)")
    app = Flask(__name__)
    app.config.from_mapping(VARIANTS[variant]())
    app.config["NOTES_VARIANT"] = variant
    if test_config:
        app.config.from_mapping(test_config)

    overrides = app.config["NOTES_TEMPLATE_OVERRIDES"]
    if overrides:  # before anything creates the Jinja environment
        app.jinja_loader = ChoiceLoader([FileSystemLoader(str(Path(app.root_path) / overrides)), app.jinja_loader])

    hosts = app.config["NOTES_TRUSTED_HOSTS"]
    limits = {k: app.config[c] for k, c in (("max_form_memory_size", "MAX_FORM_MEMORY_SIZE"),
                                            ("max_form_parts", "MAX_FORM_PARTS")) if app.config.get(c)}
    if hosts or limits:
        app.request_class = type("NotesRequest", (Request,), {**({"trusted_hosts": list(hosts)} if hosts else {}),
                                                             **limits})
    if hosts:

        @app.before_request
        def reject_untrusted_host():
            # werkzeug checks trusted_hosts when the host is read; read it first, so that every request with a
            # foreign Host header is answered 400 before a view can build a URL from it
            request.host  # noqa: B018 (raises SecurityError, a 400)

    if app.config["NOTES_BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    app.extensions["notes_store"] = Store.with_demo_users()
    login_manager.init_app(app)
    if app.config["WTF_CSRF_ENABLED"]:
        csrf.init_app(app)
    if app.config["NOTES_SECURITY_HEADERS"]:
        from flask_talisman import Talisman
        app.extensions["talisman"] = Talisman(
            app,
            content_security_policy=config.CONTENT_SECURITY_POLICY,
            frame_options="SAMEORIGIN",
            referrer_policy="strict-origin-when-cross-origin",
            session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
            session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
            x_content_type_options=True,
            x_xss_protection=False,  # ignored by current browsers, and exploitable where it was not
        )

    from . import account, api, attachments, auth, errors, notes
    for module in (auth, notes, account, attachments, api):
        app.register_blueprint(module.bp)
    errors.register(app)
    return app
