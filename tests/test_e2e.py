"""Slow end-to-end runs: the real default model, and data-parallel training under accelerate launch."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import act_dsl

from conftest import EXAMPLES, ROOT, run_act


@pytest.mark.slow
def test_default_model_trains_end_to_end_on_a_few_prompts(tmp_path) -> None:
    out = tmp_path / "run"
    r = run_act("train", str(EXAMPLES / "entity_typing" / "task.act"), "--first", "4", "--eval-first", "3",
                "--samples", "3", "--epochs", "1", "--max-new-tokens", "16", "--run-dir", str(out), "--force", timeout=1800)
    assert r.returncode == 0, r.stderr[-4000:]
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == "SmolLM2-135M-Instruct"
    assert 0.0 <= report["csr_before"] <= 1.0 and 0.0 <= report["csr_after"] <= 1.0
    task = next(iter(act_dsl.load(EXAMPLES / "entity_typing" / "task.act").tasks.values()))
    assert set(report["constraints"]) == {c.name for c in task.constraints}   # every constraint reported
    assert {"in_label_set", "named_as_ner", "fine_named"} <= set(report["constraints"])
    assert report["task_metric"]["name"] == "micro_f1" and report["task_metric"]["gold"] == "gold_types"
    samples = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 4 and all(len(s["responses"]) == 3 for s in samples)
    # the default model answers the tuned prompt with type paths, so the verifier has something to read
    assert any(resp.strip().startswith("/") for s in samples for resp in s["responses"])


def _launch(*args: str) -> list[str]:
    """`accelerate launch` of two CPU processes on a port of their own: tests run side by side (pytest -n), and
    two launches on torchrun's default port 29500 would collide."""
    launcher = shutil.which("accelerate", path=os.path.dirname(sys.executable))
    assert launcher, "accelerate's launcher is installed with the train extra"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return [launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
            "--dynamo_backend", "no", "--main_process_ip", "127.0.0.1", "--main_process_port", str(port), *args]


def _temp_in(folder: Path) -> dict[str, str]:
    """The environment with TMPDIR in the test's folder: torchrun leaves a log folder in the temporary folder."""
    return {**os.environ, "TMPDIR": str(folder)}


@pytest.mark.slow
def test_accelerate_launch_two_cpu_processes(tmp_path, tiny_model) -> None:
    from test_training import TASK
    (tmp_path / "task.act").write_text(TASK)
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"topic": f"t{i}"}) + "\n" for i in range(16)))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"topic": f"e{i}"}) + "\n" for i in range(4)))
    out = tmp_path / "run"
    # accelerate's `--cpu` launcher starts a single process unless MPI is installed; `--multi_gpu` starts
    # the processes with torchrun, and act_dsl asks accelerate for gloo on the CPU when there is no GPU.
    cmd = _launch("-m", "act_dsl", "train", str(tmp_path / "task.act"), "--model", str(tiny_model), "--run-dir",
                  str(out), "--samples", "4", "--epochs", "1", "--max-new-tokens", "10", "--lr", "0.01", "--force")
    r = subprocess.run(cmd, cwd=ROOT, env=_temp_in(tmp_path), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    report = json.loads((out / "report.json").read_text())
    assert report["train"]["processes"] == 2 and report["train"]["steps"] > 0
    samples = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert sorted(s["index"] for s in samples) == list(range(16))  # sampled once, by the main process
    assert (out / "adapter" / "adapter_config.json").is_file()


@pytest.mark.slow
def test_arms_under_accelerate_launch_are_refused_before_any_work(tmp_path, tiny_model) -> None:
    from test_training import TASK
    (tmp_path / "task.act").write_text(TASK)
    for name in ("train.jsonl", "eval.jsonl"):
        (tmp_path / name).write_text("".join(json.dumps({"topic": f"t{i}"}) + "\n" for i in range(4)))
    cmd = _launch("-m", "act_dsl", "train", str(tmp_path / "task.act"), "--model", str(tiny_model), "--run-dir",
                  str(tmp_path / "run"), "--control", "shuffled")
    r = subprocess.run(cmd, cwd=ROOT, env=_temp_in(tmp_path), capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "--control, --sft-gold and --capability run one process" in r.stderr
    assert f'File "{ROOT / "act_dsl"}' not in r.stderr  # a usage error from act_dsl, not a crash in it
    assert not (tmp_path / "run" / "samples.jsonl").exists()
