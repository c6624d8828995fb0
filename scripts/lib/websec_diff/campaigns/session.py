"""session: websec.session against Flask 2.2.2's SecureCookieSessionInterface (Debian).

Session dicts with every tagged type (tuple, bytes, Markup, UUID, aware and naive datetime, one-key dicts
whose key is a tag, nested lists/dicts, unicode and astral text, big integers, floats), signed at a fixed
time: the cookie value must be byte-identical (sign); the oracle's cookie, intact or tampered, opened at
a time around the lifetime boundary, must give the same outcome (session with equal data / empty session /
500); decode() of an intact cookie gives the session without verifying.
"""
from __future__ import annotations

import datetime as _dt
import random
import uuid

import flask
import markupsafe
from hypothesis import strategies as st
from itsdangerous import BadSignature

from .. import strategies as S
from ..core import CampaignBase, Disagreement
from ..oracle import fixed_time
from ._values import canon
from .signing import Campaign as SigningCampaign

LIFETIME = 31 * 86400
TAG_KEYS = st.sampled_from([" t", " b", " m", " u", " d", " di", " zz", "t"])

leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(1 << 70), 1 << 70), st.floats(allow_nan=False), S.text,
    st.binary(max_size=16), S.short_text.map(markupsafe.Markup), st.uuids(),
    st.datetimes(min_value=_dt.datetime(1900, 1, 1), max_value=_dt.datetime(9999, 1, 1)).map(
        lambda d: d.replace(microsecond=0)),
    st.datetimes(min_value=_dt.datetime(1900, 1, 1), max_value=_dt.datetime(9999, 1, 1),
                 timezones=st.just(_dt.timezone.utc)))


def values():
    return st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.one_of(S.short_text, TAG_KEYS), inner, max_size=3),
        st.tuples(TAG_KEYS, inner).map(lambda kv: {kv[0]: kv[1]})), max_leaves=8)


sessions = st.one_of(st.dictionaries(st.one_of(S.short_text, TAG_KEYS, st.just("_permanent")), values(), max_size=5),
                     st.just({"user_id": 42}), st.just({"big": "A" * 300}))


def app_for(secret):
    app = flask.Flask("differential")
    app.secret_key = secret
    return app


def oracle_sign(app, session, ts):
    with app.app_context(), fixed_time(ts):
        return app.session_interface.get_signing_serializer(app).dumps(dict(session))


def oracle_open(app, cookie, now):
    with app.app_context(), fixed_time(now):
        s = app.session_interface.get_signing_serializer(app)
        try:
            return ("session", canon(s.loads(cookie, max_age=LIFETIME)))
        except BadSignature:
            return ("empty_session",)
        except Exception as e:  # noqa: BLE001 - BadPayload and friends: Flask's 500
            return ("exception_500", type(e).__name__)


@st.composite
def case(draw):
    ts = draw(st.one_of(st.just(1700000000), st.integers(0, 2**32)))
    return {"session": draw(sessions), "secret": draw(st.one_of(st.just("dev"), S.short_text.filter(bool))),
            "ts": ts,
            "now": ts + draw(st.one_of(st.just(0), st.just(LIFETIME), st.just(LIFETIME + 1), st.just(-1),
                                       st.integers(-10, LIFETIME + 10))),
            "mutation": draw(st.integers(0, 12)), "mutate_seed": draw(st.integers(0, 2**31))}


class Campaign(CampaignBase):
    name = "session"
    requires = ("session",)
    targets = ("session_fuzzer",)
    batch_size = 100

    def strategy(self):
        return case()

    def corpus_cases(self, target, data):
        try:
            cookie = data.decode("latin-1")
        except UnicodeDecodeError:
            return
        yield {"cookie": cookie, "secret": "dev", "now": 1700000000}

    def describe(self, c):
        return repr(c)

    def check(self, c):
        import websec.session as W

        app = app_for(c["secret"])
        if "cookie" in c:
            cookie = c["cookie"]
        else:
            try:
                want = oracle_sign(app, c["session"], c["ts"])
            except Exception as e:  # noqa: BLE001 - e.g. a datetime flask cannot format
                want = ("error", type(e).__name__)
            try:
                got = W.sign(c["session"], c["secret"], timestamp=c["ts"])
            except Exception as e:  # noqa: BLE001
                got = ("error", type(e).__name__)
            if want != got:
                raise Disagreement(f"sign:\n  flask  {want!r}\n  websec {got!r}")
            if isinstance(want, tuple):
                return
            dec = W.decode(want)
            with app.app_context():
                want_dec = app.session_interface.get_signing_serializer(app).loads_unsafe(want)[1]
            if canon(dec) != canon(want_dec):
                raise Disagreement(f"decode (unverified):\n  flask  {want_dec!r}\n  websec {dec!r}")
            cookie = SigningCampaign.mutate(random.Random(c["mutate_seed"]), want.encode(), c["mutation"]).decode("latin-1")
        want = oracle_open(app, cookie, c["now"])
        o = W.open(cookie, c["secret"], lifetime=LIFETIME, now=c["now"], profile="debian")
        got = (o.outcome, canon(o.data)) if o.outcome == "session" else (o.outcome,)
        if want[:2] != got[:2]:
            raise Disagreement(f"open({cookie!r}) at {c['now']}:\n  flask  {want!r}\n  websec {got!r} "
                               f"({o.error_kind}: {o.error_message})")
