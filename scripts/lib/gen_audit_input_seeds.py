#!/usr/bin/python3
"""Writes the seeds of audit_input_fuzzer (targets/audit_input_fuzzer.cpp): what `websec headers audit` reads — a
response head (curl -sI, curl -sIL, curl -si with its HTML body), bare header lines, an HTML page with <meta>
elements, a HAR file — with the command line's options (the request URL, --only, --cookie-role).

Input layout: u8 flags (bit0 plain http, bit1 Observatory HSTS threshold, bit2 31-day cookie lifetime, bit3
MAX_COOKIE_SIZE 256, bit4 URL line, bit5 --only line, bit6 --cookie-role line, bit7 read only: no audit), then
those lines (each ended by '\\n'), then the audit input. Seeds about the reader alone (READ_ONLY) are the cheap ones.
Run: /usr/bin/python3 scripts/lib/gen_audit_input_seeds.py [OUTDIR]
     /usr/bin/python3 scripts/lib/gen_audit_input_seeds.py --merge build/libfuzzer/fuzz/audit_input_fuzzer"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402

HTTP, OBSERVATORY, LIFETIME, SMALL_COOKIES, URL, ONLY, ROLES, READ_ONLY = 1, 2, 4, 8, 16, 32, 64, 128


def seed(body, flags=0, url=None, only=None, roles=None):
    if isinstance(body, str):
        body = body.encode()
    out = bytes([flags | (URL if url is not None else 0) | (ONLY if only is not None else 0) |
                 (ROLES if roles is not None else 0)])
    for line in (url, only, roles):
        if line is not None:
            out += line.encode() + b"\n"
    return out + body


def head(*lines, status="200 OK"):
    return f"HTTP/1.1 {status}\r\n" + "".join(l + "\r\n" for l in lines) + "\r\n"


def har(entries):
    return json.dumps({"log": {"entries": entries}}, separators=(",", ":"))


def entry(url, headers, mime="text/html", text=None, status=200, encoding=None):
    content = {"mimeType": mime}
    if text is not None:
        content["text"] = text
    if encoding:
        content["encoding"] = encoding
    return {"request": {"url": url},
            "response": {"status": status, "headers": [{"name": n, "value": v} for n, v in headers], "content": content}}


GOOD = ["Strict-Transport-Security: max-age=31536000; includeSubDomains",
        "Content-Security-Policy: default-src 'self'; script-src 'nonce-r4nd0mr4nd0m'; base-uri 'none'; object-src 'none'",
        "X-Frame-Options: SAMEORIGIN", "X-Content-Type-Options: nosniff", "Referrer-Policy: strict-origin-when-cross-origin",
        "Set-Cookie: session=abc; Secure; HttpOnly; SameSite=Lax; Path=/"]

PAGE_HEAD = ('<html><head><!-- <meta http-equiv="refresh" content="0"> --><meta charset=utf-8>'
             '<meta http-equiv="Content-Security-Policy" content="default-src &apos;self&apos;; img-src &quot;data:&quot; '
             '&#x2A; &#42; &#128512; &#0; &unknown; &amp;&lt;&gt;"><meta name=\'referrer\' content=\'no-referrer\'>'
             '<meta http-equiv=X-Frame-Options content=DENY></head>')
PAGE_RAW = ('<title>a <meta name=referrer content=unsafe-url></title><style>p { content: "</head>" }</style>'
            '<meta http-equiv="content-security-policy" content="frame-ancestors \'none\'; report-uri /r; sandbox; '
            'script-src \'self\'"><script>document.write("<meta http-equiv=x content=y>")</script>'
            '<meta http-equiv="Content-Security-Policy" content="script-src https:">'
            '<template><meta name=referrer content=origin></template><textarea><meta></textarea>')
PAGE_BODY = ('<body><meta http-equiv="Content-Security-Policy" content="object-src \'none\'">'
             '<meta http-equiv=content-security-policy-report-only content="default-src \'none\'">'
             '<meta name=referrer content=never><meta name=referrer content=bogus><meta http-equiv=x><meta content=o>'
             '<meta / http-equiv = "referrer" name  =  referrer content = "always" novalue =><p id="unterminated>')

SEEDS = {
    # --- response heads ---
    "response_good": seed(head(*GOOD)),
    "response_http_weak": seed(head("Strict-Transport-Security: max-age=300", "X-Frame-Options: ALLOW-FROM https://a.example/",
                                    "X-Content-Type-Options: nosniff, sniff", "Referrer-Policy: unsafe-url, bogus",
                                    "X-XSS-Protection: 1; mode=block",
                                    "Set-Cookie: sid=1; Secure; Domain=example.com"), flags=HTTP | OBSERVATORY),
    "response_curl_i_body": seed(head("Content-Type: text/html", "X-XSS-Protection: 0") + PAGE_HEAD),
    "response_curl_sil_lf": seed("HTTP/1.1 301 Moved\nLocation: /x\n\nHTTP/2 200\ncontent-security-policy: script-src 'self'\n"
                                 "referrer-policy: origin\n\n  <meta name=referrer content=default>"),
    "response_bom_blank_lines": seed("\xef\xbb\xbf\r\n HTTP/1.1 200 OK\r\nX-Frame-Options: deny\r\n\r\n\r\nplain text body", flags=READ_ONLY),
    "response_bad_line": seed("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", flags=READ_ONLY),
    "response_no_status": seed("HTTP/", flags=READ_ONLY),
    # --- bare header lines ---
    "headers_request_line_fold": seed("GET /login HTTP/1.1\n\nContent-Security-Policy: default-src 'self';\n"
                                      "  script-src 'unsafe-inline'\n\t\nSet-Cookie: remember_token=x; Max-Age=99999999\n"
                                      "Set-Cookie: theme=dark\nX-Frame-Options: sameorigin\nX-Frame-Options: deny\n",
                                      flags=LIFETIME | SMALL_COOKIES),
    "headers_bad_name": seed("X-Good: 1\r\nBad Name: 2\r\n", flags=READ_ONLY),
    "headers_leading_fold": seed("  folded first line\r\n", flags=READ_ONLY),
    "headers_xfo_forms": seed("X-Frame-Options: allowall\nX-Frame-Options: bogus, other\n"
                              "Content-Security-Policy-Report-Only: default-src 'self'\nReferrer-Policy: no-referrer, foo\n"),
    # --- HTML pages ---
    "html_page_head": seed(PAGE_HEAD),
    "html_page_raw_text": seed(PAGE_RAW),
    "html_page_body": seed(PAGE_BODY),
    "html_comment_unterminated": seed("\n\t<!-- <meta http-equiv=content-security-policy content=x>", flags=READ_ONLY),
    "html_script_unterminated": seed("<script><meta name=referrer content=never></scr", flags=READ_ONLY),
    "html_meta_refs": seed('<meta name="REFERRER" content="&#x6e;o-referrer&#X;&#xZZ;&#1114112;&verylongentityname;&">'
                           '<meta http-equiv=" Content-Security-Policy " content="default-src \'none\'">'),
    "html_attr_edge": seed("<meta http-equiv='X-Frame-Options' content=\"DENY\" content=second http-equiv=other name=>"
                           "<meta/name=referrer/content=same-origin/><  meta><br/><img src=x onerror=1 =a>", flags=READ_ONLY),
    # --- HAR files ---
    "har_html_entry": seed(har([
        entry("https://c.example/a.js", [], mime="text/javascript"),
        entry("https://app.example.com/a/b", [
            ("content-security-policy", "frame-ancestors https://*.example.com"), ("x-frame-options", "DENY"),
            ("set-cookie", "session=a; Domain=example.com; Secure\n\ncsrf=b; Secure\n  p=c; Domain=other.example"),
            ("", "nameless"), ("x-content-type-options", " nosniff ")],
            text="<meta name=referrer content=origin-when-crossorigin>", status=1234),
    ])),
    "har_first_entry_base64": seed(har([
        entry("http://plain.example/", [("Set-Cookie", "__Host-id=1; Secure; Path=/")], mime="application/json",
              text="PG1ldGE+", status="200"),
        {"request": {"url": ""}},
    ])),
    "har_encoded_html": seed(har([entry("https://a.example/", [("Referrer-Policy", "same-origin")], text="PGh0bWw+",
                                        encoding="base64")]), flags=READ_ONLY),
    "har_not_json": seed('{"log": [1, 2', flags=READ_ONLY),
    "har_no_entries": seed('{ "log": {"entries": []}}', flags=READ_ONLY),
    "har_no_response": seed('{"x": 1, "log": {"entries": [{"request": {}}, 7]}}', flags=READ_ONLY),
    "har_log_not_dict": seed('{"log": 5}', flags=READ_ONLY),
    "braces_no_log": seed("{not: json}\n", flags=READ_ONLY),
    # --- the request URL (scheme, host, Domain checks) ---
    "url_domain_checks": seed(head("Strict-Transport-Security: max-age=31536000",
                                   "Set-Cookie: a=1; Domain=example.com; Secure; HttpOnly",
                                   "Set-Cookie: b=1; Domain=other.example; Secure",
                                   "Set-Cookie: c=1; Domain=com; Secure",
                                   "Set-Cookie: d=1; Domain=app.example.com; Secure",
                                   "Set-Cookie: e=1; Domain=.EXAMPLE.com; Secure"),
                              url="https://user:pw@App.Example.com.:8443/a/b/c?q=1#f"),
    "url_public_suffix_host": seed(head("Set-Cookie: s=1; Domain=github.io; Secure", "Set-Cookie: t=1; Domain=co.uk; Secure"),
                                   url="https://github.io/"),
    "url_ip_hosts": seed(head("Set-Cookie: a=1; Domain=0.0.1; Secure", "Set-Cookie: b=1; Domain=1; Secure"),
                         url="https://10.0.0.1/"),
    "url_ipv6_http": seed(head("Set-Cookie: v=1; Secure", "Strict-Transport-Security: max-age=1"),
                          url="HTTP://[::1]:8080/path"),
    "url_ipv6_unbalanced": seed(head("Set-Cookie: v=1"), url="https://[::1/"),
    "url_idna_host": seed(head("Set-Cookie: v=1; Domain=xn--bcher-kva.example; Secure"), url="https://b\u00fccher.example/x"),
    "url_idna_bad": seed(head("Set-Cookie: v=1"), url="https://a\u200eb.example/"),
    "url_bad_char": seed(head("Set-Cookie: v=1"), url="https://a b.example/"),
    "url_no_host": seed(head("Set-Cookie: v=1"), url="https://:443/"),
    "url_bad_scheme": seed(head("Set-Cookie: v=1; Secure"), url="ftp://example.com/"),
    "url_no_scheme": seed(head("Set-Cookie: v=1; Secure"), url="example.com"),
    # --- --only and --cookie-role ---
    "only_aliases": seed(head(*GOOD, "X-XSS-Protection: 1", "Set-Cookie: pref=1", "Set-Cookie: other=2"),
                         only="sts,Content-Security-Policy-Report-Only,frame, nosniff ,rp,xss,cookie:pref"),
    "only_more_aliases": seed(head(*GOOD, "X-XSS-Protection: 0"),
                              only="hsts,csp,xfo,framing,frame-ancestors,xcto,referrer,xxss,set-cookie,cookie"),
    "only_names": seed(head(*GOOD), only="Strict-Transport-Security,X-Frame-Options,cookies,cookie:"),
    "roles": seed(head("Set-Cookie: sid=1", "Set-Cookie: theme=dark; Secure", "Set-Cookie: x=1; HttpOnly",
                       "Set-Cookie: y=1", "Set-Cookie: z=1", "Set-Cookie: login_sess=1"),
                  roles="sid=preference,theme=session,x=csrf,y=remember-me,z=remember_me,login_sess=automatic,"
                        "w=other,=session,bad=admin,noequals"),
}

if __name__ == "__main__":
    write_seeds("audit_input_fuzzer", SEEDS, sys.argv[1:])
