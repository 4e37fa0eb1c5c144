"""`act train --rounds` takes a round only when it had enough pairs and kept the CSR on held-out training prompts."""
from __future__ import annotations

import json

import pytest

from act_dsl.records import Record
from act_dsl.training.rounds import split_validation
from conftest import run_act

pytestmark = pytest.mark.torch


def test_validation_split_is_seeded_and_disjoint() -> None:
    records = [Record(i + 1, {"topic": str(i)}, None) for i in range(10)]
    train, val = split_validation(records, 0.2, seed=0)
    assert len(val) == 2 and len(train) == 8 and not {r.line for r in train} & {r.line for r in val}
    assert split_validation(records, 0.2, seed=0)[1] == val and split_validation(records, 0.0, seed=0) == (records, [])


@pytest.mark.slow
def test_a_round_without_enough_pairs_is_not_taken_and_the_next_starts_from_the_base(small_task, tiny_model) -> None:
    out = small_task / "run"
    r = run_act("train", str(small_task / "task.act"), "--model", str(tiny_model), "--run-dir", str(out), "--rounds",
                "2", "--min-pairs", "1000", "--val-fraction", "0.25", "--samples", "3", "--epochs", "1",
                "--max-new-tokens", "6", "--lr", "0.01", "--force")
    assert r.returncode == 0, r.stderr[-3000:]
    r1, r2 = out / "round-1", out / "round-2"
    judged = json.loads((out / "rounds.json").read_text())
    assert judged["validation_prompts"] == 2 and judged["base_validation_csr"] is not None
    assert [judged["rounds"][k]["kept"] for k in ("1", "2")] == [False, False]
    assert "fewer than --min-pairs 1000" in judged["rounds"]["1"]["why"] and judged["rounds"]["2"]["started_from"] == "base"
    # 6 of the 8 training prompts train; round 2 starts from the base model again (round 1's "before"), with
    # another seed, so its samples differ from round 1's
    s1 = [json.loads(x)["responses"] for x in (r1 / "samples.jsonl").read_text().splitlines()]
    s2 = [json.loads(x)["responses"] for x in (r2 / "samples.jsonl").read_text().splitlines()]
    assert len(s1) == len(s2) == 6 and s1 != s2
    assert (json.loads((r2 / "eval_before.json").read_text())["csr"] ==
            json.loads((r1 / "eval_before.json").read_text())["csr"])
    md = (out / "report.md").read_text()
    assert "Rounds taken: none (the base model stands)" in md and "| no (from base):" in md
