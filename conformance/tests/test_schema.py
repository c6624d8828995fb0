"""Scenario files are validated on load; every error names the file, the line and the field."""
import pytest

from websec_conform.scenario import load_dir, load_text
from websec_conform.yamlsrc import LoadError

GOOD = """
scenarios:
  - id: demo.one
    title: A page answers 200
    doc: "web-security"
    severity: low
    requires: [page]
    steps:
      - request: {role: page}
        expect: {status: 200}
"""


def err(text: str) -> LoadError:
    with pytest.raises(LoadError) as e:
        load_text(text, "demo.yaml")
    return e.value


def test_good_file_loads_with_lines():
    [s] = load_text(GOOD, "demo.yaml")
    assert s.id == "demo.one" and s.line == 3 and s.steps[0].line == 9 and s.area == "demo"


def test_unknown_method_names_line_and_field():
    e = err(GOOD.replace("{role: page}", "{role: page, method: FETCH}"))
    assert (e.file, e.line, e.field) == ("demo.yaml", 9, "scenarios[0].steps[0].request.method")
    assert "must be one of" in str(e) and str(e).startswith("demo.yaml:9: scenarios[0].steps[0].request.method:")


def test_missing_required_field():
    e = err(GOOD.replace("    severity: low\n", ""))
    assert e.line == 3 and e.field == "scenarios[0]" and "severity" in e.message


def test_unknown_field_is_rejected():
    e = err(GOOD.replace("    severity: low\n", "    severity: low\n    sevrity: high\n"))
    assert e.field == "scenarios[0].sevrity" and e.line == 7 and "unknown field" in e.message


def test_bad_severity_and_status():
    assert err(GOOD.replace("severity: low", "severity: critical")).field == "scenarios[0].severity"
    e = err(GOOD.replace("{status: 200}", "{status: 700}"))
    assert e.field == "scenarios[0].steps[0].expect.status" and e.line == 10


def test_unknown_role_in_requires():
    e = err(GOOD.replace("requires: [page]", "requires: [page, nosuchrole]"))
    assert e.field == "scenarios[0].requires[1]" and "unknown role" in e.message


def test_template_syntax_checked_at_load():
    e = err(GOOD.replace("{role: page}", "{role: page, query: {q: '${1 +}'}}"))
    assert e.field == "scenarios[0].steps[0].request.query.q" and "syntax error" in e.message


def test_yaml_syntax_error_has_line():
    e = err(GOOD + "  - id: [unclosed\n")
    assert e.line >= 12 and "YAML syntax error" in e.message


def test_duplicate_key_is_an_error():
    e = err(GOOD.replace("    severity: low\n", "    severity: low\n    severity: high\n"))
    assert "duplicate key" in e.message and e.line == 7


def test_role_xor_path():
    e = err(GOOD.replace("{role: page}", "{role: page, path: /x}"))
    assert "exactly one of role or path" in e.message


def test_bad_id():
    assert "lower-case" in err(GOOD.replace("demo.one", "Demo One")).message


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(LoadError) as e:
        load_dir(tmp_path)
    assert "duplicate scenario id" in str(e.value) and str(e.value).startswith(str(tmp_path / "b.yaml") + ":3:")


def test_same_headers_as_must_name_a_step():
    text = GOOD.replace("{status: 200}", "{same_headers_as: {step: nope, headers: [X]}}")
    assert "no step named" in err(text).message


def test_bundled_scenarios_load():
    from pathlib import Path
    sc = load_dir(Path(__file__).resolve().parents[1] / "scenarios")
    assert len(sc) >= 60
    assert len({s.id for s in sc}) == len(sc)
    assert {s.area for s in sc} >= {"limits", "multipart", "escaping", "csrf", "headers", "cookies", "session",
                                    "uploads", "terminal"}


def test_profile_errors_name_line_and_field(tmp_path):
    from websec_conform.profile import load_profile
    p = tmp_path / "p.yaml"
    p.write_text("name: x\nbase_url: https://h.test\nroles:\n  page: /\n  pagee: /x\n")
    with pytest.raises(LoadError) as e:
        load_profile(p)
    assert (e.value.line, e.value.field) == (5, "roles.pagee") and "unknown role" in e.value.message
    p.write_text("name: x\nroles: {page: relative}\n")
    with pytest.raises(LoadError) as e:
        load_profile(p, base_url="https://h.test")
    assert e.value.field == "roles.page"
    p.write_text("name: x\n")
    with pytest.raises(LoadError) as e:
        load_profile(p)
    assert e.value.field == "base_url"
    t = load_profile(p, base_url="https://h.test:8443/")
    assert t.https and t.port == 8443 and t.base_url == "https://h.test:8443"
    assert t.missing(["page", "secret_key", "https"]) == ["role page is not in the profile",
                                                         "the profile gives no session.secret_key (white-box scenario)"]


def test_bundled_profiles_load():
    from pathlib import Path
    from websec_conform.profile import load_profile
    d = Path(__file__).resolve().parents[1] / "profiles"
    for name in ("websec-server", "secure_app", "insecure_app"):
        t = load_profile(d / f"{name}.yaml")
        assert t.name == name and len(t.roles) == 22 and len(t.users) == 2
