#!/usr/bin/python3
"""Writes the seed corpora of multipart_fuzzer, urlencoded_fuzzer and content_type_fuzzer (corpora/<target>/):
request bodies shaped like Firefox, Chrome, Safari and curl uploads, and the bodies of the multipart vectors
(harness/tests/vectors/debian/multipart.json). Run: /usr/bin/python3 scripts/lib/gen_form_seeds.py"""
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def seg_bytes(segs):
    out = b""
    for s in segs:
        if "latin1" in s:
            out += s["latin1"].encode("latin-1")
        else:
            out += bytes([s["fill"]]) * s["count"]
    return out


def mp_seed(boundary: bytes, body: bytes, flags=0, mfms=0, mfp=255, mclb=0, seed=12345, filler=(0, 0)):
    assert 1 <= len(boundary) <= 16 or True
    b = boundary[:16]
    head = bytes([flags, (mfms >> 8) & 255, mfms & 255, mfp, mclb, (len(b) - 1) % 16]) + b
    head += struct.pack("<I", seed) + bytes([filler[0] >> 8, filler[0] & 255, filler[1]])
    return head + body


def part(b, name, value, filename=None, ctype=None, eol=b"\r\n"):
    h = b"--" + b + eol + b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        h += b'; filename="' + filename + b'"'
    h += eol
    if ctype:
        h += b"Content-Type: " + ctype + eol
    return h + eol + value + eol


def write(target, name, data):
    d = os.path.join(ROOT, "corpora", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    # browsers (boundaries trimmed to the fuzzer's 16-byte maximum keep their shape)
    ff = b"-----------90519"
    chrome = b"----WebKitFormBo"
    curl = b"--------d74496d6"
    write("multipart_fuzzer", "firefox_text_and_file", mp_seed(ff, part(ff, b"title", b"Hello") +
          part(ff, b"upload", b"line one\nline two\n", b"notes.txt", b"text/plain") + b"--" + ff + b"--\r\n"))
    write("multipart_fuzzer", "chrome_two_fields_and_png", mp_seed(chrome, part(chrome, b"q", b"search terms") +
          part(chrome, b"csrf_token", b"IjA4ZTJlZDc0NGQ.ZxYz") +
          part(chrome, b"avatar", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"me.png", b"image/png") + b"--" + chrome + b"--\r\n"))
    write("multipart_fuzzer", "safari_empty_file_input", mp_seed(chrome, part(chrome, b"name", b"x") +
          part(chrome, b"file", b"", b"", b"application/octet-stream") + b"--" + chrome + b"--\r\n"))
    write("multipart_fuzzer", "curl_F_file", mp_seed(curl, part(curl, b"file", b"#!/bin/sh\necho hi\n", b"a.sh", b"application/x-sh")
          + b"--" + curl + b"--\r\n", flags=0x02))
    write("multipart_fuzzer", "curl_chunked_debian", mp_seed(curl, part(curl, b"k", b"v") + b"--" + curl + b"--\r\n", flags=0x05))
    write("multipart_fuzzer", "crlf_at_64k_read", mp_seed(b"b", b'--b\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n'
          + b"x\r\n--b--\r\n", flags=0x10, filler=(16368, ord("x"))))
    write("multipart_fuzzer", "near_boundary_debian_quirk", mp_seed(b"b", b'--b\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n\r--bx'
          + b"\r\n--b--\r\n", flags=0x11, mfms=64, filler=(4000, ord("y"))))
    write("multipart_fuzzer", "parts_limit_2", mp_seed(b"b", part(b"b", b"a", b"1") + part(b"b", b"b", b"2") + part(b"b", b"c", b"3")
          + b"--b--\r\n", mfp=2))
    write("multipart_fuzzer", "field_limit_across_reads", mp_seed(b"b", part(b"b", b"a", b"z") + b"--b--\r\n", flags=0x11, mfms=8192,
          filler=(20000, ord("z"))))
    # the vectors
    vec = json.load(open(os.path.join(ROOT, "harness/tests/vectors/debian/multipart.json")))
    for i, c in enumerate(vec["multipart"]):
        body = seg_bytes(c["body"])
        if len(body) > 20000:
            continue
        ct = c["request"]["content_type"] or ""
        bnd = b"b"
        if "boundary=" in ct:
            bnd = ct.split("boundary=", 1)[1].split(";")[0].strip('"').encode("utf-8")[:16] or b"b"
        flags = 0x01 if i % 2 else 0x00
        write("multipart_fuzzer", "vector_" + c["name"], mp_seed(bnd, body, flags=flags))
    for c in vec["urlencoded"]:
        body = seg_bytes(c["body"])
        write("urlencoded_fuzzer", "vector_" + c["name"], b"\x00" + body[:4000])
    write("urlencoded_fuzzer", "browser_login", b"\x00username=alice&password=p%40ss+w%C3%B6rd&remember=on")
    write("urlencoded_fuzzer", "curl_data_urlencode", b"\x00q=a%26b%3Dc&empty=&flag&=novalue&x=%FF%ZZ")
    for name, ct in [("firefox_multipart", "multipart/form-data; boundary=---------------------------9051914041544843365972754266"),
                     ("chrome_multipart", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
                     ("curl_multipart", "multipart/form-data; boundary=------------------------d74496d66958873e"),
                     ("quoted_boundary", 'multipart/form-data; boundary="a b;c"'),
                     ("charset_text", "text/html; charset=UTF-8"),
                     ("disposition_rfc2231", "form-data; name=\"f\"; filename=\"a.txt\"; filename*=UTF-8''%E2%82%AC.txt"),
                     ("disposition_continuation", "form-data; name=\"f\"; filename*0=\"ab\"; filename*1=\"cd.txt\""),
                     ("disposition_koi8", "form-data; name=\"f\"; filename*=koi8-r''%E9.txt"),
                     ("unc_filename", 'form-data; name="f"; filename="\\\\srv\\share\\y.txt"'),
                     ("spaces_around_eq", "multipart/form-data; boundary = b ; charset=utf-8"),
                     ("no_value_key", "form-data; name; filename")]:
        write("content_type_fuzzer", name, ct.encode("utf-8"))
    for t in ("multipart_fuzzer", "urlencoded_fuzzer", "content_type_fuzzer"):
        os.makedirs(os.path.join(ROOT, "corpora", t, "regressions"), exist_ok=True)
        keep = os.path.join(ROOT, "corpora", t, "regressions", ".gitkeep")
        open(keep, "a").close()


main()
