"""`act train --rounds` (iterated ACT) and `--seeds` (repeated runs) on the tiny real model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_act

# --force: the tiny untrained model's samples score below the probe that copies the topic
FAST = ("--samples", "3", "--epochs", "1", "--max-new-tokens", "6", "--lr", "0.01", "--force")


@pytest.mark.slow
def test_two_rounds_sample_from_the_trained_policy_and_report_both(small_task, tiny_model) -> None:
    out = small_task / "run"
    r = run_act("train", str(small_task / "task.act"), "--model", str(tiny_model), "--run-dir", str(out), "--rounds", "2",
                "--val-fraction", "0", "--min-pairs", "0", *FAST)  # every round taken (test_training_rounds: the gate)
    assert r.returncode == 0, r.stderr[-3000:]
    r1, r2 = out / "round-1", out / "round-2"
    assert (r1 / "adapter").is_dir() and (r2 / "adapter").is_dir()
    # round 2 starts where round 1 ended, and samples from the trained policy: with the same seed, the base
    # model would have given exactly round 1's samples
    assert json.loads((r2 / "eval_before.json").read_text())["csr"] == json.loads((r1 / "eval_after.json").read_text())["csr"]
    s1 = [json.loads(x)["responses"] for x in (r1 / "samples.jsonl").read_text().splitlines()]
    s2 = [json.loads(x)["responses"] for x in (r2 / "samples.jsonl").read_text().splitlines()]
    assert len(s1) == len(s2) == 8 and s1 != s2
    summary = json.loads((out / "report.json").read_text())
    assert [row["round"] for row in summary["rounds"]] == [0, 1, 2]
    final = json.loads((r2 / "eval_after.json").read_text())
    assert summary["rounds"][2]["after"]["csr"]["value"] == final["csr"]
    assert summary["rounds"][2]["difference"]["CSR"]["n"] == 4
    md = (out / "report.md").read_text()
    assert "| 2 | " in md and "CSR - base, paired" in md and "| 2 | " in r.stdout


@pytest.mark.slow
def test_seeds_repeat_the_run_and_report_the_spread(small_task, tiny_model) -> None:
    out = small_task / "run"
    r = run_act("train", str(small_task / "task.act"), "--model", str(tiny_model), "--run-dir", str(out), "--seeds", "2",
                "--seed", "5", *FAST)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "seed-5" / "report.json").is_file() and (out / "seed-6" / "report.json").is_file()
    summary = json.loads((out / "report.json").read_text())
    assert summary["seeds"] == [5, 6]
    afters = [json.loads((out / f"seed-{k}" / "report.json").read_text())["csr_after"] for k in (5, 6)]
    spread = summary["spread"]["CSR after"]
    assert spread["mean"] == pytest.approx(sum(afters) / 2)
    assert (spread["min"], spread["max"]) == (min(afters), max(afters))
    assert spread["sd"] == pytest.approx(abs(afters[0] - afters[1]) / 2 ** 0.5)
    # the greedy base evaluation is shared, the samples are not
    assert summary["spread"]["CSR before"]["sd"] == 0.0
    assert (out / "seed-5" / "samples.jsonl").read_text() != (out / "seed-6" / "samples.jsonl").read_text()
    assert "| CSR after |" in (out / "report.md").read_text() and "| CSR after |" in r.stdout
