import datetime as dt
import warnings

import pytest


cookie = pytest.importorskip("websec.cookie")


def test_dump_matches_the_documented_example():
    # spec §2.6 / §4.1: attribute order Domain, Expires, Max-Age, Secure, HttpOnly, Path, SameSite
    h = cookie.dump("session", "v", max_age=60, secure=True, httponly=True, samesite="lax", domain="example.com",
                    now=1700000000)
    assert h == ("session=v; Domain=example.com; Expires=Tue, 14 Nov 2023 22:14:20 GMT; Max-Age=60; Secure; "
                 "HttpOnly; Path=/; SameSite=Lax")


def test_dump_profiles_differ_in_quoting():
    assert cookie.dump("k", "[]{}()<>?@", profile="debian") == 'k="[]{}()<>?@"; Path=/'
    assert cookie.dump("k", "[]{}()<>?@", profile="upstream") == "k=[]{}()<>?@; Path=/"


def test_dump_accepts_bytes_like_and_datetime():
    assert cookie.dump(b"k", bytearray(b"v")) == cookie.dump("k", memoryview(b"v"))
    naive = dt.datetime(2030, 1, 2, 3, 4, 5, 999999)
    aware = dt.datetime(2030, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert "Expires=Wed, 02 Jan 2030 03:04:05 GMT" in cookie.dump("k", "v", expires=naive)
    assert cookie.dump("k", "v", expires=aware) == cookie.dump("k", "v", expires=naive)
    assert "Max-Age=86401" in cookie.dump("k", "v", max_age=dt.timedelta(days=1, seconds=1.9), sync_expires=False)


def test_dump_errors_carry_kind():
    with pytest.raises(cookie.DumpError) as e:
        cookie.dump("k", "v", samesite="bogus")
    assert e.value.kind == "samesite_invalid"
    assert "SameSite must be" in e.value.message
    assert isinstance(e.value, cookie.CookieError)
    import websec
    assert isinstance(e.value, websec.Error)


def test_dump_size_warning_is_a_user_warning():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        cookie.dump("k", "x" * 5000)
    assert any(issubclass(x.category, UserWarning) for x in w)


def test_profile_argument_is_checked():
    with pytest.raises(ValueError):
        cookie.dump("k", "v", profile="newest")


@pytest.mark.skipif(not hasattr(cookie, "parse_cookie_header"), reason="not implemented yet")
def test_parse_cookie_header_profiles():
    assert cookie.parse_cookie_header(b"a=1; b=2; a=3") == [("a", "1"), ("b", "2"), ("a", "3")]
    assert cookie.parse_cookie_header("a=é".encode(), profile="debian") == [("a", "é")]
    # werkzeug 3.1: http.parse_cookie decodes the bytes as UTF-8; Request.cookies keeps the latin-1 code points
    assert cookie.parse_cookie_header("a=é".encode(), profile="upstream") == [("a", "é")]
    assert cookie.request_cookies("a=é".encode(), profile="upstream") == [("a", "Ã©")]


@pytest.mark.skipif(not hasattr(cookie, "audit"), reason="not implemented yet")
def test_audit_returns_findings():
    findings = cookie.audit("session=abc; Path=/", https=True)
    ids = {f.id for f in findings}
    assert "cookie.no_secure" in ids and "cookie.no_httponly" in ids
    for f in findings:
        assert f.severity in ("info", "low", "medium", "high")
        assert f.subject == "session" and f.reason
    assert cookie.audit("session=abc; Secure; HttpOnly; SameSite=Lax; Path=/", https=True, max_lifetime=3600) == [] \
        or all(f.severity == "info" for f in cookie.audit("session=abc; Secure; HttpOnly; SameSite=Lax; Path=/"))


@pytest.mark.skipif(not hasattr(cookie, "parse_set_cookie"), reason="not implemented yet")
def test_parse_set_cookie_round_trip():
    c = cookie.parse_set_cookie("id=a3fWa; Max-Age=2592000; Secure; HttpOnly; SameSite=strict")
    assert (c.name, c.value, c.max_age, c.secure, c.httponly, c.samesite) == ("id", "a3fWa", 2592000, True, True, "Strict")
    assert cookie.parse_set_cookie(c.serialize()) == c
    with pytest.raises(cookie.InvalidSetCookie):
        cookie.parse_set_cookie("a=b\x01c")


# The werkzeug-named spellings (dump_cookie, parse_cookie) and werkzeug's exception class (ValueError).
def test_dump_cookie_matches_werkzeug_debian():
    wh = pytest.importorskip("werkzeug.http")
    for key, value, kw in [("session", "eyJ4IjoxfQ.ZVPxAA.sig", {"secure": True, "httponly": True, "samesite": "Lax"}),
                           ("k", "a b;c\"é", {"path": "/a b/ü", "domain": "bücher.de"}),
                           ("k", "v", {"expires": 0, "max_age": 0})]:
        assert cookie.dump_cookie(key, value, profile="debian", **kw) == wh.dump_cookie(key, value, **kw)
    with pytest.raises(ValueError):
        cookie.dump_cookie("k", "v", samesite="bogus")


def test_parse_cookie_matches_werkzeug_debian():
    wh = pytest.importorskip("werkzeug.http")
    for h in ['a=1; b="x\\073y"', "=x; b=2", "a=1,b=2", 'a="\\303\\251"']:
        assert cookie.parse_cookie(h, profile="debian") == list(wh.parse_cookie(h, cls=list))


def test_audit_of_a_good_cookie_is_ok():
    assert [v.id for v in cookie.audit("session=abc; Secure; HttpOnly; SameSite=Lax") if v.severity != "info"] == []
    assert "cookie.ok" in {v.id for v in cookie.audit("session=abc; Secure; HttpOnly; SameSite=Lax")}
    long_lived = cookie.audit("a=1; Secure; HttpOnly; SameSite=Lax; Max-Age=99999999", max_lifetime=2678400)
    assert any(v.id == "cookie.lifetime_too_long" and v.severity == "medium" for v in long_lived)
