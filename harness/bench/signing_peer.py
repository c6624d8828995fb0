#!/usr/bin/python3
"""Python peer of signing_bench.cpp: Flask's open_session / save path and flask-unsign's cracking loop on the
same inputs. Usage: signing_peer.py INPUT_DIR  -> prints {"name": {"items_per_second": x}, ...}.
Rates are CPU time of this process (time.process_time), as Google Benchmark's default on the C++ side."""
import json
import os
import sys
import time

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
import hashlib
from itsdangerous import URLSafeTimedSerializer, BadSignature
import itsdangerous.timed as timed

SECRET = "bench-secret-key"
TS = 1700000000


def rate(fn, min_time=1.0):
    n, t0 = 0, time.process_time()
    while True:
        for _ in range(200):
            fn()
        n += 200
        el = time.process_time() - t0
        if el >= min_time:
            return n / el


def main():
    d = sys.argv[1]
    rd = lambda name: open(os.path.join(d, name), "rb").read().decode()
    timed.TimestampSigner.get_timestamp = lambda self: TS + 10
    app = Flask("bench")
    app.secret_key = SECRET
    si = app.session_interface
    out = {}
    with app.app_context():
        have = lambda name: os.path.exists(os.path.join(d, name))  # a --benchmark_filter may skip some
        for name in ("session_verify_small", "session_verify_3k"):
            if not have(name):
                continue
            cookie = rd(name)
            env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x", "SERVER_PORT": "80",
                   "wsgi.url_scheme": "http", "HTTP_COOKIE": "session=" + cookie}

            def open_once():
                s = si.open_session(app, app.request_class(env))
                assert s
            out[name] = {"items_per_second": rate(open_once)}
        for name in ("session_sign_small", "session_sign_3k"):
            if not have(name):
                continue
            obj = si.serializer.loads(rd(name))

            def sign_once():
                si.get_signing_serializer(app).dumps(dict(obj))
            out[name] = {"items_per_second": rate(sign_once)}
        for name in ("session_save_small", "session_save_3k"):
            if not have(name):
                continue
            obj = si.serializer.loads(rd(name))
            with app.test_request_context("/"):
                def save_once():
                    s = SecureCookieSession(obj)
                    s.modified = True
                    r = app.response_class()
                    si.save_session(app, s, r)
                    assert r.headers.get("Set-Cookie")
                out[name] = {"items_per_second": rate(save_once)}
        # flask-unsign: for each candidate, build the serializer and try loads (flask_unsign/session.py verify)
        if not have("crack_guess"):
            print(json.dumps(out))
            return
        cookie = rd("crack_guess")
        words = ["candidate-%06d" % i for i in range(100000)]
        it = iter(words * 100)

        def guess():
            s = URLSafeTimedSerializer(secret_key=next(it), salt="cookie-session", serializer=si.serializer,
                                       signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
            try:
                s.loads(cookie)
            except BadSignature:
                pass
        out["crack_guess"] = {"items_per_second": rate(guess)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
