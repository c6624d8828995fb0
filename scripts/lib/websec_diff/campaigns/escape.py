"""escape: websec.escape against markupsafe 2.1.2 and jinja2 3.1.2 (Debian).

escape(s) ≡ str(markupsafe.escape(s)); unescape(s) ≡ Markup(s).unescape() (html.unescape);
striptags(s, profile='debian') ≡ Markup(s).striptags() (2.1.2: one comment pass, spec §3.1 [Δ]);
tojson(v) ≡ jinja2.utils.htmlsafe_json_dumps(v, sort_keys=True) (Jinja's and Flask's |tojson).

Markup operations (websec.escape.Markup against markupsafe.Markup): `%` with a tuple, a mapping or one value
(%s %r %a %d %i %f %.2f %5s %-6.2s %x %c %% and %(key)s), `format` with positional and keyword arguments, field
access, conversions and format specs, concatenation both ways, `join`, and `striptags`/`unescape` of the results;
the arguments are text, Markup, objects with __html__ / __html_format__, ints, floats, bools, None and lists. The
result must be the same text, a Markup in both, or the same exception class. The same operations also run on the
library's own markup (websec::escape::markup, `websec._websec.escape.Markup`: percent, percent_mapping,
percent_one, format in C++), which must agree the same way; a case it reports as unsupported (field access, a key
of a sequence, an object's __html_format__) is skipped.
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


PERCENT = st.sampled_from(["%s", "%r", "%a", "%d", "%i", "%f", "%.2f", "%5s", "%-6.2s", "%x", "%c", "%%", "%(k)s",
                           "%(j)r", "%(k)d", "%e", "%g", "%+d", "%05.1f", "%"])
FORMAT = st.sampled_from(["{}", "{0}", "{1}", "{k}", "{j}", "{0!r}", "{0!s}", "{0!a}", "{0:>5}", "{0:.2}", "{k:^7}",
                          "{0[0]}", "{l[1]}", "{0.real}", "{{", "}}", "{", "}", "{0:d}", "{0:.1f}", "{0:x<4}"])
# an argument: (kind, value) rebuilt into objects of either library at check time
ARG = st.one_of(
    st.tuples(st.just("text"), S.joined(S.short_text, TAGS, ENTITIES, max_size=3)),
    st.tuples(st.just("markup"), S.joined(S.short_text, TAGS, max_size=3)),
    st.tuples(st.just("html"), S.joined(S.short_text, TAGS, max_size=3)),
    st.tuples(st.just("html_format"), S.short_text),
    st.tuples(st.just("int"), st.integers(-(1 << 70), 1 << 70)),
    st.tuples(st.just("float"), st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("none"), st.none()),
    st.tuples(st.just("list"), st.lists(S.short_text, max_size=3)),
)


# str methods of Markup, called with up to two text arguments drawn beside the template (markupsafe 2.1.2 escapes
# every str argument and leaves casefold/removeprefix/removesuffix/format_map to str; 3.0 escapes fewer)
METHOD = st.sampled_from(["strip", "lstrip", "rstrip", "partition", "rpartition", "replace", "casefold",
                          "removeprefix", "removesuffix", "format_map", "center", "ljust", "rjust", "upper", "lower",
                          "title", "capitalize", "swapcase", "zfill", "expandtabs", "split", "rsplit", "getitem"])


def _call_method(m, what, args):
    a, b = args
    if what in ("strip", "lstrip", "rstrip", "partition", "rpartition", "removeprefix", "removesuffix", "split",
                "rsplit"):
        return getattr(m, what)(a)
    if what == "replace":
        return m.replace(a, b)
    if what == "format_map":
        return m.format_map({"k": a, "j": b})
    if what in ("center", "ljust", "rjust"):
        return getattr(m, what)(len(a) + 3, b[:1] or " ")
    if what == "zfill":
        return m.zfill(len(a))
    if what == "getitem":
        return m[len(a) // 2:len(a)]
    return getattr(m, what)()


def _template(pieces):
    return S.joined(S.short_text, TAGS, pieces, max_size=5)


def _op_strategy():
    s = S.joined(S.text, S.short_text, ENTITIES, TAGS)
    markup_ops = st.one_of(
        st.tuples(st.just("markup_percent"), _template(PERCENT), st.lists(ARG, max_size=3),
                  st.sampled_from(["tuple", "mapping", "single"])),
        st.tuples(st.just("markup_format"), _template(FORMAT), st.lists(ARG, max_size=3), st.booleans()),
        st.tuples(st.just("markup_concat"), S.joined(S.short_text, TAGS, max_size=3), ARG, st.booleans()),
        st.tuples(st.just("markup_join"), S.joined(S.short_text, TAGS, max_size=2), st.lists(ARG, max_size=4)),
        st.tuples(st.just("markup_strip"), s, st.sampled_from(["striptags", "unescape"])),
        st.tuples(st.just("markup_method"), S.joined(S.short_text, TAGS, ENTITIES, max_size=4), METHOD,
                  st.lists(S.joined(S.short_text, TAGS, ENTITIES, max_size=2), min_size=2, max_size=2)),
    )
    return st.one_of(
        markup_ops,
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
        if case[0].startswith("markup_"):
            return super().regression(case)
        op, v = case
        if not isinstance(v, str):
            return super().regression(case)
        return "escape_fuzzer", v.encode("utf-8", "surrogatepass")

    def describe(self, case):
        if case[0].startswith("markup_"):
            return f"Markup operation {case!r} (websec.escape.Markup against markupsafe.Markup)"
        op, v = case
        return f"websec.escape.{op}({v!r})"

    def check(self, case):
        import websec.escape as W

        if case[0].startswith("markup_"):
            return self.check_markup(case)
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

    @staticmethod
    def _arg(M, kind, v):
        """The argument as an object of the library whose Markup class is M."""
        if kind == "markup":
            return M(v)
        if kind == "html":
            return _Html(v)
        if kind == "html_format":
            return _HtmlFormat(v, M)
        return v

    @classmethod
    def _run(cls, M, case):
        op = case[0]
        try:
            if op == "markup_percent":
                _, t, args, shape = case
                objs = [cls._arg(M, k, v) for k, v in args]
                if shape == "tuple":
                    rv = M(t) % tuple(objs)
                elif shape == "mapping":
                    rv = M(t) % {"k": objs[0] if objs else "", "j": objs[1] if len(objs) > 1 else None}
                else:
                    rv = M(t) % (objs[0] if objs else "")
            elif op == "markup_format":
                _, t, args, with_kw = case
                objs = [cls._arg(M, k, v) for k, v in args]
                kw = {"k": objs[0] if objs else "<k>", "j": objs[-1] if objs else None, "l": ["<l0>", M("<l1>")]} \
                    if with_kw else {}
                rv = M(t).format(*objs, **kw)
            elif op == "markup_concat":
                _, t, (k, v), markup_left = case
                o = cls._arg(M, k, v)
                rv = (M(t) + o) if markup_left else (o + M(t))
            elif op == "markup_join":
                _, t, args = case
                rv = M(t).join(cls._arg(M, k, v) for k, v in args)
            elif op == "markup_method":
                _, t, what, args = case
                rv = _call_method(M(t), what, args)
                if isinstance(rv, (tuple, list)):
                    return ("ok", [("Markup" if isinstance(x, M) else type(x).__name__, str(x)) for x in rv])
            else:
                _, t, what = case
                rv = getattr(M(t), what)()
                return ("ok", type(rv).__name__, str(rv))
        except Exception as e:  # noqa: BLE001 - compared by class
            return ("error", type(e).__name__)
        return ("ok", "Markup" if isinstance(rv, M) else type(rv).__name__, str(rv))

    def check_markup(self, case):
        import websec.escape as W
        from websec._websec import escape as C

        # Debian's markupsafe 2.1.2 is the oracle: the module's profile 'debian' (spec §3.1 [Δ])
        want, got = self._run(markupsafe.Markup, case), self._run(W.for_profile("debian").Markup, case)
        if want != got:
            raise Disagreement(f"markupsafe {want!r}\nwebsec     {got!r}")
        if case[0] in ("markup_strip", "markup_method") or "html_format" in repr(case):
            return  # striptags/unescape: the same library functions; __html_format__ needs the Python object
        lib = self._run(C.Markup, case)
        if lib == ("error", "NotImplementedError"):
            return
        if lib[0] == "ok":
            lib = ("ok", "Markup", lib[2])  # the library's markup class stands for Markup
        if want != lib:
            raise Disagreement(f"markupsafe              {want!r}\nwebsec::escape::markup  {lib!r}")


class _Html:
    """An object with __html__ (markupsafe's protocol)."""

    def __init__(self, v):
        self.v = v

    def __html__(self):
        return self.v

    def __repr__(self):
        return f"_Html({self.v!r})"


class _HtmlFormat:
    """An object with __html_format__: returns the spec and its text as the Markup class given."""

    def __init__(self, v, M):
        self.v, self.M = v, M

    def __html__(self):
        return self.M(self.v)

    def __html_format__(self, spec):
        return self.M("<%s|%s>") % (spec, self.v)

    def __repr__(self):
        return f"_HtmlFormat({self.v!r})"
