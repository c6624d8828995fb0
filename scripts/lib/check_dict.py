#!/usr/bin/python3
"""Validate a libFuzzer/AFL dictionary: every non-comment line is `"token"` or `name="token"`, with only
\\\\, \\" and \\xNN escapes, and the token is not empty. Exit 1 naming the file, line and problem."""
import re
import sys

LINE = re.compile(r'^(?:[A-Za-z0-9_]+(?:@\d+)?\s*=\s*)?"((?:[^"\\]|\\\\|\\"|\\x[0-9A-Fa-f]{2})*)"\s*$')


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


def self_test():
    """Good and broken dictionaries, checked against what libFuzzer and AFL++ accept (ctest fuzz.check_dict)."""
    import tempfile
    cases = {
        '# comment\n"a"\nkw="b"\nkw@2="c"\n"\\x00\\xff\\"\\\\"\n': True,
        '': False,                       # no entries
        '# only a comment\n': False,
        '""\n': False,                  # empty token
        'a\n': False,                   # not quoted
        '"a"b"\n': False,               # unescaped quote
        '"a" junk\n': False,            # trailing junk
        '"\\x4"\n': False,             # short escape
        '"\\n"\n': False,              # escape libFuzzer does not know
        '"caf\u00e9"\n': False,         # non-ASCII byte
    }
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for i, (text, ok) in enumerate(cases.items()):
            path = f"{d}/case{i}.dict"
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            if (not check(path)) != ok:
                print(f"check_dict self-test: {text!r} should be {'accepted' if ok else 'rejected'}", file=sys.stderr)
                failed += 1
    print(f"check_dict self-test: {len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    bad = [p for path in sys.argv[1:] for p in check(path)]
    for p in bad:
        print(p, file=sys.stderr)
    sys.exit(1 if bad else 0)
