"""Skip logic, checks against a live local server, and the CLI's exit codes."""
import json

import pytest

from websec_conform import cli, runner
from websec_conform.profile import load_profile
from websec_conform.scenario import load_text

SC = """
scenarios:
  - id: t.page
    title: page 200
    doc: d
    severity: high
    requires: [page]
    steps:
      - request: {role: page}
        expect: {status: 200}
  - id: t.missing-role
    title: needs a role the profile lacks
    doc: d
    severity: high
    requires: [login]
    steps:
      - request: {role: login, method: POST}
        expect: {status: 200}
  - id: t.dos
    title: dos
    doc: d
    severity: high
    dos: true
    requires: [page]
    steps:
      - request: {role: page}
        expect: {status: 200}
  - id: t.white-box
    title: needs the secret key
    doc: d
    severity: high
    requires: [page, secret_key]
    steps:
      - request: {role: page}
        expect: {status: 200}
"""


def run(profile_path, text, **kw):
    t = load_profile(profile_path)
    return {r.scenario.id: r for r in runner.run_target(t, load_text(text, "s.yaml"), runner.Options(**kw))}


def test_missing_role_is_skipped_with_reason_never_passed(profile):
    r = run(profile, SC)
    assert r["t.page"].status == "pass"
    assert r["t.missing-role"].status == "skip" and "role login is not in the profile" in r["t.missing-role"].reason
    assert r["t.white-box"].status == "skip" and "secret_key" in r["t.white-box"].reason
    assert r["t.dos"].status == "skip" and "--allow-dos" in r["t.dos"].reason
    assert not r["t.missing-role"].steps


def test_allow_dos_runs_dos_scenarios(profile):
    assert run(profile, SC, allow_dos=True)["t.dos"].status == "pass"


def test_failures_carry_evidence_and_curl(profile):
    r = run(profile, SC.replace("{status: 200}", "{status: 201}", 1))["t.page"]
    assert r.status == "fail"
    [f] = r.findings()
    assert f["check"] == "status" and "status 200" in f["message"]
    assert f["response"]["status"] == 200 and any(h[0] == "Set-Cookie" for h in f["response"]["headers"])
    assert f["curl"].startswith("curl ") and f["request"]["url"].endswith("/")
    assert f["line"] == 9 and f["file"] == "s.yaml"


def test_repeated_set_cookie_kept_apart(profile):
    text = SC.replace("{status: 200}", "{header_matches: {Set-Cookie: '^b=2; Expires=Thu, 01 Jan 2037'}}", 1)
    assert run(profile, text)["t.page"].status == "pass"


def test_json_and_canary_checks(profile):
    text = """
scenarios:
  - id: t.json
    title: j
    doc: d
    severity: low
    requires: [whoami, reflect_text]
    steps:
      - request: {role: whoami}
        expect: {json: {user: null}, json_max: {n: 3}, json_min: {n: 3}, content_type: [application/json]}
      - request: {role: reflect_text, query: {q: "<b>${canary}</b>"}}
        expect: {body_present: ["&lt;b&gt;${canary}"], body_absent: ["<b>${canary}"]}
"""
    r = run(profile, text)["t.json"]
    assert r.status == "pass", r.summary_line()


def test_oversize_answer_while_sending(profile):
    text = """
scenarios:
  - id: t.big
    title: 413 before the body is read
    doc: d
    severity: high
    requires: [form_echo]
    steps:
      - request: {role: form_echo, method: POST, transport: raw, body: "${urlencoded(size=2000000)}"}
        expect: {status: 413, closed_ok: true}
"""
    r = run(profile, text)["t.big"]
    assert r.status == "pass", r.summary_line()


def test_expression_error_is_an_error_not_a_pass(profile):
    text = SC.replace("{role: page}", "{role: page, query: {q: '${nosuchname}'}}", 1)
    r = run(profile, text)["t.page"]
    assert r.status == "error" and "nosuchname" in r.reason


def test_retry_after_is_honoured(write, http_server):
    p = write("p.yaml", f"name: x\nbase_url: {http_server}\nroles: {{page: /retry}}\n")
    assert run(p, SC)["t.page"].status == "pass"


# ---------------------------------------------------------------------------------------------- exit codes

def cli_run(*args):
    return cli.main(["run", *map(str, args), "--progress", "never", "-q"])


def test_exit_0_when_everything_holds(profile, write, capsys):
    s = write("sc/a.yaml", SC)
    assert cli_run("--profile", profile, "--scenarios", s.parent) == 0


def test_exit_1_on_failure_and_fail_on_threshold(profile, write):
    s = write("sc/a.yaml", SC.replace("{status: 200}", "{status: 201}", 1))
    assert cli_run("--profile", profile, "--scenarios", s.parent) == 1
    low = write("sc2/a.yaml", SC.replace("{status: 200}", "{status: 201}", 1).replace("severity: high", "severity: low", 1))
    assert cli_run("--profile", profile, "--scenarios", low.parent, "--fail-on", "medium") == 0
    assert cli_run("--profile", profile, "--scenarios", low.parent, "--fail-on", "low") == 1


def test_exit_2_on_schema_error_and_unreachable(profile, write, capsys):
    bad = write("bad/a.yaml", SC.replace("severity: high", "severity: urgent", 1))
    assert cli_run("--profile", profile, "--scenarios", bad.parent) == 2
    assert "a.yaml:6: scenarios[0].severity" in capsys.readouterr().err
    good = write("sc/a.yaml", SC)
    assert cli_run("--profile", profile, "--target", "http://127.0.0.1:9", "--scenarios", good.parent,
                   "--timeout", "1") == 2


def test_exit_3_on_scenario_error_and_2_on_an_incomplete_run(profile, write):
    # a scenario that ended in ERROR (here a broken expression) is exit 3, kept apart from findings (1)
    s = write("sc/a.yaml", SC.replace("{role: page}", "{role: page, query: {q: '${nosuch}'}}", 1))
    assert cli_run("--profile", profile, "--scenarios", s.parent) == 3
    # a finding beside the error: the finding decides (1)
    f = write("sc2/a.yaml", SC.replace("{role: page}", "{role: page, query: {q: '${nosuch}'}}", 1)
              + SC.split("scenarios:", 1)[1].replace("t.page", "t.page2", 1).replace("{status: 200}", "{status: 201}", 1)
              .replace("t.missing-role", "t.missing-role2").replace("t.dos", "t.dos2").replace("t.white-box", "t.wb2"))
    assert cli_run("--profile", profile, "--scenarios", f.parent) == 1
    # a run that cannot complete (the target is unreachable) is 2
    bad = write("p2.yaml", "name: gone\nbase_url: http://127.0.0.1:9\nroles: {page: /}\n")
    assert cli_run("--profile", bad, "--scenarios", s.parent, "--timeout", "1") == 2


def test_baseline_turns_known_failure_into_exit_0(profile, write):
    s = write("sc/a.yaml", SC.replace("{status: 200}", "{status: 201}", 1))
    b = write("baseline.yaml", "accepted:\n  - {scenario: t.page, reason: known, expires: 2999-01-01}\n")
    assert cli_run("--profile", profile, "--scenarios", s.parent, "--baseline", b) == 0
    old = write("old.yaml", "accepted:\n  - {scenario: t.page, reason: known, expires: 2000-01-01}\n")
    assert cli_run("--profile", profile, "--scenarios", s.parent, "--baseline", old) == 1


def test_expectations_file(profile, write):
    s = write("sc/a.yaml", SC.replace("{status: 200}", "{status: 201}", 1))
    good = write("e.yaml", "target: local\nexpected_failures: {t.page: deliberate}\n"
                           "expected_skips: {t.missing-role: no login, t.white-box: black box}\n")
    assert cli_run("--profile", profile, "--scenarios", s.parent, "--expect", good) == 0
    wrong = write("e2.yaml", "target: local\nexpected_failures: {}\n")
    assert cli_run("--profile", profile, "--scenarios", s.parent, "--expect", wrong) == 1


def test_reports_written(profile, write, tmp_path):
    s = write("sc/a.yaml", SC)
    out = tmp_path / "rep"
    assert cli_run("--profile", profile, "--scenarios", s.parent, "--report-dir", out) == 0
    assert {p.name for p in out.iterdir()} == {"report.json", "junit.xml", "report.sarif", "report.html", "report.txt"}
    data = json.loads((out / "report.json").read_text())
    assert data["targets"]["local"]["counts"]["pass"] == 1
