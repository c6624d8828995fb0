import datetime as dt
import hashlib

import itsdangerous
import pytest


signing = pytest.importorskip("websec.signing")


def test_hierarchy_mirrors_itsdangerous():
    import websec
    assert issubclass(signing.BadData, websec.Error)
    assert issubclass(signing.BadSignature, signing.BadData)
    assert issubclass(signing.BadTimeSignature, signing.BadSignature)
    assert issubclass(signing.SignatureExpired, signing.BadTimeSignature)
    assert issubclass(signing.BadPayload, signing.BadData)
    assert not issubclass(signing.BadPayload, signing.BadSignature)


@pytest.mark.parametrize("kd", ["concat", "django-concat", "hmac", "none"])
@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_signer_matches_itsdangerous(kd, digest):
    py = itsdangerous.Signer("secret", salt="s", key_derivation=kd, digest_method=getattr(hashlib, digest))
    ws = signing.Signer("secret", salt="s", key_derivation=kd, digest_method=digest)
    for v in (b"", b"value", "é".encode()):
        assert ws.sign(v) == py.sign(v)
        assert ws.unsign(py.sign(v)) == v
    # a hashlib constructor works as in itsdangerous
    assert signing.Signer("secret", salt="s", key_derivation=kd, digest_method=getattr(hashlib, digest)).sign(b"x") == py.sign(b"x")


def test_buffers_and_text():
    s = signing.Signer("k")
    assert s.sign(b"v") == s.sign(bytearray(b"v")) == s.sign(memoryview(b"v")) == s.sign("v")


def test_unsign_errors_carry_message_and_payload():
    s = signing.Signer("k")
    with pytest.raises(signing.BadSignature) as e:
        s.unsign(b"value.bogus")
    assert e.value.payload == b"value"
    assert str(e.value) == str(pytest.raises(itsdangerous.BadSignature, itsdangerous.Signer("k").unsign, b"value.bogus").value)
    with pytest.raises(signing.BadSignature) as e:
        s.unsign(b"nosep")
    assert e.value.payload is None and "No b'.' found" in e.value.message


def test_invalid_separator():
    with pytest.raises(ValueError):
        signing.Signer("k", sep="a")


def test_timestamp_signer_max_age():
    ts = signing.TimestampSigner("k")
    signed = ts.sign(b"v", timestamp=1700000000)
    py = itsdangerous.TimestampSigner("k")
    py.get_timestamp = lambda: 1700000000
    assert signed == py.sign(b"v")
    assert ts.unsign(signed, max_age=10, now=1700000010) == b"v"
    value, when = ts.unsign(signed, return_timestamp=True, now=1700000000)
    assert when == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    with pytest.raises(signing.SignatureExpired) as e:
        ts.unsign(signed, max_age=10, now=1700000011)
    assert e.value.message == "Signature age 11 > 10 seconds"
    assert e.value.date_signed == when
    with pytest.raises(signing.SignatureExpired, match="< 0 seconds"):
        ts.unsign(signed, max_age=10, now=1699999999)


def test_base64():
    assert signing.base64_decode("YW!Jj") == b"abc"
    assert signing.base64_encode(b"\xff\xfe") == b"__4"
    with pytest.raises(signing.BadData):
        signing.base64_decode("YQ!")
    assert signing.int_to_bytes(1700000000) == b"eS\xf1\x00"
    assert signing.bytes_to_int(b"eS\xf1\x00") == 1700000000
