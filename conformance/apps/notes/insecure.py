"""WSGI entry point of the negative control: the notes application with known deviations from Flask's
"Security Considerations" (``gunicorn --chdir conformance/apps notes.insecure:app``).

``PLANTED`` is the one list of what this variant does wrong, each with the URL where it shows. The settings are
in ``notes/config.py`` (``insecure_config``, lines marked ``# planted: <id>``), the templates in
``notes/templates_insecure/``. conformance/apps/notes/README.md has the same table;
conformance/tests/test_notes_app.py checks each deviation is present here and absent from ``notes.secure``.
"""
from . import create_app

PLANTED = {
    "no-csrf":
        "No CSRF protection at all (WTF_CSRF_ENABLED = False, no CSRFProtect): every POST form accepts a request "
        "without a token — /auth/login, /auth/logout, /notes/new, /settings, /attachments, /reset-password.",
    "weak-secret-key":
        "SECRET_KEY = 'dev' (the tutorial's placeholder): the session cookie set by POST /auth/login can be "
        "verified and forged with it.",
    "session-cookie-flags":
        "The session cookie keeps Flask's defaults: no Secure, no SameSite (Set-Cookie of POST /auth/login, and "
        "of any page that first stores something in the session).",
    "session-lifetime":
        "PERMANENT_SESSION_LIFETIME left at Flask's 31 days (the login makes the session permanent): the session "
        "cookie of POST /auth/login expires in a month.",
    "remember-cookie":
        "The remember-me cookie set by POST /auth/login with remember_me=y has no Secure, no HttpOnly, no "
        "SameSite, and lasts 365 days.",
    "no-max-content-length":
        "No MAX_CONTENT_LENGTH: a body of any size is parsed (POST /auth/login, /attachments, ... never answer "
        "413).",
    "no-security-headers":
        "No Flask-Talisman: no Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, "
        "X-Frame-Options or Referrer-Policy on any response (/, /static/style.css, 302s, 404s, ...).",
    "search-term-safe":
        "GET /search?term=... renders the term with |safe: 'Results for <em>{{ term|safe }}</em>' (reflected "
        "XSS).",
    "search-control-characters":
        "GET /search?term=... reflects control characters (\\b, ESC, ...) as sent.",
    "note-control-characters":
        "POST /notes/new keeps control characters in the title and body; / shows them (text users copy into a "
        "terminal).",
    "display-name-unquoted-attribute":
        "GET /settings renders the display name in an unquoted attribute, value={{ form.display_name.data }}: "
        "a space in the name starts a new attribute (stored via POST /settings).",
    "website-javascript-no-csp":
        "POST /settings accepts any website (javascript:, data:, vbscript:), and GET /u/<username> renders it as "
        "<a href=\"{{ website }}\"> with no Content-Security-Policy to stop it.",
    "tojson-double-quoted-attribute":
        "GET /u/<username> puts the profile's |tojson in a double-quoted attribute, data-profile=\"...\": tojson "
        "does not escape '\"', so the JSON (and a display name) breaks out of the attribute.",
    "upload-served-inline":
        "GET /attachments/<id> serves an upload inline with the type guessed from its name (text/html for .html, "
        "image/svg+xml for .svg) and no nosniff.",
    "reset-link-host-header":
        "POST /reset-password builds the mailed link with url_for(_external=True) from whatever Host header came "
        "(no trusted hosts) and shows it on the confirmation page (a debug leftover): Host: evil.example gives "
        "https://evil.example/reset-password/<token>.",
}

app = create_app("insecure")
