"""websec.cookie from Python, checked against the installed werkzeug (Debian profile) where it applies."""
import warnings

import pytest

from conftest import need

cookie = need("cookie")


def test_dump_cookie_matches_werkzeug_debian():
    wh = pytest.importorskip("werkzeug.http")
    for key, value, kw in [("session", "eyJ4IjoxfQ.ZVPxAA.sig", {"secure": True, "httponly": True, "samesite": "Lax"}),
                           ("k", "a b;c\"é", {"path": "/a b/ü", "domain": "bücher.de"}),
                           ("k", "v", {"expires": 0, "max_age": 0})]:
        assert cookie.dump_cookie(key, value, profile="debian", **kw) == wh.dump_cookie(key, value, **kw)


def test_dump_cookie_errors_and_warning_like_werkzeug():
    with pytest.raises(cookie.CookieError) as e:
        cookie.dump_cookie("k", "v", samesite="bogus")
    assert e.value.kind == "samesite_invalid" and isinstance(e.value, ValueError)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        cookie.dump_cookie("k", "x" * 5000)
    assert w and issubclass(w[0].category, UserWarning)


def test_parse_set_cookie_and_audit():
    c = cookie.parse_set_cookie("SID=1; Secure; HttpOnly; SameSite=lax; Max-Age=60; Path=/")
    assert (c.name, c.value, c.secure, c.httponly, c.samesite, c.max_age, c.path) == ("SID", "1", True, True, "Lax", 60, "/")
    with pytest.raises(cookie.CookieError):
        cookie.parse_set_cookie("a=b\x01")
    ids = {v.id for v in cookie.audit("session=abc; HttpOnly; Path=/", https=True)}
    assert {"cookie.no_secure", "cookie.no_samesite"} <= ids
    assert [v.id for v in cookie.audit("session=abc; Secure; HttpOnly; SameSite=Lax")] == ["cookie.ok"]
    long_lived = cookie.audit("a=1; Secure; HttpOnly; SameSite=Lax; Max-Age=99999999", max_lifetime=2678400)
    assert any(v.id == "cookie.lifetime_too_long" and v.severity == "medium" for v in long_lived)


def test_parse_cookie_matches_werkzeug_debian():
    wh = pytest.importorskip("werkzeug.http")
    for h in ['a=1; b="x\\073y"', "=x; b=2", "a=1,b=2", 'a="\\303\\251"', "a=\xc3\xa9"]:
        assert cookie.parse_cookie(h, profile="debian") == list(wh.parse_cookie(h, cls=list))
