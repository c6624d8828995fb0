"""Verdicts from Python: websec.headers.report / websec.cookie.report, and the labelled corpus scored by
scripts/score-verdicts (at least 95% right verdicts and 90% of the named problems found)."""
import importlib.util
from pathlib import Path

import pytest

headers = pytest.importorskip("websec.headers")
cookie = pytest.importorskip("websec.cookie")
import websec  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def test_report_shape_and_overall():
    r = headers.report([("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
                        ("Content-Security-Policy", "default-src 'self'"), ("X-Frame-Options", "DENY"),
                        ("X-Content-Type-Options", "nosniff"), ("Set-Cookie", "session=a; HttpOnly")], True)
    assert isinstance(r, websec.Report)
    assert r.overall == "weak"  # the session cookie lacks Secure (weak under HSTS) and SameSite
    assert [h.name for h in r.headers][:5] == ["Strict-Transport-Security", "Content-Security-Policy",
                                               "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"]
    assert r.subject("content-security-policy").verdict == "pass"
    c = r.subject("session")
    assert c.kind == "cookie" and c.role == "session" and c.verdict == "weak"
    assert headers.report([("Set-Cookie", "session=a; HttpOnly")], True, only=["cookies"]).overall == "fail"
    d = r.to_dict()
    assert d["overall"] == "weak" and d["cookies"][0]["findings"][0]["verdict"] in websec.VERDICTS
    assert all(f.verdict in websec.VERDICTS for f in r.findings())


def test_report_reads_every_input_form_and_only():
    text = "HTTP/1.1 200 OK\r\nReferrer-Policy: unsafe-url\r\n\r\n<html><head><meta http-equiv=Content-Security-Policy " \
           "content=\"default-src 'self'\"></head>"
    r = headers.report(text, only=["csp", "referrer"])
    assert [h.name for h in r.headers] == ["Content-Security-Policy", "Referrer-Policy"]
    assert r.subject("Content-Security-Policy").verdict == "pass"
    assert r.overall == "fail"
    assert headers.read_input("X-Frame-Options: DENY\n")["form"] == "headers"
    with pytest.raises(headers.HeaderError):
        headers.report("no colon here\n")


def test_cookie_report_roles_url_and_psl():
    assert cookie.report("XSRF-TOKEN=a; Secure; SameSite=Lax").verdict == "pass"
    assert cookie.report("XSRF-TOKEN=a; Secure; SameSite=Lax", role="session").verdict == "fail"
    assert cookie.guess_role("remember_token") == "remember-me"
    r = cookie.report("id=1; Secure; HttpOnly; SameSite=Lax; Domain=other.example", url="https://www.example.com/")
    assert r.verdict == "invalid" and [f.id for f in r.findings] == ["cookie.domain_mismatch"]
    if cookie.is_public_suffix("com") is not None:
        r = cookie.report("id=1; Secure; HttpOnly; SameSite=Lax; Domain=co.uk", url="https://a.example.co.uk/")
        assert [f.id for f in r.findings] == ["cookie.public_suffix"]
    with pytest.raises(ValueError):
        cookie.report("a=1", role="admin")


def test_corpus_scores_above_the_bar():
    spec = importlib.util.spec_from_loader("score_verdicts", loader=None)
    path = ROOT / "scripts" / "score-verdicts"
    mod = importlib.util.module_from_spec(spec)
    mod.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), mod.__dict__)
    cases = mod.load(mod.CORPUS)
    assert len(cases) >= 200
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    for c in cases:
        assert c["verdict"] in websec.VERDICTS and c["type"] in mod.TYPES and c["why"].strip(), c["id"]
    stats, misses = mod.score(cases, websec)
    right = sum(s["right"] for s in stats.values())
    problems = sum(s["problems"] for s in stats.values())
    found = sum(s["found"] for s in stats.values())
    assert right / len(cases) >= 0.95, [m[0]["id"] for m in misses]
    assert found / problems >= 0.90, [m[0]["id"] for m in misses]
