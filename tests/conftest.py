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


def run_act(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the real `act` command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "act_dsl", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the real data folder {SHARED_DATA} is missing; CI checks it out beside the project "
                    "(set ACT_SHARED_DATA to point elsewhere)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from tiny_model import make_tiny_model
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")
