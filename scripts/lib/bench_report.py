#!/usr/bin/python3
"""Print C++ vs Python rates side by side: bench_report.py CPP_JSON PY_JSON."""
import json
import sys


def rate(entry):
    if "bytes_per_second" in entry:
        return entry["bytes_per_second"] / 1e6, "MB/s"
    if "items_per_second" in entry:
        return entry["items_per_second"], "items/s"
    return None, ""


def main():
    cpp = json.load(open(sys.argv[1]))
    py = json.load(open(sys.argv[2]))
    rows = []
    for b in cpp.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "mean":
            continue
        name = b["name"].split("/")[0] if b["name"].split("/")[0] in py else b["name"]
        c, unit = rate(b)
        p, _ = rate(py.get(name, {})) if name in py else (None, "")
        rows.append((b["name"], c, p, unit))
    w = max([len(r[0]) for r in rows] + [9])
    print(f"{'benchmark':<{w}}  {'C++':>14}  {'Python':>14}  {'ratio':>8}  unit")
    for name, c, p, unit in rows:
        cs = f"{c:14.1f}" if c is not None else f"{'-':>14}"
        ps = f"{p:14.1f}" if p is not None else f"{'-':>14}"
        ratio = f"{c / p:7.1f}x" if c and p else f"{'-':>8}"
        print(f"{name:<{w}}  {cs}  {ps}  {ratio}  {unit}")


if __name__ == "__main__":
    main()
