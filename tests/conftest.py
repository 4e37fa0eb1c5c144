"""Shared test helpers: paths to the repo, its examples and the real data beside the project."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# One torch (OpenMP) thread per process, in the test workers and in every `act` command they start (children
# inherit it). `make test` runs two workers on two cores, so torch's default of one thread per core puts four or
# more spinning threads on two cores; on the tests' tiny models a matrix product is microseconds of work and the
# threads' waiting for each other dominates: `act sample` of 20 prompts (k 2, 24 tokens, the tiny GPT-2) took
# 15.9 s with 2 threads and 4.1 s with 1 on the loaded 2-core machine. A value set outside is kept.
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_DATA = Path(os.environ.get("ACT_SHARED_DATA", ROOT.parent / "shared" / "data"))


# a small task the training tests share: short answers with a slash, as the tiny model's corpus writes them
SHAPE_TASK = """
task shape {
  input topic: text
  output y: text = first_line(response)
  prompt "Types for {topic}:"
  constraint brief = length(y) <= 12
  constraint slash = matches(y, "/")
}
"""


# the training tests' task: SHAPE_TASK with a half-weight constraint, so candidates differ in CSR
TRAIN_TASK = SHAPE_TASK.replace("}\n", "  constraint words weight 0.5 = count(words(y)) >= 1\n}\n")


def run_act(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the real `act` command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "act_dsl", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


@pytest.fixture
def shared_data() -> Path:
    """The real public data beside the project. A clone with nothing beside it skips these tests with the reason;
    CI sets ACT_REQUIRE_SHARED_DATA=1 (in .ci/run), which turns that skip into a failure."""
    if not SHARED_DATA.is_dir():
        reason = (f"the real data folder {SHARED_DATA} is missing (it sits beside the project in CI; set "
                  "ACT_SHARED_DATA to point elsewhere)")
        if os.environ.get("ACT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(reason + " and ACT_REQUIRE_SHARED_DATA=1 requires it")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture
def small_task(tmp_path: Path) -> Path:
    """TRAIN_TASK in a folder with 8 training topics and 4 held-out ones."""
    (tmp_path / "task.act").write_text(TRAIN_TASK)
    topics = ["Obama", "Paris", "Google", "Rome", "Nile", "Tesla", "Oslo", "Ann"]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"topic": f"{t} {i}"}) + "\n" for i, t in enumerate(topics)))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"topic": t}) + "\n" for t in topics[:4]))
    return tmp_path


def _fast(config: pytest.Config) -> bool:
    """`make test-fast` deselects the tests that load torch (`-m "not slow and not torch"`)."""
    return "not torch" in (config.option.markexpr or "")


def examples(n: int) -> int:
    """How many hypothesis examples a law test draws: `n` under `make test` (and CI), a tenth of it (at least 20)
    under `make test-fast`, whose budget is two minutes for the whole suite."""
    return max(20, n // 10) if os.environ.get("ACT_TEST_FAST") == "1" else n


class _NoTorch:
    """A meta-path finder that refuses torch, so a test that loads it without its `torch` mark fails loudly."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in ("torch", "transformers"):
            raise ImportError(f"{name} is imported by a test that `make test-fast` runs: mark the test "
                              "`@pytest.mark.torch` (a test using the `tiny_model` fixture is marked by itself)")
        return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "torch: loads torch or a transformers model, in the test or in an `act` "
                                       "command it runs; `make test-fast` leaves these out and forbids torch")
    if _fast(config):
        sys.meta_path.insert(0, _NoTorch())
        os.environ["ACT_TEST_FAST"] = "1"
        # an `act` command that a fast test runs must not load torch either: a `torch` on its path refuses
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tests" / "no_torch"),
                                                                 os.environ.get("PYTHONPATH")]))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under `make test-fast`, a test file marked torch as a whole (`pytestmark = pytest.mark.torch`, because it
    imports torch at its top) is not even imported."""
    if _fast(config) and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        if re.search(r"^pytestmark = pytest\.mark\.torch", collection_path.read_text(), re.M):
            return True
    return None


# The test files that take longest (seconds of test time under `make test`, loaded 2-core machine, 2026-12-06:
# `--durations=0` summed per file), longest first. Only the order in which the workers start them depends on it.
LONGEST_FILES = ("test_hostile_corpus.py", "test_property.py", "test_real_data.py", "test_training.py",
                 "test_serve_ray.py", "test_e2e.py", "test_probes.py", "test_hostile_files.py", "test_card.py",
                 "test_score_output.py", "test_guided.py", "test_ifeval.py", "test_scale.py", "test_reference.py",
                 "test_backends.py", "test_multi.py", "test_signal.py", "test_default_model_cache.py")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tiny_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)
    # the longest files first, so that under `make test` (`--dist loadfile --no-loadscope-reorder`: each file whole
    # in one worker, handed out in this order) no long file starts last while the other worker sits idle; the
    # order of the tests inside a file is kept, and a file not named here runs after these
    rank = {name: i for i, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FILES)))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from tiny_model import make_tiny_model
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")
