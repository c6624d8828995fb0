#!/usr/bin/python3
"""Writes the named multipart_fuzzer seeds that reach the part decoder's charset and limit paths
(corpora/multipart_fuzzer/cs_*): a field over max_form_memory_size on the upstream profile, part charsets that
Python knows but websec does not implement, the "undefined" codec, and UTF-16 / cp1252 bytes decoded with
errors="replace". Input layout: targets/multipart_fuzzer.cpp (mp_seed in gen_form_seeds.py).
Run: /usr/bin/python3 scripts/lib/gen_multipart_seeds.py [OUTDIR]"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_form_seeds import mp_seed  # noqa: E402
from seed_merge import write_seeds  # noqa: E402

B = b"xYz"


def field(value, ctype=None, name=b"f"):
    h = b"--" + B + b'\r\nContent-Disposition: form-data; name="' + name + b'"\r\n'
    if ctype:
        h += b"Content-Type: " + ctype + b"\r\n"
    return h + b"\r\n" + value + b"\r\n"


def end():
    return b"--" + B + b"--\r\n"


def long_field_over_limit():
    """A 70000-byte field (the filler run, bit 4) against max_form_memory_size 69000: each 64 KiB read fits the
    decoder's buffer, the field as a whole does not (werkzeug 3.1's per-field check, not the decoder's)."""
    body = field(b"<>") + end()
    at = body.index(b"<>") + 1
    return mp_seed(B, body, flags=0x10, mfms=69000 // 8, seed=at, filler=(17500, ord("a")))


SEEDS = {
    "field_over_memory_limit_upstream": long_field_over_limit(),
    "charset_shift_jis_unsupported": mp_seed(B, field(b"\x82\xa0", b"text/plain; charset=shift_jis") + end(), flags=1),
    "charset_undefined": mp_seed(B, field(b"abc\xff", b"text/plain; charset=undefined") + end(), flags=1),
    "charset_cp1252_unmapped_byte": mp_seed(B, field(b"a\x81b\x80", b"text/plain; charset=cp1252") + end(), flags=1),
    "charset_utf16_odd_length": mp_seed(B, field(b"a\x00b", b"text/plain; charset=utf-16-le") + end(), flags=1),
    "charset_utf16_lone_high_surrogate_at_end": mp_seed(B, field(b"\x00\xd8", b"text/plain; charset=utf-16-le") + end(), flags=1),
    "charset_utf16_high_surrogate_then_letter": mp_seed(B, field(b"\x00\xd8a\x00\x00\xdc", b"text/plain; charset=utf-16-le") + end(), flags=1),
    "charset_utf32_out_of_range": mp_seed(B, field(b"\x00\x00\x11\x00", b"text/plain; charset=utf-32-le") + end(), flags=1),
}


def main():
    write_seeds("multipart_fuzzer", SEEDS, sys.argv[1:], prefix="cs_")


if __name__ == "__main__":
    main()
