"""The Redactor: every secret, in every encoding, out of strings, lists and dicts."""
import base64
import hashlib
import html
import json
import shlex
import threading
from urllib.parse import quote, quote_plus, urlencode

import pytest

from websec_conform.profile import load_profile
from websec_conform.redact import Redactor, secret_header

PW = "p@ss w/rd?&=+%#é\"'<>\\"


def _forms(s: str) -> dict[str, str]:
    return {"raw": s, "quote": quote(s), "quote-all": quote(s, safe=""), "quote_plus": quote_plus(s),
            "base64": base64.b64encode(s.encode()).decode(), "base64url": base64.urlsafe_b64encode(s.encode()).decode(),
            "html": html.escape(s), "json": json.dumps(s), "json-utf8": json.dumps(s, ensure_ascii=False),
            "repr": repr(s), "shell": shlex.quote(s)}


@pytest.mark.parametrize("enc", list(_forms(PW)))
def test_every_encoding_of_a_password(enc):
    r = Redactor()
    r.add(PW, "password")
    text = f"before {_forms(PW)[enc]} after"
    out = r.apply_text(text)
    assert "«redacted:password»" in out and out.startswith("before ") and out.endswith(" after"), out


def test_percent_encoding_in_any_case_and_mixed_forms():
    r = Redactor()
    r.add("a/b c!d", "password")
    assert r.apply_text("x=a%2fb+c%21d") == "x=«redacted:password»"
    assert r.apply_text("x=a&#47;b&#x20;c!d") == "x=«redacted:password»"


def test_base64_inside_longer_base64_and_basic_credentials():
    r = Redactor()
    r.add("correct-horse-battery", "password")
    r.add("alice:correct-horse-battery", "credentials")
    basic = base64.b64encode(b"alice:correct-horse-battery").decode()
    assert r.apply_text(f"Authorization: Basic {basic}") == "Authorization: Basic «redacted:credentials»"
    for k in range(3):  # the password at each alignment inside a longer blob
        blob = base64.b64encode(b"x" * k + b'{"pw": "correct-horse-battery"}').decode()
        assert "«redacted:password»" in r.apply_text(blob), k


def test_short_passwords_are_masked_where_credentials_travel():
    r = Redactor()
    r.add("ab", "password")
    assert r.apply_text(urlencode({"username": "alice", "password": "ab"})) == "username=alice&password=«redacted:password»"
    assert r.apply_text('{"password": "ab"}') == '{"password": "«redacted:password»"}'
    assert r.apply_text("form(username='alice', password='ab')") == "form(username='alice', password='«redacted:password»')"
    assert r.apply_text("about abc ab tab") == "about abc ab tab"  # not every two-letter word


def test_login_field_names_of_the_profile_count_as_credential_contexts(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("name: t\nbase_url: https://x.test\nroles:\n  login: {path: /login, fields: {username: email, "
                 "password: secreto}}\nusers:\n  - {username: a, password: 'x1'}\n")
    r = Redactor.from_target(load_profile(p))
    assert r.apply_text("email=a&secreto=x1") == "email=a&secreto=«redacted:password»"


def test_runtime_secrets_are_short_hashes_and_short_values_are_ignored():
    r = Redactor()
    cookie = "eyJ1c2VyIjoiYWxpY2UifQ.ZxYz.signature-bytes"
    r.add(cookie, "session cookie")
    r.add("1", "session cookie")  # a cookie value "1" is not a secret: masking every 1 would ruin the reports
    h = hashlib.sha256(cookie.encode()).hexdigest()[:8]
    assert r.apply_text(f"Cookie: session={cookie}; n=1") == f"Cookie: session=«redacted:sha256:{h}»; n=1"
    assert r.apply_text(quote(cookie, safe="")) == f"«redacted:sha256:{h}»"


def test_apply_recurses_and_keeps_other_values():
    r = Redactor()
    r.add("top-secret-value", "secret_key")
    obj = {"a": ["x top-secret-value y", ("top-secret-value",)], "n": 3, "b": None, "k": {"top-secret-value": 1}}
    assert r.apply(obj) == {"a": ["x «redacted:secret_key» y", ["«redacted:secret_key»"]], "n": 3, "b": None,
                            "k": {"top-secret-value": 1}}  # keys are names, not values


def test_from_target_knows_every_profile_secret(tmp_path):
    p = tmp_path / "p.yaml"
    basic = base64.b64encode(b"svc:svc-pass-42").decode()
    p.write_text(f"""name: t
base_url: https://u:url-pass-9@x.test
users:
  - {{username: alice, password: 'pw1-long-enough'}}
headers:
  Authorization: "Basic {basic}"
  X-API-Key: "key-0123456789"
  X-Test-Run: conformance
session:
  secret_key: "k-secret-1"
  fallback_keys: ["k-fallback-0"]
  retired_keys: ["k-retired"]
""")
    r = Redactor.from_target(load_profile(p))
    text = (f"pw1-long-enough {basic} svc-pass-42 key-0123456789 k-secret-1 k-fallback-0 k-retired url-pass-9 "
            f"X-Test-Run: conformance")
    out = r.apply_text(text)
    for s in ("pw1-long-enough", basic, "svc-pass-42", "key-0123456789", "k-secret-1", "k-fallback-0", "k-retired",
              "url-pass-9"):
        assert s not in out, (s, out)
    assert out.endswith("X-Test-Run: conformance")


@pytest.mark.parametrize("name,value,secret", [
    ("Authorization", "Bearer x", True), ("X-API-Key", "k", True), ("Cookie", "a=b", True),
    ("X-Auth-Token", "t", True), ("X-Custom", "Bearer abc", True), ("X-Test-Run", "conformance", False),
    ("User-Agent", "scanner", False), ("Accept", "*/*", False),
])
def test_which_profile_headers_are_secrets(name, value, secret):
    assert secret_header(name, value) is secret


def test_harvest_set_cookies():
    r = Redactor()
    r.harvest_set_cookies({"steps": [{"response": {"headers": [["Set-Cookie", "session=abcdefgh12345678; Path=/"],
                                                               ["Set-Cookie", "other=zzzzzzzzzzzzzzzz"]]}}]},
                          {"session"})
    assert "abcdefgh12345678" not in r.apply_text("abcdefgh12345678")
    assert r.apply_text("zzzzzzzzzzzzzzzz") == "zzzzzzzzzzzzzzzz"


def test_thread_safe_add_and_apply():
    r = Redactor()
    values = [f"secret-value-{i:04d}-xyz" for i in range(200)]
    errors = []

    def adder(vs):
        for v in vs:
            r.add(v, "session cookie")

    def applier():
        try:
            for _ in range(200):
                r.apply_text("secret-value-0001-xyz " * 3)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=adder, args=(values[i::4],)) for i in range(4)] + \
         [threading.Thread(target=applier) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors and len(r) == 200
    out = r.apply_text(" ".join(values))
    assert all(v not in out for v in values)


def test_profile_cookie_header_values():
    r = Redactor()
    r.add_header("Cookie", "sid=abcdef0123456789; theme=dark")
    out = r.apply_text("Cookie: sid=abcdef0123456789; theme=dark | sid=abcdef0123456789 | dark mode")
    assert "abcdef0123456789" not in out and out.endswith("| dark mode")
