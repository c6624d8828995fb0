"""Report formats: JUnit XML structure, SARIF 2.1.0 required structure, JSON, HTML, console; baseline expiry."""
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from websec_conform import baseline, checks, reporters
from websec_conform.runner import ScenarioResult, StepResult
from websec_conform.scenario import load_text
from websec_conform.yamlsrc import LoadError

SC = """
scenarios:
  - id: r.pass
    title: passes
    doc: d
    severity: high
    steps: [{request: {path: /}, expect: {status: 200}}]
  - id: r.fail
    title: fails
    doc: d
    severity: medium
    steps: [{request: {path: /}, expect: {status: 200}}]
  - id: r.skip
    title: skipped
    doc: d
    severity: low
    steps: [{request: {path: /}, expect: {status: 200}}]
  - id: r.error
    title: errors
    doc: d
    severity: info
    steps: [{request: {path: /}, expect: {status: 200}}]
"""


@pytest.fixture
def results():
    sc = {s.id: s for s in load_text(SC, "conformance/scenarios/r.yaml")}
    step = StepResult("step1", 8, {"method": "GET", "url": "https://x.test/", "headers": []},
                      {"outcome": "response", "status": 500, "headers": [["Server", "x"]]},
                      [checks.CheckResult("status", False, "status 500, expected 200")], "curl -sS -i https://x.test/")
    out = {}
    for t in ("srv-a", "srv-b"):
        out[t] = [ScenarioResult(sc["r.pass"], t, "pass", duration=0.01),
                  ScenarioResult(sc["r.fail"], t, "fail", steps=[step], duration=0.02),
                  ScenarioResult(sc["r.skip"], t, "skip", "role login is not in the profile"),
                  ScenarioResult(sc["r.error"], t, "error", "login failed")]
    return out


def test_junit_structure(results):
    root = reporters.junit(results).getroot()
    root = ET.fromstring(ET.tostring(root))  # well-formed round trip
    assert root.tag == "testsuites"
    assert root.get("tests") == "8" and root.get("failures") == "2" and root.get("errors") == "2" and root.get("skipped") == "2"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["srv-a", "srv-b"]
    for s in suites:
        for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
            assert s.get(attr) is not None
        cases = s.findall("testcase")
        assert len(cases) == int(s.get("tests"))
        for c in cases:
            assert c.get("name") and c.get("classname") and re.fullmatch(r"\d+\.\d{3}", c.get("time"))
            outcome = [e.tag for e in c if e.tag in ("failure", "error", "skipped")]
            assert len(outcome) <= 1
        fail = [c for c in cases if c.find("failure") is not None]
        assert len(fail) == 1 and fail[0].get("name") == "r.fail"
        assert "curl -sS -i https://x.test/" in fail[0].find("failure").text
        assert fail[0].find("failure").get("message")


def test_sarif_required_structure(results):
    doc = json.loads(json.dumps(reporters.sarif(results, {"started": "now"})))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    [run] = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "websec-conform" and isinstance(driver["rules"], list)
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) == 4
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
    assert len(run["results"]) == 2  # one per failing target
    for res in run["results"]:
        assert res["ruleId"] == "r.fail" and driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("none", "note", "warning", "error")
        assert res["message"]["text"]
        [loc] = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uri"] == "conformance/scenarios/r.yaml" and not art["uri"].startswith(("http", "/"))
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        assert res["properties"]["curl"].startswith("curl")
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_baselined_results_are_suppressed(results):
    results["srv-a"][1].baselined = True
    results["srv-a"][1].baseline_reason = "accepted"
    doc = reporters.sarif(results, {})
    sup = [r for r in doc["runs"][0]["results"] if r["properties"]["target"] == "srv-a"]
    assert sup[0]["suppressions"] == [{"kind": "external", "justification": "accepted"}]


def test_json_and_html_and_console(results, tmp_path):
    written = reporters.write_all(results, {"started": "now", "duration_s": 1}, tmp_path,
                                  ["json", "junit", "sarif", "html", "txt"])
    assert len(written) == 5
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["targets"]["srv-a"]["counts"] == {"pass": 1, "fail": 1, "known": 0, "skip": 1, "error": 1}
    assert data["findings"][0]["curl"].startswith("curl")
    html = (tmp_path / "report.html").read_text()
    assert html.startswith("<!doctype html>") and "<dialog" in html and "openEv(" in html
    assert not re.search(r"""(src|href)=["']?https?:""", html), "the page must be self-contained"
    assert html.count("class='c ") == 8
    txt = (tmp_path / "report.txt").read_text()
    assert "r.fail" in txt and "FAIL" in txt and "srv-b: 1 pass, 1 fail" in txt


def test_baseline_expiry(write, results):
    b = baseline.load_baseline(write("b.yaml", """accepted:
  - scenario: r.fail
    target: srv-a
    reason: upgrade planned
    expires: 2030-01-31
  - scenario: r.fail
    target: srv-b
    reason: was accepted
    expires: 2020-01-01
"""))
    expired = baseline.apply(results, b, today=dt.date(2026, 6, 1))
    assert results["srv-a"][1].baselined and "upgrade planned" in results["srv-a"][1].baseline_reason
    assert not results["srv-b"][1].baselined
    assert expired == [{"scenario": "r.fail", "target": "srv-b", "reason": "was accepted", "expired": "2020-01-01",
                        "file": b.file, "line": 6}]
    # the day after the expiry date the entry no longer applies
    for r in results["srv-a"]:
        r.baselined = False
    baseline.apply(results, b, today=dt.date(2030, 2, 1))
    assert not results["srv-a"][1].baselined


@pytest.mark.parametrize("text,field", [
    ("accepted:\n  - {scenario: a, reason: r}\n", "accepted[0]"),
    ("accepted:\n  - {scenario: a, reason: r, expires: soon}\n", "accepted[0].expires"),
    ("accepted:\n  - {scenario: a, reason: '', expires: 2030-01-01}\n", "accepted[0].reason"),
    ("accepted:\n  - {scenario: a, reason: r, expires: 2030-01-01, owner: me}\n", "accepted[0].owner"),
])
def test_baseline_errors(write, text, field):
    with pytest.raises(LoadError) as e:
        baseline.load_baseline(write("b.yaml", text))
    assert e.value.field == field and e.value.line == 2


# ---------------------------------------------------------------------------------------------- one cause, one finding

GROUP_SC = """
scenarios:
  - id: g.page
    title: page
    doc: d
    severity: high
    steps: [{request: {path: /}, expect: {status: 200}}]
  - id: g.not-found
    title: 404 page
    doc: d
    severity: medium
    steps: [{request: {path: /x}, expect: {status: 404}}]
  - id: g.json
    title: json
    doc: d
    severity: low
    steps: [{request: {path: /j}, expect: {status: 200}}]
"""


def _audit_step(url: str, status: int, ids: list[str], canary: str = "") -> StepResult:
    findings = [{"id": i, "severity": "medium", "subject": i.split(".")[0].upper(), "reason": f"no {i} on {url}"}
                for i in ids]
    msg = "; ".join(f"[medium] {f['id']}: {f['reason']}" for f in findings) + canary
    return StepResult("step1", 8, {"method": "GET", "url": url, "headers": []},
                      {"outcome": "response", "status": status, "headers": [["Server", "x"]]},
                      [checks.CheckResult("header_audit", False, msg, {"findings": findings})], f"curl -sS -i {url}")


@pytest.fixture
def grouped():
    sc = {s.id: s for s in load_text(GROUP_SC, "conformance/scenarios/g.yaml")}
    return {"srv": [
        ScenarioResult(sc["g.page"], "srv", "fail", steps=[_audit_step("https://x.test/", 200,
                                                                       ["hsts.missing", "csp.missing"])]),
        ScenarioResult(sc["g.not-found"], "srv", "fail", steps=[_audit_step("https://x.test/x", 404,
                                                                            ["hsts.missing"])]),
        ScenarioResult(sc["g.json"], "srv", "fail", steps=[_audit_step("https://x.test/j", 200, ["hsts.missing"])]),
    ]}


def test_one_cause_one_finding(grouped, tmp_path):
    reporters.write_all(grouped, {}, tmp_path, ["json", "junit", "sarif", "html", "txt"])
    data = json.loads((tmp_path / "report.json").read_text())
    assert len(data["findings"]) == 3  # backward compatible: one per failed check
    groups = {g["cause"]: g for g in data["findings_grouped"]}
    assert set(groups) == {"hsts.missing [HSTS]", "csp.missing [CSP]"}
    hsts = groups["hsts.missing [HSTS]"]
    assert hsts["count"] == 3 and hsts["scenarios"] == ["g.page", "g.not-found", "g.json"]
    assert hsts["urls"] == ["https://x.test/", "https://x.test/x", "https://x.test/j"]
    assert hsts["severity"] == "high"  # the highest of the scenarios where it was seen
    assert groups["csp.missing [CSP]"]["scenarios"] == ["g.page"]
    # SARIF: one result per cause, the other places as related locations
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    res = sarif["runs"][0]["results"]
    assert len(res) == 2
    [h] = [r for r in res if r["properties"]["cause"] == "hsts.missing [HSTS]"]
    assert h["ruleId"] == "g.page" and len(h["relatedLocations"]) == 2
    assert h["partialFingerprints"]["causeTargetCheck/v1"] == "srv|header_audit|hsts.missing [HSTS]"
    # console: each cause once, with where it was seen
    txt = (tmp_path / "report.txt").read_text()
    assert txt.count("hsts.missing: no hsts.missing") == 1
    assert "seen in 3 scenarios: g.page, g.not-found, g.json" in txt
    # JUnit keeps one testcase per scenario, its findings section groups
    root = ET.parse(tmp_path / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert len(suite.findall("testcase")) == 3
    assert "findings, one per cause (2)" in suite.find("system-out").text
    page = (tmp_path / "report.html").read_text()
    assert "Findings, one per cause" in page and page.count("class='c ") == 3


def test_grouping_without_finding_ids_strips_urls_and_canaries():
    assert reporters.normalise("canary wsc0123456789ab came back raw at https://x.test/a?q=1") == \
        reporters.normalise("canary wscba9876543210 came back raw at https://x.test/b")
    assert reporters.normalise("status 500, expected 200") != reporters.normalise("status 404, expected 200")


# ---------------------------------------------------------------------------------------------- escaping, redaction

def test_server_text_is_escaped_for_each_output(results, tmp_path):
    st = results["srv-a"][1].steps[0]
    st.response = {"outcome": "response", "status": 500,
                   "headers": [["X-Evil", "\x1b]0;title\x07\x1b[31mred\x00\u202e\ufffe"]],
                   "body_excerpt": "<script>alert(1)</script>"}
    st.checks = [checks.CheckResult("headers_absent", False, "present: X-Evil: \x1b[31mred\x00 \u202e\x85")]
    reporters.write_all(results, {}, tmp_path, ["json", "junit", "sarif", "html", "txt"])
    for name in ("report.txt", "junit.xml", "report.html"):
        data = (tmp_path / name).read_text(encoding="utf-8")
        for bad in ("\x1b", "\x00", "\x07", "\u202e", "\x85", "\ufffe"):
            assert bad not in data, (name, bad)
    assert "\\x1b[31mred" in (tmp_path / "report.txt").read_text()
    ET.parse(tmp_path / "junit.xml")
    json.loads((tmp_path / "report.sarif").read_text())
    page = (tmp_path / "report.html").read_text()
    assert "<script>alert" not in page and page.count("<script") == 1
    assert "onclick" not in page  # the page's script is allowed by hash; no inline handler is needed
    out = io.StringIO()
    reporters.console(results, out)
    assert "\x1b" not in out.getvalue() and "\\x1b[31mred" in out.getvalue()


def test_reports_are_written_redacted(results, tmp_path):
    from websec_conform.redact import Redactor
    red = Redactor()
    red.add("hunter2-password", "password")
    red.add("0123456789abcdef0123", "session cookie")
    st = results["srv-a"][1].steps[0]
    st.request = {"method": "POST", "url": "https://x.test/?pw=hunter2-password", "headers": [
        ["Cookie", "session=0123456789abcdef0123"]], "body": {"generator": "form(password='hunter2-password')",
                                                               "bytes": 10, "text": "password=hunter2-password"}}
    st.curl = "curl -H 'Cookie: session=0123456789abcdef0123' --data password=hunter2%2Dpassword https://x.test/"
    reporters.write_all(results, {"note": "hunter2-password"}, tmp_path, ["json", "junit", "sarif", "html", "txt"],
                        redactor=red)
    for p in tmp_path.iterdir():
        data = p.read_text(encoding="utf-8")
        assert "hunter2" not in data and "0123456789abcdef0123" not in data, p.name
    assert "«redacted:sha256:" in json.dumps(json.loads((tmp_path / "report.json").read_text()), ensure_ascii=False)


def test_escaping_without_the_websec_module(monkeypatch):
    monkeypatch.setattr(reporters, "_clean", False)  # as when the module cannot be imported
    s = reporters.tty("a\x1b[31mb\x00c\x7fd\x85e\u202ef\u200bg\nh")
    assert s == "a\\x1b[31mb\\x00c\\x7fd\\x85e\\u202ef\\u200bg\\x0ah"
    assert reporters.visible("x\ny\tz") == "x\ny\tz"
    assert reporters.xml_text("\ufffe\ud800") == "\\ufffe\\ud800"
