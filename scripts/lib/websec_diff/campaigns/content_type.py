"""content_type: websec.content_type.parse_options_header(profile='debian') against werkzeug 2.2.2's
parse_options_header (regex-based; spaces around '=', values up to ';' or ',', RFC 2231 with any codec).

Inputs: Content-Type / Content-Disposition shaped headers (quoted and unquoted values, escapes, duplicates,
RFC 2231 `key*=charset'lang'%XX` and continuations, commas, newlines) and every content_type_fuzzer file.
Compared: the value and the parameter dict, or the same failure (UnicodeDecodeError → kind
parameter_charset_decode, LookupError → unknown_charset; 'unsupported_charset' is a codec the library does not
implement and is counted as excused in known_differences.py).
"""
from __future__ import annotations

from hypothesis import strategies as st
from werkzeug.http import parse_options_header

from .. import strategies as S
from ..core import CampaignBase, Disagreement, excused

VALUE = st.one_of(st.sampled_from(["multipart/form-data", "form-data", "text/plain", "attachment", "", " x ", "a,b"]),
                  S.short_text)
KEY = st.one_of(st.sampled_from(["boundary", "name", "filename", "charset", "BOUNDARY", "filename*", "name*0", "name*1",
                                 "filename*0*", "a b", "k"]), S.short_text)
PVAL = st.one_of(st.sampled_from(['"a b"', '"a\\\\"b"', '"x;y"', "a b", "a:b", "a/b", "UTF-8''%E2%82%AC.txt",
                                  "koi8-r''%C1", "utf-8''%FF", "bogus''x", "iso-8859-1'en'%E9", '"\\\\\\\\srv\\\\s"',
                                  '"%22q%22"', "", "c,d", '"unterminated']), S.short_text)
SEP = st.sampled_from(["; ", ";", " ; ", ";\t", ";,", "\n", ", "])
EQ = st.sampled_from(["=", " = ", "=", ""])


@st.composite
def header(draw):
    parts = [draw(VALUE)]
    for _ in range(draw(st.integers(0, 4))):
        parts.append(draw(SEP) + draw(KEY) + draw(EQ) + draw(PVAL))
    return "".join(parts)


def run(fn):
    try:
        return ("ok",) + tuple(fn())
    except Exception as e:  # noqa: BLE001
        return ("error", type(e).__name__)


ERRORS = {"parameter_charset_decode": ("UnicodeDecodeError", "UnicodeError", "ValueError"), "unknown_charset": ("LookupError",),
          "continuation_of_none": ("TypeError",)}


class Campaign(CampaignBase):
    name = "content_type"
    requires = ("content_type",)
    targets = ("content_type_fuzzer",)
    batch_size = 300

    def strategy(self):
        return st.one_of(header(), S.text)

    def corpus_cases(self, target, data):
        yield data.decode("utf-8", "replace")

    def regression(self, case):
        return "content_type_fuzzer", case.encode("utf-8", "surrogatepass")

    def describe(self, case):
        return f"werkzeug.http.parse_options_header({case!r})\nwebsec.content_type.parse_options_header({case!r}, profile='debian')"

    def check(self, s):
        import websec.content_type as W

        want = run(lambda: parse_options_header(s))
        try:
            got = ("ok",) + tuple(W.parse_options_header(s, profile="debian"))
        except W.OptionsHeaderError as e:
            if excused(self.name, s, want, ("error", e.kind)):
                return
            got = ("error", e.kind)
            if want[0] == "error" and want[1] in ERRORS.get(e.kind, ()):
                return
        if want != got and not excused(self.name, s, want, got):
            raise Disagreement(f"werkzeug: {want!r}\nwebsec:   {got!r}")
