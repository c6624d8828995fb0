"""terminal: websec.terminal.filter_doc against the doc's own code, body.replace("\\b", "").

Flask's "Copy/Paste to Terminal" section documents exactly one filter; the stricter policy is the project's
own (no oracle), checked here for its invariants only: no C0/C1 control except TAB/LF, no ESC, no bidi
override or isolate left in the output, and text without any of those unchanged.
"""
from __future__ import annotations

from hypothesis import strategies as st

from .. import strategies as S
from ..core import CampaignBase, Disagreement

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ANSI = st.sampled_from(["\x1b[31m", "\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\", "\x1b[2J", "\x9b31m",
                        "\x1bP1;2q\x1b\\", "\x1b(B", "\b", "\b\b\b", "\r", "\x7f", "\x00"])


def _bad(ch: str) -> bool:
    o = ord(ch)
    if ch in "\t\n":
        return False
    return o < 0x20 or 0x7F <= o <= 0x9F or ch in BIDI


class Campaign(CampaignBase):
    name = "terminal"
    requires = ("terminal",)
    targets = ("terminal_fuzzer",)
    batch_size = 300

    def strategy(self):
        return S.joined(S.text, ANSI, st.sampled_from(sorted(BIDI)))

    def corpus_cases(self, target, data):
        yield data.decode("utf-8", "replace")

    def regression(self, case):
        return "terminal_fuzzer", case.encode("utf-8", "surrogatepass")

    def describe(self, case):
        return f"websec.terminal.clean({case!r})"

    def check(self, s):
        import websec.terminal as W

        want = s.replace("\b", "")
        got = W.filter_doc(s)
        if got != want:
            raise Disagreement(f'doc filter body.replace("\\b", ""): {want!r}\nwebsec.terminal.filter_doc:       {got!r}')
        doc = W.clean(s, policy="doc").text
        if doc != want:
            raise Disagreement(f"clean(policy='doc') {doc!r} != {want!r}")
        out = W.clean(s).text
        left = [c for i, c in enumerate(out) if _bad(c) and not (c == "\r" and out[i + 1:i + 2] == "\n")]
        if left:
            raise Disagreement(f"strict output keeps controls {left!r}: {out!r}")
        if not any(_bad(c) for c in s) and out != s:
            raise Disagreement(f"strict changed clean text: {s!r} -> {out!r}")
        if W.clean(out).text != out:
            raise Disagreement(f"strict is not idempotent: {out!r} -> {W.clean(out).text!r}")
