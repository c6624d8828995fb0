#!/usr/bin/python3
"""Validate a libFuzzer/AFL dictionary: every non-comment line is `"token"` or `name="token"`, with only
\\\\, \\" and \\xNN escapes, and the token is not empty. Exit 1 naming the file, line and problem."""
import re
import sys

LINE = re.compile(r'^(?:[A-Za-z0-9_]+\s*=\s*)?"((?:[^"\\]|\\\\|\\"|\\x[0-9A-Fa-f]{2})*)"\s*$')


def check(path):
    problems = []
    entries = 0
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("ascii").rstrip("\r\n")
            except UnicodeDecodeError:
                problems.append(f"{path}:{n}: non-ASCII byte (write it as \\xNN)")
                continue
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            m = LINE.match(s)
            if not m:
                problems.append(f"{path}:{n}: not a dictionary entry: {s[:60]}")
            elif m.group(1) == "":
                problems.append(f"{path}:{n}: empty token")
            else:
                entries += 1
    if entries == 0 and not problems:
        problems.append(f"{path}: no entries")
    return problems


if __name__ == "__main__":
    bad = [p for path in sys.argv[1:] for p in check(path)]
    for p in bad:
        print(p, file=sys.stderr)
    sys.exit(1 if bad else 0)
