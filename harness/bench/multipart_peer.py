#!/usr/bin/python3
"""werkzeug peer of multipart_bench.cpp: parses the same bodies (INPUT_DIR/<name>.body) with the installed
werkzeug, as Flask does (Request(environ).form/.files, default SpooledTemporaryFile stream factory, 64 KiB reads),
and prints {name: {"bytes_per_second": x}} for scripts/bench. Rates use process CPU time (time.process_time), as
Google Benchmark's rates use CPU time, so a loaded machine skews both sides alike. Each case runs until ~1.5 s of
CPU have passed (at least once), so a slow (quadratic) case still finishes."""
import io
import json
import os
import sys
import time

from werkzeug.wrappers import Request


def parse(body: bytes, boundary: str):
    env = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body), "SERVER_NAME": "x", "SERVER_PORT": "80",
           "wsgi.url_scheme": "http", "PATH_INFO": "/", "CONTENT_LENGTH": str(len(body)),
           "CONTENT_TYPE": "multipart/form-data; boundary=" + boundary}
    r = Request(env)
    r.max_form_parts = 1000
    form, files = r.form, r.files
    n = len(form) + len(files)
    for f in files.values():
        f.close()
    return n


def main():
    d = sys.argv[1]
    boundary = open(os.path.join(d, "boundary.txt")).read().strip()
    out = {}
    for name in ("multipart_a_file_50MiB", "multipart_b_1000_fields", "multipart_c_100x400kB_fields",
                 "multipart_d_20MiB_near_boundaries"):
        path = os.path.join(d, name + ".body")
        if not os.path.exists(path):
            continue
        body = open(path, "rb").read()
        runs, t0, w0 = 0, time.process_time(), time.perf_counter()
        while True:
            parse(body, boundary)
            runs += 1
            el = time.process_time() - t0
            if el > 1.5:
                break
        wall = time.perf_counter() - w0
        out[name] = {"bytes_per_second": runs * len(body) / el}
        if name == "multipart_b_1000_fields":
            out[name]["items_per_second"] = runs * 1000 / el
        print(f"{name}: {runs} runs, {out[name]['bytes_per_second'] / 1e6:.1f} MB/s of CPU time, "
              f"{runs * len(body) / wall / 1e6:.1f} MB/s wall", file=sys.stderr)
    for alias in ("multipart_a_file_50MiB_spooled_sha256", "multipart_a_file_50MiB_fresh_string",
                  "multipart_a_file_50MiB_sha256_only"):
        out[alias] = out.get("multipart_a_file_50MiB", {})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
