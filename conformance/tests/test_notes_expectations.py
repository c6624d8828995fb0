"""Every deviation planted in the insecure notes app is found by a scenario, and the expectations say which.

conformance/expectations/notes-insecure.yaml lists the scenarios notes-insecure fails, each reason starting with
the [id] of the planted deviation it finds (notes/insecure.py PLANTED); `scripts/conform --e2e` checks that the
run fails exactly those. Here: no planted id is left without a scenario, and no reason names an unknown id."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

CONFORMANCE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CONFORMANCE / "apps"))


def test_every_planted_deviation_is_found_by_an_expected_failure():
    from notes.insecure import PLANTED
    exp = yaml.safe_load((CONFORMANCE / "expectations" / "notes-insecure.yaml").read_text())
    named: dict[str, list[str]] = {}
    for sid, reason in exp["expected_failures"].items():
        for pid in re.findall(r"\[([a-z0-9-]+)\]", reason):
            named.setdefault(pid, []).append(sid)
    unknown = sorted(set(named) - set(PLANTED))
    assert not unknown, f"reasons name ids that are not planted: {unknown}"
    missing = sorted(set(PLANTED) - set(named))
    assert not missing, f"planted deviations no expected failure finds: {missing}"


def test_the_secure_variants_fail_only_documented_defects_of_the_debian_stack():
    for name in ("notes-secure", "notes-nginx"):
        exp = yaml.safe_load((CONFORMANCE / "expectations" / f"{name}.yaml").read_text())
        for sid, reason in (exp.get("expected_failures") or {}).items():
            assert re.search(r"(?i)debian|werkzeug 2\.2|gunicorn", reason), (name, sid, reason)
