#!/usr/bin/python3
"""Writes named seeds of csp_fuzzer and response_head_fuzzer (corpora/<target>/hdr_*) for the audit paths their
other seeds miss: allowlist bypasses that two policies both allow (exact-path entries of harness/data/
csp_bypasses.tsv), report-to groups resolved through Reporting-Endpoints and Report-To, and quoted strings with
backslash escapes in the header-list split. Input layouts: targets/csp_fuzzer.cpp, targets/response_head_fuzzer.cpp.
Run: /usr/bin/python3 scripts/lib/gen_header_seeds.py [OUTDIR_BASE]"""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402



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
    base = sys.argv[1] if len(sys.argv) > 1 else None   # default: corpora/
    for target, seeds in SEEDS.items():
        write_seeds(target, seeds, [os.path.join(base, target)] if base else [], prefix="hdr_")


if __name__ == "__main__":
    main()
