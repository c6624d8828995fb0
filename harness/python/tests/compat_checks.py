"""The Python stack's behaviour as assertions, run against the real libraries and against websec (issue 14).

Each ``check_*`` function takes ``lib`` (an adapter: ``python_lib(profile)`` over markupsafe, itsdangerous, werkzeug
and Flask as installed, or ``websec_lib(profile)`` over the websec module) and the profile name, and asserts what
the Python library does. The same assertion holds for both implementations; where markupsafe 2.1.2, itsdangerous
2.1.2, werkzeug 2.2.2 and Flask 2.2.2 (profile ``debian``) differ from the current releases (``upstream``), the check
says so and branches on the profile.

test_compat_python_stack.py runs every check four ways: websec under both profiles in-process, Debian's libraries
in-process (/usr/bin/python3), and the upstream releases in a subprocess of an interpreter that has them (this file
run as a script: ``python3 compat_checks.py`` prints one JSON line of results).
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io
import sys
import types
import uuid
from unittest import mock

NOW = 1700000000
SIGNED_AT = _dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=_dt.timezone.utc)


# ----------------------------------------------------------------------------------------------- adapters

def python_lib(profile):
    """The installed Python stack as the checks use it."""
    import flask
    import itsdangerous
    import markupsafe
    import werkzeug.formparser
    import werkzeug.http
    from flask.json.tag import JSONTag, TaggedJSONSerializer
    from itsdangerous import signer as _signer
    from werkzeug.wrappers import Request

    lib = types.SimpleNamespace(name="python", profile=profile)
    lib.escape, lib.escape_silent, lib.soft_str, lib.Markup = (markupsafe.escape, markupsafe.escape_silent,
                                                               markupsafe.soft_str, markupsafe.Markup)
    for n in ("BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadPayload", "BadHeader", "Signer",
              "TimestampSigner", "Serializer", "URLSafeSerializer", "TimedSerializer", "URLSafeTimedSerializer",
              "want_bytes"):
        setattr(lib, n, getattr(itsdangerous, n))
    lib.NoneAlgorithm, lib.HMACAlgorithm, lib.SigningAlgorithm = (_signer.NoneAlgorithm, _signer.HMACAlgorithm,
                                                                  _signer.SigningAlgorithm)
    lib.parse_cookie = lambda header: list(werkzeug.http.parse_cookie(header).items(multi=True))

    def request_cookies(header):
        env = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": header, "SERVER_NAME": "x", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http", "PATH_INFO": "/"}
        return list(Request(env).cookies.items(multi=True))

    lib.request_cookies = request_cookies
    lib.dump_cookie = werkzeug.http.dump_cookie
    lib.idna = lambda domain: domain.encode("idna")
    lib.FormDataParser = werkzeug.formparser.FormDataParser
    lib.JSONTag, lib.TaggedJSONSerializer = JSONTag, TaggedJSONSerializer
    app = flask.Flask("compat")

    def tagged_dumps(serializer, value):  # as a Flask app writes its session: inside an app context
        with app.app_context():
            return serializer.dumps(value)

    lib.tagged_dumps = tagged_dumps
    return lib


def websec_lib(profile):
    """The websec module as the checks use it, with `profile` where its functions take one."""
    import websec.cookie as C
    import websec.escape as E
    import websec.multipart as MP
    import websec.serializer as Z
    import websec.session as X
    import websec.signing as S

    lib = types.SimpleNamespace(name="websec", profile=profile)
    face = E.for_profile(profile)  # markupsafe 2.1.2 (debian) or 3.0 (upstream)
    lib.escape, lib.escape_silent, lib.soft_str, lib.Markup = face.escape, face.escape_silent, face.soft_str, face.Markup
    for n in ("BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadPayload", "BadHeader", "Signer",
              "TimestampSigner", "want_bytes", "NoneAlgorithm", "HMACAlgorithm", "SigningAlgorithm"):
        setattr(lib, n, getattr(S, n))
    for n in ("Serializer", "URLSafeSerializer", "TimedSerializer", "URLSafeTimedSerializer"):
        setattr(lib, n, getattr(Z, n))
    lib.parse_cookie = lambda header: list(MP.MultiDict(C.parse_cookie(header, profile=profile)).items(multi=True))
    lib.request_cookies = lambda header: list(MP.MultiDict(C.request_cookies(header, profile=profile)).items(multi=True))
    lib.dump_cookie = lambda *a, **k: C.dump_cookie(*a, profile=profile, **k)
    lib.idna = C.idna_encode

    def form_data_parser(*a, **k):
        return MP.FormDataParser(*a, profile=profile, **k)

    lib.FormDataParser = form_data_parser
    lib.JSONTag, lib.TaggedJSONSerializer = X.JSONTag, X.TaggedJSONSerializer
    lib.tagged_dumps = lambda serializer, value: serializer.dumps(value)
    return lib


def raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc as e:
        return e
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise {exc}")


# ----------------------------------------------------------------------------------------------- 1. escape

def check_escape_returns_markup(lib, profile):
    M = lib.Markup
    e = lib.escape("<")
    assert isinstance(e, M) and e == "&lt;"
    assert lib.escape(e) == "&lt;"  # no double escaping
    assert lib.escape(lib.escape("<")) == "&lt;"
    assert lib.escape("<") + "<b>" == "&lt;&lt;b&gt;" and isinstance(lib.escape("<") + "<b>", M)
    assert "<b>" + lib.escape("<") == "&lt;b&gt;&lt;"
    assert lib.escape("a & b \" ' > <") == "a &amp; b &#34; &#39; &gt; &lt;"

    class H:
        def __html__(self):
            return "<em>x</em>"

    assert lib.escape(H()) == "<em>x</em>" and isinstance(lib.escape(H()), M)
    assert lib.escape(None) == "None" and lib.escape(5) == "5" and lib.escape(True) == "True"
    assert lib.escape_silent(None) == "" and isinstance(lib.escape_silent(None), M)
    assert lib.escape_silent("<") == "&lt;"
    assert M.escape("<") == "&lt;" and M.escape(M("<b>")) == "<b>"


# ----------------------------------------------------------------------------------------------- 2. Markup %

def check_markup_percent(lib, profile):
    M = lib.Markup
    assert M("<b>%s</b>") % "<i>" == "<b>&lt;i&gt;</b>"
    assert M("%(a)s|%(b)s") % {"a": "<", "b": M("<ok>")} == "&lt;|<ok>"
    assert M("%d %i %.2f") % (3, True, 1.5) == "3 1 1.50"
    assert M("%r") % "<" == "&#39;&lt;&#39;"
    assert M("%s %s") % ("<", M("<")) == "&lt; <"
    assert M("%5s|%-6.2s|") % ("<", "<ab") == " &lt;|&l    |"  # width and precision apply to the escaped text
    assert M("%d") % "12" == "12" and M("%.1f") % "2.25" == "2.2"  # int()/float() of the argument
    assert M("%s") % {"a": "<"} == "{&#39;a&#39;: &#39;&lt;&#39;}"
    assert M("%s") % (["<"],) == "[&#39;&lt;&#39;]"
    assert M("%e|%g|%%") % (1e100, 0.1) == "1.000000e+100|0.1|%"
    assert isinstance(raises(TypeError, lambda: M("%x") % 255), TypeError)  # the escape helper has no __index__
    raises(TypeError, lambda: M("%s %s") % ("a",))
    raises(KeyError, lambda: M("%(missing)s") % {"a": 1})


# ----------------------------------------------------------------------------------------------- 3. format

def check_markup_format(lib, profile):
    M = lib.Markup

    class User:
        name = "<u>"

    assert M("{}-{}").format("<", 1) == "&lt;-1"
    assert M("{a}|{b}").format(a="<", b=M("<ok>")) == "&lt;|<ok>"
    assert M("{0[0]}|{0[k]}").format({0: "<", "k": ">"}) == "&lt;|&gt;"
    assert M("{0.name}").format(User()) == "&lt;u&gt;"
    assert M("{0:>5}|{1:.2f}|{2!r}").format("<", 3.14159, "<") == "    &lt;|3.14|&#39;&lt;&#39;"  # spec, then escape
    assert M("{{}}{0}").format("&") == "{}&amp;"

    class HF:
        def __html_format__(self, spec):
            return M("<b>%s</b>") % spec

    assert M("{0:x<y}").format(HF()) == "<b>x&lt;y</b>"

    class HOnly:
        def __html__(self):
            return "<i>"

    assert M("{0}").format(HOnly()) == "&lt;i&gt;"  # __html__() gave a plain str: the formatter escapes it
    raises(ValueError, lambda: M("{0:>5}").format(HOnly()))
    raises(ValueError, lambda: M("{0:>5}").format(M("<b>")))  # Markup.__html_format__ refuses a spec
    raises(IndexError, lambda: M("{1}").format("a"))
    raises(KeyError, lambda: M("{x}").format())
    fm = M("{a}").format_map({"a": "<"})
    if profile == "debian":
        assert fm == "<" and type(fm) is str  # markupsafe 2.1.2 has no Markup.format_map: str's, unescaped
    else:
        assert fm == "&lt;" and isinstance(fm, M)


def check_markup_str_methods_by_version(lib, profile):
    """The str methods where markupsafe 2.1.2 (debian) and 3.0 (upstream) differ: 2.1.2 escapes every str argument
    (replace's old, strip's chars, partition's separator) and leaves casefold/removeprefix/removesuffix to str."""
    M = lib.Markup
    m = M("&lt;a&lt;")
    parts = M("a&lt;b").partition("<")
    rparts = M("a&lt;b").rpartition("<")
    assert all(isinstance(x, M) for x in parts + rparts)
    if profile == "debian":
        assert m.strip("<") == "a" and m.lstrip("<") == "a&lt;" and m.rstrip("<") == "&lt;a"
        assert parts == ("a", "&lt;", "b") and rparts == ("a", "&lt;", "b")
        assert M("&lt;x").replace("<", "y") == "yx"
        for r in (M("AB").casefold(), M("<ab").removeprefix("<"), M("ab>").removesuffix(">")):
            assert type(r) is str
        assert M("x").__mul__(2.0) is NotImplemented
    else:
        assert m.strip("<") == m and m.strip("&;") == "lt;a&lt" and m.rstrip(";lt&") == "&lt;a"
        assert parts == ("a&lt;b", "", "") and rparts == ("", "", "a&lt;b")
        assert M("&lt;x").replace("<", "y") == "&lt;x" and M("<x").replace("<", "&") == "&amp;x"
        for r in (M("AB").casefold(), M("<ab").removeprefix("<"), M("ab>").removesuffix(">")):
            assert isinstance(r, M)
    assert M("AB").casefold() == "ab" and M("<ab").removeprefix("<") == "ab" and M("ab>").removesuffix(">") == "ab"
    raises(TypeError, lambda: M("x") * 2.0)


def check_escape_of_bytes(lib, profile):
    """markupsafe escapes str() of any object, bytes included: the repr of the bytes, escaped, as Markup."""
    e = lib.escape(b"<a'>")
    assert isinstance(e, lib.Markup) and e == "b&#34;&lt;a&#39;&gt;&#34;"
    assert lib.escape(bytearray(b"&")) == "bytearray(b&#39;&amp;&#39;)"
    assert lib.escape_silent(b"") == "b&#39;&#39;"


# ----------------------------------------------------------------------------------------------- 4. str subclass

def check_markup_is_str(lib, profile):
    M = lib.Markup
    m = M("<b>Hi</b>")
    assert isinstance(m, str) and issubclass(M, str)
    assert m.__html__() is m
    assert lib.soft_str(m) is m and lib.soft_str(1) == "1" and type(lib.soft_str(1)) is str
    assert lib.escape(lib.soft_str(lib.escape("<"))) == "&lt;" and lib.escape(str(lib.escape("<"))) == "&amp;lt;"
    assert m.upper() == "<B>HI</B>" and isinstance(m.upper(), M) and isinstance(m.lower(), M)
    assert [type(x) for x in M("a b").split()] == [M, M] and isinstance(M("a\nb").splitlines()[0], M)
    assert M("a b").replace("b", "<") == "a &lt;" and isinstance(m[0:3], M) and m[0:3] == "<b>"
    assert M("x") * 2 == "xx" and isinstance(M("x") * 2, M) and isinstance(2 * M("x"), M)
    assert M(", ").join(["<", M("<ok>")]) == "&lt;, <ok>"
    assert M("a").center(5, "-") == "--a--" and isinstance(M("a").center(5), M)
    raises(TypeError, M("a").center, 5, "<")  # the fill character is escaped first: "&lt;" is not one character
    assert M("Main &raquo;\t<em>About</em>").striptags() == "Main » About"
    assert M("Main &raquo; <em>About</em>").unescape() == "Main » <em>About</em>"
    assert M("a") == "a" and hash(M("a")) == hash("a") and len(M("<b>")) == 3
    assert repr(M("<")) == "Markup('<')"

    class H:
        def __html__(self):
            return "<x>"

    assert M(H()) == "<x>" and M(42) == "42"
    assert "{}".format(M("<b>")) == "<b>" and f"{M('<b>')}" == "<b>"
    assert M("a").__add__(1) is NotImplemented


# ----------------------------------------------------------------------------------------------- 5. exceptions

def check_exception_hierarchy(lib, profile):
    assert issubclass(lib.BadSignature, lib.BadData) and issubclass(lib.BadTimeSignature, lib.BadSignature)
    assert issubclass(lib.SignatureExpired, lib.BadTimeSignature) and issubclass(lib.BadPayload, lib.BadData)
    assert issubclass(lib.BadHeader, lib.BadSignature) and not issubclass(lib.BadPayload, lib.BadSignature)
    assert issubclass(lib.BadData, Exception)
    e = lib.BadSignature("m", payload=b"x")
    assert str(e) == "m" and e.message == "m" and e.payload == b"x"
    e = lib.SignatureExpired("old", payload=b"p", date_signed=SIGNED_AT)
    assert e.payload == b"p" and e.date_signed == SIGNED_AT and str(e) == "old"
    assert lib.BadTimeSignature("m").date_signed is None
    e = lib.BadPayload("bad", original_error=ValueError("v"))
    assert isinstance(e.original_error, ValueError) and lib.BadPayload("bad").original_error is None
    e = lib.BadHeader("h", payload=b"p", header={"alg": "x"}, original_error=None)
    assert e.header == {"alg": "x"} and e.payload == b"p"
    try:
        raise lib.SignatureExpired("x")
    except lib.BadSignature as caught:  # except clauses written for itsdangerous catch it
        assert isinstance(caught, lib.BadData)


def check_timed_exceptions_carry_data(lib, profile):
    with mock.patch("time.time", return_value=NOW):
        s = lib.URLSafeTimedSerializer("k")
        token = s.dumps({"a": 1})
        assert token == "eyJhIjoxfQ.ZVPxAA.4g1HSEQ_RX7fgIj7iX9OnsvBOZY"
        assert s.loads(token) == {"a": 1}
        assert s.loads(token, return_timestamp=True) == ({"a": 1}, SIGNED_AT)
    with mock.patch("time.time", return_value=NOW + 100):
        e = raises(lib.SignatureExpired, s.loads, token, max_age=5)
        assert e.date_signed == SIGNED_AT and e.payload == b"eyJhIjoxfQ"
        assert str(e) == "Signature age 100 > 5 seconds"
        e = raises(lib.BadTimeSignature, s.loads, token[:-2] + "xx")
        assert type(e) is lib.BadTimeSignature and e.date_signed == SIGNED_AT and e.payload == b"eyJhIjoxfQ"
        e = raises(lib.BadTimeSignature, s.loads, "eyJhIjoxfQ.!!!.sig")  # "!!!" decodes to b"": timestamp 0
        assert str(e) == "Signature b'sig' does not match" and e.payload == b"eyJhIjoxfQ"
        assert e.date_signed == _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        e = raises(lib.BadSignature, s.loads, "eyJhIjoxfQ.sig")  # no timestamp part: the signer's own error
        assert type(e) is lib.BadSignature and e.payload == b"eyJhIjoxfQ"
        t = lib.TimedSerializer("k")
        with mock.patch("time.time", return_value=NOW):
            tok = t.dumps([1])
        e = raises(lib.SignatureExpired, t.loads, tok, max_age=1)
        assert e.payload == b"[1]" and e.date_signed == SIGNED_AT
        e = raises(lib.BadSignature, t.loads, "no-separator")
        assert e.payload is None
    # BadPayload.original_error
    u = lib.URLSafeSerializer("k")
    e = raises(lib.BadPayload, u.loads, u.make_signer().sign(b"!").decode())
    assert type(e.original_error).__name__ == "JSONDecodeError" and isinstance(e.original_error, ValueError)
    assert e.__cause__ is e.original_error
    e = raises(lib.BadPayload, u.loads, u.make_signer().sign(b".eJzLSM3JyVcozy_KSVEEAB").decode())
    import zlib
    assert isinstance(e.original_error, zlib.error) and str(e).startswith("Could not zlib decompress")
    e = raises(lib.BadPayload, u.loads, u.make_signer().sign(b"_w").decode())
    assert isinstance(e.original_error, (UnicodeDecodeError, ValueError))
    plain = lib.Serializer("k")
    e = raises(lib.BadPayload, plain.loads, plain.make_signer().sign(b"{x").decode())
    assert type(e.original_error).__name__ == "JSONDecodeError"
    assert str(e.original_error) == "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    e = raises(lib.BadPayload, plain.loads, plain.make_signer().sign(b"\xff").decode("latin-1").encode("latin-1"))
    assert isinstance(e.original_error, UnicodeDecodeError)


def check_bad_payload_original_error_every_serializer(lib, profile):
    # the decoder's exception as itsdangerous raises it, for the timed serializers too: its text, and the document
    # and position (JSON) or the bytes (UTF-8) it failed on
    for name in ("Serializer", "URLSafeSerializer", "TimedSerializer", "URLSafeTimedSerializer"):
        z = getattr(lib, name)("k")
        for raw in (b'{"a": 1,', b"\xff\xfe", b'"ok\x80"'):
            payload = base64.urlsafe_b64encode(raw).rstrip(b"=") if name.startswith("URLSafe") else raw
            e = raises(lib.BadPayload, z.loads, z.make_signer().sign(payload))
            oe = e.original_error
            assert e.__cause__ is oe, name
            if raw.startswith(b"{"):
                assert type(oe).__name__ == "JSONDecodeError", (name, oe)
                assert (str(oe), oe.doc, oe.pos) == (
                    "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)", '{"a": 1,', 8), name
            else:
                assert isinstance(oe, UnicodeDecodeError), (name, oe)
                assert (oe.object, oe.start, oe.reason) == (raw, raw.index(b"\xff" if b"\xff" in raw else b"\x80"),
                                                            "invalid start byte"), (name, oe)


# ----------------------------------------------------------------------------------------------- 6/10. cookies

def check_cookie_decoding(lib, profile):
    # werkzeug.http.parse_cookie on a WSGI string (the header's bytes as latin-1 code points)
    assert lib.parse_cookie("k=f\xc3\xb6") == [("k", "fö")]
    assert lib.parse_cookie("a=1; b=2; a=3") == [("a", "1"), ("a", "3"), ("b", "2")]  # MultiDict order
    header = lib.dump_cookie("fö", "fö")
    assert header == 'fÃ¶="f\\303\\266"; Path=/'
    assert lib.parse_cookie(header.split(";")[0]) == [("fö", "fö")]  # dump_cookie's output reads back
    assert lib.parse_cookie('k="\\303\\251"') == [("k", "é")]
    # request.cookies: werkzeug 3.1 keeps the latin-1 code points, werkzeug 2.2 decodes UTF-8
    want = "fÃ¶" if profile == "upstream" else "fö"
    assert lib.request_cookies("k=f\xc3\xb6") == [("k", want)]
    if profile == "upstream":
        raises(UnicodeDecodeError, lib.parse_cookie, "k=f\xff")  # header.encode("latin1").decode() is strict
    else:
        assert lib.parse_cookie("k=f\xff") == [("k", "f\ufffd")]


def check_cookie_str_is_wsgi_latin1(lib, profile):
    # a str Cookie header is the WSGI string: each character one byte
    if profile == "upstream":
        raises(UnicodeDecodeError, lib.parse_cookie, "k=\xe9")  # a lone latin-1 byte is not UTF-8
    else:
        assert lib.parse_cookie("k=\xe9") == [("k", "\ufffd")]
    assert lib.parse_cookie("k=\xe2\x82\xac") == [("k", "€")]
    assert lib.parse_cookie(" k = v ; ;=x; n") == [("k", "v"), ("n", "")]


# ----------------------------------------------------------------------------------------------- 7. IDNA

IDNA_CASES = {"☃.com": b"xn--n3h.com", "Bücher.de": b"xn--bcher-kva.de", "例え.テスト": b"xn--r8jz45g.xn--zckzah",
              "ß.de": b"ss.de", "ＡＢＣ.com": b"abc.com", "xn--a.ü.com": b"xn--a.xn--tda.com", "a.b.": b"a.b.",
              "مثال.إختبار": b"xn--mgbh0fb.xn--kgbechtv", "ü。com": b"xn--tda.com", "I\u0307.de": b"xn--i-9bb.de",
              "\u00ad\u200bab.de": b"ab.de", "ǅ.x": b"xn--d-toa.x"}
IDNA_CASES["a\u0340.de"] = b"xn--0ca.de"  # U+0340 is prohibited (C.8), but NFKC turns it into U+0300 first
IDNA_ERRORS = ["a\u200e.com", "אב1.com", "xn--ü.com", ".ü", "ü" * 64 + ".com", "\ue000.de"]


def check_idna(lib, profile):
    for domain, want in IDNA_CASES.items():
        assert lib.idna(domain) == want, domain
    for domain in IDNA_ERRORS:
        raises(UnicodeError, lib.idna, domain)
    assert lib.dump_cookie("k", "v", domain="☃.com") == "k=v; Domain=xn--n3h.com; Path=/"
    want = "k=v; Domain=.xn--n3h.com; Path=/" if profile == "debian" else "k=v; Domain=xn--n3h.com; Path=/"
    assert lib.dump_cookie("k", "v", domain=".☃.com:80") == want
    raises(UnicodeError, lib.dump_cookie, "k", "v", domain="a\u200e.com")


# ----------------------------------------------------------------------------------------------- 8. itsdangerous

def check_itsdangerous_api(lib, profile):
    with mock.patch("time.time", return_value=NOW):
        assert lib.want_bytes("é") == "é".encode() and lib.want_bytes(b"x") == b"x"
        assert lib.Signer("k", algorithm=lib.NoneAlgorithm()).sign(b"v") == b"v."
        assert lib.Signer("k", digest_method=hashlib.sha256).sign("v") == \
            b"v.IUGb0ychQRbrwEV8KW0X1JhvJyYLBW1zFJf2EuHpl_c"
        assert lib.Signer("k", algorithm=lib.HMACAlgorithm(hashlib.sha256), digest_method=hashlib.sha256).sign("v") == \
            b"v.IUGb0ychQRbrwEV8KW0X1JhvJyYLBW1zFJf2EuHpl_c"
        ts = lib.TimestampSigner("k")
        assert isinstance(ts, lib.Signer) and ts.sep == b"."
        assert ts.sign("v") == b"v.ZVPxAA.aIU8OIbK1jtE1qPbtaRmYUMZlpQ"
        assert ts.verify_signature(b"v.ZVPxAA", b"aIU8OIbK1jtE1qPbtaRmYUMZlpQ")
        assert not ts.verify_signature(b"v.ZVPxAA", b"x")
        assert ts.unsign(ts.sign("v")) == b"v" and ts.validate(ts.sign("v")) and not ts.validate(b"v.x.y")

        class Rot:  # any object with dumps/loads
            @staticmethod
            def dumps(obj, **kw):
                return "|".join(obj) + kw.get("suffix", "")

            @staticmethod
            def loads(s):
                return s.split("|")

        s = lib.Serializer("k", serializer=Rot, serializer_kwargs={"suffix": "|z"})
        tok = s.dumps(["a", "b"])
        assert tok.startswith("a|b|z.") and s.loads(tok) == ["a", "b", "z"]
        assert lib.URLSafeSerializer("k", serializer_kwargs={"sort_keys": True}).dumps({"b": 1, "a": 2}) == \
            "eyJhIjoyLCJiIjoxfQ.iQTNUiK9deDrK-r6Pchx4N1NvmI"
        # per-call salt
        plain = lib.Serializer("k")
        assert plain.dumps({"x": 1}, salt="s2") == '{"x": 1}.c-HW6Rg-g0-iePE41_teNHGRYk8'
        assert plain.loads(plain.dumps(1, salt="s2"), salt="s2") == 1
        raises(lib.BadSignature, plain.loads, plain.dumps(1, salt="s2"))
        # signer and signer_kwargs
        timed_by_signer = lib.Serializer("k", signer=lib.TimestampSigner)
        assert timed_by_signer.dumps(1) == "1.ZVPxAA.TAU9CWsLVcixATXQPPMadL6BPNM" or timed_by_signer.loads(
            timed_by_signer.dumps(1)) == 1
        sha256 = lib.Serializer("k", signer_kwargs={"digest_method": hashlib.sha256})
        assert isinstance(sha256.make_signer(), lib.Signer) and sha256.make_signer("x").salt == b"x"
        # fallback signers: the sha256 token is read by a sha1 serializer that falls back to sha256
        fb = lib.Serializer("k", fallback_signers=[{"digest_method": hashlib.sha256}])
        assert fb.loads(sha256.dumps(5)) == 5
        assert len(list(fb.iter_unsigners())) == 2
        raises(lib.BadSignature, lib.Serializer("k").loads, sha256.dumps(5))
        # loads_unsafe, dump/load
        assert plain.loads_unsafe(plain.dumps({"a": 1})) == (True, {"a": 1})
        assert plain.loads_unsafe('{"a": 1}.bogus') == (False, {"a": 1})
        assert plain.loads_unsafe("no separator") == (False, None)
        f = io.StringIO()
        plain.dump({"f": 1}, f)
        f.seek(0)
        assert plain.load(f) == {"f": 1}
        t = lib.TimedSerializer("k")
        assert t.loads_unsafe(t.dumps(3), max_age=10) == (True, 3)
        assert t.loads(t.dumps(3), salt=None) == 3
        assert plain.secret_keys == [b"k"] and plain.secret_key == b"k"
        rotated = lib.Serializer(["old", "new"])
        assert rotated.loads(lib.Serializer("old").dumps(1)) == 1


# ----------------------------------------------------------------------------------------------- 9. werkzeug/Flask

BODY = (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n2\r\n'
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n'
        b"Content-Type: Text/Plain; charset=utf-8\r\n\r\nhello\r\n--b--\r\n")


def check_form_multidict_and_filestorage(lib, profile):
    parser = lib.FormDataParser()
    stream, form, files = parser.parse(io.BytesIO(BODY), "multipart/form-data", len(BODY), {"boundary": "b"})
    assert form["a"] == "1" and form.getlist("a") == ["1", "2"] and form.get("zz") is None
    assert list(form.items(multi=True)) == [("a", "1"), ("a", "2")] and form.to_dict() == {"a": "1"}
    assert form.to_dict(flat=False) == {"a": ["1", "2"]} and form.get("a", type=int) == 1
    raises(KeyError, lambda: form["missing"])
    fs = files["f"]
    assert fs.filename == "x.txt" and fs.name == "f"
    assert fs.content_type == "Text/Plain; charset=utf-8" and fs.mimetype == "text/plain"
    assert fs.mimetype_params == {"charset": "utf-8"} and bool(fs)
    out = io.BytesIO()
    fs.save(out)
    assert out.getvalue() == b"hello"
    fs.stream.seek(0)
    assert fs.read() == b"hello" and fs.stream.seek(0) == 0 and fs.stream.read() == b"hello"
    assert files.getlist("f")[0] is fs


def check_content_length_none_reads_stream(lib, profile):
    parser = lib.FormDataParser()
    _, form, files = parser.parse(io.BytesIO(BODY), "multipart/form-data", None, {"boundary": "b"})
    assert form.getlist("a") == ["1", "2"] and files["f"].read() == b"hello"
    _, form, _ = parser.parse(io.BytesIO(b"x=1&y=%3C"), "application/x-www-form-urlencoded", None)
    assert form.to_dict() == {"x": "1", "y": "<"}
    # no length is checked against max_content_length when there is none
    _, form, _ = lib.FormDataParser(max_content_length=3).parse(io.BytesIO(b"x=12345"),
                                                                "application/x-www-form-urlencoded", None)
    assert form["x"] == "12345"


def check_tagged_json_register(lib, profile):
    class Foo:
        def __init__(self, data):
            self.data = data

    class TagFoo(lib.JSONTag):
        __slots__ = ()
        key = " f"

        def check(self, value):
            return isinstance(value, Foo)

        def to_json(self, value):
            return self.serializer.tag(value.data)

        def to_python(self, value):
            return Foo(value)

    s = lib.TaggedJSONSerializer()
    s.register(TagFoo)
    assert s.loads(s.dumps(Foo("bar"))).data == "bar"
    assert lib.tagged_dumps(s, {"z": Foo(b"\x00"), "a": (1, uuid.UUID(int=1))}) == \
        '{"a":{" t":[1,{" u":"00000000000000000000000000000001"}]},"z":{" f":{" b":"AA=="}}}'
    raises(KeyError, s.register, TagFoo)
    s.register(TagFoo, force=True)

    class Tag1(lib.JSONTag):
        key = " 1"

    class Tag2(lib.JSONTag):
        key = " 2"

    s2 = lib.TaggedJSONSerializer()
    s2.register(Tag1, index=-1)
    assert isinstance(s2.order[-2], Tag1)
    s2.register(Tag2, index=None)
    assert isinstance(s2.order[-1], Tag2)
    plain = lib.TaggedJSONSerializer()
    value = {"t": (1, 2), "b": b"x", "m": lib.Markup("<b>"), " t": "k", "d": _dt.datetime(2020, 1, 2, 3, 4, 5,
                                                                                         tzinfo=_dt.timezone.utc)}
    back = plain.loads(lib.tagged_dumps(plain, value))
    assert back == value and back["m"].__html__() == "<b>"
    t = lib.JSONTag(None)
    raises(NotImplementedError, t.check, None)
    raises(NotImplementedError, t.to_json, None)
    raises(NotImplementedError, t.to_python, None)


CHECKS = {name: fn for name, fn in sorted(globals().items()) if name.startswith("check_") and callable(fn)}


if __name__ == "__main__":  # run by test_compat_python_stack.py under an interpreter with the upstream releases
    import json
    import traceback

    profile = sys.argv[1] if len(sys.argv) > 1 else "upstream"
    lib = python_lib(profile)
    results = {}
    for name, fn in CHECKS.items():
        try:
            fn(lib, profile)
            results[name] = None
        except Exception:  # noqa: BLE001 - reported to the parent test
            results[name] = traceback.format_exc()
    import werkzeug.http  # noqa: F401
    import importlib.metadata as md
    versions = {p: md.version(p) for p in ("werkzeug", "flask", "itsdangerous", "markupsafe")}
    print(json.dumps({"versions": versions, "results": results}))
