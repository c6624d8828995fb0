"""Coverage over time of two (or more) libFuzzer builds of one target from the same seeds: the byte mutator
against the structure-aware one (scripts/fuzz --compare).

Each run starts from a fresh, empty output corpus plus the same read-only seed directory, fuzzes for the same
wall time on one core (-max_total_time, no -fork/-jobs), and its libFuzzer status lines (`#N ... cov: E ft: F
... exec/s: X`) are time-stamped as they arrive. The variants' runs are interleaved (run i of every variant before
run i+1 of any) and, with --parallel 2, the variants of one round run side by side, so that load on the machine
falls on them alike. The report gives, per variant, the median over runs of the edges (`cov:`) reached at each
sampled time, the final figures of each run, and the ratio of the medians; a PNG plots median edges over time
with the min-max band of the runs (matplotlib from Debian's python3-matplotlib; skipped with a note when missing).
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

STATUS_RE = re.compile(rb"^#(\d+)\s*:?\s+\w+\s+cov: (\d+) ft: (\d+)(?:.*?exec/s: (\d+))?")


@dataclasses.dataclass
class Variant:
    label: str              # e.g. "byte" or "structure-aware"
    binary: Path
    args: tuple = ()        # extra libFuzzer flags
    env: dict | None = None  # extra environment


@dataclasses.dataclass
class RunResult:
    variant: str
    run: int
    samples: list            # [(seconds, execs, edges, features)]
    final_edges: int
    final_features: int
    execs: int
    exec_per_s: float
    status: int


def pick_seeds(files: list[Path], count: int, seed: int) -> list[Path]:
    """A deterministic sample of `count` seed files (all of them when count <= 0 or there are fewer)."""
    files = sorted(files)
    if count <= 0 or len(files) <= count:
        return files
    return sorted(random.Random(seed).sample(files, count))


def _read_status(stream, t0: float, samples: list) -> None:
    for line in iter(stream.readline, b""):
        m = STATUS_RE.match(line)
        if m:
            samples.append((time.monotonic() - t0, int(m.group(1)), int(m.group(2)), int(m.group(3))))


def run_once(v: Variant, seed_dir: Path, seconds: int, run: int, workdir: Path, base_args: list[str],
             base_env: dict) -> RunResult:
    out = workdir / f"{v.label}-{run}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    art = workdir / f"{v.label}-{run}-artifacts"
    art.mkdir(exist_ok=True)
    cmd = [str(v.binary), f"-max_total_time={seconds}", f"-seed={1000 + run}", "-print_final_stats=1",
           f"-artifact_prefix={art}/", *base_args, *v.args, str(out), str(seed_dir)]
    env = dict(base_env)
    env.update(v.env or {})
    samples: list = []
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    reader = threading.Thread(target=_read_status, args=(p.stderr, t0, samples), daemon=True)
    reader.start()
    try:
        status = p.wait(timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        p.kill()
        status = p.wait()
    reader.join(timeout=10)
    last = samples[-1] if samples else (0.0, 0, 0, 0)
    elapsed = max(last[0], 1e-9)
    return RunResult(v.label, run, samples, last[2], last[3], last[1], last[1] / elapsed, status)


def edges_at(samples: list, t: float) -> int:
    """Edges reached by time t (the last status line at or before t; 0 before the first)."""
    e = 0
    for s in samples:
        if s[0] > t:
            break
        e = s[2]
    return e


def summarise(results: list[RunResult], seconds: int, points: int = 30) -> dict:
    times = [seconds * (i + 1) / points for i in range(points)]
    by_variant: dict[str, list[RunResult]] = {}
    for r in results:
        by_variant.setdefault(r.variant, []).append(r)
    out = {"times": times, "variants": {}}
    for label, rs in by_variant.items():
        # the last point is the end of the run (its final status line may come just after the time limit)
        curves = [[edges_at(r.samples, t if i < points - 1 else float("inf")) for i, t in enumerate(times)]
                  for r in rs]
        out["variants"][label] = {
            "median_edges": [statistics.median(c[i] for c in curves) for i in range(points)],
            "min_edges": [min(c[i] for c in curves) for i in range(points)],
            "max_edges": [max(c[i] for c in curves) for i in range(points)],
            "final_edges": [r.final_edges for r in rs],
            # the edges the seeds reach (libFuzzer's INITED line), and what the run added to them
            "initial_edges": [r.samples[0][2] if r.samples else 0 for r in rs],
            "gained_edges": [r.final_edges - (r.samples[0][2] if r.samples else 0) for r in rs],
            "final_features": [r.final_features for r in rs],
            "exec_per_s": [round(r.exec_per_s) for r in rs],
            "median_final_edges": statistics.median(r.final_edges for r in rs),
            "median_gained_edges": statistics.median(r.final_edges - (r.samples[0][2] if r.samples else 0)
                                                     for r in rs),
            "median_exec_per_s": statistics.median(round(r.exec_per_s) for r in rs),
            "statuses": [r.status for r in rs],
        }
    return out


def plot(summary: dict, target: str, png: Path) -> str | None:
    """Writes the PNG; returns None, or why it could not."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (Debian package python3-matplotlib)"
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    t = summary["times"]
    for label, v in summary["variants"].items():
        ax.plot(t, v["median_edges"], label=f"{label} (median of {len(v['final_edges'])})")
        ax.fill_between(t, v["min_edges"], v["max_edges"], alpha=0.2)
    ax.set_xlabel("seconds (one core each)")
    ax.set_ylabel("edges reached (libFuzzer cov:)")
    ax.set_title(f"{target}: coverage over time from the same seeds")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)
    plt.close(fig)
    return None


def compare(target: str, variants: list[Variant], seed_files: list[Path], seconds: int, runs: int, parallel: int,
            base_args: list[str], base_env: dict, out_dir: Path, log=print) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"compare-{target}-") as tmp:
        tmp = Path(tmp)
        seed_dir = tmp / "seeds"
        seed_dir.mkdir()
        for i, f in enumerate(seed_files):
            shutil.copyfile(f, seed_dir / f"{i:05d}-{f.name}")
        results: list[RunResult] = []
        for run in range(runs):
            jobs = [(v, run) for v in variants]
            with ThreadPoolExecutor(max_workers=max(1, parallel)) as ex:
                futs = [ex.submit(run_once, v, seed_dir, seconds, run, tmp, base_args, base_env) for v, run in jobs]
                for f in futs:
                    r = f.result()
                    results.append(r)
                    log(f"  {target} {r.variant:16s} run {r.run + 1}/{runs}: {r.final_edges} edges, "
                        f"{r.final_features} features, {r.exec_per_s:,.0f} exec/s"
                        + (f", exit status {r.status}" if r.status else ""))
    summary = summarise(results, seconds)
    summary.update({"target": target, "seconds": seconds, "runs": runs, "seeds": len(seed_files),
                    "variants_order": [v.label for v in variants], "parallel": parallel})
    labels = [v.label for v in variants]
    if len(labels) >= 2:
        a = summary["variants"][labels[0]]["median_final_edges"]
        b = summary["variants"][labels[1]]["median_final_edges"]
        summary["gain_percent"] = round(100.0 * (b - a) / a, 1) if a else None
        ga = summary["variants"][labels[0]]["median_gained_edges"]
        gb = summary["variants"][labels[1]]["median_gained_edges"]
        summary["growth_gain_percent"] = round(100.0 * (gb - ga) / ga, 1) if ga else None
    png = out_dir / f"compare-{target}.png"
    why = plot(summary, target, png)
    summary["png"] = str(png) if why is None else None
    if why:
        summary["png_skipped"] = why
    (out_dir / f"compare-{target}.json").write_text(json.dumps(summary, indent=1))
    return summary


def table(summaries: list[dict]) -> str:
    """The printed comparison: per target and variant, the median edges at a quarter, half and all of the time."""
    lines = [f"{'target':24s} {'variant':18s} {'edges@25%':>9s} {'@50%':>6s} {'@100%':>6s} {'runs (final edges)':24s}"
             f" {'gained':>7s} {'features':>9s} {'exec/s':>8s}"]
    for s in summaries:
        n = len(s["times"])
        for label in s["variants_order"]:
            v = s["variants"][label]
            m = v["median_edges"]
            lines.append(f"{s['target']:24s} {label:18s} {m[n // 4 - 1]:>9.0f} {m[n // 2 - 1]:>6.0f} {m[-1]:>6.0f} "
                         f"{', '.join(map(str, v['final_edges'])):24s} {v['median_gained_edges']:>7.0f} "
                         f"{statistics.median(v['final_features']):>9.0f} {v['median_exec_per_s']:>8,.0f}")
        if s.get("gain_percent") is not None:
            lines.append(f"{'':24s} {'gain':18s} {s['gain_percent']:+.1f}% median final edges, "
                         f"{s.get('growth_gain_percent') or 0:+.1f}% edges gained over the seeds "
                         f"({s['variants_order'][1]} over {s['variants_order'][0]})")
    return "\n".join(lines)


def default_env(base: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(base or {})
    return env
