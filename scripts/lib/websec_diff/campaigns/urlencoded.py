"""urlencoded: websec.urlencoded against werkzeug 2.2.2 (profile 'debian'): url_decode_stream for the body
decoding, and request.form through the whole pipeline (max_form_memory_size against Content-Length, chunked).
"""
from __future__ import annotations

import io

from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.urls import url_decode_stream

from ..core import CampaignBase, Disagreement
from ..oracle import run_request

PIECE = st.one_of(st.binary(max_size=8), st.sampled_from([b"%FF", b"%e2%82%ac", b"%", b"%4", b"%zz", b"+", b"=", b"==",
                                                         b";", b"%00", b"\xc3\xa9", b"\xff", b"%2B", b"%26", b" "]))
BODY = st.lists(st.lists(PIECE, max_size=4).map(b"".join), max_size=6).map(b"&".join)


@st.composite
def case(draw):
    body = draw(BODY)
    n = len(body)
    return {"body": body, "mfms": draw(st.one_of(st.none(), st.integers(max(0, n - 2), n + 2), st.just(500000))),
            "cl": draw(st.sampled_from(["auto", "auto", "auto", None, "chunked"])),
            "ct": draw(st.sampled_from(["application/x-www-form-urlencoded", "application/x-url-encoded",
                                        "Application/X-WWW-Form-Urlencoded; charset=latin-1"]))}


class Campaign(CampaignBase):
    name = "urlencoded"
    requires = ("urlencoded", "multipart")
    targets = ("urlencoded_fuzzer",)
    batch_size = 200

    def strategy(self):
        return case()

    def corpus_cases(self, target, data):
        if data:  # urlencoded_fuzzer: a flag byte, then the body
            yield {"body": data[1:], "mfms": None, "cl": "auto", "ct": "application/x-www-form-urlencoded"}

    def regression(self, c):
        if c["mfms"] is None and c["cl"] == "auto" and c["ct"] == "application/x-www-form-urlencoded":
            return "urlencoded_fuzzer", b"\x00" + c["body"]
        return super().regression(c)

    def describe(self, c):
        return repr(c)

    def check(self, c):
        import websec.multipart as M
        import websec.urlencoded as W

        body = c["body"]
        want = list(url_decode_stream(io.BytesIO(body), "utf-8", errors="replace", cls=MultiDict).items(multi=True))
        got = list(MultiDict(W.decode(body, profile="debian")).items(multi=True))  # request.form's order
        if want != got:
            raise Disagreement(f"decode({body!r}):\n  werkzeug {want!r}\n  websec   {got!r}")
        # the case's None is a request without Content-Length ('absent'; None is the parser level: read to the end)
        kw = {"chunked": True} if c["cl"] == "chunked" else {"content_length": "absent" if c["cl"] is None else c["cl"]}
        want = run_request(body, c["ct"], mfms=c["mfms"], **({"chunked": True} if c["cl"] == "chunked"
                                                             else {"content_length": c["cl"]}))
        try:
            f = M.parse(body, c["ct"], limits=M.Limits(max_form_memory_size=c["mfms"]), profile="debian", **kw)
            got = ("ok", list(MultiDict(f.form).items(multi=True)), [])
        except M.FormError as e:
            got = ("http", e.http_status) if e.http_status in (400, 413) else ("other", e.kind)
        if want[0] == "empty":
            want = ("ok", [], [])
        if want != got:
            raise Disagreement(f"request.form ({c['ct']}, mfms={c['mfms']}, {c['cl']}):\n  werkzeug {want!r}\n  websec   {got!r}")
