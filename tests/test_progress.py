"""What a long command shows while it works: progress on stderr, `--quiet`, `--json` events on stdout, and the
warnings of the model libraries sent to a log file and counted once. Runs on the tiny model of tests/tiny_model.py."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from conftest import ROOT, SHAPE_TASK, run_act

TASK = SHAPE_TASK
STAGES = ["eval_before", "sample", "rank", "audit", "train", "eval_after"]


@pytest.fixture
def task_dir(tmp_path) -> Path:
    (tmp_path / "task.act").write_text(TASK)
    names = ["Obama", "Paris", "Google", "Rome", "Nile", "Tesla"]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"topic": f"{names[i % 6]} {i}"}) + "\n"
                                                  for i in range(12)))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"topic": n}) + "\n" for n in names))
    return tmp_path


def _act(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "act_dsl", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=600)


def _events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]  # every line must be one JSON object


def test_library_warnings_go_to_the_log_and_are_counted(tmp_path) -> None:
    from act_dsl import progress
    hf = logging.getLogger("transformers")
    handlers_before = list(hf.handlers)
    log = tmp_path / "run" / "log.txt"
    with progress.capture_warnings(log) as captured:
        warnings.warn("`x` is deprecated", FutureWarning)
        logging.getLogger("accelerate.utils.other").warning("Removed shared tensor {'lm_head.weight'} while saving")
        logging.getLogger("transformers.modeling_utils").warning("a transformers notice")
        logging.getLogger("transformers").info("below warning level: not kept")
    assert captured.count == 3
    text = log.read_text()
    assert "[FutureWarning]" in text and "`x` is deprecated" in text
    assert "[accelerate.utils.other] warning: Removed shared tensor" in text and "a transformers notice" in text
    assert "below warning level" not in text
    assert captured.summary() == f"3 library warnings, see {log}"
    assert hf.handlers == handlers_before  # the loggers are as they were
    with progress.capture_warnings(tmp_path / "none.txt") as quiet:
        pass
    assert quiet.summary() is None and not (tmp_path / "none.txt").exists()  # no warnings, no file


def test_eval_shows_progress_quiet_prints_one_line_and_json_prints_events(task_dir, tiny_model, capsys,
                                                                         monkeypatch) -> None:
    from act_dsl import progress
    from act_dsl.cli import main  # the real command in this process: the model loads once for the three runs
    base = ["eval", str(task_dir / "task.act"), "--data", str(task_dir / "eval.jsonl"), "--model", str(tiny_model),
            "--max-new-tokens", "6", "--batch-size", "2"]
    monkeypatch.setattr(progress, "PLAIN_EVERY_S", 0.0)  # as ACT_PROGRESS_EVERY=0: a plain line per batch
    assert main(base) == 0  # stderr is not a terminal here, as in a log or CI
    r = capsys.readouterr()
    progress_lines = [x for x in r.err.splitlines() if x.startswith("evaluating: ")]
    assert [x.split()[1] for x in progress_lines][:3] == ["2/6", "4/6", "6/6"]
    assert "prompts/s" in progress_lines[0] and "ETA" in progress_lines[0] and " in " in progress_lines[-1]
    assert r.out.splitlines()[-1].startswith("held-out CSR ")

    assert main([*base, "--quiet"]) == 0
    q = capsys.readouterr()
    assert q.err == "" and q.out.splitlines() == [r.out.splitlines()[-1]]  # only the final line, the same one

    out_json = task_dir / "full.json"
    assert main([*base, "--json", "--out-json", str(out_json)]) == 0
    j = capsys.readouterr()
    assert j.err == ""
    events = _events(j.out)
    done = [e for e in events if e["event"] == "progress" and e["task"] == "evaluating"]
    assert done[-1]["done"] == done[-1]["total"] == 6 and done[-1]["final"] and done[-1]["unit"] == "prompt"
    assert events[-1]["event"] == "result" and events[-1]["command"] == "eval"
    assert events[-1]["csr"] == json.loads(out_json.read_text())["csr"] and events[-1]["prompts"] == 6

    samples = task_dir / "s.jsonl"  # `act sample --json`: the same events, its own result
    assert main(["sample", *base[1:], "--out", str(samples), "--best-of", "2", "--json"]) == 0
    s = capsys.readouterr()
    assert s.err == ""
    events = _events(s.out)
    assert [e["done"] for e in events if e["event"] == "progress" and e["task"] == "sampling"][-1] == 6
    result = events[-1]
    assert result["event"] == "result" and result["command"] == "sample" and result["out"] == str(samples)
    assert result["best_of"]["k"] == 2 and result["best_of"]["path"] == str(task_dir / "s.best.jsonl")
    assert all(len(json.loads(x)["responses"]) == 2 for x in samples.read_text().splitlines())


def test_best_of_takes_k_in_sample_and_eval_alike(task_dir) -> None:
    from act_dsl.cli import build_parser
    helps = {}
    for command in ("sample", "eval"):
        sub = build_parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
        action = next(a for a in sub._actions if "--best-of" in a.option_strings)
        assert (action.type.__name__, action.default, action.metavar) == ("positive_int", 1, "K")
        helps[command] = action.help.split(";")[0]
    assert helps["sample"] == helps["eval"]  # one meaning: K candidates, the best by CSR
    r = run_act("sample", str(task_dir / "task.act"), "--data", str(task_dir / "eval.jsonl"), "--out",
                str(task_dir / "s.jsonl"), "--best-of", "3", "-k", "2")
    assert r.returncode == 2 and "--best-of 3 samples 3 responses per prompt; drop -k/--samples 2" in r.stderr
    r = run_act("sample", str(task_dir / "task.act"), "--data", str(task_dir / "eval.jsonl"), "--out",
                str(task_dir / "s.jsonl"), "--best-of")
    assert r.returncode == 2 and "--best-of: expected one argument" in r.stderr
    assert not (task_dir / "s.jsonl").exists()


@pytest.mark.slow
def test_train_json_events_cover_every_stage_and_warnings_go_to_the_run_log(task_dir, tiny_model) -> None:
    run = task_dir / "run"
    r = _act("train", str(task_dir / "task.act"), "--model", str(tiny_model), "--out", str(run), "--json",
             "--samples", "3", "--epochs", "1", "--max-new-tokens", "8", "--lr", "0.01", "--force")
    assert r.returncode == 0, r.stderr[-3000:]
    # the deprecated --out still names the run directory, with a one-line notice (then the --force notice)
    assert r.stderr.splitlines()[0] == ("act train: --out is deprecated for the run directory; use --run-dir "
                                        "(--out names a file elsewhere)")
    assert "Traceback" not in r.stderr
    events = _events(r.stdout)
    assert [e["stage"] for e in events if e["event"] == "stage_start"] == STAGES
    assert [e["stage"] for e in events if e["event"] == "stage_end"] == STAGES
    steps = [e for e in events if e["event"] == "progress" and e["task"] == "training"]
    assert steps and all({"loss", "pairs", "eta_s", "rate"} <= set(e) for e in steps)
    assert steps[-1]["done"] == steps[-1]["total"] == json.loads((run / "report.json").read_text())["train"]["steps"]
    assert any(e["event"] == "message" and "signal audit" in e["text"] for e in events)
    warned = [e for e in events if e["event"] == "warnings"]
    assert len(warned) == 1 and warned[0]["log"] == str(run / "log.txt") and warned[0]["count"] >= 1
    assert len((run / "log.txt").read_text().splitlines()) >= warned[0]["count"]
    result = events[-1]
    assert result["event"] == "result" and result["run_dir"] == str(run)
    assert result["csr_after"] == json.loads((run / "report.json").read_text())["csr_after"]
