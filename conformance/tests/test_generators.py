"""Body generators produce what they claim (checked with werkzeug's own parser) and cookie helpers are exact."""
import base64
import io

import pytest
from werkzeug.wrappers import Request

from websec_conform import generators as g
from websec_conform.expr import ExprError, evaluate, render


def parse(body: g.Body):
    env = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": body.content_type, "CONTENT_LENGTH": str(len(body.data)),
           "wsgi.input": io.BytesIO(body.data)}
    class Unlimited(Request):
        max_form_parts = None
        max_form_memory_size = None
    req = Unlimited(env)
    return req.form, req.files


def test_multipart_parts_count():
    form, files = parse(g.multipart(fields=1001))
    assert len(form) == 1001 and len(files) == 0
    form, files = parse(g.multipart(files=1001))
    assert len(files) == 1001
    form, files = parse(g.multipart(fields=2, files=3, values={"k": "v"}))
    assert len(form) == 3 and form["k"] == "v" and len(files) == 3


def test_field_size_and_extra_fields():
    b = g.field(size=600000).with_fields([("csrf_token", "tok")])
    form, _ = parse(b)
    assert form["csrf_token"] == "tok" and len(form["big"]) == 600000


def test_sized_is_exact_and_chunked_flag():
    for n in (1000, 65536, 1048576, 1048577):
        assert len(g.sized(n)) == n
    c = g.chunked(total=200000)
    assert c.chunked and len(c.data) == 200000


def test_urlencoded_and_json_sizes():
    assert len(g.urlencoded(size=500000).data) == 500000
    assert len(g.json_size(1048577).data) == 1048577


def test_header_bomb_has_no_blank_line():
    b = g.header_bomb(size=600000)
    head = b.data.split(b"X-Pad: ", 1)[1]
    assert b"\r\n\r\n" not in head and len(b.data) > 600000


def test_flip_bit_changes_exactly_one_bit():
    cookie = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs"
    for bit in (0, 7, 100, -1):
        f = g.flip_bit(cookie, bit)
        a, b = (base64.urlsafe_b64decode(x.split(".")[-1] + "=") for x in (cookie, f))
        diff = sum(bin(x ^ y).count("1") for x, y in zip(a, b))
        assert diff == 1 and f.split(".")[:2] == cookie.split(".")[:2]


def test_segments_and_timestamp():
    assert g.segments(".eJw.ab.cd") == [".eJw", "ab", "cd"]
    assert g.replace_segment("a.b.c", -2, "X") == "a.X.c"
    assert g.timestamp_segment(1700000000) == "ZVPxAA"  # docs/spec.md §2.6


def test_zlib_bomb_is_small_but_inflates():
    import zlib
    c = g.zlib_bomb(5_000_000)
    assert c.startswith(".") and len(c) < 10000
    assert len(zlib.decompress(base64.urlsafe_b64decode(c.split(".")[1] + "=="))) > 5_000_000


def test_caps():
    with pytest.raises(g.GeneratorError):
        g.field(size=10**9)


def test_expressions_are_sandboxed():
    assert render("${1 + 2}", {}) == 3
    assert render("a-${x}-b", {"x": 5}) == "a-5-b"
    assert render("${limits.max}", {"limits": {"max": 7}}) == 7
    for bad in ("__import__('os')", "().__class__", "open('x')", "'a' * 10**9", "2 ** 1000"):
        with pytest.raises(ExprError):
            evaluate(bad, {})


def test_body_command_reproduces_bytes(capsysbinary):
    from websec_conform import cli
    assert cli.main(["body", "multipart(fields=3)"]) == 0
    assert capsysbinary.readouterr().out == g.multipart(fields=3).data
