"""The hostile corpus of issue 10 (bench/hostile/): every case through the real `act` command, each inside
its time and memory budget, with no traceback, nothing read from outside the folder and no output lost."""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench" / "hostile"))
from harness import run_cases  # noqa: E402
from make_corpus import all_cases  # noqa: E402
from spec import CLASSES  # noqa: E402

CASES = all_cases()
BY_ID = {c.id: c for c in CASES}
WORKERS = 2             # the machines this runs on have 2 cores


def _selected(session: pytest.Session) -> set[str]:
    """The case ids this session will check: all of them when the timing test runs."""
    wanted: set[str] = set()
    for item in session.items:
        if item.originalname == "test_every_case_ran":
            return set(BY_ID)
        if item.originalname == "test_hostile_case":
            wanted.add(item.callspec.params["case_id"])
    return wanted


@pytest.fixture(scope="session")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Runs the selected cases once for the session, two at a time, and times the whole run."""
    ids = _selected(request.session)
    start = time.monotonic()
    outcomes = run_cases([BY_ID[i] for i in sorted(ids)], Path(tmp_path_factory.mktemp("hostile")), WORKERS)
    return {"outcomes": outcomes, "wall": time.monotonic() - start, "complete": ids == set(BY_ID)}


@pytest.mark.slow  # the corpus runs its ~400 `act` commands once for the session: minutes on 2 cores
@pytest.mark.parametrize("case_id", [c.id for c in sorted(CASES, key=lambda c: CLASSES.index(c.cls))])
def test_hostile_case(corpus: dict, case_id: str) -> None:
    outcome = corpus["outcomes"][case_id]
    case, res = outcome.case, outcome.result
    assert outcome.ok, (f"{case_id} [{case.cls}: {case.why}] `act {' '.join(map(str, case.args))[:160]}` "
                        f"(exit {res.exit}, {res.wall:.1f} s, {res.maxrss_mb:.0f} MB):\n  - "
                        + "\n  - ".join(outcome.failures))


def test_corpus_covers_every_class_of_issue_10() -> None:
    counts = Counter(c.cls for c in CASES)
    assert len(CASES) >= 120, f"only {len(CASES)} cases"
    thin = {k: counts.get(k, 0) for k in CLASSES if counts.get(k, 0) < 5}
    assert not thin, f"classes with fewer than 5 cases: {thin}"
    # each kind of hostility the issue names has at least one case that states it
    whys = " ".join(c.why.lower() for c in CASES)
    for phrase in ("5,000-digit", "100,000 deep", "50 mb", "10,000-item", "400 kb", "4,000-record",
                   "20 kb answer", "lone surrogate", "bom", "nul", "crlf", "symlink", "loop", "300-character",
                   "fifo", "folder named x.act", "twice", "call each other", "250 nested", "5,000 nested",
                   "fuzzy -5", "1e308", "no constraints", "--out equal to --data", "--line 99", "/dev/zero"):
        assert phrase in whys, f"no case for {phrase!r}"


@pytest.mark.slow
def test_every_case_ran(corpus: dict) -> None:
    # the corpus's wall time is a benchmark (bench/hostile/harness.py prints it), not a timed unit test
    assert corpus["complete"]
