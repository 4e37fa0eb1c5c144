"""Shared test helpers: paths to the repo, its examples and the real data beside the project."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from tiny_model import make_tiny_model
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")
