#!/usr/bin/python3
"""Writes named http_request_fuzzer seeds (corpora/http_request_fuzzer/form_*) for the form reader's early
refusals: a urlencoded body whose Content-Length exceeds max_form_memory_size (small limits, byte 0 bit 2).
Input layout: targets/http_request_fuzzer.cpp.
Run: /usr/bin/python3 scripts/lib/gen_http_seeds.py [OUTDIR]"""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402

SMALL_LIMITS = 0x04


def post(path, ctype, body, extra=b""):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + ctype + b"\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


SEEDS = {
    "urlencoded_declared_over_form_memory": bytes([SMALL_LIMITS]) + post(
        b"/form", b"application/x-www-form-urlencoded", b"q=" + b"x" * 98),
}


def main():
    write_seeds("http_request_fuzzer", SEEDS, sys.argv[1:], prefix="form_")


if __name__ == "__main__":
    main()
