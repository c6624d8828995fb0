"""The Python stack as installed by Debian (the oracle): request parsing and time fixing.

run_request() follows harness/tests/vectors/gen_vectors.py (the generator of the committed vectors) so the
campaigns and the vectors ask werkzeug the same question.
"""
from __future__ import annotations

import contextlib
import datetime as _dt

import werkzeug.http
from werkzeug.exceptions import HTTPException
from wsgi_form import form_request


def run_request(body: bytes, content_type: str | None, *, content_length="auto", chunked=False,
                mcl=None, mfms=None, mfp=1000) -> tuple:
    """Parses a form the way Flask's request.form does. Returns a normalised outcome:
    ("ok", fields, files) with fields [(name, value)] and files [(name, filename, content_type, headers, data)];
    ("empty", reason) for werkzeug's silently swallowed ValueError; ("http", status); ("500", exception name)."""

    def make():
        return form_request(body, content_type, content_length=content_length, chunked=chunked, mcl=mcl,
                            mfms=mfms, mfp=mfp)

    r = make()
    try:
        fields = [(k, v) for k, v in r.form.items(multi=True)]
        files = []
        for k, fs in r.files.items(multi=True):
            files.append((k, fs.filename, fs.content_type, [(hk, hv) for hk, hv in fs.headers.items()], fs.read()))
        if not fields and not files:
            r2 = make()
            if r2.want_form_data_parsed:
                parser = r2.make_form_data_parser()
                parser.silent = False
                try:
                    parser.parse(r2._get_stream_for_parsing(), r2.mimetype, r2.content_length, r2.mimetype_params)
                except ValueError as ex:
                    return ("empty", f"{type(ex).__name__}: {ex}")
                except Exception:  # noqa: BLE001
                    pass
        return ("ok", fields, files)
    except HTTPException as ex:
        return ("http", ex.code)
    except Exception as ex:  # noqa: BLE001 - NameError/LookupError: Flask answers 500
        return ("500", f"{type(ex).__name__}: {ex}")


class _FixedMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _dt.datetime)

    def __getattr__(cls, name):
        return getattr(_dt.datetime, name)


class FixedDatetime(metaclass=_FixedMeta):
    """Stand-in for the `datetime` class inside a module: now() is fixed, everything else is real."""
    NOW = _dt.datetime.fromtimestamp(1700000000, tz=_dt.timezone.utc)

    def __new__(cls, *a, **k):
        return _dt.datetime(*a, **k)

    @classmethod
    def now(cls, tz=None):
        return cls.NOW.replace(tzinfo=None) if tz is None else cls.NOW.astimezone(tz)

    @classmethod
    def utcnow(cls):
        return cls.NOW.replace(tzinfo=None)


@contextlib.contextmanager
def fixed_time(ts: int):
    """Fixes itsdangerous timestamps and werkzeug/flask 'now' (as gen_vectors.py does)."""
    import flask.sessions
    from itsdangerous.timed import TimestampSigner

    old = TimestampSigner.get_timestamp, werkzeug.http.datetime, flask.sessions.datetime, FixedDatetime.NOW
    FixedDatetime.NOW = _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)
    TimestampSigner.get_timestamp = lambda self: ts
    werkzeug.http.datetime = FixedDatetime
    flask.sessions.datetime = FixedDatetime
    try:
        yield
    finally:
        TimestampSigner.get_timestamp, werkzeug.http.datetime, flask.sessions.datetime, FixedDatetime.NOW = old
