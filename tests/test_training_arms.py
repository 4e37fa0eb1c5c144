"""The arms beside an `act train` run (a shuffled control, a gold-supervised fine-tune, a capability check), run
with the tiny real model as a user would."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SHAPE_TASK, TRAIN_TASK, run_act

pytestmark = pytest.mark.torch


@pytest.fixture
def arms_dir(tmp_path: Path) -> Path:
    (tmp_path / "task.act").write_text(TRAIN_TASK)
    topics = ["Obama", "Paris", "Google", "Rome", "Nile", "Tesla", "Oslo", "Ann"]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"topic": f"{t} {i}", "gold": "/person"}) + "\n"
                                                  for i, t in enumerate(topics)))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"topic": t, "gold": "/person"}) + "\n" for t in topics[:4]))
    cap = tmp_path / "cap"
    cap.mkdir()
    (cap / "task.act").write_text(SHAPE_TASK.replace("task shape", "task other"))
    (cap / "data.jsonl").write_text("".join(json.dumps({"topic": t, "gold_y": g}) + "\n"
                                            for t, g in (("Lima", "/location"), ("Kenya", "/location"),
                                                         ("Sony", "/organization"))))
    return tmp_path


@pytest.mark.slow  # three trainings and five evaluations of the tiny model: 30-90 s on 2 shared cores
def test_control_sft_and_capability_arms_beside_one_run(arms_dir: Path, tiny_model: Path) -> None:
    run = arms_dir / "run"
    r = run_act("train", str(arms_dir / "task.act"), "--model", str(tiny_model), "--run-dir", str(run),
                "--samples", "4", "--epochs", "1", "--max-new-tokens", "8", "--lr", "0.01", "--force",
                "--control", "shuffled", "--sft-gold", "gold", "--capability", str(arms_dir / "cap" / "task.act"),
                "--capability-data", str(arms_dir / "cap" / "data.jsonl"))
    assert r.returncode == 0, r.stderr[-3000:]
    real, ctl = run, run / "control"
    # the control trained on the real run's samples and pairs (shared, not sampled again), for as many steps
    assert (ctl / "samples.jsonl").read_text() == (real / "samples.jsonl").read_text()
    steps = [json.loads((p / "report.json").read_text())["train"] for p in (real, ctl)]
    assert steps[0]["steps"] == steps[1]["steps"] > 0
    assert steps[1]["signal"]["control"] == "shuffled" and steps[0]["signal"]["control"] is None
    report = json.loads((real / "report.json").read_text())
    arms = report["arms"]
    csr = next(row for row in arms["control"]["rows"] if row["measure"] == "CSR")
    after_real = json.loads((real / "eval_after.json").read_text())["csr"]
    after_ctl = json.loads((ctl / "eval_after.json").read_text())["csr"]
    assert csr["real_minus_control"]["value"] == pytest.approx(after_real - after_ctl)
    # the supervised arm trained one step per gold answer and was evaluated on the same held-out prompts
    sft = json.loads((run / "sft" / "stages.json").read_text())["train"]["result"]
    assert sft["steps"] == 8 and sft["gold_prompts"] == 8 and (run / "sft" / "adapter").is_dir()
    assert "micro_f1" in arms["sft"]["difference"] or "token_f1" in arms["sft"]["difference"]
    # the capability task was evaluated for the base and for every trained arm
    assert set(arms["capability"]["arms"]) == {"run", "control", "sft"}
    assert (run / "capability_before.json").is_file() and (ctl / "capability_after.json").is_file()
    # with its task metric, against the capability records' own gold field (found as for the run: gold_*)
    assert all("token_f1" in rows for rows in arms["capability"]["arms"].values())
    assert json.loads((run / "capability_before.json").read_text())["task_metric"]["gold"] == "gold_y"
    md = (real / "report.md").read_text()
    assert "real - control, paired" in md and "**Gold-supervised**" in md and "task `other`" in md
    assert "shuffled control" in r.stdout


def test_arms_refuse_seeds_and_a_half_given_capability(arms_dir: Path) -> None:
    base = ["train", str(arms_dir / "task.act"), "--run-dir", str(arms_dir / "run")]
    r = run_act(*base, "--control", "shuffled", "--seeds", "2")
    assert r.returncode == 2 and "leave out --seeds" in r.stderr and "Traceback" not in r.stderr
    r = run_act(*base, "--capability", str(arms_dir / "task.act"))
    assert r.returncode == 2 and "--capability-data" in r.stderr and not (arms_dir / "run").exists()
