import datetime as dt
import uuid

import markupsafe
import pytest


session = pytest.importorskip("websec.session")

TS = 1700000000
COOKIE = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs"  # spec §2.6


def test_sign_the_worked_example():
    assert session.sign({"user_id": 42}, "dev", timestamp=TS) == COOKIE


def test_decode_and_verify():
    assert session.decode(COOKIE) == {"user_id": 42}
    assert session.verify(COOKIE, "dev", now=TS + 31 * 86400) == {"user_id": 42}
    with pytest.raises(session.SignatureExpired):
        session.verify(COOKIE, "dev", now=TS + 31 * 86400 + 1)
    with pytest.raises(session.BadSignature):
        session.verify(COOKIE, "wrong", now=TS)
    assert session.verify(COOKIE, "dev", max_age=None, now=TS + 10**9) == {"user_id": 42}


def test_tagged_types_round_trip():
    s = {"t": (1, (2,)), "b": b"\x00\xff", "m": markupsafe.Markup("<b>"), "u": uuid.UUID(int=5),
         "d": dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), "x": {" t": [1]}}
    cookie = session.sign(s, "k", timestamp=TS)
    back = session.verify(cookie, "k", now=TS)
    assert back == s and isinstance(back["t"], tuple) and isinstance(back["m"], markupsafe.Markup)


def test_open_is_flask_shaped():
    o = session.open(COOKIE, "dev", now=TS)
    assert o.outcome == "session" and o.data == {"user_id": 42}
    o = session.open(COOKIE[:-1] + "x", "dev", now=TS)
    assert o.outcome == "empty_session" and o.data == {} and o.error_kind == "BadTimeSignature"


def test_codec_headers():
    c = session.Codec("dev", samesite="Lax", secure=True)
    assert c.encode({"user_id": 42}, timestamp=TS).startswith("eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.")
    headers = c.save({"user_id": 42}, now=TS)
    assert headers[0] == ("Vary", "Cookie")
    assert headers[-1][0] == "Set-Cookie" and "SameSite=Lax" in headers[-1][1]
    assert c.delete_cookie_line().startswith("session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0")


def test_crack_and_extract():
    assert session.crack(COOKIE, ["a", "b", "dev", "c"]) == "dev"
    assert session.crack(COOKIE, ["nope"]) is None
    assert session.extract_cookie_value("Cookie: a=b; session=" + COOKIE) == COOKIE
