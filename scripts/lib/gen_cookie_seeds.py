#!/usr/bin/python3
"""Writes named set_cookie_fuzzer seeds (corpora/set_cookie_fuzzer/ck_*): a Set-Cookie line whose name and value
exceed 4096 bytes (size is the point), and dump_cookie domains that exercise IDNA nameprep the way Python's
"idna" codec runs it — RFC 3454 B.2 mappings Python takes from today's Unicode, combining marks reordered by
today's classes, the BIDI rules, prohibited characters of the BMP and of plane 15.
Input layout: targets/set_cookie_fuzzer.cpp. Run: /usr/bin/python3 scripts/lib/gen_cookie_seeds.py [OUTDIR]"""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402

LINE, DUMP_UPSTREAM, DUMP_DEBIAN = 0x00, 0x01, 0x03


def dump(flags, key, value, *options):
    return bytes([flags]) + b"\0".join([key, value] + [o.encode("utf-8") for o in options])


SEEDS = {
    "line_over_4096_bytes": bytes([LINE]) + b"big=" + b"v" * 4100 + b"; Secure; HttpOnly",
    "domain_b2_mapping_python_only": dump(DUMP_UPSTREAM, b"sid", b"1", "domain=\u023a\u023b.example"),
    "domain_combining_mark": dump(DUMP_DEBIAN, b"sid", b"1", "domain=x\u0301y.example"),
    "domain_marks_reordered": dump(DUMP_UPSTREAM, b"sid", b"1", "domain=a\u1dc0\u0323.example"),
    "domain_bidi_rule_2": dump(DUMP_UPSTREAM, b"sid", b"1", "domain=\u05d0a.example"),
    "domain_bidi_rule_3": dump(DUMP_UPSTREAM, b"sid", b"1", "domain=\u05d01.example"),
    "domain_private_use_bmp": dump(DUMP_UPSTREAM, b"sid", b"1", "domain=\ue000.example"),
    "domain_private_use_plane15": dump(DUMP_DEBIAN, b"sid", b"1", "domain=a\U000f0000.example"),
}


def main():
    write_seeds("set_cookie_fuzzer", SEEDS, sys.argv[1:], prefix="ck_")


if __name__ == "__main__":
    main()
