import pytest


def test_url_check():
    url = pytest.importorskip("websec.url")
    r = url.check("JaVaScRiPt:alert(1)")
    assert (r.verdict, r.scheme, r.danger) == ("dangerous", "javascript", "javascript") and r.reason
    assert url.check("&#106;avascript&colon;x", from_attribute=True).verdict == "dangerous"
    assert url.check("&#106;avascript&colon;x").verdict == "relative"
    assert url.check("https://example.com/").verdict == "safe"
    assert url.check(b"java\tscript:x").scheme == "javascript"


def test_terminal_clean():
    terminal = pytest.importorskip("websec.terminal")
    assert terminal.filter_doc("a\bb") == "ab"
    r = terminal.clean("a\x1b[31mred\u202e")
    assert r.text == "ared" and {c.kind for c in r.changes} == {"csi_sequence", "bidi_override"}
    assert terminal.clean("\x1b[31m", visible=True).text == "\\x1b[31m"
    assert terminal.clean("a\bb", policy="doc").text == "ab"
    with pytest.raises(ValueError):
        terminal.clean("x", policy="lenient")
