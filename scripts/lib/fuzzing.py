"""Shared helpers of scripts/fuzz, scripts/corpus, scripts/coverage and scripts/oss-fuzz/check-build.

Paths, preset builds, the one target list (build/<preset>/fuzz_targets.txt, written by targets/CMakeLists.txt),
the sanitizer runtime options OSS-Fuzz uses, and the crash-resistant corpus replay that names every failing file.
Standard library only; run by /usr/bin/python3.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "corpora"
FUZZ_OUT = ROOT / "fuzz-out"          # campaign output (ignored by git)

# OSS-Fuzz base-runner values (infra/base-images/base-runner/Dockerfile), so that local reports read like theirs.
ASAN_OPTIONS = ("alloc_dealloc_mismatch=0:allocator_may_return_null=1:allocator_release_to_os_interval_ms=500:"
                "check_malloc_usable_size=0:detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:"
                "detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:handle_segv=1:"
                "handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:quarantine_size_mb=10:"
                "strict_memcmp=1:symbolize=1:use_sigaltstack=1:dedup_token_length=3")
UBSAN_OPTIONS = ("print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:symbolize=1:"
                 "dedup_token_length=3:halt_on_error=1")
RSS_LIMIT_MB = 2560
# where libFuzzer writes crash-/timeout- files of replays, merges and reproductions (its default is the cwd)
SCRATCH_ARTIFACTS = f"-artifact_prefix={FUZZ_OUT}/scratch-"


def log(msg):
    print(msg, flush=True)


def die(msg, code=2):
    print(f"{Path(sys.argv[0]).name}: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def sanitizer_env(extra=None):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", ASAN_OPTIONS)
    env.setdefault("UBSAN_OPTIONS", UBSAN_OPTIONS)
    symbolizer = shutil.which("llvm-symbolizer") or shutil.which("llvm-symbolizer-14")
    if symbolizer:
        env.setdefault("ASAN_SYMBOLIZER_PATH", symbolizer)
    env.update(extra or {})
    return env


def build_dir(preset):
    return ROOT / "build" / preset


def ensure_built(preset, targets=None, quiet=True, check=True):
    """Configures the preset if needed and builds the given fuzz targets (all of them when None; with check=False
    any build target, e.g. websec_afl_mutators). Returns the list of all fuzz targets of the preset."""
    bdir = build_dir(preset)
    FUZZ_OUT.mkdir(exist_ok=True)
    if not (bdir / "CMakeCache.txt").exists() or not (bdir / "fuzz_targets.txt").exists():
        r = subprocess.run(["cmake", "--preset", preset], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode:
            print(r.stdout[-4000:])
            die(f"cmake --preset {preset} failed")
    else:
        # re-run the configure step so that new *_fuzzer.cpp files are picked up (CONFIGURE_DEPENDS glob)
        subprocess.run(["cmake", str(bdir)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    every = read_targets(preset)
    wanted = every if targets is None else targets
    missing = [t for t in wanted if t not in every] if check else []
    if missing:
        die(f"no such fuzz target in build/{preset}: {' '.join(missing)} (known: {' '.join(every) or 'none'})")
    if wanted:
        jobs = os.environ.get("WEBSEC_BUILD_JOBS", "2")
        cmd = ["cmake", "--build", str(bdir), "-j", jobs, "--target", *wanted]
        t0 = time.time()
        r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            lines = [l for l in r.stdout.splitlines() if re.search(r"error|FAILED|Error", l)]
            print("\n".join(lines[:60]) or r.stdout[-4000:])
            die(f"build of {preset} failed")
        if not quiet:
            log(f"built {len(wanted)} target(s) of preset {preset} in {time.time() - t0:.0f} s")
    return every


def read_targets(preset):
    f = build_dir(preset) / "fuzz_targets.txt"
    if not f.exists():
        return []
    return [l.strip() for l in f.read_text().splitlines() if l.strip()]


def binary(preset, target):
    return build_dir(preset) / "fuzz" / target


# Twins share the corpus, dictionary and options of their target:
#   <target>_sa    the structure-aware twin: the same target linked with its custom mutator (targets/mutators/)
#   <target>_fast  the cheaper twin: the same source without the invariants that need the time (targets/extra.cmake)
TWIN_SUFFIX = "_sa"
FAST_SUFFIX = "_fast"


def is_twin(target):
    return target.endswith((TWIN_SUFFIX, FAST_SUFFIX))


def base_target(target):
    """The target whose corpus, dictionary and options a target uses (itself, or the plain target of a twin)."""
    for suffix in (TWIN_SUFFIX, FAST_SUFFIX):
        if target.endswith(suffix):
            return target[:-len(suffix)]
    return target


def plain_targets(every):
    """The targets a run without names covers: every target once, twins left out."""
    return [t for t in every if not is_twin(t)]


def smoke_targets(every):
    """Every target once, as its structure-aware twin where it has one: the twin runs the same target, and its
    mutator falls back to the byte mutator part of the time, so the smoke run covers both at the price of one. The
    cheaper twins run a subset of their target's code and are left out."""
    have = set(every)
    return [t + TWIN_SUFFIX if t + TWIN_SUFFIX in have else t for t in plain_targets(every)]


def afl_mutator_library(target):
    """The AFL++ custom mutator library of a twin (built in the afl preset by target websec_afl_mutators)."""
    return build_dir("afl") / "mutators" / f"lib{base_target(target)}_mutator.so"


def corpus_dir(target):
    return CORPORA / base_target(target)


def dict_file(target):
    d = CORPORA / f"{base_target(target)}.dict"
    return d if d.exists() else None


def options(target):
    """[libfuzzer] key = value pairs of corpora/<target>.options (the OSS-Fuzz options file), as -key=value."""
    f = CORPORA / f"{base_target(target)}.options"
    out, section = [], None
    if f.exists():
        for line in f.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]").strip()
            elif section == "libfuzzer" and "=" in line:
                k, v = (x.strip() for x in line.split("=", 1))
                if k != "dict":
                    out.append(f"-{k}={v}")
    return out


def corpus_files(target):
    """Every file of corpora/<target>/ (seeds and regressions/), sorted, dot files skipped. Empty for a twin: its
    corpus is its plain target's, replayed, measured and minimised there (seed_files gives it to campaigns)."""
    return [] if is_twin(target) else seed_files(target)


def seed_files(target):
    """The files a campaign of the target starts from: corpora/<base target>/, regressions/ included."""
    d = corpus_dir(target)
    if not d.is_dir():
        return []
    return sorted(p for p in d.rglob("*") if p.is_file() and not any(part.startswith(".") for part in
                                                                        p.relative_to(d).parts))


def sha1(path):
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


SUMMARY_RE = re.compile(r"^SUMMARY: .*$|^==\d+==ERROR: .*$|.*runtime error: .*$|^ALARM: .*$|"
                        r"^==\d+== ERROR: libFuzzer: .*$", re.M)
DEDUP_RE = re.compile(r"^DEDUP_TOKEN: (.*)$", re.M)


FRAME_RE = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ (.*)$", re.M)
NOISE_FRAME = re.compile(r"^(__pthread_kill|pthread_kill|raise|abort|__assert|__GI_|__sanitizer|__asan|__ubsan|"
                         r"__interceptor|__lsan|fuzzer::|std::terminate|std::__terminate|__cxa_|__gnu_cxx::__verbose|"
                         r"__libc_|_start|main$)")


def parse_frame(rest):
    """(function, file, line) of the text after '#N 0x...' in a sanitizer stack trace."""
    rest = re.sub(r"\s*\(BuildId: [0-9a-f]+\)\s*$", "", rest.strip())
    if rest.startswith("in "):
        rest = rest[3:]
    m = re.search(r"\s(\S+?):(\d+)(?::\d+)?$", rest)
    if m:
        return rest[:m.start()].strip(), m.group(1), m.group(2)
    m = re.search(r"\s?\(([^()+]+)\+0x[0-9a-f]+\)$", rest)
    if m:
        return rest[:m.start()].strip(), m.group(1), ""
    return rest, "", ""


def project_frames(output, n=3):
    """The first n stack frames of the first stack of a report that are neither libc, the sanitizer runtime nor
    the engine: [(function, file, line)]. Aborts all share their top frames (raise, abort); these do not."""
    frames = []
    last_idx = -1
    for m in FRAME_RE.finditer(output):
        idx = int(m.group(1))
        if idx <= last_idx:
            break                     # a second stack (allocation site, ...) begins
        last_idx = idx
        func, path, line = parse_frame(m.group(2))
        func = re.sub(r"\(.*", "", func).strip()
        if not func or NOISE_FRAME.match(func) or path.startswith(("/lib", "/usr/lib", "/usr/include")) \
                or ".so" in Path(path).name or "/c++/" in path:
            continue
        frames.append((func, path, line))
        if len(frames) == n:
            break
    return frames


def crash_summary(output):
    """(summary, dedup) of a crash report: the sanitizer SUMMARY (or the first error line) and a deduplication
    key, the first three project frames (not libc, sanitizer or engine frames), else the DEDUP_TOKEN."""
    summary = ""
    for m in SUMMARY_RE.finditer(output):
        line = m.group(0).strip()
        if line.startswith("SUMMARY:"):
            summary = line
            break
        summary = summary or line
    if not summary:
        for pat in (r"^.*(?:Assertion|assertion).*$", r"^.*(?:terminate called|what\(\)).*$", r"^.*deadly signal.*$"):
            m = re.search(pat, output, re.M)
            if m:
                summary = m.group(0).strip()
                break
    if re.search(r"ABRT|deadly signal|SEGV on unknown address 0x000000000000 .*|ILL", summary or "deadly signal"):
        # an abort of the target: the message it printed just before is what says which invariant failed
        m = re.search(r"^==\d+==\s?ERROR: (?:libFuzzer: deadly signal|AddressSanitizer: ABRT)", output, re.M)
        if m:
            before = [l.strip() for l in output[:m.start()].splitlines() if l.strip()]
            noise = re.compile(r"^(#\d|INFO:|Running:|\w+Sanitizer:DEADLYSIGNAL|Executed |MS: |base unit|Done |NEW_FUNC|\S+: Running \d+ inputs|"
                               r"=+$|0x[0-9a-f]+|\\x|\[[0-9a-f, ]*\]$)")
            for line in reversed(before[-5:]):
                if not noise.match(line):
                    summary = f"{line[:200]}  (abort)"
                    break
    frames = project_frames(output)
    if frames:
        dedup = "--".join(f[0] for f in frames)
    else:
        tokens = DEDUP_RE.findall(output)
        dedup = tokens[0].strip() if tokens else ""
    return summary, dedup


def replay(binary_path, files, timeout=10, env=None, extra_args=(), on_fail=None, per_process_limit=2000):
    """Runs every file through the target, one process for as many files as it survives. When an input kills
    the process (crash, sanitizer report, timeout) the input is recorded and the run resumes with the next file.
    Works with libFuzzer binaries (which run each file argument once) and with the replay driver.
    Returns (n_run, failures) where failures is a list of dicts {file, summary, dedup, exit, log}."""
    env = env or sanitizer_env()
    files = [str(f) for f in files]
    failures = []
    i = 0
    n_run = 0
    while i < len(files):
        chunk = files[i:i + per_process_limit]
        cmd = [str(binary_path), f"-timeout={timeout}", f"-rss_limit_mb={RSS_LIMIT_MB}", SCRATCH_ARTIFACTS,
               *extra_args, *chunk]
        try:
            r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout * 3 + 30 + len(chunk), errors="replace", text=True)
            out, rc = r.stdout, r.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            rc = -9
        running = re.findall(r"^Running: (.*)$", out, re.M)
        if rc == 0:
            n_run += len(chunk)
            i += len(chunk)
            continue
        # the last input started is the one that failed
        culprit = running[-1].strip() if running else None
        if culprit is None or culprit not in chunk:
            # died before the first input (or a leak reported at exit): blame the whole chunk
            summary, dedup = crash_summary(out)
            failures.append({"file": None, "summary": summary or f"exit status {rc}", "dedup": dedup, "exit": rc,
                             "log": out[-6000:]})
            n_run += len(chunk)
            i += len(chunk)
            if on_fail:
                on_fail(failures[-1])
            if culprit is None:
                break
            continue
        k = chunk.index(culprit)
        summary, dedup = crash_summary(out)
        failures.append({"file": culprit, "summary": summary or f"exit status {rc}", "dedup": dedup, "exit": rc,
                         "log": out[-6000:]})
        if on_fail:
            on_fail(failures[-1])
        n_run += k + 1
        i += k + 1
    return n_run, failures


def parallel(fn, items, jobs):
    """Runs fn over items with up to jobs threads (each runs a subprocess), keeping the order of items."""
    if jobs <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(fn, items))


def rel(path):
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
