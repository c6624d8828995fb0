#!/usr/bin/python3
"""Writes the named seeds of csrf_fuzzer (corpora/csrf_fuzzer/): Flask-WTF form and AJAX posts with tokens made
exactly as flask_wtf.csrf.generate_csrf does — URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
at time 1700000000 — plus expired, future, foreign, tampered, leniently-encoded and non-canonical tokens and
HTTPS Referer cases. Flask-WTF itself is not packaged in Debian 12; its token is only this serializer call.
Input layout: see targets/csrf_fuzzer.cpp. Run: /usr/bin/python3 scripts/lib/gen_csrf_seeds.py"""
import os

import itsdangerous.timed as T
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "corpora", "csrf_fuzzer")
NOW = 1700000000
RAW = "5b0e2bb1d4c63b9a6b4e5c2c2f4a7a0e9b1d3c5f"  # sha1(os.urandom(64)).hexdigest() shape
RAW2 = "9c1185a5c5e9fc54612808977ee8f548b2258d31"

SSL_STRICT, SECURE, NO_LIMIT, SESSION, REFERER, IN_HEADER = 1, 2, 4, 8, 16, 32
POST, GET, PUT, DELETE_LOWER = 0, 64, 128, 192


def token(secret, raw, ts=NOW):
    T.TimestampSigner.get_timestamp = lambda self: ts
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def signed(secret, value: bytes, ts=NOW):
    """TimestampSigner.sign of an arbitrary (already encoded) payload, as a key holder could make it."""
    T.TimestampSigner.get_timestamp = lambda self: ts
    return TimestampSigner(secret, salt="wtf-csrf-token").sign(value).decode()


def seed(flags, limit_min=60, clock_min=0, mutation=0x11, secret="change-me", submitted="", session=RAW,
         referer="", host="example.com", form="", headers="", cookie=""):
    head = bytes([flags, limit_min, clock_min & 255, mutation])
    fields = [secret, submitted, session, referer, host, form, headers, cookie]
    return head + b"\0".join(f.encode("latin-1") if isinstance(f, str) else f for f in fields)


def main():
    os.makedirs(os.path.join(OUT, "regressions"), exist_ok=True)
    tok = token("change-me", RAW)
    base = SSL_STRICT | SECURE | SESSION | REFERER
    ct = "Content-Type: application/x-www-form-urlencoded\nOrigin: https://example.com"
    seeds = {
        "flask_wtf_form_post": seed(base, submitted=tok, referer="https://example.com/login",
                                    form="username=alice&password=hunter2&remember=y", headers=ct),
        "flask_wtf_ajax_x_csrftoken": seed(base | IN_HEADER, submitted=tok, host="app.example.com:8443",
                                           referer="https://app.example.com:8443/dashboard",
                                           headers="X-Requested-With: XMLHttpRequest\nContent-Type: application/json"),
        "flask_wtf_plain_http_dev_server": seed(SSL_STRICT | SESSION, secret="dev", submitted=token("dev", RAW),
                                                host="127.0.0.1:5000", form="title=Hello&body=World"),
        "expired_after_61_minutes": seed(base, clock_min=61, submitted=tok, referer="https://example.com/"),
        "signed_in_the_future": seed(base, clock_min=-1, submitted=tok, referer="https://example.com/"),
        "no_time_limit_month_old": seed(base | NO_LIMIT, submitted=token("change-me", RAW, NOW - 30 * 86400),
                                        referer="https://example.com/"),
        "other_session_token": seed(base, submitted=tok, session=RAW2, referer="https://example.com/"),
        "session_token_missing": seed(SSL_STRICT | SECURE | REFERER, submitted=tok, referer="https://example.com/"),
        "token_missing": seed(base, submitted="", referer="https://example.com/", form="csrf_token=&q=1"),
        "token_of_other_secret": seed(base, submitted=token("other-secret", RAW), referer="https://example.com/"),
        "tampered_signature": seed(base, submitted=tok[:-3] + ("AAA" if tok[-3:] != "AAA" else "BBB"),
                                   referer="https://example.com/"),
        "signature_with_padding_and_junk": seed(base, submitted=tok + "==", referer="https://example.com/"),
        "timestamp_junk_is_1970": seed(base | NO_LIMIT, submitted=signed("change-me", base64_encode(f'"{RAW}"') + b".!!!"),
                                       referer="https://example.com/"),
        "payload_not_canonical_json": seed(base, submitted=signed("change-me", base64_encode(b'"\\u0061bc"')),
                                           session="abc", referer="https://example.com/"),
        "payload_int_typeerror": seed(base, submitted=URLSafeTimedSerializer("change-me", salt="wtf-csrf-token").dumps(5),
                                      referer="https://example.com/"),
        "session_token_non_ascii": seed(base, submitted=token("change-me", "é"), session="é".encode(),
                                        referer="https://example.com/"),
        "referrer_missing_on_https": seed(SSL_STRICT | SECURE | SESSION, submitted=tok),
        "referrer_http_downgrade": seed(base, submitted=tok, referer="http://example.com/login"),
        "referrer_other_site": seed(base, submitted=tok, referer="https://evil.example.net/phish"),
        "referrer_userinfo_and_case": seed(base, submitted=tok, referer="https://user:pw@EXAMPLE.com/a?b#c"),
        "referrer_tab_and_leading_space": seed(base, submitted=tok, referer=" https://exa\tmple.com/"),
        "referrer_bad_port_other_scheme": seed(base, submitted=tok, referer="http://example.com:abc/"),
        "referrer_bad_port_same_host": seed(base, submitted=tok, referer="https://example.com:8x/"),
        "referrer_port_leading_zeros": seed(base, submitted=tok, referer="https://example.com:0443/",
                                            host="example.com:443"),
        "referrer_ipv6": seed(base, submitted=tok, referer="https://[::1]:8443/form", host="[::1]:8443"),
        "referrer_ipv6_unbalanced": seed(base, submitted=tok, referer="https://[::1/form", host="[::1]"),
        "referrer_not_ipv6": seed(base, submitted=tok, referer="https://[example.com]/", host="[example.com]"),
        "referrer_ipv4_mapped_ipv6": seed(base, submitted=tok, referer="https://[::ffff:192.0.2.1]/form",
                                          host="[::FFFF:192.0.2.1]"),
        "referrer_ipv6_full_form": seed(base, submitted=tok, referer="https://[2001:db8:0:0:0:0:0:1]:8443/",
                                        host="[2001:db8:0:0:0:0:0:1]:8443"),
        "referrer_ipv6_octet_leading_zero": seed(base, submitted=tok, referer="https://[::1.2.3.04]/", host="[::1.2.3.4]"),
        "referrer_ipvfuture": seed(base, submitted=tok, referer="https://[v1.fe80::a+en1]/", host="[v1.fe80::a+en1]"),
        "signed_timestamp_beyond_year_9999": seed(base | NO_LIMIT, submitted=token("change-me", RAW, 10**12),
                                                  referer="https://example.com/"),
        "ssl_strict_off": seed(SECURE | SESSION, submitted=tok),
        "get_is_not_checked": seed(base | GET, submitted="", form="q=search"),
        "put_json_api": seed(base | PUT | IN_HEADER, submitted=tok, referer="https://example.com/api",
                             headers="Content-Type: application/json\nx-csrf-token: ignored-second-header"),
        "lowercase_delete_not_checked": seed(base | DELETE_LOWER, submitted=""),
        "field_ending_in_csrf_token": seed(base, submitted="", form=f"csrf_token=&login_csrf_token={tok}",
                                           referer="https://example.com/"),
        "double_submit_cookie": seed(SESSION, submitted="q3D8bXq4V7HnJ2kC0sY5wLmT9eRfUaPz1xGvBiNoKhE",
                                     cookie="q3D8bXq4V7HnJ2kC0sY5wLmT9eRfUaPz1xGvBiNoKhE", mutation=0),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
