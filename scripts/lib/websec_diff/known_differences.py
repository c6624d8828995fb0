"""The one table of known differences between the websec reference and the Python stack it is compared with.

Two kinds of rows:

* PROFILE rows — the [Δ] rows of docs/spec.md: behaviour that differs between the newest Python releases
  (profile 'upstream', which the library follows by default) and Debian 12's packages (profile 'debian', the
  oracle installed here). The library implements both; the campaigns run the 'debian' profile wherever a
  module has one, so these rows never need to excuse a disagreement. Each row names how the campaign covers it.

* LIMITATION rows — documented limits of the library where it refuses input the Python stack accepts (never
  the reverse, never a different answer), or where a message quotes less of an oversized input than Python's (same
  exception class, same outcome). A case that falls under one is counted as "excused" (reported in the campaign
  summary), not as a disagreement. Each row has a predicate over (campaign, case, want, got).
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    module: str
    spec: str  # section of docs/spec.md
    reason: str
    coverage: str = ""  # PROFILE rows: how the campaign runs it
    applies: Callable[[str, Any, Any, Any], bool] | None = None  # LIMITATION rows


PROFILE = [
    Row("form.x-url-encoded", "multipart", "§1.2", "debian also parses application/x-url-encoded",
        "multipart/urlencoded campaigns pass profile='debian'"),
    Row("form.content_length", "multipart", "§1.3", "Content-Length parsing (int() vs _plain_int) and chunked detection",
        "profile='debian'"),
    Row("form.max_content_length", "multipart", "§1.4", "debian checks max_content_length only in the form parser",
        "profile='debian'"),
    Row("form.options_header", "multipart", "§1.5", "parse_options_header: regex (debian) vs tokenizer (upstream)",
        "profile='debian'; Content-Types with spaces, commas and RFC 2231 values are generated"),
    Row("form.header_without_colon", "multipart", "§1.6", "debian: a part header line without ':' empties the form",
        "profile='debian'"),
    Row("form.body_start", "multipart", "§1.6", "debian deletes the whole blank line (part without body)",
        "profile='debian'; parts without blank line are generated"),
    Row("form.hold_back", "multipart", "§1.6", "debian's uncapped hold-back when the delimiter text does not match "
        "(quadratic; 413 on file uploads under max_form_memory_size)", "profile='debian'; values with \\r--boundary"),
    Row("form.field_limit_500", "multipart", "§1.7", "debian's backport raises NameError (500) for a field over "
        "max_form_memory_size across reads", "profile='debian' (the library reports http_status 500)"),
    Row("form.charset", "multipart", "§1.7", "part charset: any Python codec (debian) vs allow-list (upstream)",
        "profile='debian'"),
    Row("form.urlencoded_decoding", "urlencoded", "§1.9", "%FF: U+FFFD (debian) vs kept as %FF (upstream)",
        "profile='debian'"),
    Row("escape.striptags_comments", "escape", "§3.1", "markupsafe 2.1.2 removes comments in one regex pass",
        "striptags(profile='debian')"),
    Row("escape.markup_methods", "escape", "§3.1", "markupsafe 2.1.2: Markup.format_map is str's (no escaping, a "
        "plain str), every str argument of the wrapped str methods is escaped (replace's old, strip's chars, "
        "partition's separator), casefold/removeprefix/removesuffix return str",
        "Markup operations and str methods through websec.escape.for_profile('debian').Markup"),
    Row("jinja.svg_autoescape", "escape", "§3.2", "Flask ≥ 2.3 also autoescapes *.svg", "not a library function"),
    Row("cookie.quoting", "cookie", "§4.1", "dump_cookie value quoting, Domain and Path encoding",
        "dump(profile='debian')"),
    Row("cookie.partitioned", "cookie", "§4.1", "werkzeug 2.2 has no partitioned argument",
        "dump(profile='debian') refuses it as werkzeug's TypeError does"),
    Row("cookie.request_non_ascii", "cookie", "§4.2", "request.cookies: UTF-8 (debian) vs latin-1 mojibake (upstream)",
        "request_cookies(profile='debian'); parse_cookie (werkzeug.http.parse_cookie) decodes UTF-8 in both"),
    Row("session.accessed", "session", "§2.5", "when the session counts as accessed (Vary: Cookie)",
        "not observable through the codec"),
    Row("session.fallbacks", "session", "§2.5", "SECRET_KEY_FALLBACKS exist only upstream (Flask ≥ 3.1)",
        "the campaign signs with one key"),
    Row("session.domain", "session", "§2.5", "debian falls back to .SERVER_NAME for the cookie domain",
        "not part of the codec"),
]


def _idna_new_mark(campaign, case, want, got) -> bool:
    """A domain holding a combining mark unassigned in Unicode 3.2 (combining class > 0 today), both encoded."""
    import unicodedata

    if campaign != "cookie" or not want or not got or want[0] != "ok" or got[0] != "ok":
        return False
    domain = case[1] if isinstance(case, tuple) and case and case[0] == "idna" else (
        case[3].get("domain") if isinstance(case, tuple) and len(case) == 4 and isinstance(case[3], dict) else None)
    if not isinstance(domain, str):
        return False
    return any(unicodedata.ucd_3_2_0.category(c) == "Cn" and unicodedata.combining(c) for c in domain)


def _unsupported_codec(campaign, case, want, got) -> bool:
    if got is None:
        return False
    if campaign == "content_type":
        return got[0] == "error" and got[1] == "unsupported_charset"
    # multipart outcomes are (status, "kind: message")
    return campaign == "multipart" and got[0] == "500" and str(got[1]).startswith("unsupported_charset:")


def _unicode_key_lower(campaign, case, want, got) -> bool:
    if campaign != "content_type" or not want or not got or want[0] != "ok" or got[0] != "ok" or want[1] != got[1]:
        return False
    lowered = {k.lower(): v for k, v in got[2].items()}
    return lowered == want[2] and list(lowered) == list(want[2])


_QUOTE_CUT = re.compile(r"\.\.\. \((\d+) bytes\)")


def _quoted_input_cut(campaign, case, want, got) -> bool:
    """Both raised the same exception with the same payload; websec's message is Python's with the quoted input cut
    after 256 bytes (websec::max_quoted_input) and its size given: `b'<first bytes>'... (N bytes) does not match`."""
    if not (isinstance(want, tuple) and isinstance(got, tuple) and len(want) == len(got) >= 3):
        return False
    if want[0] != "error" or got[0] != "error" or want[1] != got[1] or want[3:] != got[3:]:
        return False
    w, g = str(want[2]), str(got[2])
    m = _QUOTE_CUT.search(g)
    if not m or int(m.group(1)) <= 256:
        return False
    head, tail = g[:m.start()], g[m.end():]
    if len(head) >= 2 and w.startswith(head[:-1]) and w.endswith(head[-1] + tail) and len(w) > len(g) - len(m.group(0)):
        return True
    return _same_literal_cut(w, head, tail, int(m.group(1)))


def _same_literal_cut(w: str, head: str, tail: str, size: int) -> bool:
    """The cut quote is repr() of the first bytes, so its quote character may differ from the full repr's (a ' in
    the first bytes and a " only later): compare the quoted values themselves."""
    import ast

    for q in ("b'", 'b"', "'", '"'):
        start = head.rfind(q)
        if start < 0:
            continue
        prefix = head[:start]
        if not w.startswith(prefix) or not w.endswith(tail):
            continue
        try:
            cut = ast.literal_eval(head[start:])
            full = ast.literal_eval(w[len(prefix):len(w) - len(tail)])
        except (ValueError, SyntaxError):
            continue
        if type(cut) is type(full) and full.startswith(cut) and len(full) == size:
            return True
    return False


LIMITATION = [
    Row("message.quoted_input_cut", "signing", "§2.2",
        "an error message quotes at most 256 bytes of the input (websec::quote_input, websec/result.hpp), so that "
        "hostile input cannot make messages, logs and stderr as large as itself; up to that size the message is "
        "Python's byte for byte, beyond it the quote is cut and followed by the input's size",
        applies=_quoted_input_cut),
    Row("content_type.unicode_key_lowercase", "content_type", "§1.5",
        "debian's parse_options_header lower-cases parameter keys with str.lower() (all of Unicode); the library "
        "lower-cases ASCII only. No parameter werkzeug reads is affected: no non-ASCII character lower-cases into "
        "the letters of boundary, name, filename or charset",
        applies=_unicode_key_lower),
    Row("form.unsupported_codec", "multipart", "§1.5",
        "debian decodes RFC 2231 parameters and part charsets with any Python codec; the library implements the "
        "UTF, Latin and single-byte charmap codecs and reports the others (CJK multibyte, utf-7, ...) as "
        "unsupported_charset (http_status 500) instead of guessing (websec/charset.hpp)",
        applies=_unsupported_codec),
    Row("cookie.idna_new_marks", "cookie", "§4.1",
        "IDNA nameprep's NFKC runs in libidn on Unicode 3.2; CPython's ucd_3_2_0.normalize decomposes with Unicode "
        "3.2 but orders and composes with today's combining classes and composition table, so a character added "
        "after 3.2 (unassigned there) is a combining mark to CPython and a starter to libidn. The library reorders "
        "such marks and composes across them as CPython does (harness/src/cookie_idna.cpp), but composes from "
        "libidn's output, not from the canonical decomposition: where a precomposed starter's own mark sorts after "
        "a later mark that then composes with the base instead, or where two post-3.2 characters compose, the "
        "labels differ (3 in 200,000 random labels drawn with post-3.2 combining characters)",
        applies=_idna_new_mark),
]


def excused(campaign: str, case, want, got) -> Row | None:
    for row in LIMITATION:
        if row.applies and row.applies(campaign, case, want, got):
            return row
    return None
