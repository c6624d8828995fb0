"""Writes the named seeds of every gen_<target>_seeds.py script, and for the targets whose seeds are all generated
(audit_input_fuzzer, markup_format_fuzzer, codec_options_fuzzer, form_options_fuzzer) keeps those that add
coverage, under their names. The other scripts add their seeds to a corpus that holds more (--merge is not for them).

write_seeds(target, seeds, argv) with `seeds` a dict name -> bytes:
  gen_X_seeds.py OUTDIR                 writes every candidate to OUTDIR (no selection)
  gen_X_seeds.py --merge BINARY         runs BINARY -merge=1 (libFuzzer: smallest inputs first, each kept when it
                                        adds a feature) from the candidates into an empty directory, then replaces
                                        corpora/<target>/ (regressions/ kept) by the kept candidates, named
                                        <prefix><name>
BINARY is the libFuzzer build of the target (build/libfuzzer/fuzz/<target>)."""
import hashlib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_seeds(target, seeds, argv, prefix=""):
    if len(argv) >= 2 and argv[0] == "--merge":
        merge(target, seeds, argv[1], prefix)
        return
    out = argv[0] if argv else os.path.join(ROOT, "corpora", target)
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, prefix + name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds of {target} written to {out}")


def merge(target, seeds, binary, prefix):
    by_hash = {hashlib.sha1(d).hexdigest(): n for n, d in seeds.items()}
    with tempfile.TemporaryDirectory() as tmp:
        cand, kept = os.path.join(tmp, "candidates"), os.path.join(tmp, "kept")
        os.makedirs(cand)
        os.makedirs(kept)
        for name, data in seeds.items():
            with open(os.path.join(cand, name), "wb") as f:
                f.write(data)
        r = subprocess.run([binary, "-merge=1", "-rss_limit_mb=2560", "-timeout=25", kept, cand],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            sys.exit(f"merge failed:\n{r.stdout[-3000:]}")
        names = sorted(by_hash[h] for h in os.listdir(kept))
    out = os.path.join(ROOT, "corpora", target)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f != "regressions" and not f.startswith("."):
            os.remove(os.path.join(out, f))
    for n in names:
        with open(os.path.join(out, prefix + n), "wb") as f:
            f.write(seeds[n])
    print(f"{len(names)} of {len(seeds)} candidate seeds of {target} add coverage: corpora/{target}/")
    dropped = sorted(set(seeds) - set(names))
    if dropped:
        print("  not kept: " + " ".join(dropped))
