"""The training side's results as values (act_dsl/training/results.py): every JSON file a run writes reads back
into its dataclass and writes out as the same text, and a file that is not a run's result is refused with a
message naming the file and the field, not a KeyError."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import act_dsl
from act_dsl.training.config import TrainConfig
from act_dsl.training.results import (AuditResult, BeforeAfter, EvalSummary, Evaluation, RankAudit, ResultError,
                                      TrainReport, TrainResult)
from act_dsl.training.runs import stage_result
from conftest import SHAPE_TASK, run_act


def _text(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def test_every_result_of_a_real_run_reads_back_as_its_type_and_writes_the_same_json(tmp_path, tiny_model) -> None:
    from act_dsl.training.runs import RunDir
    (tmp_path / "t.act").write_text(SHAPE_TASK)
    run = tmp_path / "run"
    report = act_dsl.train(tmp_path / "t.act", data=[{"topic": f"t{i}"} for i in range(6)],
                           eval_data=[{"topic": f"e{i}"} for i in range(3)], out=run, model=str(tiny_model),
                           samples=3, epochs=1, max_new_tokens=6, lr=0.01, force=True, log=lambda m: None)
    assert isinstance(report, TrainReport) and report.train.steps > 0 and report.eval_prompts == 3
    # report.json, eval_before.json and eval_after.json: read back and written again, the same text
    saved = TrainReport.load(run / "report.json")
    assert saved == report and _text(saved.to_json()) == (run / "report.json").read_text()
    for name in ("eval_before.json", "eval_after.json"):
        ev = Evaluation.load(run / name)
        assert _text(ev.to_json()) == (run / name).read_text() and len(ev.responses) == 3
    after = Evaluation.load(run / "eval_after.json")
    assert (report.csr_after, report.constraints) == (after.csr, {n: BeforeAfter(report.constraints[n].before, r)
                                                                   for n, r in after.pass_rates().items()})
    # each stage's result in stages.json is its type, and writes back as stored
    types = {"eval_before": EvalSummary, "rank": RankAudit, "audit": AuditResult, "train": TrainResult,
             "eval_after": EvalSummary}
    stages = json.loads((run / "stages.json").read_text())
    for name, kind in types.items():
        typed = stage_result(name, stages[name]["result"], "stages.json")
        assert isinstance(typed, kind) and typed.to_json() == stages[name]["result"]
    assert RunDir(run).result("train") == report.train
    # audit.json opens with the rank audit, then the beats-greedy count, the probes and the card
    audit = json.loads((run / "audit.json").read_text())
    rank = RankAudit.from_json(audit, "audit.json")
    assert list(audit) == list(rank.to_json()) + ["beats_greedy", "probes", "card"]
    assert rank.pairs == report.pairs and rank.items == report.train_items


def _report() -> dict:
    """A report.json as a run writes it (built by hand: no model is trained here)."""
    train = TrainResult(steps=4, items=2, seconds=1.5, first_loss=0.7, last_loss=0.5, processes=1, output="adapter")
    report = TrainReport("t", "tiny", TrainConfig(), 0.25, 0.5, {"brief": BeforeAfter(0.5, 1.0)}, None, pairs=3,
                         zero_variance_prompts=1, train_items=2, eval_prompts=2, train=train, timings={"train": 1.5})
    return report.to_json()


def test_a_report_with_a_missing_or_mistyped_field_is_refused_naming_the_file_and_the_field(tmp_path) -> None:
    path = tmp_path / "report.json"
    good = _report()
    path.write_text(_text(good))
    assert TrainReport.load(path).to_json() == good
    cases = [({k: v for k, v in good.items() if k != "pairs"}, "the field `pairs` is missing"),
             ({**good, "csr_after": "0.5"}, "the field `csr_after` is a text, not a number"),
             ({**good, "pairs": 2.5}, "the field `pairs` is a number, not a whole number"),
             ({**good, "train": {**good["train"], "steps": None}}, "`train`: the field `steps` is null"),
             ({**good, "constraints": {"brief": [0.5, 1.0]}}, "`constraints` `brief`: is a list, not a JSON object"),
             ({**good, "config": {"samples": 1}}, "the field `config` is not a training configuration"),
             ([good], "is a list, not a JSON object")]
    for broken, message in cases:
        path.write_text(_text(broken))
        with pytest.raises(ResultError) as exc:
            TrainReport.load(path)
        assert str(exc.value).startswith(f"{path}") and message in str(exc.value), str(exc.value)
    path.write_text('{"task": ')
    with pytest.raises(ResultError, match=f"{path}: not JSON"):
        TrainReport.load(path)
    with pytest.raises(ResultError, match="cannot read"):
        TrainReport.load(tmp_path / "missing.json")


def test_an_evaluation_with_a_bad_response_row_is_refused_naming_the_row(tmp_path) -> None:
    path = tmp_path / "eval_after.json"
    row = {"line": 1, "key": "abc", "response": "/x", "csr": 1.0, "pass": {"brief": 1.0}}
    ev = {"csr": 1.0, "prompt_accuracy": 1.0, "constraint_accuracy": 1.0,
          "constraints": {"brief": {"weight": 1.0, "pass_rate": 1.0, "mean": 1.0, "applicable": 2,
                                    "not_applicable": 0, "errors": 0, "invalid": 0, "none": 0}},
          "responses": [row, {k: v for k, v in row.items() if k != "key"}], "seconds": 0.1, "best_of": 1,
          "model_calls_per_answer": 1, "intervals": {}}
    path.write_text(_text(ev))
    with pytest.raises(ResultError, match=f"{path}, response 2: the field `key` is missing"):
        Evaluation.load(path)
    ev["responses"] = [row]
    path.write_text(_text(ev))
    assert _text(Evaluation.load(path).to_json()) == path.read_text()


def test_act_train_resume_over_a_broken_stage_result_says_which_file_and_field(tmp_path) -> None:
    """No traceback and no model loaded: the kept result of a finished stage is read before any work."""
    (tmp_path / "t.act").write_text(SHAPE_TASK)
    for name in ("train.jsonl", "eval.jsonl"):
        (tmp_path / name).write_text('{"topic": "a"}\n{"topic": "b"}\n')
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    run = tmp_path / "run"
    run.mkdir()
    (run / ".act-run").write_text('{"format": "act-run/1"}\n')
    (run / "config.json").write_text(_text({"task": "shape", "config": TrainConfig(model=str(model)).to_dict()}))
    (run / "stages.json").write_text(_text({"eval_before": {"result": {"constraints": {}}, "seconds": 1.0}}))
    r = run_act("train", str(tmp_path / "t.act"), "--run-dir", str(run), "--resume")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"{run / 'stages.json'}, stage `eval_before`: the field `csr` is missing" in r.stderr
