"""examples/product_extraction: the JSON extraction task of LANGUAGE.md section 6 lints, tests and scores as
its comments and README say, and its data is what the README describes."""
from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, run_act

FOLDER = EXAMPLES / "product_extraction"
TASK = FOLDER / "task.act"

# hand-written responses in responses.jsonl and the CSR each must get: weights 1, 1, 1, 2, 2 and 0.5 (7.5 in all)
EXPECTED = {
    "grounded": 1.0,
    "prose first, invented price": 0.733,      # (1 + 1 + 1 + 2 + 0 + 0.5) / 7.5
    "fenced code block": 1.0,
    "price as a string": 0.6,                  # "24.99" is not a number: price reads none, not complete
    "seven tags": 0.933,                       # only few_tags fails
    "not JSON": 0.0,
    "no tags key": 0.8,                        # tags none: not complete, and count(none) <= 5 is false
    "invented name": 0.6,                      # neither in the listing nor a whole phrase of it
    "thousands separator": 1.0,                # 1,299.00 USD in the listing is the amount 1299
    "the old price": 0.733,                    # 1,549.00 USD follows "was": an old price, not the price
    "an array, not an object": 1.0,            # the first complete object in the text is the one inside it
    "no price to give": 1.0,                   # the listing states no amount, so null is the right price
}


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FOLDER / name).read_text().splitlines() if line.strip()]


def test_the_example_lints_clean_and_its_examples_pass() -> None:
    r = run_act("lint", str(TASK))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 error(s), 0 warning(s)" in r.stdout + r.stderr
    r = run_act("test", str(TASK))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "15 passed, 0 failed" in r.stdout + r.stderr


def test_the_task_stops_sampling_after_the_json_object() -> None:
    import act_dsl
    assert act_dsl.load(TASK).graph().stop == "json"


def test_hand_written_responses_score_as_expected(tmp_path) -> None:
    out = tmp_path / "scores.jsonl"
    r = run_act("score", str(TASK), "--data", str(FOLDER / "responses.jsonl"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    scored = {row["id"]: row for row in (json.loads(x) for x in out.read_text().splitlines())}
    assert {k: round(v["csr"], 3) for k, v in scored.items()} == EXPECTED
    assert scored["price as a string"]["constraints"]["complete"] is False
    assert scored["the old price"]["constraints"]["price_grounded"] is False
    assert scored["not JSON"]["constraints"]["parses"] is False
    mean = sum(EXPECTED.values()) / len(EXPECTED)
    assert f"mean CSR {mean:.3f} over {len(EXPECTED)} response(s)" in r.stdout + r.stderr


def test_probe_prints_its_table_over_the_listings() -> None:
    r = run_act("probe", str(TASK), "--data", str(FOLDER / "eval.jsonl"), "--samples",
                str(FOLDER / "responses.jsonl"))
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line.split()[1:] for line in r.stdout.splitlines() if line[:1].isalpha()}
    assert rows["probe"] == ["CSR", "parses", "complete", "name_grounded", "name_whole", "price_grounded", "few_tags"]
    assert rows["empty"][0] == "0.000" and rows["copy:listing"][0] == "0.000"
    # echoing the prompt repeats its worked example, which parses but names no listing's product or price
    assert rows["prompt_echo"] == ["0.333", "1.000", "1.000", "0.000", "0.000", "0.000", "1.000"]


def test_the_data_is_varied_and_every_gold_answer_is_grounded() -> None:
    train, held_out = _rows("train.jsonl"), _rows("eval.jsonl")
    assert len(train) >= 40 and len(held_out) >= 20
    listings = [r["listing"] for r in train + held_out]
    assert len(set(listings)) == len(listings), "a listing is repeated"
    assert not {r["listing"] for r in train} & {r["listing"] for r in held_out}
    for rows in (train, held_out):
        assert any(r["gold_price"] is None for r in rows)                     # a listing without a price
        assert any(r["gold_price"] and r["gold_price"] >= 1000 for r in rows)  # a thousands separator
        assert sum(" was " in r["listing"].lower() or "(was" in r["listing"].lower() for r in rows) >= 3
    currencies = {c for r in train for c in ("USD", "EUR", "GBP", "JPY", "CHF", "SEK", "INR", "$") if c in r["listing"]}
    assert len(currencies) >= 6

    # the gold answers, written as a model should, satisfy every constraint (a null price where the listing has none)
    import act_dsl
    gold = [{"listing": r["listing"], "response": json.dumps({"name": r["gold_name"], "price": r["gold_price"],
                                                              "tags": []})} for r in train + held_out]
    scores = act_dsl.load(TASK).score(gold)
    for row, record, csr in zip(gold, train + held_out, scores.csr):
        assert csr == 1.0, (record["id"], row)


@pytest.mark.parametrize("name", ["train.jsonl", "eval.jsonl"])
def test_every_record_has_a_listing_and_gold_fields_only_for_reporting(name: str) -> None:
    for row in _rows(name):
        assert set(row) == {"id", "listing", "gold_name", "gold_price"}
        assert row["gold_name"].split()[0] in row["listing"]
