"""Reports: console table, JSON, JUnit XML, SARIF 2.1.0 and a self-contained HTML page.

Every format is written from one model: the results as dicts (``ScenarioResult.to_dict``) already passed through
the run's :class:`~websec_conform.redact.Redactor`, so no format can show a secret another one hides.

Text from the servers is escaped for where it goes:

* console and report.txt: no control character reaches the terminal — C0, C1, DEL, ANSI/ECMA-48 sequences,
  bidirectional overrides and invalid text are shown as ``\\x1b``, ``\\u202e`` … (``websec.terminal.clean``, the
  strict policy made visible; without the websec module, every non-printable character is escaped);
* junit.xml: the same, then every character XML 1.0 forbids is escaped, so the file is always well-formed;
* report.html: the same, then HTML-escaped; the page carries a Content-Security-Policy that runs only its own
  script (by hash), so nothing from a server can run in it;
* report.sarif: valid JSON (ASCII, every string escaped) whose texts are made visible the same way.

One cause, one finding: failures that share a cause — the same target, check and finding (the finding id of the
C++ audit when there is one, otherwise the message with URLs, paths, canaries and numbers taken out) — are grouped,
with the scenarios and URLs where each was seen (``findings_grouped`` in report.json, the findings section of the
console, HTML and JUnit, one SARIF result per cause).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .redact import NULL as _NO_REDACTION, Redactor

Results = dict[str, list]  # target -> [runner.ScenarioResult]
LABEL = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR"}
SARIF_LEVEL = {"high": "error", "medium": "error", "low": "warning", "info": "note"}
SEV_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}


def cell(r) -> str:
    if r.status == "fail" and r.baselined:
        return "KNOWN"
    return LABEL[r.status]


def counts(results) -> dict[str, int]:
    c = {"pass": 0, "fail": 0, "known": 0, "skip": 0, "error": 0}
    for r in results:
        status, baselined = (r["status"], r["baselined"]) if isinstance(r, dict) else (r.status, r.baselined)
        if status == "fail" and baselined:
            c["known"] += 1
        else:
            c[status] += 1
    return c


# ---------------------------------------------------------------------------------------------- escaping

_clean = None


def _terminal_clean():
    global _clean
    if _clean is None:
        try:
            from . import judge
            _clean = judge.module().terminal.clean
        except Exception:  # noqa: BLE001 - no websec module: the conservative fallback below
            _clean = False
    return _clean


def _fallback_visible(s: str, keep_newlines: bool) -> str:
    out = []
    for ch in s:
        if ch.isprintable() or (keep_newlines and ch in "\n\t"):
            out.append(ch)
        else:
            o = ord(ch)
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    return "".join(out)


_NEEDS_CLEAN = re.compile(r"[^\x20-\x7e\n\t]")
_NONCHAR = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")  # surrogates and noncharacters


def visible(s: Any, keep_newlines: bool = True) -> str:
    """``s`` with every control character, escape sequence and bidi control shown as text (``\\x1b[31m``)."""
    s = "" if s is None else str(s)
    if not _NEEDS_CLEAN.search(s):
        return s
    clean = _terminal_clean()
    text = None
    if clean:
        try:
            text = clean(s, policy="strict", visible=True, keep_tab=True, keep_newline=keep_newlines,
                         keep_crlf=False).text
            text = text if keep_newlines else text.replace("\t", "\\x09")
        except Exception:  # noqa: BLE001 - e.g. a lone surrogate: the fallback escapes it
            text = None
    if text is None:
        text = _fallback_visible(s, keep_newlines)
    return _NONCHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def tty(s: Any) -> str:
    """One line for the console: nothing that a terminal interprets."""
    return visible(s, keep_newlines=False)


_XML_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(s: Any) -> str:
    """Text that ElementTree writes as well-formed XML 1.0."""
    return _XML_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(s))


def _e(s: Any) -> str:
    return html.escape(visible(s), quote=True)


# ---------------------------------------------------------------------------------------------- the model

def model(results: Results, redactor: Redactor | None = None) -> dict[str, list[dict]]:
    """The results as redacted dicts (``ScenarioResult.to_dict``); ``_scenario`` keeps the scenario object (its
    rule texts for SARIF)."""
    red = redactor or _NO_REDACTION
    out: dict[str, list[dict]] = {}
    for t, rs in results.items():
        items = []
        for r in rs:
            d = red.apply(r.to_dict())
            d["_scenario"] = r.scenario
            items.append(d)
        out[red.apply_text(t)] = items
    return out


def _cell(d: dict) -> str:
    if d["status"] == "fail" and d.get("baselined"):
        return "KNOWN"
    return LABEL[d["status"]]


def _failed_checks(st: dict) -> list[dict]:
    return [c for c in st.get("checks") or [] if not c.get("ok") and not c.get("error")]


def _error_checks(st: dict) -> list[dict]:
    return [c for c in st.get("checks") or [] if c.get("error")]


def _findings(d: dict) -> list[dict]:
    """One entry per failed check (as ``ScenarioResult.findings``), from the redacted dict."""
    out = []
    for st in d.get("steps") or []:
        resp = st.get("response") or {}
        for c in _failed_checks(st):
            out.append({
                "scenario": d["id"], "target": d["target"], "severity": d["severity"], "step": st["name"],
                "check": c["check"], "message": c["message"], "details": c.get("details") or {},
                "request": st.get("request"), "response": {"status": resp.get("status"), "outcome": resp.get("outcome"),
                                                           "headers": resp.get("headers")},
                "curl": st.get("curl"), "file": d["file"], "line": st.get("line")})
    return out


def _summary(d: dict) -> str:
    if d["status"] in ("fail", "error"):
        for st in d.get("steps") or []:
            for c in _failed_checks(st) + _error_checks(st):
                return f"{st['name']}: {c['message']}"
    return d.get("reason") or ""


def _ordered(m: dict[str, list[dict]]) -> tuple[list, list[str], dict[tuple[str, str], dict]]:
    targets = list(m)
    scen: dict[str, Any] = {}
    idx = {}
    for t, ds in m.items():
        for d in ds:
            scen.setdefault(d["id"], d["_scenario"])
            idx[(d["id"], t)] = d
    return list(scen.values()), targets, idx


# ---------------------------------------------------------------------------------------------- grouping

_NORMALISE = [
    (re.compile(r"«redacted:[^»]*»"), "«redacted»"),
    (re.compile(r"wsc[0-9a-f]{12}"), "<canary>"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>)\]]+", re.I), "<url>"),
    (re.compile(r"(?<![\w.<>/])/[\w./%~+\-]*"), "<path>"),
    (re.compile(r"\b\d+\.\d+\b"), "<n>"),
    (re.compile(r"\b\d{5,}\b"), "<n>"),
]


def normalise(message: str) -> str:
    """A message with what differs between pages taken out: URLs, paths, canaries, long and decimal numbers."""
    s = message or ""
    for rx, rep in _NORMALISE:
        s = rx.sub(rep, s)
    return re.sub(r"\s+", " ", s).strip()


def _audit_findings(details: Any) -> list[dict]:
    """The C++ audit findings ({id, severity, subject, reason}) anywhere in a check's details."""
    out, stack = [], [details]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if isinstance(x.get("id"), str) and "severity" in x and "reason" in x:
                out.append(x)
            else:
                stack += list(x.values())
        elif isinstance(x, list):
            stack += reversed(x)
    return out


def _causes(f: dict) -> list[tuple[str, str]]:
    """(cause key, message) for each cause of a failed check."""
    cause = (f.get("details") or {}).get("cause") if isinstance(f.get("details"), dict) else None
    if cause:  # the check names its cause (the page and field a payload comes back raw in, ...)
        return [(cause, cause)]
    fs = _audit_findings(f.get("details"))
    if fs:
        seen, out = set(), []
        for x in fs:
            key = f"{x['id']}" + (f" [{normalise(str(x.get('subject') or ''))}]" if x.get("subject") else "")
            if key not in seen:
                seen.add(key)
                subj = f" ({x['subject']})" if x.get("subject") and str(x["subject"]).lower() not in \
                    str(x.get("reason") or "").lower() else ""
                out.append((key, f"[{x.get('severity')}] {x['id']}{subj}: {x.get('reason')}"))
        return out
    return [(normalise(f["message"]), f["message"])]


def group_findings(m: dict[str, list[dict]]) -> list[dict]:
    """Failures grouped by cause: (target, check, finding id or normalised message, accepted or not)."""
    groups: dict[tuple, dict] = {}
    for t, ds in m.items():
        for d in ds:
            if d["status"] != "fail":
                continue
            for f in _findings(d):
                req = f.get("request") or {}
                for key, msg in _causes(f):
                    k = (t, f["check"], key, bool(d.get("baselined")))
                    g = groups.get(k)
                    if g is None:
                        g = groups[k] = {
                            "target": t, "check": f["check"], "cause": key, "message": msg, "severity": d["severity"],
                            "baselined": bool(d.get("baselined")), "baseline_reason": d.get("baseline_reason") or "",
                            "count": 0, "scenarios": [], "urls": [], "occurrences": []}
                    if SEV_RANK.get(d["severity"], 0) > SEV_RANK.get(g["severity"], 0):
                        g["severity"] = d["severity"]
                    g["count"] += 1
                    if d["id"] not in g["scenarios"]:
                        g["scenarios"].append(d["id"])
                    if req.get("url") and req["url"] not in g["urls"]:
                        g["urls"].append(req["url"])
                    g["occurrences"].append({
                        "scenario": d["id"], "step": f["step"], "method": req.get("method"), "url": req.get("url"),
                        "status": f["response"].get("status"), "outcome": f["response"].get("outcome"),
                        "severity": d["severity"], "file": f["file"], "line": f["line"], "curl": f.get("curl"),
                        "message": f["message"]})
    return sorted(groups.values(), key=lambda g: (g["baselined"], -SEV_RANK.get(g["severity"], 0), g["target"],
                                                  -g["count"], g["check"], g["cause"]))


def group_errors(m: dict[str, list[dict]]) -> list[dict]:
    """Scenarios that ended in an error, grouped by (target, normalised reason)."""
    groups: dict[tuple, dict] = {}
    for t, ds in m.items():
        for d in ds:
            if d["status"] != "error":
                continue
            line = _summary(d)
            msg = line.split(": ", 1)[1] if any(line.startswith(st["name"] + ": ") for st in d.get("steps") or []) \
                else line
            k = (t, normalise(msg))
            g = groups.setdefault(k, {"target": t, "message": msg, "count": 0, "scenarios": [], "files": []})
            g["count"] += 1
            g["scenarios"].append(d["id"])
            g["files"].append(f"{d['file']}:{d['line']}")
    return list(groups.values())


def _seen_in(g: dict, limit: int = 8) -> str:
    ids = g["scenarios"]
    more = f", … ({len(ids) - limit} more)" if len(ids) > limit else ""
    return f"{len(ids)} scenario{'s' if len(ids) != 1 else ''}: {', '.join(ids[:limit])}{more}"


# ---------------------------------------------------------------------------------------------- console

def console(results: Results, out: TextIO, verbose: bool = False, color: bool = False,
            redactor: Redactor | None = None) -> None:
    _console(model(results, redactor), out, verbose, color)


def _console(m: dict[str, list[dict]], out: TextIO, verbose: bool = False, color: bool = False) -> None:
    scenarios, targets, idx = _ordered(m)
    if not scenarios:
        out.write("no scenarios ran\n")
        return
    idw = max(len("scenario"), *(len(tty(s.id)) for s in scenarios))
    colw = [max(7, len(tty(t))) for t in targets]
    paint = {"PASS": "32", "FAIL": "31", "ERROR": "35", "SKIP": "90", "KNOWN": "33"}

    def fmt(text, w):
        s = text.ljust(w)
        return f"\033[{paint[text]}m{s}\033[0m" if color and text in paint else s

    out.write("scenario".ljust(idw) + "  sev     " + "  ".join(tty(t).ljust(w) for t, w in zip(targets, colw)) + "\n")
    out.write("-" * idw + "  ------  " + "  ".join("-" * w for w in colw) + "\n")
    for s in scenarios:
        row = tty(s.id).ljust(idw) + "  " + tty(s.severity).ljust(6) + "  "
        row += "  ".join(fmt(_cell(idx[(s.id, t)]) if (s.id, t) in idx else "-", w) for t, w in zip(targets, colw))
        out.write(row + "\n")
    out.write("-" * idw + "  ------  " + "  ".join("-" * w for w in colw) + "\n")
    for t in targets:
        c = counts(m[t])
        out.write(f"{tty(t)}: {c['pass']} pass, {c['fail']} fail, {c['known']} known, {c['skip']} skip, "
                  f"{c['error']} error\n")
    groups = group_findings(m)
    errors = group_errors(m)
    if groups or errors:
        out.write("\n")
    if groups:
        n_fail = sum(1 for ds in m.values() for d in ds if d["status"] == "fail")
        out.write(f"findings, one per cause ({len(groups)} causes in {n_fail} failed scenario results):\n")
    for g in groups:
        tag = "KNOWN" if g["baselined"] else "FAIL"
        out.write(f"{tag} [{tty(g['severity'])}] {tty(g['target'])} {tty(g['check'])}: {tty(g['message'])}\n")
        first = g["occurrences"][0]
        where = f" ({first['file']}:{first['line']})" if len(g["scenarios"]) == 1 else ""
        out.write(f"    seen in {tty(_seen_in(g))}{tty(where)}\n")
        if verbose:
            for o in g["occurrences"]:
                out.write(f"    - {tty(o['scenario'])} ({tty(o['file'])}:{o['line']}) {tty(o['method'] or '')} "
                          f"{tty(o['url'] or '')} -> {tty(o['status'] or o['outcome'])}\n")
            first = next((o["curl"] for o in g["occurrences"] if o.get("curl")), None)
            if first:
                out.write(f"    reproduce: {tty(first)}\n")
        elif len(g["urls"]) > 1:
            out.write(f"    urls: {tty(', '.join(g['urls'][:5]))}{' …' if len(g['urls']) > 5 else ''}\n")
        if g["baselined"] and g["baseline_reason"]:
            out.write(f"    accepted: {tty(g['baseline_reason'])}\n")
    for g in errors:
        out.write(f"ERROR {tty(g['target'])}: {tty(g['message'])}\n")
        out.write(f"    in {tty(_seen_in(g))}\n")
        if verbose:
            out.write(f"    at {tty(', '.join(g['files'][:8]))}\n")


# ---------------------------------------------------------------------------------------------- JSON

def to_json(results: Results, meta: dict, redactor: Redactor | None = None) -> dict:
    red = redactor or _NO_REDACTION
    return _to_json(model(results, red), red.apply(meta))


def _public(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_")}


def _to_json(m: dict[str, list[dict]], meta: dict) -> dict:
    return {
        "tool": {"name": "websec-conform", "version": __version__},
        "meta": meta,
        "targets": {t: {"counts": counts(ds), "results": [_public(d) for d in ds]} for t, ds in m.items()},
        "findings": [dict(f, baselined=bool(d.get("baselined"))) for ds in m.values() for d in ds
                     if d["status"] == "fail" for f in _findings(d)],
        "findings_grouped": group_findings(m),
    }


# ---------------------------------------------------------------------------------------------- JUnit

def junit(results: Results, redactor: Redactor | None = None) -> ET.ElementTree:
    return _junit(model(results, redactor))


def _junit(m: dict[str, list[dict]]) -> ET.ElementTree:
    x = xml_text
    root = ET.Element("testsuites", name="websec-conform")
    tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    groups = group_findings(m)
    errors = group_errors(m)
    for t, ds in m.items():
        c = counts(ds)
        suite_time = sum((d.get("duration_ms") or 0) / 1000 for d in ds)
        total_time += suite_time
        suite = ET.SubElement(root, "testsuite", name=x(t), tests=str(len(ds)), failures=str(c["fail"]),
                              errors=str(c["error"]), skipped=str(c["skip"] + c["known"]), time=f"{suite_time:.3f}",
                              timestamp=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
        for k, n in (("tests", len(ds)), ("failures", c["fail"]), ("errors", c["error"]),
                     ("skipped", c["skip"] + c["known"])):
            tot[k] += n
        for d in ds:
            s = d["_scenario"]
            tc = ET.SubElement(suite, "testcase", classname=x(f"{t}.{d['area']}"), name=x(d["id"]),
                               time=f"{(d.get('duration_ms') or 0) / 1000:.3f}", file=x(d["file"]), line=str(d["line"]))
            summary = x(_summary(d))
            if d["status"] == "fail" and not d.get("baselined"):
                el = ET.SubElement(tc, "failure", message=summary[:500], type=x(d["severity"]))
                parts = []
                for f in _findings(d):
                    same = [g for g in groups if g["target"] == t and g["check"] == f["check"]
                            and d["id"] in g["scenarios"] and len(g["scenarios"]) > 1]
                    also = "".join(f"\nsame cause ({g['cause']}) also in: "
                                   f"{', '.join(i for i in g['scenarios'] if i != d['id'])}" for g in same)
                    parts.append(f"[{f['step']}] {f['check']}: {f['message']}\nstatus: {f['response'].get('status')}"
                                 f"\nreproduce: {f['curl']}{also}")
                el.text = x("\n\n".join(parts))
            elif d["status"] == "error":
                el = ET.SubElement(tc, "error", message=summary[:500], type="error")
                el.text = summary
            elif d["status"] == "skip":
                ET.SubElement(tc, "skipped", message=x(d.get("reason")))
            elif d.get("baselined"):
                ET.SubElement(tc, "skipped", message=x(f"known finding: {d.get('baseline_reason')}"))
            out = ET.SubElement(tc, "system-out")
            out.text = x(f"{s.title}\ndoc: {s.doc}\n{d['file']}:{d['line']}")
        tg = [g for g in groups if g["target"] == t]
        te = [g for g in errors if g["target"] == t]
        if tg or te:
            lines = [f"findings, one per cause ({len(tg)}):"]
            for g in tg:
                lines.append(f"{'KNOWN' if g['baselined'] else 'FAIL'} [{g['severity']}] {g['check']}: {g['message']}"
                             f"\n    seen in {_seen_in(g, 50)}"
                             + (f"\n    urls: {', '.join(g['urls'][:20])}" if g["urls"] else ""))
            for g in te:
                lines.append(f"ERROR {g['message']}\n    in {_seen_in(g, 50)}")
            so = ET.SubElement(suite, "system-out")
            so.text = x("\n".join(lines))
    for k, v in tot.items():
        root.set(k, str(v))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


# ---------------------------------------------------------------------------------------------- SARIF

def sarif(results: Results, meta: dict, redactor: Redactor | None = None) -> dict:
    red = redactor or _NO_REDACTION
    return _sarif(model(results, red), red.apply(meta))


def _sarif(m: dict[str, list[dict]], meta: dict) -> dict:
    v = visible
    scenarios, targets, _ = _ordered(m)
    rules = []
    index = {}
    for s in scenarios:
        index[s.id] = len(rules)
        rules.append({
            "id": s.id, "name": "".join(w.capitalize() for w in s.id.replace("-", ".").replace("_", ".").split(".")),
            "shortDescription": {"text": v(s.title)},
            "fullDescription": {"text": v((s.description or s.title) + f" (doc: {s.doc})")},
            "defaultConfiguration": {"level": SARIF_LEVEL[s.severity]},
            "help": {"text": v(s.remediation or f"See the Flask documentation: {s.doc}")},
            "properties": {"tags": ["security", s.area, *s.tags], "doc": s.doc, "severity": s.severity},
        })
    out_results = []
    for g in group_findings(m):
        first = g["occurrences"][0]
        t = g["target"]

        def loc(o: dict) -> dict:
            return {"physicalLocation": {
                "artifactLocation": {"uri": str(o["file"]).replace("\\", "/"), "uriBaseId": "SRCROOT"},
                "region": {"startLine": max(1, int(o["line"] or 1))}}}

        where = f"{first['method'] or ''} {first['url'] or ''} -> {first['status'] or first['outcome']}"
        text = f"{t}: {g['message']} ({where})"
        if len(g["scenarios"]) > 1:
            text += f"; the same cause in {_seen_in(g, 20)}"
        res = {
            "ruleId": first["scenario"], "ruleIndex": index[first["scenario"]],
            "level": SARIF_LEVEL.get(g["severity"], "warning"),
            "message": {"text": v(text)},
            "locations": [loc(first)],
            "partialFingerprints": {"causeTargetCheck/v1": f"{t}|{g['check']}|{g['cause']}",
                                    "scenarioTargetCheck/v1": f"{first['scenario']}|{t}|{first['step']}|{g['check']}"},
            "properties": {"target": t, "url": first["url"], "curl": first["curl"], "status": first["status"],
                           "check": g["check"], "step": first["step"], "cause": g["cause"], "count": g["count"],
                           "scenarios": g["scenarios"], "urls": g["urls"]},
        }
        others = g["occurrences"][1:]
        if others:
            res["relatedLocations"] = [
                dict(loc(o), id=i + 1, message={"text": v(f"{o['scenario']}: {o['method'] or ''} {o['url'] or ''} -> "
                                                          f"{o['status'] or o['outcome']}")})
                for i, o in enumerate(others[:100])]
        if g["baselined"]:
            res["suppressions"] = [{"kind": "external", "justification": v(g["baseline_reason"])}]
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
            "invocations": [{"executionSuccessful": not any(d["status"] == "error" for ds in m.values() for d in ds),
                             "properties": {"targets": {t: counts(ds) for t, ds in m.items()}, **meta}}],
        }],
    }


# ---------------------------------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2125;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:22px 0 8px} .meta{color:#5e6c84;margin-bottom:16px}
table.matrix,table.causes{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
.matrix th,.matrix td,.causes th,.causes td{border:1px solid #dfe1e6;padding:4px 8px;text-align:left;vertical-align:top}
.matrix th,.causes th{background:#f4f5f7;position:sticky;top:0} .matrix td.c{text-align:center;cursor:pointer;font-weight:600}
.area td{background:#eef1f6;font-weight:600}
.PASS{color:#006644;background:#e3fcef} .FAIL{color:#bf2600;background:#ffebe6} .ERROR{color:#5243aa;background:#eae6ff}
.SKIP{color:#6b778c;background:#f4f5f7} .KNOWN{color:#974f0c;background:#fffae6}
.sev{font-size:12px;color:#5e6c84} .sum{margin:12px 0} .sum span{margin-right:14px}
a.ev{cursor:pointer;color:#0052cc;text-decoration:underline}
dialog{max-width:1000px;width:90vw;border:1px solid #c1c7d0;border-radius:6px;padding:0}
dialog .hd{padding:10px 16px;background:#f4f5f7;border-bottom:1px solid #dfe1e6;display:flex;justify-content:space-between}
dialog .bd{padding:12px 16px;max-height:75vh;overflow:auto}
pre{background:#f4f5f7;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
.ok{color:#006644} .bad{color:#bf2600} .err{color:#5243aa} button{cursor:pointer}
"""

_JS = """
function openEv(id){var d=document.getElementById(id); if(d){d.showModal();}}
document.addEventListener('click',function(e){
  var t=e.target.closest('[data-ev]'); if(t){openEv(t.getAttribute('data-ev')); return;}
  var c=e.target.closest('button.close'); if(c){c.closest('dialog').close();}
});
document.addEventListener('keydown',function(e){if(e.key==='Escape'){document.querySelectorAll('dialog[open]').forEach(function(d){d.close();});}});
"""
_JS_HASH = base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()
_CSP = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_JS_HASH}'; img-src data:; "
        f"base-uri 'none'; form-action 'none'")


def _evidence(d: dict, did: str) -> str:
    s = d["_scenario"]
    c_ = _cell(d)
    parts = [f'<dialog id="{did}"><div class="hd"><b>{_e(d["id"])} — {_e(d["target"])}: '
             f'<span class="{c_}">{c_}</span></b><button class="close" type="button">close</button>'
             f'</div><div class="bd"><p>{_e(s.title)}<br><span class="sev">doc: {_e(s.doc)} · severity '
             f'{_e(d["severity"])} · {_e(d["file"])}:{_e(d["line"])}</span></p>']
    if d.get("reason"):
        parts.append(f"<p><b>{'Skipped' if d['status'] == 'skip' else 'Note'}:</b> {_e(d['reason'])}</p>")
    if d.get("baselined"):
        parts.append(f"<p><b>Accepted in the baseline:</b> {_e(d.get('baseline_reason'))}</p>")
    for st in d.get("steps") or []:
        parts.append(f"<h4>step {_e(st['name'])} <span class='sev'>(line {_e(st.get('line'))})</span></h4><ul>")
        for c in st.get("checks") or []:
            cls = "ok" if c.get("ok") else ("err" if c.get("error") else "bad")
            mark = "✔" if c.get("ok") else ("!" if c.get("error") else "✘")
            parts.append(f"<li class='{cls}'>{mark} <b>{_e(c.get('check'))}</b>: {_e(c.get('message'))}</li>")
        parts.append("</ul>")
        rq = st.get("request")
        if rq:
            lines = [f"{rq.get('method')} {rq.get('url')}"] + [f"{k}: {v}" for k, v in rq.get("headers") or []]
            if rq.get("body"):
                b = rq["body"]
                lines.append(f"\n[body: {b.get('generator')}, {b.get('bytes')} bytes"
                             f"{', chunked' if b.get('chunked') else ''}]")
            parts.append(f"<details open><summary>request</summary><pre>{_e(chr(10).join(lines))}</pre></details>")
        rs = st.get("response")
        if rs:
            lines = [f"{rs.get('outcome')} {rs.get('status') or ''} {rs.get('reason') or ''} "
                     f"({rs.get('elapsed_ms')} ms)"] + [f"{k}: {v}" for k, v in rs.get("headers") or []]
            if rs.get("error"):
                lines.append(f"[{rs.get('stage') + ': ' if rs.get('stage') else ''}{rs['error']}]")
            for n in rs.get("notes") or []:
                lines.append(f"[{n}]")
            parts.append(f"<details open><summary>response</summary><pre>{_e(chr(10).join(lines))}</pre>")
            if rs.get("body_excerpt"):
                parts.append(f"<details><summary>body ({_e(rs.get('body_bytes'))} bytes"
                             f"{', truncated' if rs.get('body_truncated') else ''})</summary>"
                             f"<pre>{_e(rs['body_excerpt'])}</pre></details>")
            parts.append("</details>")
        for c in st.get("checks") or []:
            if not c.get("ok") and c.get("details"):
                parts.append(f"<details><summary>details of {_e(c.get('check'))}</summary><pre>"
                             f"{_e(json.dumps(c['details'], indent=2, default=str))}</pre></details>")
        if st.get("curl"):
            parts.append(f"<p>reproduce:</p><pre>{_e(st['curl'])}</pre>")
    parts.append("</div></dialog>")
    return "".join(parts)


def html_report(results: Results, meta: dict, redactor: Redactor | None = None) -> str:
    red = redactor or _NO_REDACTION
    return _html(model(results, red), red.apply(meta))


def _html(m: dict[str, list[dict]], meta: dict) -> str:
    scenarios, targets, idx = _ordered(m)
    rows = []
    dialogs = []
    ev_id: dict[tuple[str, str], str] = {}
    area = None
    n = 0
    for s in scenarios:
        if s.area != area:
            area = s.area
            rows.append(f"<tr class='area'><td colspan='{2 + len(targets)}'>{_e(area)}</td></tr>")
        tds = []
        for t in targets:
            d = idx.get((s.id, t))
            if d is None:
                tds.append("<td class='c'>-</td>")
                continue
            n += 1
            did = f"ev{n}"
            ev_id[(s.id, t)] = did
            c_ = _cell(d)
            tds.append(f"<td class='c {c_}' title='{_e(_summary(d))}' data-ev='{did}'>{c_}</td>")
            dialogs.append(_evidence(d, did))
        rows.append(f"<tr><td><b>{_e(s.id)}</b><br>{_e(s.title)}</td><td class='sev'>{_e(s.severity)}<br>"
                    f"{_e(s.doc)}</td>{''.join(tds)}</tr>")
    summ = "".join(f"<span><b>{_e(t)}</b>: " + ", ".join(f"{v} {k}" for k, v in counts(m[t]).items()) + "</span>"
                   for t in targets)
    head = "".join(f"<th>{_e(t)}</th>" for t in targets)
    causes = []
    for g in group_findings(m):
        links = ", ".join(f"<a class='ev' data-ev='{ev_id[(i, g['target'])]}'>{_e(i)}</a>"
                          if (i, g["target"]) in ev_id else _e(i) for i in g["scenarios"])
        urls = "<br>".join(_e(u) for u in g["urls"][:20]) + (" …" if len(g["urls"]) > 20 else "")
        tag = "KNOWN" if g["baselined"] else "FAIL"
        causes.append(f"<tr><td class='{tag}'>{tag}</td><td>{_e(g['severity'])}</td><td>{_e(g['target'])}</td>"
                      f"<td>{_e(g['check'])}</td><td>{_e(g['message'])}</td><td>{g['count']}</td><td>{links}</td>"
                      f"<td class='sev'>{urls}</td></tr>")
    for g in group_errors(m):
        links = ", ".join(f"<a class='ev' data-ev='{ev_id[(i, g['target'])]}'>{_e(i)}</a>"
                          if (i, g["target"]) in ev_id else _e(i) for i in g["scenarios"])
        causes.append(f"<tr><td class='ERROR'>ERROR</td><td></td><td>{_e(g['target'])}</td><td></td>"
                      f"<td>{_e(g['message'])}</td><td>{g['count']}</td><td>{links}</td><td></td></tr>")
    causes_html = ""
    if causes:
        causes_html = ("<h2>Findings, one per cause</h2><table class='causes'><thead><tr><th></th><th>severity</th>"
                       "<th>target</th><th>check</th><th>cause</th><th>seen</th><th>scenarios</th><th>URLs</th></tr>"
                       f"</thead><tbody>{''.join(causes)}</tbody></table><h2>Matrix</h2>")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
            f"<title>websec conformance report</title>"
            f"<style>{_CSS}</style></head><body><h1>websec conformance report</h1>"
            f"<div class='meta'>{_e(meta.get('started'))} · {len(scenarios)} scenarios × {len(targets)} targets · "
            f"{_e(meta.get('duration_s'))} s · click a cell for its evidence</div><div class='sum'>{summ}</div>"
            f"{causes_html}"
            f"<table class='matrix'><thead><tr><th>scenario</th><th>severity / doc</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{''.join(dialogs)}<script>{_JS}</script></body></html>")


# ---------------------------------------------------------------------------------------------- writing

def write_all(results: Results, meta: dict, directory: str | Path, formats: list[str],
              redactor: Redactor | None = None) -> list[Path]:
    """Writes the requested formats, all from one redacted model."""
    red = redactor or _NO_REDACTION
    m = model(results, red)
    meta = red.apply(meta)
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    written = []
    if "json" in formats:
        p = d / "report.json"
        p.write_text(json.dumps(_to_json(m, meta), indent=1, default=str), encoding="utf-8")
        written.append(p)
    if "junit" in formats:
        p = d / "junit.xml"
        _junit(m).write(p, encoding="utf-8", xml_declaration=True)
        written.append(p)
    if "sarif" in formats:
        p = d / "report.sarif"
        p.write_text(json.dumps(_sarif(m, meta), indent=1, default=str), encoding="utf-8")
        written.append(p)
    if "html" in formats:
        p = d / "report.html"
        p.write_text(_html(m, meta), encoding="utf-8")
        written.append(p)
    if "console" in formats or "txt" in formats:
        p = d / "report.txt"
        with p.open("w", encoding="utf-8") as f:
            _console(m, f, verbose=True)
        written.append(p)
    return written
