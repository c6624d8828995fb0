"""Report formats: JUnit XML structure, SARIF 2.1.0 required structure, JSON, HTML, console; baseline expiry."""
import datetime as dt
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
