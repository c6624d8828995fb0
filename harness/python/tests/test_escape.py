import json

import markupsafe
import pytest


escape = pytest.importorskip("websec.escape")


@pytest.mark.parametrize("s", ["", "plain", "<a href='x'>&\"</a>", "é€😀\x00\u2028", "\ud800 lone surrogate"])
def test_escape_matches_markupsafe(s):
    assert escape.escape(s) == str(markupsafe.escape(s))


def test_escape_bytes_is_bytewise_and_typed():
    raw = b"<\xff>&"
    assert escape.escape_bytes(raw) == b"&lt;\xff&gt;&amp;"
    assert escape.escape_bytes(bytearray(raw)) == b"&lt;\xff&gt;&amp;"
    assert escape.escape_bytes(memoryview(raw)) == b"&lt;\xff&gt;&amp;"
    assert type(escape.escape_bytes(raw)) is bytes
    with pytest.raises(TypeError):
        escape.escape_bytes("<")


@pytest.mark.parametrize("v", [b"<\xff>&", bytearray(b"'<"), memoryview(b"x"), b""])
def test_escape_of_bytes_is_markupsafes(v):
    got, want = escape.escape(v), markupsafe.escape(v)
    assert got == want and isinstance(got, escape.Markup)


def test_for_profile():
    assert escape.for_profile("upstream").Markup is escape.Markup
    debian = escape.for_profile("debian")
    assert issubclass(debian.Markup, escape.Markup) and debian.Markup.__name__ == "Markup"
    assert type(debian.escape("<")) is debian.Markup and type(debian.escape_silent(None)) is debian.Markup
    assert debian.Markup("{a}").format_map({"a": "<"}) == str(markupsafe.Markup("{a}").format_map({"a": "<"}))
    with pytest.raises(ValueError):
        escape.for_profile("3.0")


def test_escape_objects():
    class H:
        def __html__(self):
            return "<b>safe</b>"

    assert escape.escape(H()) == "<b>safe</b>"
    assert escape.escape(None) == "None" and escape.escape_silent(None) == ""
    assert escape.escape(5) == "5"


def test_large_input_round_trip():
    s = "<&>" * 100000
    assert escape.unescape(escape.escape(s)) == s


def test_kernels_agree():
    s = "x<y>" * 1000 + "é"
    outs = {escape.escape_with(k, s) for k in escape.kernels()}
    assert outs == {escape.escape(s)}
    assert escape.active_kernel() in escape.kernels()


def test_unescape_and_striptags_profiles():
    assert escape.unescape("&notit; &amp; &#x110000;") == "¬it; & \ufffd"
    s = "<!-<!--c-->-a>b-->"
    assert escape.striptags(s, profile="debian") == markupsafe.Markup(s).striptags()  # 2.1.2 installed
    assert escape.striptags(s, profile="upstream") == ""


def test_tojson():
    v = {"b": [1, 2.5, None, True], "a": "<script>'&'</script>", "é": 10**30}
    from jinja2.utils import htmlsafe_json_dumps
    assert escape.tojson(v) == str(htmlsafe_json_dumps(v, sort_keys=True))
    assert escape.tojson([1], indent=2) == "[\n  1\n]"
    with pytest.raises(TypeError):
        escape.tojson({1, 2})


def test_markup_operations_escape_the_other_operand():
    M = escape.Markup
    assert str(M("<b>%s</b>") % "<i>") == "<b>&lt;i&gt;</b>"
    assert str(M("<b>") + "<i>") == "<b>&lt;i&gt;"
    assert str("<i>" + M("<b>")) == "&lt;i&gt;<b>"
    assert str(M("<br>").join(["<", M("<ok>")])) == "&lt;<br><ok>"
    assert str(M("{}-{}").format("<", 1)) == "&lt;-1"
    assert M.escape("<") == M("&lt;")
    assert escape.escape(M("<b>")) == "<b>"  # __html__: no double escaping


def test_xmlattr():
    assert str(escape.xmlattr({"class": "a<b", "skip": None})) == ' class="a&lt;b"'
    with pytest.raises(ValueError, match="Invalid character in attribute name"):
        escape.xmlattr({"a b": "1"})
