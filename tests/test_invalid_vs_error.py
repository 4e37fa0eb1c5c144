"""Invalid answers vs verifier errors (LANGUAGE.md v3 §4, "Constraint value"), told apart statically by whether
the failing node reads `response`: an invalid answer is false and counted as `invalid`; a verifier error shows as
`{"error": message}`, is counted as `errors` and fails `act score --strict`. The executor and the reference
interpreter must classify every failure alike."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import act_dsl
from conftest import run_act
from reference_interp import classify_both, interpret

TASK = """
define ratio(x: number, y: number) = x / y

task t {
  input q: text
  input n: number
  input xs: list<number>
  output a: text = strip(response)
  output got: number = number(a)

  constraint by_input        = got / n >= 0                          # divisor from the data
  constraint by_answer       = n / got >= 0                          # divisor read from the answer
  constraint input_pattern   = matches(a, q)                         # the pattern is the data's
  constraint answer_pattern  = matches(q, a)                         # the pattern is the answer
  constraint answer_date     = count(dates(a)) >= 0                  # a date the model wrote
  constraint input_date      = count(dates(q)) >= 0                  # a date the data holds
  constraint over_answer     = all x in numbers(a): n / x >= 0       # a variable over the answer's numbers
  constraint over_input      = all x in xs: got / x >= 0             # a variable over the data's list
  constraint define_input    = ratio(got, n) >= 0                    # through a define's parameters
  constraint define_answer   = ratio(n, got) >= 0
  constraint cutoff_input    = a in q fuzzy (n * 100)                # `fuzzy N` out of range: N's failure
  constraint cutoff_answer   = q in a fuzzy got
  constraint when_answer = true when n / got > 0                     # a failing `when` is charged alike
}
"""

GOOD = {"q": "in 2004", "n": 1, "xs": [1, 2], "response": "2"}


def _classify(records: list[dict]) -> tuple[dict, dict]:
    """Per (row, constraint): "invalid", "error" or the value, from program.score and from the reference."""
    return classify_both(act_dsl.loads(TASK, strict=True), records)


@pytest.mark.parametrize("record, expected", [
    ({**GOOD, "n": 0}, {"by_input": "error", "define_input": "error", "cutoff_input": True}),
    ({**GOOD, "response": "0"}, {"by_answer": "invalid", "over_answer": "invalid", "define_answer": "invalid",
                                 "when_answer": "invalid", "cutoff_answer": True}),  # fuzzy 0 accepts all
    ({**GOOD, "q": "(unclosed"}, {"input_pattern": "error", "answer_pattern": False}),
    ({**GOOD, "response": "(2"}, {"answer_pattern": "invalid", "input_pattern": False}),
    ({**GOOD, "response": "born on 31 February 1990, 2"}, {"answer_date": "invalid"}),
    ({**GOOD, "q": "born on 31 February 1990"}, {"input_date": "error"}),
    ({**GOOD, "xs": [1, 0]}, {"over_input": "error"}),
    ({**GOOD, "n": 2}, {"cutoff_input": "error"}),
    ({**GOOD, "response": "in 2004 300"}, {"cutoff_answer": "invalid"}),
])
def test_a_failure_is_invalid_where_it_reads_the_response_and_an_error_elsewhere(record, expected) -> None:
    mine, ref = _classify([GOOD, record])
    assert mine == ref, "the executor and the reference interpreter classify failures differently"
    assert {c: mine[1, c] for c in expected} == expected
    others = [c for (i, c), v in mine.items() if i == 1 and c not in expected and v in ("error", "invalid")]
    assert others == [] and all(v not in ("error", "invalid") for (i, _), v in mine.items() if i == 0)


_ANSWERS = st.sampled_from(["0", "2", "(2", "born on 31 February 1990", "in 2004 300", "1 0 3", "[a-", "in 2004",
                            "x", "0.5"])
_RECORDS = st.fixed_dictionaries({"q": st.sampled_from(["in 2004", "(unclosed", "31 February 1990", "x", ""]),
                                  "n": st.sampled_from([0, 1, 2, -1, 0.5]),
                                  "xs": st.lists(st.sampled_from([0, 1, 2]), max_size=3), "response": _ANSWERS})


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.lists(_RECORDS, min_size=1, max_size=4))
def test_executor_and_reference_classify_every_failure_alike(records: list[dict]) -> None:
    mine, ref = _classify(records)
    assert mine == ref


def test_values_show_a_verifier_error_and_score_an_invalid_answer_false() -> None:
    program = act_dsl.loads(TASK, strict=True)
    s = program.score([{**GOOD, "n": 0, "response": "0"}])
    assert s.values[0]["by_input"] == {"error": "got / n: division by zero"}   # never a plain false
    assert s.values[0]["by_answer"] is False                                 # the answer is simply wrong
    assert s.summary["by_input"].errors == 1 and s.summary["by_input"].invalid == 0
    assert s.summary["by_answer"].invalid == 1 and s.summary["by_answer"].errors == 0
    assert [(c, m) for _, c, m in s.invalid if c == "by_answer"] == [("by_answer", "n / got: division by zero")]


def test_a_limit_reached_is_a_verifier_error_even_over_the_answer() -> None:
    from act_dsl.ops.limits import Limits
    program = act_dsl.loads(TASK, strict=True)
    s = program.score([{**GOOD, "response": "1 2 3"}], limits=Limits(max_items=2))
    assert [c for _, c, _ in s.errors] == ["over_answer"] and s.invalid == []  # the answer could not be checked
    assert "--limit max_items" in s.values[0]["over_answer"]["error"]


def test_groups_charge_a_member_field_that_reads_the_response() -> None:
    program = act_dsl.loads("""
task g {
  input topic: text
  input n: number
  output v: number = number(response)
  group by topic {
    constraint answers = all a, b in group: a.v / b.v > 0
    constraint inputs  = all a, b in group: a.n / b.n > 0
  }
}
""", strict=True)
    rows = [{"topic": "x", "n": 1, "response": "3"}, {"topic": "x", "n": 0, "response": "0"}]
    got, want = program.score(rows), interpret(program, rows)
    assert {(r, c) for r, c, _ in got.invalid} == want.invalid == {(0, "answers"), (1, "answers")}
    assert {(r, c) for r, c, _ in got.errors} == want.errors == {(0, "inputs"), (1, "inputs")}


def test_the_graph_knows_once_which_nodes_read_the_response() -> None:
    graph = act_dsl.loads(TASK, strict=True).graph()
    reading = graph.reading_response
    assert graph.reading_response is reading  # computed once per graph
    by_label = {n.label: n for n in graph.nodes if n.label}
    assert graph.reads_response(by_label["number(a)"]) and graph.reads_response(by_label["got / n"])
    assert not graph.reads_response(by_label["n * 100"]) and not graph.reads_response(by_label["dates(q)"])
    var_x = [n for n in graph.nodes if n.op == "var" and n.params[0][0] == "x"]
    assert sorted(graph.reads_response(v) for v in var_x) == [False, True]  # over numbers(a) / over xs


# ---- the command line: output lines, summary, --strict, trace ------------------------------------------
@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "t.act").write_text(TASK)
    return tmp_path


def _write(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.mark.slow
def test_score_shows_errors_counts_invalid_and_strict_fails_only_on_errors(files: Path) -> None:
    act = str(files / "t.act")
    only_invalid = _write(files / "inv.jsonl", [GOOD, {**GOOD, "response": "0"}])
    r = run_act("score", act, "--data", only_invalid, "--strict", "--format", "json")
    assert r.returncode == 0, r.stderr  # invalid answers are the response's fault: --strict does not fail
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert rows[1]["constraints"]["by_answer"] is False
    summary = json.loads(r.stderr)
    assert summary["errors"] == 0 and summary["invalid"] == 4
    assert summary["constraints"]["by_answer"]["invalid"] == 1 and summary["constraints"]["by_answer"]["errors"] == 0

    with_error = _write(files / "err.jsonl", [GOOD, {**GOOD, "n": 0}])
    r = run_act("score", act, "--data", with_error, "--strict")
    assert r.returncode == 1 and "verifier error(s); failing because of --strict" in r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert rows[1]["constraints"]["by_input"] == {"error": "got / n: division by zero"}
    assert f"error in `by_input` on {with_error}:2: got / n: division by zero" in r.stderr
    assert "invalid" in r.stderr.splitlines()[0]  # the table has an `invalid` column


def test_trace_names_an_invalid_answer_and_a_verifier_error(files: Path) -> None:
    data = _write(files / "d.jsonl", [{**GOOD, "n": 0, "response": "0"}])
    r = run_act("trace", str(files / "t.act"), "--data", data, "--line", "1")
    assert r.returncode == 0, r.stderr
    assert "constraint by_answer" in r.stdout and "(invalid answer: n / got: division by zero)" in r.stdout
    assert "verifier error in `by_input`: got / n: division by zero" in r.stdout


def test_an_example_with_an_invalid_answer_expects_false(tmp_path: Path) -> None:
    (tmp_path / "x.act").write_text("""
task x {
  input n: number
  output got: number = number(response)
  constraint ratio = n / got > 0
  example "zero answered" {
    n = 1
    response = "0"
    expect ratio = false
    expect csr = 0
  }
}
""")
    r = run_act("test", str(tmp_path / "x.act"))
    assert r.returncode == 0, r.stdout + r.stderr
