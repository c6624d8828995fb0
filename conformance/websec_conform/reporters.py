"""Reports: console table, JSON, JUnit XML, SARIF 2.1.0 and a self-contained HTML page."""
from __future__ import annotations

import datetime as dt
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

from . import __version__
from .runner import ScenarioResult
from .scenario import Scenario

Results = dict[str, list[ScenarioResult]]
LABEL = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR"}
SARIF_LEVEL = {"high": "error", "medium": "error", "low": "warning", "info": "note"}


def cell(r: ScenarioResult) -> str:
    if r.status == "fail" and r.baselined:
        return "KNOWN"
    return LABEL[r.status]


def counts(results: list[ScenarioResult]) -> dict[str, int]:
    c = {"pass": 0, "fail": 0, "known": 0, "skip": 0, "error": 0}
    for r in results:
        if r.status == "fail" and r.baselined:
            c["known"] += 1
        else:
            c[r.status] += 1
    return c


def _ordered(results: Results) -> tuple[list[Scenario], list[str], dict[tuple[str, str], ScenarioResult]]:
    targets = list(results)
    scen: dict[str, Scenario] = {}
    idx = {}
    for t, rs in results.items():
        for r in rs:
            scen.setdefault(r.scenario.id, r.scenario)
            idx[(r.scenario.id, t)] = r
    return list(scen.values()), targets, idx


# ---------------------------------------------------------------------------------------------- console

def console(results: Results, out: TextIO, verbose: bool = False, color: bool = False) -> None:
    scenarios, targets, idx = _ordered(results)
    if not scenarios:
        out.write("no scenarios ran\n")
        return
    idw = max(len("scenario"), *(len(s.id) for s in scenarios))
    colw = [max(7, len(t)) for t in targets]
    paint = {"PASS": "32", "FAIL": "31", "ERROR": "35", "SKIP": "90", "KNOWN": "33"}

    def fmt(text, w):
        s = text.ljust(w)
        return f"\033[{paint[text]}m{s}\033[0m" if color and text in paint else s

    out.write("scenario".ljust(idw) + "  sev     " + "  ".join(t.ljust(w) for t, w in zip(targets, colw)) + "\n")
    out.write("-" * idw + "  ------  " + "  ".join("-" * w for w in colw) + "\n")
    area = None
    for s in scenarios:
        if s.area != area:
            area = s.area
        row = s.id.ljust(idw) + "  " + s.severity.ljust(6) + "  "
        row += "  ".join(fmt(cell(idx[(s.id, t)]) if (s.id, t) in idx else "-", w) for t, w in zip(targets, colw))
        out.write(row + "\n")
    out.write("-" * idw + "  ------  " + "  ".join("-" * w for w in colw) + "\n")
    for t in targets:
        c = counts(results[t])
        out.write(f"{t}: {c['pass']} pass, {c['fail']} fail, {c['known']} known, {c['skip']} skip, {c['error']} error\n")
    problems = [(t, r) for t in targets for r in results[t] if r.status in ("fail", "error")]
    if problems:
        out.write("\n")
        for t, r in problems:
            tag = "KNOWN" if r.baselined else LABEL[r.status]
            out.write(f"{tag} {t} {r.scenario.id} ({r.scenario.file}:{r.scenario.line}): {r.summary_line()}\n")
            if verbose:
                for f in r.findings():
                    if f.get("curl"):
                        out.write(f"    reproduce: {f['curl']}\n")
                        break


# ---------------------------------------------------------------------------------------------- JSON

def to_json(results: Results, meta: dict) -> dict:
    return {
        "tool": {"name": "websec-conform", "version": __version__},
        "meta": meta,
        "targets": {t: {"counts": counts(rs), "results": [r.to_dict() for r in rs]} for t, rs in results.items()},
        "findings": [f for rs in results.values() for r in rs if r.status == "fail" for f in
                     [dict(x, baselined=r.baselined) for x in r.findings()]],
    }


# ---------------------------------------------------------------------------------------------- JUnit

def junit(results: Results) -> ET.ElementTree:
    root = ET.Element("testsuites", name="websec-conform")
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for t, rs in results.items():
        c = counts(rs)
        suite_time = sum(r.duration for r in rs)
        total_time += suite_time
        suite = ET.SubElement(root, "testsuite", name=t, tests=str(len(rs)), failures=str(c["fail"]),
                              errors=str(c["error"]), skipped=str(c["skip"] + c["known"]), time=f"{suite_time:.3f}",
                              timestamp=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
        for k, n in (("tests", len(rs)), ("failures", c["fail"]), ("errors", c["error"]),
                     ("skipped", c["skip"] + c["known"])):
            tot[k] += n
        for r in rs:
            tc = ET.SubElement(suite, "testcase", classname=f"{t}.{r.scenario.area}", name=r.scenario.id,
                               time=f"{r.duration:.3f}", file=r.scenario.file, line=str(r.scenario.line))
            if r.status == "fail" and not r.baselined:
                fs = r.findings()
                el = ET.SubElement(tc, "failure", message=r.summary_line()[:500], type=r.scenario.severity)
                el.text = "\n\n".join(
                    f"[{f['step']}] {f['check']}: {f['message']}\nstatus: {f['response'].get('status')}\n"
                    f"reproduce: {f['curl']}" for f in fs)
            elif r.status == "error":
                el = ET.SubElement(tc, "error", message=r.summary_line()[:500], type="error")
                el.text = r.summary_line()
            elif r.status == "skip":
                ET.SubElement(tc, "skipped", message=r.reason)
            elif r.baselined:
                ET.SubElement(tc, "skipped", message=f"known finding: {r.baseline_reason}")
            out = ET.SubElement(tc, "system-out")
            out.text = f"{r.scenario.title}\ndoc: {r.scenario.doc}\n{r.scenario.file}:{r.scenario.line}"
    for k, v in tot.items():
        root.set(k, str(v))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


# ---------------------------------------------------------------------------------------------- SARIF

def sarif(results: Results, meta: dict) -> dict:
    scenarios, targets, _ = _ordered(results)
    rules = []
    index = {}
    for s in scenarios:
        index[s.id] = len(rules)
        rule = {
            "id": s.id, "name": "".join(w.capitalize() for w in s.id.replace("-", ".").replace("_", ".").split(".")),
            "shortDescription": {"text": s.title},
            "fullDescription": {"text": (s.description or s.title) + f" (doc: {s.doc})"},
            "defaultConfiguration": {"level": SARIF_LEVEL[s.severity]},
            "help": {"text": s.remediation or f"See the Flask documentation: {s.doc}"},
            "properties": {"tags": ["security", s.area, *s.tags], "doc": s.doc, "severity": s.severity},
        }
        rules.append(rule)
    out_results = []
    for t in targets:
        for r in results[t]:
            if r.status != "fail":
                continue
            for f in r.findings():
                res = {
                    "ruleId": r.scenario.id, "ruleIndex": index[r.scenario.id],
                    "level": SARIF_LEVEL[r.scenario.severity],
                    "message": {"text": f"{t}: {f['message']} ({f['request']['method'] if f['request'] else ''} "
                                        f"{f['request']['url'] if f['request'] else ''} -> "
                                        f"{f['response'].get('status') or f['response'].get('outcome')})"},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": r.scenario.file.replace("\\", "/"), "uriBaseId": "SRCROOT"},
                        "region": {"startLine": max(1, int(f["line"] or r.scenario.line))}}}],
                    "partialFingerprints": {"scenarioTargetCheck/v1": f"{r.scenario.id}|{t}|{f['step']}|{f['check']}"},
                    "properties": {"target": t, "url": f["request"]["url"] if f["request"] else None,
                                   "curl": f["curl"], "status": f["response"].get("status"), "check": f["check"],
                                   "step": f["step"]},
                }
                if r.baselined:
                    res["suppressions"] = [{"kind": "external", "justification": r.baseline_reason}]
                out_results.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "websec-conform", "version": __version__,
                                "informationUri": "https://flask.palletsprojects.com/en/stable/web-security/",
                                "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "the repository root"}}},
            "results": out_results,
            "invocations": [{"executionSuccessful": not any(r.status == "error" for rs in results.values() for r in rs),
                             "properties": {"targets": {t: counts(rs) for t, rs in results.items()}, **meta}}],
        }],
    }


# ---------------------------------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2125;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px} .meta{color:#5e6c84;margin-bottom:16px}
table.matrix{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
.matrix th,.matrix td{border:1px solid #dfe1e6;padding:4px 8px;text-align:left;vertical-align:top}
.matrix th{background:#f4f5f7;position:sticky;top:0} .matrix td.c{text-align:center;cursor:pointer;font-weight:600}
.area td{background:#eef1f6;font-weight:600}
.PASS{color:#006644;background:#e3fcef} .FAIL{color:#bf2600;background:#ffebe6} .ERROR{color:#5243aa;background:#eae6ff}
.SKIP{color:#6b778c;background:#f4f5f7} .KNOWN{color:#974f0c;background:#fffae6}
.sev{font-size:12px;color:#5e6c84} .sum{margin:12px 0} .sum span{margin-right:14px}
dialog{max-width:1000px;width:90vw;border:1px solid #c1c7d0;border-radius:6px;padding:0}
dialog .hd{padding:10px 16px;background:#f4f5f7;border-bottom:1px solid #dfe1e6;display:flex;justify-content:space-between}
dialog .bd{padding:12px 16px;max-height:75vh;overflow:auto}
pre{background:#f4f5f7;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
.ok{color:#006644} .bad{color:#bf2600} .err{color:#5243aa} button{cursor:pointer}
"""

_JS = """
function openEv(id){var d=document.getElementById(id); if(d){d.showModal();}}
document.addEventListener('keydown',function(e){if(e.key==='Escape'){document.querySelectorAll('dialog[open]').forEach(function(d){d.close();});}});
"""


def _e(s) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _evidence(r: ScenarioResult, did: str) -> str:
    s = r.scenario
    parts = [f'<dialog id="{did}"><div class="hd"><b>{_e(s.id)} — {_e(r.target)}: '
             f'<span class="{cell(r)}">{cell(r)}</span></b><button onclick="this.closest(\'dialog\').close()">close</button>'
             f'</div><div class="bd"><p>{_e(s.title)}<br><span class="sev">doc: {_e(s.doc)} · severity {_e(s.severity)}'
             f' · {_e(s.file)}:{s.line}</span></p>']
    if r.reason:
        parts.append(f"<p><b>{'Skipped' if r.status == 'skip' else 'Note'}:</b> {_e(r.reason)}</p>")
    if r.baselined:
        parts.append(f"<p><b>Accepted in the baseline:</b> {_e(r.baseline_reason)}</p>")
    for st in r.steps:
        parts.append(f"<h4>step {_e(st.name)} <span class='sev'>(line {st.line})</span></h4><ul>")
        for c in st.checks:
            cls = "ok" if c.ok else ("err" if c.error else "bad")
            parts.append(f"<li class='{cls}'>{'✔' if c.ok else ('!' if c.error else '✘')} <b>{_e(c.check)}</b>: "
                         f"{_e(c.message)}</li>")
        parts.append("</ul>")
        if st.request:
            rq = st.request
            lines = [f"{rq['method']} {rq['url']}"] + [f"{k}: {v}" for k, v in rq.get("headers", [])]
            if rq.get("body"):
                lines.append(f"\n[body: {rq['body']['generator']}, {rq['body']['bytes']} bytes"
                             f"{', chunked' if rq['body'].get('chunked') else ''}]")
            parts.append(f"<details open><summary>request</summary><pre>{_e(chr(10).join(lines))}</pre></details>")
        if st.response:
            rs = st.response
            lines = [f"{rs.get('outcome')} {rs.get('status') or ''} {rs.get('reason') or ''} "
                     f"({rs.get('elapsed_ms')} ms)"] + [f"{k}: {v}" for k, v in rs.get("headers", [])]
            if rs.get("error"):
                lines.append(f"[{rs['error']}]")
            parts.append(f"<details open><summary>response</summary><pre>{_e(chr(10).join(lines))}</pre>")
            if rs.get("body_excerpt"):
                parts.append(f"<details><summary>body ({rs.get('body_bytes')} bytes)</summary>"
                             f"<pre>{_e(rs['body_excerpt'])}</pre></details>")
            parts.append("</details>")
        fails = [c for c in st.checks if not c.ok and c.details]
        for c in fails:
            parts.append(f"<details><summary>details of {_e(c.check)}</summary><pre>"
                         f"{_e(json.dumps(c.details, indent=2, default=str))}</pre></details>")
        if st.curl:
            parts.append(f"<p>reproduce:</p><pre>{_e(st.curl)}</pre>")
    parts.append("</div></dialog>")
    return "".join(parts)


def html_report(results: Results, meta: dict) -> str:
    scenarios, targets, idx = _ordered(results)
    rows = []
    dialogs = []
    area = None
    n = 0
    for s in scenarios:
        if s.area != area:
            area = s.area
            rows.append(f"<tr class='area'><td colspan='{2 + len(targets)}'>{_e(area)}</td></tr>")
        tds = []
        for t in targets:
            r = idx.get((s.id, t))
            if r is None:
                tds.append("<td class='c'>-</td>")
                continue
            n += 1
            did = f"ev{n}"
            tds.append(f"<td class='c {cell(r)}' title='{_e(r.summary_line())}' onclick=\"openEv('{did}')\">{cell(r)}</td>")
            dialogs.append(_evidence(r, did))
        rows.append(f"<tr><td><b>{_e(s.id)}</b><br>{_e(s.title)}</td><td class='sev'>{_e(s.severity)}<br>"
                    f"{_e(s.doc)}</td>{''.join(tds)}</tr>")
    summ = "".join(f"<span><b>{_e(t)}</b>: " + ", ".join(f"{v} {k}" for k, v in counts(results[t]).items()) + "</span>"
                   for t in targets)
    head = "".join(f"<th>{_e(t)}</th>" for t in targets)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>websec conformance report</title>"
            f"<style>{_CSS}</style></head><body><h1>websec conformance report</h1>"
            f"<div class='meta'>{_e(meta.get('started'))} · {len(scenarios)} scenarios × {len(targets)} targets · "
            f"{_e(meta.get('duration_s'))} s · click a cell for its evidence</div><div class='sum'>{summ}</div>"
            f"<table class='matrix'><thead><tr><th>scenario</th><th>severity / doc</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{''.join(dialogs)}<script>{_JS}</script></body></html>")


def write_all(results: Results, meta: dict, directory: str | Path, formats: list[str]) -> list[Path]:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written = []
    if "json" in formats:
        p = d / "report.json"
        p.write_text(json.dumps(to_json(results, meta), indent=1, default=str), encoding="utf-8")
        written.append(p)
    if "junit" in formats:
        p = d / "junit.xml"
        junit(results).write(p, encoding="utf-8", xml_declaration=True)
        written.append(p)
    if "sarif" in formats:
        p = d / "report.sarif"
        p.write_text(json.dumps(sarif(results, meta), indent=1, default=str), encoding="utf-8")
        written.append(p)
    if "html" in formats:
        p = d / "report.html"
        p.write_text(html_report(results, meta), encoding="utf-8")
        written.append(p)
    if "console" in formats or "txt" in formats:
        p = d / "report.txt"
        with p.open("w", encoding="utf-8") as f:
            console(results, f, verbose=True)
        written.append(p)
    return written
