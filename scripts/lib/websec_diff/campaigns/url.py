"""url: websec.url.check's scheme against urllib.parse.urlsplit (Python 3.11.2), spec §3.3.

The oracle scheme is urlsplit(u).scheme (computed on the text up to the first ':' so that netloc errors
cannot hide it); with from_attribute=True the value is html.unescape'd first, as a browser decodes character
references in an attribute before parsing the URL. Verdict: 'dangerous' for javascript/vbscript/data,
'relative' without a scheme, 'safe' otherwise.
"""
from __future__ import annotations

import html
import urllib.parse

from hypothesis import strategies as st

from .. import strategies as S
from ..core import CampaignBase, Disagreement

DANGEROUS = {"javascript", "vbscript", "data"}
PREFIX = st.sampled_from(["", " ", "\x00", "\x01 ", "\t", "\n", "\xa0", "\x1f", "\u2028", "  \x0c"])
SCHEME = st.sampled_from(["javascript", "JaVaScRiPt", "java\tscript", "java\nscript", "java\x00script", "jav\rascript",
                          "vbscript", "data", "DATA", "http", "https", "mailto", "a+b.c-d", "1abc", "-x", "ja vascript",
                          "jаvascript", "javascript ", "&#106;avascript", "javascript&colon;", "&#x6A;avascript",
                          "java&Tab;script", "", "feed", "x"])
SEP = st.sampled_from([":", ":", "&colon;", "&#58;", "&#x3a;", " :", "", "//", "\t:"])
REST = st.sampled_from(["alert(1)", "//example.com/", "text/html,<script>", "", "//[::1", "//a\uff03b", "?q#f"])


class Campaign(CampaignBase):
    name = "url"
    requires = ("url",)
    targets = ("url_fuzzer",)
    batch_size = 300

    def strategy(self):
        shaped = st.tuples(PREFIX, SCHEME, SEP, REST, PREFIX).map("".join)
        return st.tuples(st.one_of(shaped, S.text, S.joined(S.short_text, SCHEME, SEP)), st.booleans())

    def corpus_cases(self, target, data):
        s = data.decode("utf-8", "replace")
        yield (s, False)
        yield (s, True)

    def regression(self, case):
        return "url_fuzzer", case[0].encode("utf-8", "surrogatepass")

    def describe(self, case):
        return f"websec.url.check({case[0]!r}, from_attribute={case[1]})"

    @staticmethod
    def oracle_scheme(u: str, from_attribute: bool) -> str:
        if from_attribute:
            u = html.unescape(u)
        i = u.find(":")
        if i < 0:
            return ""
        try:
            return urllib.parse.urlsplit(u[: i + 1]).scheme
        except ValueError:  # "//[" netloc errors: raised only when no scheme was taken
            return ""

    def check(self, case):
        import websec.url as W

        u, attr = case
        scheme = self.oracle_scheme(u, attr)
        verdict = "dangerous" if scheme in DANGEROUS else ("safe" if scheme else "relative")
        r = W.check(u, from_attribute=attr)
        if (r.scheme or "") != scheme or r.verdict != verdict:
            raise Disagreement(f"urlsplit: scheme {scheme!r} verdict {verdict}\n"
                               f"websec:   scheme {r.scheme!r} verdict {r.verdict} ({r.reason})")
