"""Baseline files: findings a team has accepted for now, each with a reason and an expiry date.

```yaml
accepted:
  - scenario: limits.multipart.field-over-limit     # scenario id (required)
    target: secure_app                              # target name, or "*" (default)
    reason: "Flask 2.2 on Debian answers 500; upgrade planned"   # required
    expires: 2027-03-31                             # required, ISO date; the entry stops applying after it
```
A failing scenario that matches an unexpired entry is still reported, marked *known* with the reason, and does
not count for the exit code. An expired entry no longer applies (the failure counts again) and is listed as
expired in the reports, so nothing stays accepted silently.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .yamlsrc import LoadError, format_path, load_yaml


@dataclass
class Entry:
    scenario: str
    target: str
    reason: str
    expires: dt.date
    line: int

    def expired(self, today: dt.date) -> bool:
        return today > self.expires


@dataclass
class Baseline:
    entries: list[Entry]
    file: str

    def match(self, scenario: str, target: str, today: dt.date) -> tuple[Entry | None, Entry | None]:
        """(active entry, expired entry) for this scenario on this target."""
        active = expired = None
        for e in self.entries:
            if e.scenario == scenario and e.target in ("*", target):
                if e.expired(today):
                    expired = expired or e
                else:
                    active = active or e
        return active, expired


def load_baseline(path: str | Path) -> Baseline:
    loc = load_yaml(path)

    def fail(p, msg):
        raise LoadError(loc.file, loc.line(p), format_path(p), msg)

    d = loc.data
    if not isinstance(d, dict) or set(d) != {"accepted"} or not isinstance(d["accepted"], list):
        fail((), "a baseline is a mapping with one key, accepted: a list of entries")
    out = []
    for i, e in enumerate(d["accepted"]):
        p = ("accepted", i)
        if not isinstance(e, dict):
            fail(p, "an entry is a mapping")
        for k in e:
            if k not in ("scenario", "target", "reason", "expires"):
                fail(p + (k,), "unknown field (scenario, target, reason, expires)")
        for k in ("scenario", "reason", "expires"):
            if k not in e:
                fail(p, f"missing required field {k!r}")
        if not isinstance(e["reason"], str) or not e["reason"].strip():
            fail(p + ("reason",), "must be a non-empty string")
        exp = e["expires"]
        if isinstance(exp, str):
            try:
                exp = dt.date.fromisoformat(exp)
            except ValueError:
                fail(p + ("expires",), f"must be an ISO date (YYYY-MM-DD), got {exp!r}")
        if isinstance(exp, dt.datetime):
            exp = exp.date()
        if not isinstance(exp, dt.date):
            fail(p + ("expires",), "must be an ISO date (YYYY-MM-DD)")
        out.append(Entry(str(e["scenario"]), str(e.get("target", "*")), e["reason"].strip(), exp, loc.line(p)))
    return Baseline(out, loc.file)


def apply(results_by_target: dict, baseline: Baseline | None, today: dt.date | None = None) -> list[dict]:
    """Marks known failures; returns the expired entries that matched a failure (for the reports)."""
    if baseline is None:
        return []
    today = today or dt.date.today()
    expired_hits = []
    for target, results in results_by_target.items():
        for r in results:
            if r.status != "fail":
                continue
            active, expired = baseline.match(r.scenario.id, target, today)
            if active:
                r.baselined = True
                r.baseline_reason = f"{active.reason} (accepted until {active.expires.isoformat()})"
            elif expired:
                expired_hits.append({"scenario": r.scenario.id, "target": target, "reason": expired.reason,
                                     "expired": expired.expires.isoformat(), "file": baseline.file,
                                     "line": expired.line})
    return expired_hits
