import pytest


headers = pytest.importorskip("websec.headers")


def test_audit_agreed_signature_and_findings():
    import websec
    findings = headers.audit([("Content-Type", "text/html")], True)
    assert findings and all(isinstance(f, websec.Finding) for f in findings)
    ids = {f.id for f in findings}
    assert {"hsts.missing", "csp.missing", "xcto.missing"} <= ids
    for f in findings:
        assert f.severity in ("info", "low", "medium", "high") and f.subject and f.reason


def test_doc_recommended_headers_pass():
    good = [("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
            ("Content-Security-Policy", "default-src 'self'"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "SAMEORIGIN"),
            ("Set-Cookie", "session=x; Secure; HttpOnly; SameSite=Lax; Path=/")]
    bad = [f for f in headers.audit(good, True) if f.severity in ("medium", "high")]
    assert bad == []


def test_repeated_headers_are_kept_apart():
    two = headers.audit([("Strict-Transport-Security", "max-age=31536000"),
                         ("Strict-Transport-Security", "max-age=0")], True)
    assert "hsts.multiple_headers" in {f.id for f in two}


def test_single_header_audits_and_parsers():
    assert "hsts.max_age_short" in {f.id for f in headers.audit_hsts("max-age=60")}
    assert "csp.unsafe_inline" in {f.id for f in headers.audit_csp(["script-src 'self' 'unsafe-inline'"])}
    assert headers.parse_hsts("max-age=10; includeSubDomains")["include_subdomains"] is True
    with pytest.raises(headers.HeaderError) as e:
        headers.parse_hsts("max-age=1, max-age=2")
    assert e.value.kind.startswith("hsts_")
    (p,) = headers.parse_csp("default-src 'self'; script-src a b")
    assert p["directives"] == [("default-src", ["'self'"]), ("script-src", ["a", "b"])]
    status, hs = headers.parse_response_head(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n")
    assert status == 200 and hs == [("X-A", "1")]


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
    assert {"csp.unsafe_inline", "csp.script_wildcard", "hsts.max_age_short", "xfo.missing"} <= ids
    assert all(x.reason and x.subject for x in v)


def test_hsts_only_counts_over_https_and_threshold_is_settable():
    assert [x.id for x in headers.audit([("Strict-Transport-Security", "max-age=1")], False)
            if x.subject == "Strict-Transport-Security"] == ["hsts.over_http"]
    six_months = [("Strict-Transport-Security", "max-age=15552000; includeSubDomains")]
    assert "hsts.max_age_too_low" in {x.id for x in headers.audit(six_months, True)}
    assert "hsts.ok" in {x.id for x in headers.audit(six_months, True, hsts_min_max_age=headers.HSTS_COMMON_MAX_AGE)}


def test_parse_csp_lists_and_interim_heads():
    assert [p["directives"] for p in headers.parse_csp("default-src 'self', script-src *")] == \
        [[("default-src", ["'self'"])], [("script-src", ["*"])]]
    status, hs = headers.parse_response_head(b"HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\nHTTP/2 200\r\nA: b\r\n\r\n")
    assert status == 200 and hs == [("A", "b")]
