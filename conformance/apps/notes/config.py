"""Configuration of the two variants of the notes application.

``secure_config()`` follows Flask's "Security Considerations" and the Flask-WTF, Flask-Login and Flask-Talisman
documentation. ``insecure_config()`` is the same application as a tutorial-grade deployment leaves it; each line
that differs carries the id of its deviation in ``notes.insecure.PLANTED`` (``# planted: <id>``).

Keys starting with ``NOTES_`` are this application's own switches:

- ``NOTES_TRUSTED_HOSTS``: hosts the app answers for (werkzeug ``Request.trusted_hosts``); None: any host
- ``NOTES_SECURITY_HEADERS``: Flask-Talisman (HSTS, CSP, nosniff, X-Frame-Options, Referrer-Policy)
- ``NOTES_STRIP_CONTROLS``: remove C0 control characters (except tab and newline) and DEL from user text
- ``NOTES_CHECK_WEBSITE_SCHEME``: the profile form accepts only http:// and https:// websites
- ``NOTES_DOWNLOADS_AS_ATTACHMENT``: attachments are downloaded (octet-stream, attachment), not shown inline
- ``NOTES_SHOW_RESET_LINK``: the reset-password confirmation page shows the link it mailed (a debug aid)
- ``NOTES_TEMPLATE_OVERRIDES``: a template folder searched before ``templates/`` (None: none)
- ``NOTES_BEHIND_PROXY``: trust one proxy's X-Forwarded-For/-Proto/-Host (ProxyFix); env NOTES_BEHIND_PROXY=1
"""
from __future__ import annotations

import os
from datetime import timedelta
from typing import Mapping

#: SECRET_KEY of the secure variant unless NOTES_SECRET_KEY is set. A fixed value so that the conformance
#: profile (conformance/profiles/notes-secure.yaml) can name it for the white-box scenarios; a real deployment
#: sets NOTES_SECRET_KEY to the output of ``python3 -c 'import secrets; print(secrets.token_hex())'``.
DEFAULT_SECRET_KEY = "notes-conformance-8c1f4e2a9b7d3c5e6f0a1b2c3d4e5f60718293a4b5c6d7e8"

DEFAULT_TRUSTED_HOSTS = "127.0.0.1,localhost"

#: the policy of ROLES.md §3, plus base-uri and frame-ancestors
CONTENT_SECURITY_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"


def secure_config(environ: Mapping[str, str] = os.environ) -> dict:
    hosts = [h.strip() for h in environ.get("NOTES_TRUSTED_HOSTS", DEFAULT_TRUSTED_HOSTS).split(",") if h.strip()]
    return {
        "SECRET_KEY": environ.get("NOTES_SECRET_KEY", DEFAULT_SECRET_KEY),
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=1),
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=7),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Flask 3.1's keys with the doc's values; Flask 2.2 (Debian 12) has no such keys, so create_app sets them
        # on the request class, as werkzeug 2.2 reads them
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1000,
        "WTF_CSRF_ENABLED": True,  # CSRFProtect; WTF_CSRF_SSL_STRICT keeps its default (True)
        "NOTES_TRUSTED_HOSTS": hosts,
        "NOTES_SECURITY_HEADERS": True,
        "NOTES_STRIP_CONTROLS": True,
        "NOTES_CHECK_WEBSITE_SCHEME": True,
        "NOTES_DOWNLOADS_AS_ATTACHMENT": True,
        "NOTES_SHOW_RESET_LINK": False,
        "NOTES_TEMPLATE_OVERRIDES": None,
        "NOTES_BEHIND_PROXY": environ.get("NOTES_BEHIND_PROXY") == "1",
    }


def insecure_config(environ: Mapping[str, str] = os.environ) -> dict:
    return {
        "SECRET_KEY": "dev",                       # planted: weak-secret-key
        # Flask's defaults for the session cookie (HttpOnly, no Secure, no SameSite) and its 31-day lifetime
        "SESSION_COOKIE_SECURE": False,            # planted: session-cookie-flags
        "SESSION_COOKIE_SAMESITE": None,           # planted: session-cookie-flags
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),   # planted: session-lifetime
        "REMEMBER_COOKIE_SECURE": False,           # planted: remember-cookie
        "REMEMBER_COOKIE_HTTPONLY": False,         # planted: remember-cookie
        "REMEMBER_COOKIE_SAMESITE": None,          # planted: remember-cookie
        "REMEMBER_COOKIE_DURATION": timedelta(days=365),    # planted: remember-cookie (Flask-Login's default)
        "MAX_CONTENT_LENGTH": None,                # planted: no-max-content-length
        "WTF_CSRF_ENABLED": False,                 # planted: no-csrf
        "NOTES_TRUSTED_HOSTS": None,               # planted: reset-link-host-header
        "NOTES_SECURITY_HEADERS": False,           # planted: no-security-headers, website-javascript-no-csp
        "NOTES_STRIP_CONTROLS": False,             # planted: note-control-characters, search-control-characters
        "NOTES_CHECK_WEBSITE_SCHEME": False,       # planted: website-javascript-no-csp
        "NOTES_DOWNLOADS_AS_ATTACHMENT": False,    # planted: upload-served-inline
        "NOTES_SHOW_RESET_LINK": True,             # planted: reset-link-host-header
        # planted: search-term-safe, display-name-unquoted-attribute, tojson-double-quoted-attribute
        "NOTES_TEMPLATE_OVERRIDES": "templates_insecure",
        "NOTES_BEHIND_PROXY": environ.get("NOTES_BEHIND_PROXY") == "1",
    }
