"""Per-response work budgets: a hostile answer gets a clear per-response error that names the limit, the other
responses of the batch score normally, and the user can raise the limit."""
from __future__ import annotations

import json

import pytest

import act_dsl
from act_dsl.scoring.verifier import RunSettings, Verifier
from act_dsl.ops.limits import Limits
from conftest import run_act

PAIRS = 'task t { output xs: list<text> = split(response, ",")\n constraint distinct = all a, b in xs: a != b }'


def test_a_pair_quantifier_over_a_huge_answer_is_a_counted_error_beside_normal_rows() -> None:
    graph = act_dsl.loads(PAIRS, strict=True).graph()
    rows = [{"response": "a, b"}, {"response": ",".join(str(i) for i in range(5000))}, {"response": "c, c"}]
    s = Verifier(graph).score(rows)
    assert [v["distinct"] for v in s.values] == [True, {"error": s.errors[0][2]}, False]  # shown, scored 0
    assert [(row, name) for row, name, _ in s.errors] == [(1, "distinct")] and s.csr[1] == 0.0
    assert "max_pairs" in s.errors[0][2]


@pytest.mark.slow
def test_raising_the_limit_lets_the_answer_be_scored() -> None:
    graph = act_dsl.loads(PAIRS, strict=True).graph()
    row = {"response": ",".join(str(i) for i in range(1200))}
    assert Verifier(graph).score([row]).errors
    s = Verifier(graph, RunSettings(limits=Limits(max_pairs=2_000_000))).score([row])
    assert s.values[0]["distinct"] is True and not s.errors


def test_fuzzy_alignment_of_a_huge_answer_is_an_error_not_a_hang() -> None:
    graph = act_dsl.loads('task t { input c: text\n output y: text = strip(response)\n'
                          ' constraint grounded = y in c fuzzy 90 }', strict=True).graph()
    context = "the cat sat on the mat " * 50_000
    s = Verifier(graph).score([{"c": context, "response": "dog " * 5000}, {"c": context, "response": "teh cat sat"}])
    assert s.values[0]["grounded"] == {"error": s.errors[0][2]} and "fuzzy_chars" in s.errors[0][2]
    assert s.values[1]["grounded"] is True


@pytest.mark.slow
def test_act_score_takes_limit_flags_and_refuses_unknown_ones(tmp_path) -> None:
    act, data = tmp_path / "t.act", tmp_path / "d.jsonl"
    act.write_text(PAIRS)
    data.write_text(json.dumps({"response": ",".join(str(i) for i in range(1200))}) + "\n")
    r = run_act("score", str(act), "--data", str(data))
    assert r.returncode == 0 and json.loads(r.stdout)["csr"] == 0.0 and "--limit max_pairs=N" in r.stderr
    r = run_act("score", str(act), "--data", str(data), "--limit", "max_pairs=2000000")
    assert r.returncode == 0 and json.loads(r.stdout)["csr"] == 1.0
    r = run_act("score", str(act), "--data", str(data), "--limit", "max_hugs=3")
    assert r.returncode == 2 and "max_pairs" in r.stderr and "Traceback" not in r.stderr
