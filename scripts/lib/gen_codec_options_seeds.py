#!/usr/bin/python3
"""Writes the seeds of codec_options_fuzzer (targets/codec_options_fuzzer.cpp): itsdangerous serializers with the
options the Flask session does not use (plain and untimed, salt None, every digest and key derivation, keys longer
than the hash block, refused separators), values signed with the target's keys (computed here as itsdangerous
computes them, with hashlib and hmac), payloads behind a valid MAC that do not decode, Flask's tagged JSON, Cookie
headers for werkzeug's parse_cookie, and the byte values of mode 5.

Input layout: u8 mode (0 round trip, 1 untrusted, 2 key holder: then u8 options, u8 separator; 3 tagged JSON,
4 Cookie header, 5 values), then the data. Options: bits 0-1 digest (sha1, sha256, sha512, md5), bits 2-3 derivation
(concat, django-concat, hmac, none), bit4 URL-safe, bit5 timed, bit6 salt None, bit7 a key longer than the block.
Separators: ".", ":", "~~", "|", "a", "".
Run: /usr/bin/python3 scripts/lib/gen_codec_options_seeds.py [OUTDIR]
     /usr/bin/python3 scripts/lib/gen_codec_options_seeds.py --merge build/libfuzzer/fuzz/codec_options_fuzzer"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402

DIGESTS = ["sha1", "sha256", "sha512", "md5"]
DERIVATIONS = ["concat", "django-concat", "hmac", "none"]
SEPS = [".", ":", "~~", "|", "a", ""]
URL_SAFE, TIMED, SALT_NONE, LONG_KEY = 16, 32, 64, 128
TS = 1700000000


def opts(digest="sha1", derivation="django-concat", url_safe=True, timed=True, salt_none=False, long_key=False):
    return (DIGESTS.index(digest) | DERIVATIONS.index(derivation) << 2 | (URL_SAFE if url_safe else 0) |
            (TIMED if timed else 0) | (SALT_NONE if salt_none else 0) | (LONG_KEY if long_key else 0))


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def key_of(opt):
    return b"K" * (129 + opt % 7) if opt & LONG_KEY else b"codec-key"


def signature(opt, value):
    """itsdangerous Signer.get_signature with the target's newest key (targets/codec_options_fuzzer.cpp)."""
    h = getattr(hashlib, DIGESTS[opt & 3])
    salt = b"itsdangerous.Signer" if opt & SALT_NONE else b"itsdangerous"
    key = key_of(opt)
    der = DERIVATIONS[(opt >> 2) & 3]
    if der == "concat":
        k = h(salt + key).digest()
    elif der == "django-concat":
        k = h(salt + b"signer" + key).digest()
    elif der == "hmac":
        k = hmac.new(key, salt, h).digest()
    else:
        k = key
    return b64(hmac.new(k, value, h).digest())


def sign(opt, sep, value, ts=TS):
    s = SEPS[sep].encode()
    if opt & TIMED:
        value = value + s + b64(struct.pack(">Q", ts).lstrip(b"\0"))
    return value + s + signature(opt, value)


def payload(obj_json, compress=None):
    """URLSafeSerializer.dump_payload of JSON text (compressed when zlib saves 2 bytes, or as forced)."""
    c = zlib.compress(obj_json)
    if compress if compress is not None else len(c) < len(obj_json) - 1:
        return b"." + b64(c)
    return b64(obj_json)


def seed(mode, data, opt=None, sep=0):
    head = bytes([mode]) + (bytes([opt, sep]) if opt is not None else b"")
    return head + (data.encode() if isinstance(data, str) else data)


REPEAT = json.dumps({"user": "alice", "roles": ["admin"] * 8}, separators=(",", ":")).encode()

SEEDS = {
    # mode 0: round trips with every option
    "round_default": seed(0, '{"a": [1, 2.5, null, true], "b": "\\u00e9"}', opts()),
    "round_plain_untimed": seed(0, '[1e300, -0.0, NaN, "x", {"k": {}}]', opts(url_safe=False, timed=False, digest="sha256"), 1),
    "round_plain_timed": seed(0, '{"z": 123456789012345678901234567890}', opts(url_safe=False, derivation="concat", digest="md5"), 2),
    "round_urlsafe_untimed": seed(0, REPEAT, opts(timed=False, derivation="hmac", digest="sha512", salt_none=True), 3),
    "round_long_key": seed(0, '"\\ud800 lone"', opts(derivation="none", long_key=True, digest="sha512")),
    "round_long_key_sha1": seed(0, '"x"', opts(derivation="none", long_key=True, url_safe=False)),
    "round_bad_sep": seed(0, "1", opts(), 4),
    "round_empty_sep": seed(0, "1", opts(), 5),
    # mode 1: untrusted values, signed by the key or not
    "untrusted_valid_timed": seed(1, sign(opts(), 0, payload(b'{"a":1}')), opts()),
    "untrusted_valid_plain": seed(1, sign(opts(url_safe=False, timed=False), 1, b'{"a": 1}'), opts(url_safe=False, timed=False), 1),
    "untrusted_expired": seed(1, sign(opts(), 0, payload(b"1"), ts=TS - 7200), opts()),
    "untrusted_future": seed(1, sign(opts(), 0, payload(b"1"), ts=TS + 60), opts()),
    "untrusted_no_sep": seed(1, "no separator here", opts()),
    "untrusted_no_sep_untimed": seed(1, "no separator here", opts(timed=False)),
    "untrusted_bad_sig": seed(1, "eyJhIjoxfQ.ZVS3AA.AAAA", opts()),
    "untrusted_bad_sig_untimed": seed(1, "eyJhIjoxfQ.AAAA", opts(timed=False)),
    "untrusted_no_stamp": seed(1, sign(opts(timed=False), 0, b"eyJhIjoxfQ"), opts()),
    "untrusted_bad_stamp": seed(1, sign(opts(timed=False), 0, b"eyJhIjoxfQ.!!!!"), opts()),
    "untrusted_huge_stamp": seed(1, sign(opts(), 0, payload(b"1"), ts=2 ** 62), opts()),
    "untrusted_bad_payload": seed(1, sign(opts(), 0, b"@@@"), opts()),
    # mode 2: payloads behind a valid MAC
    "holder_json": seed(2, payload(b'{"ok": [1, 2]}'), opts()),
    "holder_zlib": seed(2, payload(REPEAT, compress=True), opts(timed=False)),
    "holder_bad_base64": seed(2, "a", opts()),
    "holder_bad_zlib": seed(2, "." + b64(b"not zlib at all").decode(), opts()),
    "holder_zip_bomb": seed(2, b"." + b64(zlib.compress(b"[" + b"0," * 3000 + b"0]")), opts()),
    "holder_not_utf8": seed(2, b64(b'"caf\xe9"'), opts()),
    "holder_not_utf8_plain": seed(2, b'["ok", "\xc3\x28"]', opts(url_safe=False)),
    "holder_not_json": seed(2, payload(b"{'single': 1}"), opts(timed=False)),
    # the first invalid byte after each kind of lead byte (UnicodeDecodeError.start)
    **{f"holder_not_utf8_{name}": seed(2, b'"ok ' + bad + b'"', opts(url_safe=False, timed=False))
       for name, bad in [("e0", b"\xe0\x9f\x80"), ("ed", b"\xed\xa0\x80"), ("f0", b"\xf0\x8f\x80\x80"),
                         ("f1", b"\xf1\x80\x80"), ("f4", b"\xf4\x90\x80\x80"), ("e1", b"\xe1\x80"), ("c0", b"\xc0\x80")]},
    "holder_plain_text": seed(2, '{"a": [1, 2]}', opts(url_safe=False, timed=False, digest="md5"), 2),
    "holder_too_deep": seed(2, b64(b"[" * 80 + b"]" * 80), opts()),
    # mode 3: tagged JSON
    "tagged_all": seed(3, '{" t": [1, {" b": "AAE="}, {" m": "<b>"}, {" u": "12345678-1234-5678-1234-567812345678"}, '
                          '{" d": "Thu, 02 Jan 2020 03:04:05 GMT"}, {" di": {" t__": 1}}, NaN, [Infinity]]}'),
    "tagged_markup_of_values": seed(3, '[{" m": {" u": "0123456789abcdef0123456789abcdef"}}, {" m": {" d": "Sun, 06 Nov 1994 08:49:37 +0130"}}, '
                                       '{" m": 1.5}, {" m": [1, {" t": [2]}]}, {" m": {" b": "eA=="}}, {" m": null}]'),
    "tagged_dict_uuid_first": seed(3, '{"a": {" u": "12345678123456781234567812345678"}, "b": [{" t": [1]}], '
                                      '"c": "it\'s \\\\ \\"q\\""}'),
    "tagged_two_digit_year": seed(3, '{" d": "Mon, 01 Jan 0050 00:00:00 GMT"}'),
    "tagged_untag_error": seed(3, '{" t": 5}'),
    # mode 4: Cookie headers
    "cookie_mixed": seed(4, 'a=1; b="q\\"uo\\\\ted\\054"; c = sp ; =novalue; d; e=\xc3\xa9; f="\\303\\251"'),
    "cookie_unicode_space": seed(4, "k=\u2003v\u00a0; \u3000x=1"),
    "cookie_not_utf8": seed(4, b"a=1; b=\xff; c=3"),
    "cookie_truncated_utf8": seed(4, b"a=\xe2\x82"),
    "cookie_dump_round_trip": seed(4, 'tok="a;b,c"; sp="with space"; q="\\"x\\""; u=caf\u00e9'),
    # mode 5: values
    "values_long_key": seed(5, bytes([2]) + bytes(range(8)) + struct.pack("<II", 123456, 3601) + bytes([0x08 | 0x20]) + b"k" * 140),
    "values_offset": seed(5, bytes([0]) + b"\xff" * 8 + struct.pack("<II", 0, 86399 + 5400 + 7) + bytes([0x10 | 0x40 | 3]) + b"'\"\\\x00\x7f"),
    "values_small": seed(5, bytes([3]) + b"\0" * 7 + b"\x05" + struct.pack("<II", 999999, 1) + bytes([0x18]) + b"b'x'"),
}

if __name__ == "__main__":
    write_seeds("codec_options_fuzzer", SEEDS, sys.argv[1:])
