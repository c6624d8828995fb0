"""cookie: websec.cookie against werkzeug 2.2.2+deb12u1 (profile 'debian').

* dump(key, value, **options) ≡ werkzeug.http.dump_cookie — same text, same size warning, same refusals
  (ValueError for SameSite and dot-less domains, UnicodeError from IDNA, TypeError for partitioned on 2.2);
  time fixed so Expires=now+max_age is deterministic.
* request_cookies(raw) ≡ werkzeug Request(environ).cookies for a Cookie header of random bytes, and
  parse_cookie(str) ≡ werkzeug.http.parse_cookie(str) for the same header as a WSGI (latin-1) string.
* Domain: IDNA (Python's encodings.idna, IDNA 2003) of generated internationalised labels — letters with case
  and compatibility forms, marks, mapped-to-nothing and prohibited characters, bidi text, full stops
  U+3002/U+FF0E/U+FF61 — checked through dump(domain=...) and idna_encode.
* werkzeug's Set-Cookie output read back by websec.cookie.parse_set_cookie (the browser algorithm) keeps
  Secure, HttpOnly, SameSite and Max-Age (writer against reader).
"""
from __future__ import annotations

import datetime as _dt
import warnings

from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.wrappers import Request as WRequest

from .. import strategies as S
from ..core import CampaignBase, Disagreement, excused
from ..oracle import fixed_time

NOW = 1700000000
KEY = st.one_of(S.short_text, S.short_text.map(lambda s: s.encode("utf-8")),  # werkzeug decodes bytes keys
                st.sampled_from(["", "session", "a b", "k=v", "__Host-id", "ключ", "a;b", "a,b", "\x00\x1f\x7f"]))
TEXT_OR_BYTES = st.one_of(S.short_text, st.binary(max_size=16),
                          st.sampled_from(["", "session", "a b", "k=v", "__Host-id", "ключ", "[]{}()<>?@", "a\\b", 'a"b',
                                           "a;b", "a,b", "\x00\x1a\x1f\x7f", "\x80\xff"]))
IDNA_CHAR = st.one_of(
    st.characters(min_codepoint=0x61, max_codepoint=0x7A), st.sampled_from(list("AZ09-_ .")),
    st.characters(min_codepoint=0xC0, max_codepoint=0x24F),      # Latin with case, ß, ligatures
    st.characters(min_codepoint=0x370, max_codepoint=0x52F),     # Greek, Cyrillic (final sigma, additions)
    st.characters(min_codepoint=0x590, max_codepoint=0x6FF),     # Hebrew, Arabic (bidi RandALCat)
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),     # combining marks
    st.characters(min_codepoint=0x1E00, max_codepoint=0x1FFF),   # Latin extended additional, Greek extended
    st.characters(min_codepoint=0x2000, max_codepoint=0x2FFF),   # spaces, joiners, bidi controls, letterlike, CJK radicals
    st.characters(min_codepoint=0x3000, max_codepoint=0x30FF),   # ideographic full stop, kana
    st.characters(min_codepoint=0xFB00, max_codepoint=0xFFEF),   # presentation and fullwidth forms, variation selectors
    st.sampled_from(["\u00ad", "\u200b", "\u200d", "\ufeff", "\u200e", "\u202e", "\ue000", "\u3002", "\uff0e",
                     "\uff61", "\U0001d400", "\U000e0001", "\u0340", "\u2126", "\u212a", "\ufb01"]),
)
IDNA_DOMAIN = st.lists(st.text(IDNA_CHAR, min_size=0, max_size=10), min_size=1, max_size=4).map(".".join)
DOMAIN = st.one_of(st.none(), st.sampled_from([".Example.COM:8080", "example.com", "localhost", "127.0.0.1", "bücher.de",
                                                "", ".a.b", "xn--x.com", "a..b", "例え.テスト", "ex ample.com", "a.b:x",
                                                "☃.com", ".☃.com:80", "ǅ.x", "ß.de", "ＡＢＣ.com", "אב1.com",
                                                "مثال.إختبار", "a\u200e.com", "xn--ü.com"]),
                   S.short_text, IDNA_DOMAIN)
PATH = st.one_of(st.just("/"), st.none(), st.sampled_from(["/a b/ü;x", "/%2F?q=1#f", "", "//[x", "/[::1]/", "/\x00"]),
                 S.short_text)
EXPIRES = st.one_of(st.none(), st.integers(-10**10, 10**11), st.floats(-1e10, 1e11),
                    st.sampled_from(["Thu, 01 Jan 1970 00:00:00 GMT", "anything;goes", ""]),
                    st.datetimes(min_value=_dt.datetime(1, 1, 2), max_value=_dt.datetime(9999, 12, 30)),
                    st.datetimes(min_value=_dt.datetime(2, 1, 1), max_value=_dt.datetime(9998, 1, 1),
                                 timezones=st.sampled_from([_dt.timezone.utc, _dt.timezone(_dt.timedelta(hours=2)),
                                                            _dt.timezone(_dt.timedelta(hours=-5, minutes=-30))])))
MAX_AGE = st.one_of(st.none(), st.integers(-10, 10**9), st.just(0),
                    st.floats(0, 10**7).map(lambda s: _dt.timedelta(seconds=s)))
SAMESITE = st.one_of(st.none(), st.sampled_from(["Strict", "lax", "NONE", "None", "bogus", "", "lAx", "strict "]))

# What werkzeug raises for each refusal of dump().
ERRORS = {"samesite_invalid": ValueError, "domain_no_dot": ValueError, "domain_idna": ValueError,
          "path_invalid_ipv6": ValueError, "expires_out_of_range": (ValueError, OverflowError),
          "partitioned_unsupported": TypeError}


@st.composite
def dump_case(draw):
    opts = {}
    for k, strat in (("max_age", MAX_AGE), ("expires", EXPIRES), ("path", PATH), ("domain", DOMAIN),
                     ("samesite", SAMESITE)):
        if draw(st.booleans()):
            opts[k] = draw(strat)
    for k in ("secure", "httponly"):
        if draw(st.booleans()):
            opts[k] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        opts["sync_expires"] = False
    if draw(st.integers(0, 5)) == 0:
        opts["max_size"] = draw(st.sampled_from([0, 10, 30, 4093]))
    if draw(st.integers(0, 30)) == 0:
        opts["partitioned"] = True
    return ("dump", draw(KEY), draw(TEXT_OR_BYTES), opts)


COOKIE_HEADER = st.one_of(
    st.binary(max_size=48),
    st.lists(st.tuples(st.binary(max_size=8), st.sampled_from([b"=", b" = ", b"", b"=="]),
                       st.one_of(st.binary(max_size=10), st.sampled_from([b'"x\\073y\\"z"', b'"\\303\\251"', b'"unterminated',
                                                                          b'"\\q"', b'"\\400"', b'"a;b"', b"\xc3\xa9"]))),
             max_size=5).map(lambda ps: b";".join(k + s + v for k, s, v in ps)))


def oracle_dump(key, value, opts):
    with fixed_time(NOW), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            h = dump_cookie(key, value, **opts)
        except Exception as e:  # noqa: BLE001
            return ("error", e)
    return ("ok", h, any(issubclass(x.category, UserWarning) for x in w))


def websec_dump(key, value, opts):
    import websec.cookie as W

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            h = W.dump(key, value, now=NOW, profile="debian", **opts)
        except W.DumpError as e:
            return ("error", e)
    return ("ok", h, any(issubclass(x.category, UserWarning) for x in w))


def oracle_cookies(raw: bytes):
    env = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": raw.decode("latin1"), "SERVER_NAME": "x",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http", "PATH_INFO": "/"}
    return [(k, v) for k, v in WRequest(env).cookies.items(multi=True)]


class Campaign(CampaignBase):
    name = "cookie"
    requires = ("cookie",)
    targets = ("set_cookie_fuzzer", "cookie_header_fuzzer")
    batch_size = 200

    def strategy(self):
        import websec.cookie as W

        ops = [dump_case(), st.tuples(st.just("idna"), IDNA_DOMAIN)]
        if hasattr(W, "parse_cookie_header"):
            ops.append(st.tuples(st.just("header"), COOKIE_HEADER))
        if hasattr(W, "request_cookies"):
            ops.append(st.tuples(st.just("parse_cookie"), COOKIE_HEADER))
        return st.one_of(*ops)

    def corpus_cases(self, target, data):
        import websec.cookie as W

        if target == "cookie_header_fuzzer" and hasattr(W, "parse_cookie_header"):
            yield ("header", data)
        elif target == "set_cookie_fuzzer" and data and not data[0] & 1:  # flag byte: even = a Set-Cookie line
            yield ("setcookie", data[1:])

    def regression(self, case):
        from .. import casefile

        if case[0] == "header":
            return "cookie_header_fuzzer", case[1]
        if case[0] == "setcookie":
            return "set_cookie_fuzzer", b"\x00" + case[1]
        return "set_cookie_fuzzer", casefile.dumps(self.name, case)

    def describe(self, case):
        if case[0] == "dump":
            _, k, v, o = case
            args = "".join(f", {a}={b!r}" for a, b in o.items())
            return (f"werkzeug.http.dump_cookie({k!r}, {v!r}{args})  at time {NOW}\n"
                    f"websec.cookie.dump({k!r}, {v!r}{args}, now={NOW}, profile='debian')")
        if case[0] == "header":
            return f"Cookie: {case[1]!r}\nwebsec.cookie.request_cookies({case[1]!r}, profile='debian')"
        if case[0] == "parse_cookie":
            return (f"werkzeug.http.parse_cookie({case[1].decode('latin-1')!r})\n"
                    f"websec.cookie.parse_cookie({case[1].decode('latin-1')!r}, profile='debian')")
        if case[0] == "idna":
            return f"{case[1]!r}.encode('idna')\nwebsec.cookie.idna_encode({case[1]!r})"
        return f"websec.cookie.parse_set_cookie({case[1]!r})"

    def check(self, case):
        import websec.cookie as W

        if case[0] == "dump":
            _, key, value, opts = case
            want, got = oracle_dump(key, value, opts), websec_dump(key, value, opts)
            if want[0] == "error" or got[0] == "error":
                if excused(self.name, case, want, got):
                    return
                if want[0] != got[0]:
                    raise Disagreement(f"werkzeug: {want[0]} {want[1]!r}\nwebsec:   {got[0]} {got[1]!r}")
                expected = ERRORS.get(got[1].kind, ())
                if not isinstance(want[1], expected):
                    raise Disagreement(f"error class: werkzeug {type(want[1]).__name__}: {want[1]}\n"
                                       f"             websec {got[1].kind}: {got[1].message}")
                return
            if want != got:
                raise Disagreement(f"werkzeug: {want[1]!r} warned={want[2]}\nwebsec:   {got[1]!r} warned={got[2]}")
            if hasattr(W, "parse_set_cookie"):
                self.reader_agrees(want[1], opts)
        elif case[0] == "header":
            raw = case[1]
            # compared as request.cookies shows them (MultiDict: keys in first-seen order, values grouped)
            want = oracle_cookies(raw)
            reader = W.request_cookies if hasattr(W, "request_cookies") else W.parse_cookie_header
            got = list(MultiDict(reader(raw, profile="debian")).items(multi=True))
            if want != got:
                raise Disagreement(f"werkzeug request.cookies: {want!r}\nwebsec:                   {got!r}")
        elif case[0] == "parse_cookie":
            text = case[1].decode("latin-1")  # the header as a WSGI string
            want = list(parse_cookie(text).items(multi=True))
            got = list(MultiDict(W.parse_cookie(text, profile="debian")).items(multi=True))
            if want != got:
                raise Disagreement(f"werkzeug.http.parse_cookie: {want!r}\nwebsec:                     {got!r}")
        elif case[0] == "idna":
            self.check_idna(case[1])
        else:
            self.roundtrip(case[1])

    def check_idna(self, domain: str):
        import websec.cookie as W

        try:
            want = ("ok", domain.encode("idna"))
        except UnicodeError as e:
            msg = str(e)
            prefix = "encoding with 'idna' codec failed (UnicodeError: "
            want = ("error", msg[len(prefix):-1] if msg.startswith(prefix) else msg)
        try:
            got = ("ok", W.idna_encode(domain))
        except UnicodeError as e:
            got = ("error", e.message)
        if want != got and not excused(self.name, ("idna", domain), want, got):
            raise Disagreement(f"Python idna: {want!r}\nwebsec:      {got!r}")

    @staticmethod
    def reader_agrees(header: str, opts):
        import websec.cookie as W

        raw = header.encode("latin-1")
        if any(b < 0x20 and b != 9 or b == 0x7F for b in raw):
            return  # a browser drops the line: nothing to compare
        try:
            c = W.parse_set_cookie(raw)
        except W.InvalidSetCookie:
            return
        problems = []
        if c.secure != bool(opts.get("secure") or opts.get("partitioned")):
            problems.append(f"secure {c.secure}")
        if c.httponly != bool(opts.get("httponly")):
            problems.append(f"httponly {c.httponly}")
        ss = opts.get("samesite")
        if ss and c.samesite != ss.title():
            problems.append(f"samesite {c.samesite!r}")
        ma = opts.get("max_age")
        if ma is not None:
            ma = int(ma.total_seconds()) if isinstance(ma, _dt.timedelta) else ma
            if c.max_age != ma:
                problems.append(f"max_age {c.max_age}")
        if problems:
            raise Disagreement(f"werkzeug wrote {header!r}; the browser reading gives {', '.join(problems)}")

    @staticmethod
    def roundtrip(line: bytes):
        import websec.cookie as W

        try:
            c = W.parse_set_cookie(line)
        except W.InvalidSetCookie:
            return
        again = W.parse_set_cookie(c.serialize().encode("utf-8", "surrogateescape"))
        if again != c:
            raise Disagreement(f"parse(serialize(parse(x))) != parse(x): {c.serialize()!r}")
