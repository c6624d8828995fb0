import hashlib

import itsdangerous
import pytest


def test_url_safe_timed_serializer_matches_itsdangerous():
    serializer = pytest.importorskip("websec.serializer")
    obj = {"a": [1, 2.5, None, "é" * 50], "b": True}
    py = itsdangerous.URLSafeTimedSerializer("k", signer_kwargs={"digest_method": hashlib.sha256})
    old = itsdangerous.timed.TimestampSigner.get_timestamp
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: 1700000000
    try:
        want = py.dumps(obj)
    finally:
        itsdangerous.timed.TimestampSigner.get_timestamp = old
    ws = serializer.URLSafeTimedSerializer("k", signer_kwargs={"digest_method": "sha256"})
    assert ws.dumps(obj, timestamp=1700000000) == want
    assert want.startswith(".")  # compressed
    assert ws.loads(want, now=1700000000) == obj
    with pytest.raises(serializer.SignatureExpired):
        ws.loads(want, max_age=5, now=1700000006)
    with pytest.raises(serializer.BadSignature):
        ws.loads(want + "x", now=1700000000)


def test_json_dumps_loads():
    json_ = pytest.importorskip("websec.json")
    import json
    v = {"z": [1e100, -0.0, 1.0, 10**40], "a": "é\U0001f600\x7f"}
    assert json_.dumps(v) == json.dumps(v)
    assert json_.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False) == \
        json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    assert json_.loads('{"a": 1, "a": NaN}')["a"] != json_.loads('{"a": NaN}')["a"]  # NaN, last key wins
    with pytest.raises(json_.JSONDecodeError) as e:
        json_.loads("{")
    assert isinstance(e.value, ValueError) and e.value.offset >= 0
    with pytest.raises(TypeError):
        json_.dumps(b"x")


def test_csrf():
    csrf = pytest.importorskip("websec.csrf")
    raw = csrf.generate_raw_token()
    assert len(raw) == 40
    token = csrf.sign_token(raw, "secret", timestamp=1700000000)
    old = itsdangerous.timed.TimestampSigner.get_timestamp
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: 1700000000
    try:
        assert token == itsdangerous.URLSafeTimedSerializer("secret", salt="wtf-csrf-token").dumps(raw)
    finally:
        itsdangerous.timed.TimestampSigner.get_timestamp = old
    assert csrf.validate(token, raw, "secret", now=1700000000) is None
    with pytest.raises(csrf.CSRFError, match="The CSRF token has expired."):
        csrf.validate(token, raw, "secret", now=1700003601)
    with pytest.raises(csrf.CSRFError, match="The CSRF tokens do not match."):
        csrf.validate(token, "0" * 40, "secret", now=1700000000)
    with pytest.raises(csrf.CSRFError, match="The CSRF token is missing."):
        csrf.protect("POST", {}, {}, raw, "secret", now=1700000000)
    assert csrf.protect("GET", {}, {}, None, "secret") is None
    assert csrf.find_token({"x_csrf_token": "t"}, {}) == "t"
    assert csrf.double_submit_matches("a", "a") and not csrf.double_submit_matches("", "")
