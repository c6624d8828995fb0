#!/usr/bin/python3
"""Writes the seeds of form_options_fuzzer (targets/form_options_fuzzer.cpp): request bodies with the Content-Type
and Content-Length header texts as sent (Python int() with '_', signs and spaces in Debian's werkzeug, _plain_int
upstream, a boundary parameter without a value), chunked, streamed and read-to-the-end bodies, urlencoded bodies
over max_form_memory_size with a streamed length, and file parts for the callback and memory sinks around their
roll-over size.

Input layout: u8 flags (bit0 debian, bits 1-2 framing: 0 Content-Length text, 1 chunked, 2 streamed length,
3 read to end; bit3 max_form_memory_size 64, bit4 max_content_length 256, bit5 max_form_parts 2), u8 spool
(spool_max_size, and where the body is cut in two feeds), the Content-Type line, the Content-Length line, the body.
Run: /usr/bin/python3 scripts/lib/gen_form_options_seeds.py [OUTDIR]
     /usr/bin/python3 scripts/lib/gen_form_options_seeds.py --merge build/libfuzzer/fuzz/form_options_fuzzer"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402

DEBIAN = 1
CHUNKED, STREAMED, READ_TO_END = 2, 4, 6
MEMORY_64, MCL_256, PARTS_2 = 8, 16, 32


def seed(body, ct="multipart/form-data; boundary=b", cl=None, flags=0, spool=128):
    if isinstance(body, str):
        body = body.encode()
    if cl is None:
        cl = str(len(body))
    return bytes([flags, spool]) + ct.encode() + b"\n" + cl.encode() + b"\n" + body


def multipart(*parts, boundary="b"):
    out = ""
    for headers, value in parts:
        out += f"--{boundary}\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n" + value + "\r\n"
    return out + f"--{boundary}--\r\n"


FILES = multipart((['Content-Disposition: form-data; name="f"; filename="a.txt"', "Content-Type: text/plain"], "x" * 40),
                  (['Content-Disposition: form-data; name="g"; filename=""'], ""),
                  (['Content-Disposition: form-data; name="big"; filename="b.bin"'], "y" * 300),
                  (['Content-Disposition: form-data; name="t"'], "text field"))
FORM = "a=1&b=%C3%A9&c=" + "z" * 80
URLENCODED = "application/x-www-form-urlencoded"


def form(body, **kw):
    return seed(body, ct=URLENCODED, **kw)

SEEDS = {
    "files_upstream": seed(FILES, spool=100),
    "files_debian_small_spool": seed(FILES, flags=DEBIAN, spool=0),
    "files_limits": seed(FILES, flags=MEMORY_64 | MCL_256 | PARTS_2, spool=255),
    "files_chunked_mcl": seed(FILES, flags=CHUNKED | MCL_256, spool=17),
    "files_streamed_mcl": seed(FILES, flags=STREAMED | MCL_256, spool=200),
    "files_read_to_end": seed(FILES, flags=READ_TO_END | DEBIAN, spool=60),
    "boundary_without_value_debian": seed(FILES, ct="multipart/form-data; boundary", flags=DEBIAN),
    "boundary_without_value": seed(FILES, ct="multipart/form-data; boundary"),
    "boundary_not_ascii": seed(FILES, ct="multipart/form-data; boundary=\xe9"),
    "boundary_missing": seed(FILES, ct="multipart/form-data"),
    "ct_quoted_charset": seed(FORM, ct='application/x-www-form-urlencoded; charset="utf-8"'),
    "ct_x_url_encoded_debian": seed(FORM, ct="application/x-url-encoded", flags=DEBIAN),
    "ct_other": seed(FORM, ct="text/plain"),
    "ct_empty": seed(FORM, ct=""),
    # Content-Length texts
    "cl_underscore_debian": form(FORM, cl="4_0", flags=DEBIAN),
    "cl_sign_spaces_debian": form(FORM, cl=" +12\t", flags=DEBIAN),
    "cl_double_underscore_debian": form(FORM, cl="1__0", flags=DEBIAN),
    "cl_leading_underscore_debian": form(FORM, cl="_10", flags=DEBIAN),
    "cl_trailing_underscore_debian": form(FORM, cl="10_", flags=DEBIAN),
    "cl_negative_debian": form(FORM, cl="-5", flags=DEBIAN),
    "cl_unicode_space_debian": form(FORM, cl="\u00a012\x85", flags=DEBIAN),
    "cl_sign_upstream": form(FORM, cl="+12"),
    "cl_negative_upstream": form(FORM, cl="-0"),
    "cl_spaces_upstream": form(FORM, cl=" 30 "),
    "cl_text_upstream": form(FORM, cl="abc"),
    "cl_huge": form(FORM, cl="99999999999999999999999"),
    "cl_longer_than_body_debian": form(FORM, cl="500", flags=DEBIAN),
    # urlencoded bodies over max_form_memory_size with a streamed length (checked as fed, and at finish)
    "urlencoded_streamed_memory": form(FORM, flags=STREAMED | MEMORY_64, spool=30),
    "urlencoded_streamed_memory_late": form(FORM, flags=STREAMED | MEMORY_64, spool=255),
    "urlencoded_declared_memory": form(FORM, flags=MEMORY_64 | DEBIAN),
    "urlencoded_streamed_mcl": form(FORM * 3, flags=STREAMED | MCL_256, spool=250),
}

if __name__ == "__main__":
    write_seeds("form_options_fuzzer", SEEDS, sys.argv[1:])
