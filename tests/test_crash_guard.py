"""The `act` command's last line of defence: an internal error prints one line naming the command and a log
file with the traceback, and exits 70; triggered for real through ACT_CRASH_TEST, the hook made for this."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, ROOT

TASK = str(EXAMPLES / "entity_typing" / "task.act")


def act(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "act_dsl", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, **env})


def test_an_internal_error_is_one_line_a_log_file_and_exit_70(tmp_path: Path) -> None:
    r = act("lint", TASK, ACT_CRASH_TEST="lint", ACT_CACHE=str(tmp_path / "cache"))
    assert r.returncode == 70 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("act lint: internal error (SelfTestCrash: ")
    log = Path(re.search(r"the traceback is in (\S+\.log);", lines[0]).group(1))
    assert log.parent == tmp_path / "cache" / "crash"
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and f"command: act lint {TASK}" in text
    assert "act_dsl/cli/__init__.py" in text
    assert act("lint", TASK, ACT_CRASH_TEST="score").returncode == 0     # other commands run as usual


def test_a_cache_folder_that_cannot_take_the_log_falls_back_to_the_temporary_folder(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    (tmp_path / "tmp").mkdir()
    r = act("explain", "ACT101", ACT_CRASH_TEST="all", ACT_CACHE=str(tmp_path / "not-a-folder"),
            TMPDIR=str(tmp_path / "tmp"))
    assert r.returncode == 70 and len(r.stderr.strip().splitlines()) == 1
    logs = list((tmp_path / "tmp").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in r.stderr and "SelfTestCrash" in logs[0].read_text()


def test_the_exit_status_is_documented() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert re.search(r"^\| 70 \| internal error", doc, re.M) and "ACT_CRASH_TEST" in doc
