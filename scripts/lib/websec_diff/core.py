"""Runner of the differential campaigns (scripts/differential).

A campaign (campaigns/<name>.py, class ``Campaign``) knows how to
  * generate cases with Hypothesis (``strategy()``), shaped like the real input of its module,
  * read cases out of the module's fuzz corpora (``corpus_cases(target, data)``, one file → zero or more cases),
  * run a case through both implementations and compare normalised results (``check(case)``, raising
    ``Disagreement`` with a readable account of both sides),
  * turn a case into a file for corpora/<target>/regressions/ (``regression(case)`` → (target, bytes)) in the
    format corpus_cases reads back, so the saved file is replayed by every later campaign and by ctest.

Time: the --time budget is split evenly over the selected campaigns. Each one replays its corpora first (each
file once), then runs Hypothesis in seeded batches until its share is spent. Everything is derived from --seed,
so a run is reproducible up to where the clock stops it.
"""
from __future__ import annotations

import collections
import dataclasses
import hashlib
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parents[3]
CORPORA = ROOT / "corpora"


EXCUSED: "collections.Counter[tuple[str, str]]" = collections.Counter()


def excused(campaign: str, case, want, got) -> bool:
    """True (and counted) when a LIMITATION row of known_differences.py covers this outcome."""
    from .known_differences import excused as find

    row = find(campaign, case, want, got)
    if row is None:
        return False
    EXCUSED[(campaign, row.id)] += 1
    return True


class Disagreement(AssertionError):
    """The two implementations disagree on a case."""


class StopBatch(Exception):
    pass


@dataclasses.dataclass
class Stats:
    generated: int = 0
    corpus_files: int = 0
    corpus_cases: int = 0
    disagreements: int = 0
    seconds: float = 0.0
    saved: list = dataclasses.field(default_factory=list)


class CampaignBase:
    name = "?"
    requires: tuple[str, ...] = ()  # websec submodules needed
    targets: tuple[str, ...] = ()  # fuzz targets whose corpora are replayed (corpora/<target>/)
    batch_size = 50  # Hypothesis examples per seeded batch
    max_corpus_bytes = 4 << 20  # larger corpus files are skipped (the fuzz targets cover them)

    def strategy(self):
        raise NotImplementedError

    def check(self, case) -> None:
        raise NotImplementedError

    def corpus_cases(self, target: str, data: bytes) -> Iterable[Any]:
        return ()

    def regression(self, case) -> tuple[str, bytes]:
        """The file saved for a disagreeing case: (target folder, bytes). Default: the exact case as a
        casefile JSON document in the first target's folder."""
        from . import casefile

        return self.targets[0], casefile.dumps(self.name, case)

    def describe(self, case) -> str:
        return repr(case)

    def available(self) -> str | None:
        """None when the campaign can run, else the reason it cannot."""
        import websec

        missing = [m for m in self.requires if m not in websec.modules]
        return f"websec.{', websec.'.join(missing)} not built" if missing else None


def corpus_files(target: str) -> list[Path]:
    d = CORPORA / target
    if not d.is_dir():
        return []
    return sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))


def save_regression(campaign: CampaignBase, case) -> Path | None:
    try:
        target, data = campaign.regression(case)
    except NotImplementedError:
        return None
    d = CORPORA / target / "regressions"
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"differential-{campaign.name}-{hashlib.sha1(data).hexdigest()[:12]}"
    p.write_bytes(data)
    return p


def report_disagreement(campaign: CampaignBase, case, err: BaseException, stats: Stats, origin: str) -> None:
    stats.disagreements += 1
    print(f"\n!!! {campaign.name}: disagreement ({origin})", flush=True)
    print("    minimal reproducer:")
    for line in campaign.describe(case).splitlines():
        print("      " + line)
    print("    " + str(err).replace("\n", "\n    "))
    path = save_regression(campaign, case)
    if path is not None:
        rel = path.relative_to(ROOT)
        stats.saved.append(str(rel))
        print(f"    saved: {rel}")
        print(f"    rerun: scripts/differential --replay {rel}")
    print(flush=True)


def replay_file(campaign: CampaignBase, target: str, path: Path, stats: Stats, verbose: bool = False) -> bool:
    data = path.read_bytes()
    if len(data) > campaign.max_corpus_bytes:
        return True
    from . import casefile

    saved = casefile.loads(data)
    if saved is not None and saved[0] != campaign.name:
        return True  # another campaign's regression file in a shared folder
    stats.corpus_files += 1
    ok = True
    cases = [saved[1]] if saved is not None else campaign.corpus_cases(target, data)
    for case in cases:
        stats.corpus_cases += 1
        try:
            campaign.check(case)
        except Disagreement as e:
            ok = False
            if path.parent.name == "regressions" and path.name.startswith("differential-"):
                # already saved: report without saving a copy
                stats.disagreements += 1
                print(f"\n!!! {campaign.name}: disagreement on {path.relative_to(ROOT)}\n    "
                      + campaign.describe(case).replace("\n", "\n    ") + "\n    " + str(e).replace("\n", "\n    "))
            else:
                report_disagreement(campaign, case, e, stats, f"corpus file {path.relative_to(ROOT)}")
        if verbose:
            print(campaign.describe(case))
    return ok


def run_generated(campaign: CampaignBase, seed: int, deadline: float, stats: Stats, max_failures: int = 3) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    failures = 0
    batch = 0
    last_failing: list = [None]
    seen_failures: set[str] = set()

    while time.monotonic() < deadline and failures < max_failures:
        batch += 1

        def body(case):
            if time.monotonic() >= deadline and last_failing[0] is None:
                return  # out of time: the rest of the batch is a no-op (but a failure found is still shrunk)
            stats.generated += 1
            try:
                campaign.check(case)
            except Disagreement:
                last_failing[0] = case
                raise

        test = settings(max_examples=campaign.batch_size, deadline=None, database=None,
                        phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False,
                        suppress_health_check=list(HealthCheck), print_blob=False)(
            given(campaign.strategy())(body))
        test = hseed(seed * 1_000_003 + batch)(test)
        try:
            test()
        except Disagreement as e:
            key = str(e).splitlines()[0] if str(e) else "?"
            failures += 1
            if key in seen_failures:
                continue
            seen_failures.add(key)
            report_disagreement(campaign, last_failing[0], e, stats,
                                f"generated, seed {seed}, batch {batch}")
        except Exception as e:  # a crash of the harness itself, or hypothesis.errors.Flaky
            if type(e).__name__ == "Flaky" and last_failing[0] is not None:
                failures += 1
                report_disagreement(campaign, last_failing[0], e, stats, f"generated, seed {seed}, batch {batch} (flaky)")
                continue
            failures += 1
            print(f"\n!!! {campaign.name}: error while running a case (seed {seed}, batch {batch})")
            if last_failing[0] is not None:
                print("    case: " + campaign.describe(last_failing[0]).replace("\n", "\n    "))
            traceback.print_exc()
            stats.disagreements += 1
    if failures >= max_failures:
        print(f"  {campaign.name}: stopped after {failures} failing batches")


def run_campaign(campaign: CampaignBase, seed: int, budget: float, corpus_share: float = 0.5,
                 corpus: bool = True) -> Stats:
    stats = Stats()
    t0 = time.monotonic()
    deadline = t0 + budget
    if corpus:
        corpus_deadline = t0 + budget * corpus_share
        for target in campaign.targets:
            for path in corpus_files(target):
                if time.monotonic() >= corpus_deadline:
                    print(f"  {campaign.name}: corpus replay stopped by the clock at {path.relative_to(ROOT)}")
                    break
                replay_file(campaign, target, path, stats)
    run_generated(campaign, seed, deadline, stats)
    stats.seconds = time.monotonic() - t0
    return stats
