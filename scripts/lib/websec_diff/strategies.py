"""Hypothesis strategies shared by the campaigns: text with controls, astral and special characters."""
from __future__ import annotations

from hypothesis import strategies as st

SPECIAL = list("<>&'\"\x00\b\t\n\r\x0b\x0c\x1b\x7f ;,=:/\\%+?#@[]{}()!$*`|~^") + [
    "\x85", "\xa0", "\u2028", "\u2029", "\u202e", "\u2066", "\u200b", "\ufeff", "\ufffd", "\U0001f600",
    "\U00010000", "\U0010ffff", "é", "€", "а"]

NO_SURROGATES = ("Cs",)
char = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0x7FF),
    st.characters(blacklist_categories=NO_SURROGATES),  # any code point except surrogates
    st.characters(min_codepoint=0x10000, blacklist_categories=NO_SURROGATES),  # astral
)

text = st.text(char, max_size=64)
short_text = st.text(char, max_size=12)
ascii_text = st.text(st.characters(max_codepoint=0x7F), max_size=32)
binary_text = st.binary(max_size=48)

# Text with lone surrogates too (markupsafe and html.unescape handle them; the library sees WTF-8).
text_with_surrogates = st.text(st.one_of(char, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
                               max_size=32)


def joined(*parts_strategies, max_size=12):
    """A string made of pieces drawn from several strategies (e.g. entities between text)."""
    return st.lists(st.one_of(*parts_strategies), max_size=max_size).map("".join)


json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e100, 1e-7, 1e16, 123456789.0, 0.1, 1.5, 2.5e-310]),
    text)


def json_values(max_leaves=12, keys=text):
    return st.recursive(json_scalars,
                        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                st.dictionaries(keys, inner, max_size=4)),
                        max_leaves=max_leaves)
