"""escape: websec.escape against markupsafe 2.1.2 and jinja2 3.1.2 (Debian).

escape(s) ≡ str(markupsafe.escape(s)); unescape(s) ≡ Markup(s).unescape() (html.unescape);
striptags(s, profile='debian') ≡ Markup(s).striptags() (2.1.2: one comment pass, spec §3.1 [Δ]);
tojson(v) ≡ jinja2.utils.htmlsafe_json_dumps(v, sort_keys=True) (Jinja's and Flask's |tojson).
"""
from __future__ import annotations

import html
import markupsafe
from hypothesis import strategies as st
from jinja2.utils import htmlsafe_json_dumps

from .. import strategies as S
from ..core import CampaignBase, Disagreement

ENTITIES = st.sampled_from([
    "&amp;", "&AMP;", "&Amp;", "&lt", "&lt;", "&gt", "&quot;", "&#39;", "&#34;", "&#x27;", "&#X41;", "&#0;",
    "&#x110000;", "&#xD800;", "&#128;", "&#x80;", "&#x9f;", "&#65", "&#x41", "&#", "&#x", "&#;", "&notit;",
    "&not", "&copy", "&copy;", "&CounterClockwiseContourIntegral;", "&nbsp", "&amp", "&&amp;", "&;",
    "&#99999999999999999999;", "&#-1;", "&#x+41;", "&zwnj;", "&NotNestedLessLess;", "&acE;", "&foo;"])
TAGS = st.sampled_from(["<b>", "</b>", "<a href='x'>", "<!--", "-->", "<!-- c -->", "<", ">", "<!-<!--c-->-a>",
                        "<br/>", "< p >", "<!---->", "<>", "<\n>", "<!--<!-- x -->-->"])


def _op_strategy():
    s = S.joined(S.text, S.short_text, ENTITIES, TAGS)
    return st.one_of(
        st.tuples(st.just("escape"), S.text_with_surrogates),
        st.tuples(st.just("escape"), s),
        st.tuples(st.just("unescape"), s),
        st.tuples(st.just("striptags"), s),
        st.tuples(st.just("tojson"), S.json_values()),
    )


class Campaign(CampaignBase):
    name = "escape"
    requires = ("escape",)
    targets = ("escape_fuzzer",)
    batch_size = 200

    def strategy(self):
        return _op_strategy()

    def corpus_cases(self, target, data):
        try:
            s = data.decode("utf-8")
        except UnicodeDecodeError:
            s = data.decode("latin-1")
        for op in ("escape", "unescape", "striptags", "tojson"):
            yield (op, s)

    def regression(self, case):
        op, v = case
        if not isinstance(v, str):
            return super().regression(case)
        return "escape_fuzzer", v.encode("utf-8", "surrogatepass")

    def describe(self, case):
        op, v = case
        return f"websec.escape.{op}({v!r})"

    def check(self, case):
        import websec.escape as W

        op, v = case
        if op == "escape":
            want, got = str(markupsafe.escape(v)), W.escape(v)
        elif op == "unescape":
            want, got = html.unescape(v), W.unescape(v)
        elif op == "striptags":
            want, got = markupsafe.Markup(v).striptags(), W.striptags(v, profile="debian")
        else:
            want, got = str(htmlsafe_json_dumps(v, sort_keys=True)), W.tojson(v)
        if want != got:
            raise Disagreement(f"{op}: markupsafe/jinja2 {want!r}\n{' ' * len(op)}  websec            {got!r}")
