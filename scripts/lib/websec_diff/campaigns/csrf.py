"""csrf: websec.csrf against Flask-WTF 1.3.0's model (flask_wtf/csrf.py validate_csrf), built on Debian's
itsdangerous (Flask-WTF itself is not packaged in Debian 12; its validate_csrf is ten lines, reproduced in
validate_model below with the same order and messages).

Signed tokens must be byte-identical (URLSafeTimedSerializer(secret, salt='wtf-csrf-token') at a fixed time);
validation of intact, tampered, expired, future, foreign and missing tokens against present, missing,
non-ASCII and mismatching session tokens must give the same message (or the same TypeError of
hmac.compare_digest).
"""
from __future__ import annotations

import hmac
import random

from hypothesis import strategies as st
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from .. import strategies as S
from ..core import CampaignBase, Disagreement
from .serializer import clock
from .signing import Campaign as SigningCampaign


def validate_model(data, session_raw, secret, time_limit, now):
    """flask_wtf.csrf.validate_csrf (1.3.0) with the session value passed in."""
    if not data:
        return "The CSRF token is missing."
    if session_raw is None:
        return "The CSRF session token is missing."
    s = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    with clock(now):
        try:
            token = s.loads(data, max_age=time_limit)
        except SignatureExpired:
            return "The CSRF token has expired."
        except BadData:
            return "The CSRF token is invalid."
    try:
        if not hmac.compare_digest(session_raw, token):
            return "The CSRF tokens do not match."
    except TypeError:
        return "TypeError"
    return None


RAW = st.one_of(st.text("0123456789abcdef", min_size=40, max_size=40), S.short_text, st.just("é"))


@st.composite
def case(draw):
    ts = draw(st.one_of(st.just(1700000000), st.integers(0, 2**32)))
    raw = draw(RAW)
    return {"raw": raw, "secret": draw(st.one_of(st.just("dev"), S.short_text.filter(bool))), "ts": ts,
            "now": ts + draw(st.one_of(st.just(0), st.just(3600), st.just(3601), st.just(-1), st.integers(-5, 4000))),
            "time_limit": draw(st.one_of(st.just(3600), st.none(), st.integers(0, 10))),
            "session_raw": draw(st.one_of(st.just("same"), st.none(), RAW)),
            "other_secret": draw(st.booleans()),
            "mutation": draw(st.integers(0, 12)), "mutate_seed": draw(st.integers(0, 2**31))}


class Campaign(CampaignBase):
    name = "csrf"
    requires = ("csrf",)
    targets = ("csrf_fuzzer",)
    batch_size = 150

    def strategy(self):
        return case()

    def describe(self, c):
        return repr(c)

    def corpus_cases(self, target, data):
        """A csrf_fuzzer input (layout: targets/csrf_fuzzer.cpp): its untrusted token validated against its session
        token with its secret, time limit and clock, as the target does first."""
        if target != "csrf_fuzzer" or len(data) < 4 or len(data) > 16384 or data.startswith(b'{"differential":'):
            return
        flags, limit, clock = data[0], data[1], data[2] - 256 if data[2] > 127 else data[2]
        fields = data[4:].split(b"\0", 7) + [b""] * 8
        text = [f.decode("utf-8", "replace") for f in fields[:3]]
        yield ("corpus", text[0], text[1], text[2] if flags & 8 else None, None if flags & 4 else limit * 60,
               1700000000 + clock * 60)

    def check(self, c):
        import websec.csrf as W

        if isinstance(c, tuple) and c[0] == "corpus":
            _, secret, token, session_raw, time_limit, now = c
            try:  # a validly signed timestamp beyond datetime's range escapes Flask-WTF (a 500 either way)
                want = validate_model(token, session_raw, secret, time_limit, now)
            except (ValueError, OverflowError, OSError):
                want = "error 500"
            try:
                W.validate(token, session_raw, secret, time_limit=time_limit, now=now)
                got = None
            except W.CSRFError as e:
                got = e.message
            except TypeError:
                got = "TypeError"
            except ValueError:
                got = "error 500"
            if want != got:
                raise Disagreement(f"validate({token!r}, session={session_raw!r}, secret={secret!r}, "
                                   f"time_limit={time_limit}) at {now}:\n  Flask-WTF model {want!r}\n  websec          {got!r}")
            return

        s = URLSafeTimedSerializer(c["secret"] + ("x" if c["other_secret"] else ""), salt="wtf-csrf-token")
        with clock(c["ts"]):
            token = s.dumps(c["raw"])
        if not c["other_secret"]:
            got = W.sign_token(c["raw"], c["secret"], timestamp=c["ts"])
            if got != token:
                raise Disagreement(f"sign_token:\n  itsdangerous {token!r}\n  websec       {got!r}")
        token = SigningCampaign.mutate(random.Random(c["mutate_seed"]), token.encode(), c["mutation"]).decode("latin-1")
        session_raw = c["raw"] if c["session_raw"] == "same" else c["session_raw"]
        want = validate_model(token, session_raw, c["secret"], c["time_limit"], c["now"])
        try:
            W.validate(token, session_raw, c["secret"], time_limit=c["time_limit"], now=c["now"])
            got = None
        except W.CSRFError as e:
            got = e.message
        except TypeError:
            got = "TypeError"
        if want != got:
            raise Disagreement(f"validate({token!r}, session={session_raw!r}) at {c['now']}:\n"
                               f"  Flask-WTF model {want!r}\n  websec          {got!r}")
