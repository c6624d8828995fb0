"""multipart: websec.multipart.parse(profile='debian') against werkzeug 2.2.2+deb12u1 (request.form/files).

Bodies are shaped like browser uploads: a random boundary, fields and files with random names, filenames,
Content-Types and charsets, values with CR/LF/boundary fragments, folded and odd headers, preamble and
epilogue, optional closing delimiter, random truncation/mutation; bodies sometimes straddle the 64 KiB read
size. Limits (max_content_length, max_form_memory_size, max_form_parts) are drawn near the body's own sizes,
and the Content-Length is sometimes absent, short, long or chunked. Outcomes compared: fields (in order),
files (name, filename, content type, headers, bytes), or the error class (413, 400, 500, silently empty form).
"""
from __future__ import annotations

from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from .. import strategies as S
from ..core import CampaignBase, Disagreement, excused
from ..oracle import run_request

LB = st.sampled_from([b"\r\n"] * 6 + [b"\n", b"\r"])
BOUNDARY = st.one_of(st.sampled_from([b"b", b"----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                      b"---------------------------9051914041544843365972754266", b"x y", b"a:b",
                                      b"--", b"=", b"\xc3\xa9"]),
                     st.binary(min_size=1, max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b))
NAME = st.one_of(st.sampled_from(["a", "field", "file", "é", "a b", 'q"x', "a;b", "", "x\\y", "名前"]), S.short_text)
FILENAME = st.sampled_from(["a.txt", "", "../../etc/passwd", "C:\\x\\y.txt", "é.png", 'q"uote', "a;b.txt", "\\\\srv\\s"])
CTYPE = st.sampled_from([None, "text/plain", "text/plain; charset=utf-8", "text/plain; charset=iso-8859-1",
                         "text/plain; charset=ascii", "application/octet-stream", "text/plain; charset=utf-16-le",
                         "image/png", "text/plain; charset=\"latin-1\""])
VALUE = st.one_of(st.binary(max_size=64), S.text.map(lambda s: s.encode("utf-8", "surrogatepass")),
                  st.sampled_from([b"", b"v\r", b"\r\n", b"\r", b"\n", b"-", b"--", b"\r\n--", b"\xff\xfeA\xc3"]))


@st.composite
def part(draw, boundary):
    lb = draw(LB)
    name = draw(NAME)
    disp = draw(st.sampled_from(["form-data", "attachment", "FORM-DATA", "x"]))
    cd = f'{disp}; name="{name}"' if draw(st.integers(0, 9)) else f"{disp}; name={name}"
    if draw(st.integers(0, 19)) == 0:
        cd = disp
    is_file = draw(st.booleans())
    if is_file:
        fn = draw(FILENAME)
        cd += draw(st.sampled_from([f'; filename="{fn}"', f"; filename={fn}", "; filename*=UTF-8''%E2%82%AC.txt"]))
    headers = [b"Content-Disposition: " + cd.encode("utf-8", "surrogatepass")]
    ct = draw(CTYPE)
    if ct:
        headers.append(b"Content-Type: " + ct.encode())
    extra = draw(st.lists(st.sampled_from([b"X-A: 1", b"content-disposition: form-data; name=dup", b"NoColon",
                                           b"X-Fold: a" + b"\r\n b", b"Content-Length: 3", b"X: \xff", b" "]),
                          max_size=2))
    headers += extra
    if draw(st.integers(0, 15)) == 0:
        headers.reverse()
    value = draw(VALUE)
    k = draw(st.integers(0, 25))
    if k == 0:
        value += b"\r\n--" + boundary + draw(st.sampled_from([b"x", b"-", b" ", b"--x", b""]))
    elif k == 1:
        value = b"\r" + b"--" + boundary + b"x" + value
    elif k == 2:
        value = draw(st.sampled_from([b"A", b"\r", b"\n", b"\r\n"])) * draw(st.integers(65000, 66000))
    body = b"--" + boundary + draw(st.sampled_from([b"", b"", b" ", b"\t "])) + lb + lb.join(headers) + lb + lb + value + lb
    if draw(st.integers(0, 30)) == 0:  # no blank line: headers directly followed by the next delimiter
        body = b"--" + boundary + lb + lb.join(headers) + lb
    return body


@st.composite
def request(draw):
    boundary = draw(BOUNDARY)
    parts = draw(st.lists(part(boundary), max_size=6))
    body = draw(st.sampled_from([b"", b"", b"preamble\r\n", b"\r\n", b"xx"])) + b"".join(parts)
    if draw(st.integers(0, 9)):
        body += b"--" + boundary + b"--" + draw(st.sampled_from([b"\r\n", b"", b"\r\nepilogue", b"  \r\n"]))
    m = draw(st.integers(0, 12))
    if m == 0 and body:
        body = body[: draw(st.integers(0, len(body)))]
    elif m == 1 and body:
        i = draw(st.integers(0, len(body)))
        body = body[:i] + draw(st.binary(max_size=4)) + body[i:]
    bq = boundary.decode("latin-1")
    ct = draw(st.sampled_from([f"multipart/form-data; boundary={bq}", f'multipart/form-data; boundary="{bq}"',
                               f"Multipart/Form-Data; BOUNDARY={bq}", f"multipart/form-data; boundary = {bq}",
                               f"multipart/form-data; boundary={bq}; boundary=zz", "multipart/form-data",
                               f"multipart/mixed; boundary={bq}", f"multipart/form-data; charset=utf-8; boundary={bq}",
                               f"multipart/form-data; boundary={bq} "]))
    n = len(body)
    lim = st.one_of(st.none(), st.integers(0, n + 2), st.integers(max(0, n - 3), n + 3), st.just(500_000))
    mcl = draw(st.one_of(st.none(), st.none(), lim))
    mfms = draw(lim)
    mfp = draw(st.one_of(st.just(1000), st.integers(0, 7), st.none()))
    cl = draw(st.sampled_from(["auto"] * 8 + [None, "short", "long", "chunked"]))
    return {"body": body, "content_type": ct, "mcl": mcl, "mfms": mfms, "mfp": mfp, "cl": cl,
            "split": draw(st.lists(st.one_of(st.integers(1, 16), st.integers(1, 1 << 17)), max_size=3))}


def oracle(case):
    body, cl = case["body"], case["cl"]
    kw = dict(mcl=case["mcl"], mfms=case["mfms"], mfp=case["mfp"])
    if cl == "chunked":
        return run_request(body, case["content_type"], chunked=True, **kw)
    if cl == "short":
        return run_request(body, case["content_type"], content_length=max(0, len(body) - 1), **kw)
    if cl == "long":
        return run_request(body, case["content_type"], content_length=len(body) + 1, **kw)
    return run_request(body, case["content_type"], content_length=cl, **kw)


def websec_outcome(case):
    import websec.multipart as W

    body, cl = case["body"], case["cl"]
    kw = {}
    if cl == "chunked":
        kw["chunked"] = True
    elif cl == "short":
        kw["content_length"] = max(0, len(body) - 1)
    elif cl == "long":
        kw["content_length"] = len(body) + 1
    elif cl is None:
        kw["content_length"] = "absent"  # no Content-Length header (None is the parser level: read to the end)
    elif isinstance(cl, int):  # a declared Content-Length (the multipart_fuzzer input chose it)
        kw["content_length"] = cl
    limits = W.Limits(max_content_length=case["mcl"], max_form_memory_size=case["mfms"],
                      max_form_parts=case["mfp"])
    try:
        if case.get("split"):  # streamed in the case's chunk sizes: the result must not depend on the split
            p = W.Parser(case["content_type"], limits=limits, profile="debian", sink="memory", **kw)
            view, i, k = memoryview(body), 0, 0
            while i < len(body):
                n = case["split"][k % len(case["split"])]
                p.feed(view[i:i + n])
                i, k = i + n, k + 1
            form = p.finish()
        else:
            form = W.parse(body, case["content_type"], limits=limits, profile="debian", **kw)
    except W.FormError as e:
        if e.http_status == 200:
            return ("empty", f"{e.kind} at {e.offset}: {e.message}")
        if e.http_status == 500:
            return ("500", f"{e.kind}: {e.message}")
        return ("http", e.http_status)
    return ("ok", grouped([(f.name, f.value) for f in form.fields]),
            grouped([(f.name, (f.name, f.filename, f.content_type, list(f.headers), f.read())) for f in form.files],
                    values_only=True))


def grouped(pairs, values_only=False):
    """werkzeug's MultiDict.items(multi=True) order: keys in first-seen order, each with all its values. The
    library keeps plain part order (finer); the comparison is on what request.form shows."""
    items = list(MultiDict(pairs).items(multi=True))
    return [v for _, v in items] if values_only else items


def same(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "ok":
        return a[1] == b[1] and a[2] == b[2]
    if a[0] == "http":
        return a[1] == b[1]
    return True  # silently empty / 500: same class (the reasons are printed, not compared)


class Campaign(CampaignBase):
    name = "multipart"
    requires = ("multipart",)
    targets = ("multipart_fuzzer",)
    batch_size = 40

    def strategy(self):
        return request()

    def corpus_cases(self, target, data):
        """A multipart_fuzzer input decoded as the target decodes it (targets/multipart_fuzzer.cpp: flags, limits,
        boundary, filler run, Content-Length mode), run under the debian profile."""
        if len(data) < 16:
            return
        flags, m = data[0], (data[1] << 8) | data[2]
        mfms = m * 8 if m else None
        mfp = None if data[3] == 255 else data[3] % 24
        blen = data[5] % 16 + 1
        p = 6
        if len(data) < p + blen + 7:
            return
        boundary = data[p:p + blen]
        p += blen
        seed = int.from_bytes(data[p:p + 4], "little")
        p += 4
        filler_count, filler = (data[p] << 8) | data[p + 1], data[p + 2:p + 3]
        p += 3
        body = data[p:]
        if flags & 0x10:
            at = 0 if not body else seed % (len(body) + 1)
            body = body[:at] + filler * (filler_count * 4) + body[at:]
        if not flags & 0x02 and (b'"' in boundary or b"\\" in boundary):
            return  # the target bypasses the Content-Type; werkzeug needs one that carries these bytes
        ct = 'multipart/form-data; boundary="' + boundary.decode("latin-1") + '"'
        mode = (flags >> 2) & 3
        cl = {0: "auto", 1: "chunked", 2: "auto"}.get(mode)
        if cl is None:
            cl = max(0, len(body) + data[4] % 16 - 8)
        mcl = len(body) + data[4] % 3 - 1 if data[4] >= 240 else None
        if mcl == -1:  # the target's size_t arithmetic wraps an empty body's "length - 1" to the largest value
            mcl = 2**64 - 1
        yield {"body": body, "content_type": ct, "mcl": mcl, "mfms": mfms, "mfp": mfp, "cl": cl, "split": []}

    def describe(self, case):
        c = dict(case)
        body = c.pop("body")
        return (f"body = {body!r}\n"
                f"werkzeug: oracle.run_request(body, {c['content_type']!r}, mcl={c['mcl']}, mfms={c['mfms']}, "
                f"mfp={c['mfp']}, content_length mode {c['cl']!r})")

    def check(self, case):
        want = oracle(case)
        got = websec_outcome(case)
        if not same(want, got) and not excused(self.name, case, want, got):
            raise Disagreement(f"werkzeug: {_short(want)}\nwebsec:   {_short(got)}")


def _short(o):
    s = repr(o)
    return s if len(s) < 2000 else s[:2000] + "…"
