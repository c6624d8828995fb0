#!/usr/bin/python3
"""The library's generated sources, their generators, and the check that the two agree.

Each generator in this folder writes one committed source of harness/src to stdout, from the Python standard library
of the interpreter that runs it (Debian 12's /usr/bin/python3, the oracle the tests compare against; the output
names the Python version). The committed file is what the build compiles; this script regenerates it into a
temporary directory and compares:

    check_generated.py --list              the names of the generated files
    check_generated.py [--check] [NAME...] regenerate and compare (all when no NAME); exit 1 on a difference,
                                           77 when a generator cannot run here (a library it reads is missing)
    check_generated.py --write [NAME...]   regenerate and replace the committed files

The ctest `generated.<name>` runs `--check <name>`, so a generator edited without regenerating, a hand edit of a
generated file, or a new Python in the distribution shows up as a failing test with the diff.
"""
import argparse
import ctypes
import difflib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77

# name: (generator in harness/gen, the committed output, a shared library the generator reads besides the stdlib)
GENERATED = {
    "escape_entities": ("gen_entities.py", "harness/src/escape_entities.cpp", None),
    "charset_tables": ("gen_charset_tables.py", "harness/src/charset_tables.inc", None),
    "idna_tables": ("gen_idna_tables.py", "harness/src/idna_tables.inc", "libidn.so.12"),
}


def missing_library(name):
    lib = GENERATED[name][2]
    if lib is None:
        return None
    try:
        ctypes.CDLL(lib)
    except OSError:
        return lib
    return None


def generate(name, directory):
    """Runs the generator with this interpreter; returns the path of its output in `directory`."""
    generator, output, _ = GENERATED[name]
    path = os.path.join(directory, os.path.basename(output))
    with open(path, "wb") as out:
        subprocess.run([sys.executable, os.path.join(HERE, generator)], stdout=out, check=True, cwd=ROOT)
    return path


def check(name):
    lib = missing_library(name)
    if lib:
        print(f"{name}: skipped, {GENERATED[name][0]} needs {lib}")
        return SKIP
    committed = os.path.join(ROOT, GENERATED[name][1])
    with tempfile.TemporaryDirectory(prefix="websec-gen-") as tmp:
        fresh = generate(name, tmp)
        with open(fresh, "rb") as f:
            new = f.read()
    with open(committed, "rb") as f:
        old = f.read()
    if new == old:
        print(f"{name}: {GENERATED[name][1]} matches {GENERATED[name][0]}")
        return 0
    diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(), new.decode("utf-8", "replace").splitlines(),
                                GENERATED[name][1], f"{GENERATED[name][0]} (now)", lineterm="", n=1)
    lines = list(diff)
    print("\n".join(lines[:80]))
    if len(lines) > 80:
        print(f"... ({len(lines) - 80} more diff lines)")
    print(f"{name}: {GENERATED[name][1]} differs from what {GENERATED[name][0]} writes with Python "
          f"{sys.version.split()[0]}; regenerate with: /usr/bin/python3 harness/gen/check_generated.py --write {name}")
    return 1


def write(name):
    lib = missing_library(name)
    if lib:
        print(f"{name}: cannot run {GENERATED[name][0]}: {lib} is missing", file=sys.stderr)
        return 1
    committed = os.path.join(ROOT, GENERATED[name][1])
    with tempfile.TemporaryDirectory(prefix="websec-gen-") as tmp:
        os.replace(generate(name, tmp), committed)
    print(f"{name}: wrote {GENERATED[name][1]}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="print the names of the generated files")
    mode.add_argument("--check", action="store_true", help="regenerate and compare (the default)")
    mode.add_argument("--write", action="store_true", help="regenerate and replace the committed files")
    ap.add_argument("names", nargs="*", metavar="NAME", help="one of: " + ", ".join(sorted(GENERATED)))
    args = ap.parse_args()
    unknown = [n for n in args.names if n not in GENERATED]
    if unknown:
        ap.error("unknown name(s): " + ", ".join(unknown))
    if args.list:
        print("\n".join(sorted(GENERATED)))
        return 0
    results = [write(n) if args.write else check(n) for n in args.names or sorted(GENERATED)]
    if any(r not in (0, SKIP) for r in results):
        return 1
    return SKIP if results and all(r == SKIP for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
