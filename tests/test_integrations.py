"""examples/ifeval/ifeval.act as TRL calls a reward function (chat prompts, `prompts` filling the `prompt` input,
`log_metric`), one reward function per constraint for GDPO-style aggregation, and verl's `compute_score`."""
from __future__ import annotations

import json

import pytest

import act_dsl
from act_dsl.integrations.verl import compute_score, compute_score_batch
from conftest import EXAMPLES

IFEVAL = EXAMPLES / "ifeval" / "ifeval.act"
RECORDS = [json.loads(line) for line in (EXAMPLES / "ifeval" / "records.jsonl").read_text().splitlines() if line]


def trl_call(records: list[dict], chat: bool) -> dict:
    """The keyword arguments GRPOTrainer passes: prompts, completions and every column but `prompt`."""
    prompts = [[{"role": "system", "content": "Be brief."}, {"role": "user", "content": r["prompt"]}] if chat
               else r["prompt"] for r in records]
    completions = [[{"role": "assistant", "content": r["response"]}] if chat else r["response"] for r in records]
    return {"prompts": prompts, "completions": completions, "completion_ids": [[1]] * len(records),
            "instruction_id_list": [r["instruction_id_list"] for r in records],
            "kwargs": [r["kwargs"] for r in records], "trainer_state": None}


@pytest.mark.parametrize("chat", [False, True])
def test_ifeval_is_a_trl_reward_function_and_logs_pass_rates(chat: bool) -> None:
    program = act_dsl.load(IFEVAL, strict=True)
    logged: dict[str, float] = {}
    rewards = program.reward_function()(**trl_call(RECORDS, chat), log_metric=logged.__setitem__)
    expected = program.score(RECORDS)
    assert rewards == pytest.approx([c if c is not None else 0.0 for c in expected.csr])
    assert logged == pytest.approx({f"act/{k}": s.pass_rate for k, s in expected.summary.items()
                                    if s.pass_rate is not None})
    assert "act/punctuation__no_comma" in logged


def test_the_prompt_input_is_the_last_user_message() -> None:
    program = act_dsl.loads('task t { input prompt: text\n constraint echo = prompt in response }', strict=True)
    reward = program.reward_function()
    chat = [[{"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
             {"role": "user", "content": [{"type": "text", "text": "tea"}]}]]
    assert reward(prompts=chat, completions=["I like tea"]) == [1.0]
    assert reward(prompts=["coffee"], completions=["I like tea"]) == [0.0]
    assert reward(prompts=["x"], completions=["tea"], prompt=["tea"]) == [1.0]   # a column given wins


def test_one_reward_function_per_constraint_with_weights() -> None:
    program = act_dsl.load(IFEVAL, strict=True)
    funcs, weights = program.reward_functions()
    expected = program.score(RECORDS)
    assert [f.__name__ for f in funcs] == [f"act_ifeval_{c}" for c in expected.constraints]
    assert weights == [expected.weights[c] for c in expected.constraints]
    call = trl_call(RECORDS, chat=True)
    for name, f in zip(expected.constraints, funcs):
        got = f(**call)
        assert got == [None if row[name] is None else float(row[name]) for row in expected.values], name
    assert any(v is None for v in funcs[0](**call))          # not applicable is None (TRL: left out), never 0


def test_verl_compute_score_in_process() -> None:
    r = RECORDS[1]   # has a comma: no_comma fails
    out = compute_score("ifeval", r["response"], json.dumps({k: r[k] for k in ("instruction_id_list", "kwargs")}),
                        {"prompt": r["prompt"], "index": 1, "num_turns": 2}, act_file=str(IFEVAL))
    expected = act_dsl.load(IFEVAL, strict=True).score([r])
    assert out["score"] == pytest.approx(expected.csr[0])
    assert out["punctuation__no_comma"] == 0.0 and out["startend__quotation"] is None
    assert compute_score("ifeval", r["response"], None, r, act_file=str(IFEVAL), not_applicable=-1.0)[
        "startend__quotation"] == -1.0
    batch = compute_score_batch(["ifeval"] * 3, [x["response"] for x in RECORDS[:3]], [None] * 3, RECORDS[:3],
                                act_file=str(IFEVAL))
    assert [b["score"] for b in batch] == pytest.approx(act_dsl.load(IFEVAL, strict=True).score(RECORDS[:3]).csr)
    with pytest.raises(ValueError, match="could not score"):   # a failure raises, never a silent 0
        compute_score("ifeval", "text", None, {}, act_file=str(IFEVAL))
    assert compute_score("ifeval", "text", None, {}, act_file=str(IFEVAL), on_failure=0.0)["act_verifier_errors"] == 1


def test_verl_compute_score_names_a_service_that_is_down() -> None:
    with pytest.raises(ValueError, match="did not answer"):
        compute_score("ifeval", "text", None, RECORDS[0], url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(ValueError, match="act_file"):
        compute_score("ifeval", "text", None, {})
