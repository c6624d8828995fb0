"""websec.headers from Python: the whole-response audit the conformance suite calls."""
from conftest import need

headers = need("headers")

DOC = [("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
       ("Content-Security-Policy", "default-src 'self'"),
       ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "SAMEORIGIN"),
       ("Set-Cookie", "session=x; Secure; HttpOnly; Path=/; SameSite=Lax")]
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}


def test_doc_recommendation_has_no_medium_finding():
    v = headers.audit(DOC, True)
    assert not [x for x in v if RANK[x.severity] >= 2], [x.to_dict() for x in v]
    assert {"hsts.ok", "xfo.ok", "xcto.ok", "cookie.ok"} <= {x.id for x in v}


def test_weak_response_is_explained():
    v = headers.audit([("Content-Security-Policy", "default-src * 'unsafe-inline'"),
                       ("Strict-Transport-Security", "max-age=300")], True)
    ids = {x.id for x in v}
    assert {"csp.unsafe_inline", "csp.script_wildcard", "hsts.max_age_too_low", "xfo.missing"} <= ids
    assert all(x.reason and x.subject for x in v)


def test_hsts_only_counts_over_https_and_threshold_is_settable():
    assert [x.id for x in headers.audit([("Strict-Transport-Security", "max-age=1")], False)
            if x.subject == "Strict-Transport-Security"] == ["hsts.over_http"]
    six_months = [("Strict-Transport-Security", "max-age=15552000; includeSubDomains")]
    assert "hsts.max_age_too_low" in {x.id for x in headers.audit(six_months, True)}
    assert "hsts.ok" in {x.id for x in headers.audit(six_months, True, hsts_min_max_age=headers.HSTS_COMMON_MAX_AGE)}


def test_parsers():
    assert headers.parse_hsts("max-age=5; preload") == {"max_age": 5, "include_subdomains": False, "preload": True,
                                                         "unknown": []}
    assert headers.parse_csp("default-src 'self', script-src *") == [[("default-src", ["'self'"])], [("script-src", ["*"])]]
    status, hs = headers.parse_response_head(b"HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\nHTTP/2 200\r\nA: b\r\n\r\n")
    assert status == 200 and hs == [("A", "b")]
