#!/usr/bin/python3
"""Python peer of escape_bench: markupsafe.escape (the C speedups when present) on the same input files.

Usage: /usr/bin/python3 escape_peer.py INPUT_DIR  -> one JSON object on stdout, names as in escape_bench.cpp.
Each case is timed for about 0.5 s after a warm-up; the median of 5 runs is reported. Rates use the CPU time of
the thread (time.thread_time), as Google Benchmark does, so a loaded machine slows both sides alike; the wall-clock
rate is printed on stderr.
"""
import json
import os
import statistics
import sys
import time

import markupsafe


def rate(fn, work_units, name, seconds=0.5):
    fn()  # warm-up
    n = 1
    while True:  # calibrate the number of calls per run
        t0 = time.thread_time()
        for _ in range(n):
            fn()
        dt = time.thread_time() - t0
        if dt > seconds / 5:
            break
        n *= 2
    cpu, wall = [], []
    for _ in range(5):
        w0, t0 = time.perf_counter(), time.thread_time()
        for _ in range(n):
            fn()
        cpu.append(n * work_units / (time.thread_time() - t0))
        wall.append(n * work_units / (time.perf_counter() - w0))
    print(f"{name}: {statistics.median(cpu):.4g}/s CPU, {statistics.median(wall):.4g}/s wall", file=sys.stderr)
    return statistics.median(cpu)


def main():
    d = sys.argv[1]
    escape = markupsafe.escape
    out = {}
    for name in ("plain_1MiB", "specials10_1MiB", "mixed_utf8_1MiB"):
        raw = open(os.path.join(d, name), "rb").read()
        s = raw.decode("utf-8")
        bps = rate(lambda: escape(s), len(raw), name)
        entry = {"bytes_per_second": bps}
        for bench in ("escape_", "escape_into_"):
            out[bench + name] = entry
        for k in ("scalar", "sse2", "avx2"):
            out["escape_into_" + name + "_" + k] = entry
    raw = open(os.path.join(d, "short_64B"), "rb").read()
    strs = [raw[i:i + 64].decode("ascii") for i in range(0, len(raw), 64)]

    def short():
        for s in strs:
            escape(s)

    ips = rate(short, len(strs), "short_64B")
    out["escape_short_64B"] = {"items_per_second": ips}
    out["escape_into_short_64B"] = {"items_per_second": ips}
    for k in list(out):  # names of `--benchmark_repetitions=N --benchmark_report_aggregates_only=true` runs
        out[k + "_mean"] = out[k]
        out[k + "_median"] = out[k]
    out["_markupsafe"] = {"version": markupsafe.__version__, "speedups": escape.__module__}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
