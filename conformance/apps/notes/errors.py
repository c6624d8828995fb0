"""Error pages rendered from templates (no traceback, no request data reflected)."""
from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError


def register(app) -> None:
    @app.errorhandler(404)
    def not_found(e):
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def internal_error(e):
        return render_template("errors/500.html"), 500

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        # Flask-WTF's documented handler: the reason ("The CSRF token is missing.") and a 400
        return render_template("errors/csrf.html", reason=e.description), 400
