#!/usr/bin/python3
"""Writes named seeds of csp_fuzzer and response_head_fuzzer (corpora/<target>/hdr_*) for the audit paths their
other seeds miss: allowlist bypasses that two policies both allow (exact-path entries of harness/data/
csp_bypasses.tsv), report-to groups resolved through Reporting-Endpoints and Report-To, and quoted strings with
backslash escapes in the header-list split. Input layouts: targets/csp_fuzzer.cpp, targets/response_head_fuzzer.cpp.
Run: /usr/bin/python3 scripts/lib/gen_header_seeds.py [OUTDIR_BASE]"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def head(*lines):
    return ("HTTP/1.1 200 OK\r\n" + "".join(l + "\r\n" for l in lines) + "\r\n").encode()


SEEDS = {
    "csp_fuzzer": {
        # byte 0 = 0: enforced, one header; two policies (',') that both allow the Google suggest JSONP endpoint
        "bypass_kept_by_both_policies": b"\x00script-src https://www.google.com/complete/search https://maps.googleapis.com/maps/api/js, "
                                        b"script-src https://www.google.com/complete/search 'self'",
    },
    "response_head_fuzzer": {
        # byte 0 = 0: https, default thresholds
        "report_to_groups_over_http": b"\x00" + head(
            "Content-Security-Policy: default-src 'self'; report-to g1 grp2 none",
            'Reporting-Endpoints: g1="http://r.example/csp", other="https://x.example/", bad',
            'Report-To: {"group":"grp2","endpoints":[{"url":"http://rt.example/r"},5,{"url":7}]}, '
            '{"endpoints":[{"url":"https://d.example/"}]}, 7, {"group":"grp2","endpoints":3}, {"group":"none"}',
            "Report-To: {broken",
            'X-Content-Type-Options: "nos\\"niff", nosniff, "tail\\',
        ),
    },
}


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "corpora")
    n = 0
    for target, seeds in SEEDS.items():
        out = os.path.join(base, target)
        os.makedirs(out, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, "hdr_" + name), "wb") as f:
                f.write(data)
            n += 1
    print(f"wrote {n} seeds under {os.path.relpath(base, ROOT)}")


if __name__ == "__main__":
    main()
