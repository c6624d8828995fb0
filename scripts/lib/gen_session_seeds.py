#!/usr/bin/python3
"""Writes named seeds of session_fuzzer, signer_fuzzer and csrf_fuzzer (corpora/<target>/sig_*) that need the
targets' keys or exact payload shapes: tagged JSON with falsy " d" values, a dict of more than 32 keys (the
stable sort of sort_keys), " b" of bytes and signed or 0x-prefixed " u" text; a zlib payload truncated exactly at the decompression cap;
a value signed by signer_fuzzer's newest key (itsdangerous, each key derivation); a timestamp beyond time_t;
a Flask-WTF token whose signed payload is not JSON. Input layouts: targets/session_fuzzer.cpp,
targets/signer_fuzzer.cpp, targets/csrf_fuzzer.cpp. Run: /usr/bin/python3 scripts/lib/gen_session_seeds.py [OUTDIR_BASE]"""
import base64
import hashlib
import json
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from itsdangerous import Signer  # noqa: E402

import gen_csrf_seeds as csrf  # noqa: E402
from gen_csrf_seeds import ROOT  # noqa: E402

SESSION_CAP = 64 * 1024  # session_fuzzer: cfg.max_decompressed
MODE_PAYLOAD, MODE_TAGGED = 1, 2


def tagged(obj):
    return bytes([MODE_TAGGED]) + json.dumps(obj, separators=(",", ":")).encode()


def truncated_at_cap():
    """A "."-zlib payload that inflates to exactly the cap and then lacks its Adler-32 trailer."""
    text = b'{"a":"' + b"x" * (SESSION_CAP - 8) + b'"}'
    assert len(text) == SESSION_CAP
    z = zlib.compress(text, 9)[:-4]
    return bytes([MODE_PAYLOAD]) + b"." + base64.urlsafe_b64encode(z).rstrip(b"=")


def signer_seed(sel, value, untrusted):
    return bytes([sel]) + value + b"\0" + untrusted


def signed_by_fuzzer(sel, value):
    """signer_fuzzer's Signer: keys ["old-key", "fuzz-secret"] (itsdangerous signs with the last), salt
    "cookie-session", derivation bits 0-1, digest bits 2-4, separator bits 5-6 (targets/signer_fuzzer.cpp)."""
    kd = ["concat", "django-concat", "hmac", "none"][sel & 3]
    dm = [hashlib.sha1, hashlib.sha224, hashlib.sha256, hashlib.sha384, hashlib.sha512, hashlib.md5][((sel >> 2) & 7) % 6]
    sep = [".", ":", "~~"][(sel >> 5) % 3]
    return Signer(["old-key", "fuzz-secret"], salt="cookie-session", key_derivation=kd, digest_method=dm, sep=sep).sign(value)


SEEDS = {
    "session_fuzzer": {
        "tagged_falsy_datetimes": tagged({"n": {" d": None}, "z": {" d": 0.0}, "e": {" d": {}}, "l": {" d": []}}),
        "tagged_datetime_of_uuid": tagged({"x": {" d": {" u": "12345678123456781234567812345678"}}}),
        "tagged_33_keys_sorted": tagged({f"k{(i * 7) % 33:02d}": i for i in range(33)}),
        "tagged_bytes_of_bytes": tagged({"b": {" b": {" b": "YUdrPQ=="}}}),
        "tagged_uuid_plus_sign": tagged({"u": {" u": "+" + "1" * 31}}),
        "tagged_uuid_hex_prefix": tagged({"u": {" u": "0x" + "ab" * 15}}),
        "zlib_truncated_at_cap": truncated_at_cap(),
    },
    "signer_fuzzer": {
        "untrusted_signed_by_newest_key": signer_seed(0x00, b"hello", signed_by_fuzzer(0x00, b"hello")),
        "untrusted_signed_hmac_sha256_colon": signer_seed(0x2a, b"v", signed_by_fuzzer(0x2a, b"payload")),
        "timestamp_beyond_time_t": signer_seed(0x00, b"", b"v." + base64.urlsafe_b64encode(b"\x80" + b"\0" * 7).rstrip(b"=")),
    },
    "csrf_fuzzer": {
        "payload_not_json": csrf.seed(csrf.SSL_STRICT | csrf.SECURE | csrf.SESSION | csrf.REFERER,
                                      submitted=csrf.signed("change-me", base64.urlsafe_b64encode(b'{"a":').rstrip(b"=")),
                                      referer="https://example.com/"),
    },
}


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "corpora")
    n = 0
    for target, seeds in SEEDS.items():
        out = os.path.join(base, target)
        os.makedirs(out, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, "sig_" + name), "wb") as f:
                f.write(data)
            n += 1
    print(f"wrote {n} seeds under {os.path.relpath(base, ROOT)}")


if __name__ == "__main__":
    main()
