"""`and` / `or` read their right side only where the left side does not decide (docs/language.md, "Operators"):
values, `invalid` counts and `errors` counts follow that rule in the executor and in the reference interpreter
alike, at a constraint's root, inside a quantifier's body, inside a `group by` block and in `act trace`."""
from __future__ import annotations

import json
from pathlib import Path

import act_dsl
from conftest import run_act
from reference_interp import classify_both, interpret

TASK = """
task t {
  input n: number
  input flag: bool
  input xs: list<number>
  output got: number = number(response)

  constraint guard_error     = n != 0 and 10 / n > 1                 # the guard keeps the data's error away
  constraint false_and_error = flag and 10 / n > 1                   # `false and <verifier error>`
  constraint error_and_false = 10 / n > 1 and flag                   # `<verifier error> and false`
  constraint true_or_error   = not flag or 10 / n > 1                # `true or <verifier error>`
  constraint false_or_error  = flag or 10 / n > 1                    # `false or <verifier error>`
  constraint none_and_error  = got > 0 and 10 / n > 1                # the left side none: false, decided
  constraint guard_invalid   = flag and n / got > 0                  # `false and <invalid answer>`
  constraint in_body         = all x in xs: x == 0 or n / x >= 0     # per element inside a quantifier
  constraint any_body        = any x in xs: x != 0 and n / x > 0
}
"""

ROWS = [
    {"n": 0, "flag": False, "xs": [0, 2], "response": "0"},      # every right side fails where it is read
    {"n": 0, "flag": True, "xs": [0], "response": "x"},          # the same with the left sides the other way
    {"n": 5, "flag": True, "xs": [1, 0, 5], "response": "3"},    # nothing fails
    {"n": 0, "flag": False, "xs": [], "response": "   "},         # an empty response: 0 everywhere
]


def _outcomes(records: list[dict]) -> tuple[dict, dict]:
    """Per (row, constraint): "invalid", "error" or the value, from program.score and from the reference."""
    return classify_both(act_dsl.loads(TASK, strict=True), records)


def test_the_right_side_counts_only_where_it_is_read() -> None:
    mine, ref = _outcomes(ROWS)
    assert mine == ref
    first = {c: v for (r, c), v in mine.items() if r == 0}
    assert first == {"guard_error": False, "false_and_error": False, "error_and_false": "error",
                     "true_or_error": True, "false_or_error": "error", "none_and_error": False,
                     "guard_invalid": False, "in_body": True, "any_body": False}
    second = {c: v for (r, c), v in mine.items() if r == 1}
    assert second == {"guard_error": False, "false_and_error": "error", "error_and_false": "error",
                      "true_or_error": "error", "false_or_error": True, "none_and_error": False,
                      "guard_invalid": False, "in_body": True, "any_body": False}
    third = {c: v for (r, c), v in mine.items() if r == 2}
    assert third == {"guard_error": True, "false_and_error": True, "error_and_false": True, "true_or_error": True,
                     "false_or_error": True, "none_and_error": True, "guard_invalid": True, "in_body": True,
                     "any_body": True}


def test_an_invalid_answer_on_the_right_counts_where_the_left_lets_it() -> None:
    program = act_dsl.loads(TASK, strict=True)
    rows = [{"n": 3, "flag": True, "xs": [], "response": "0"}, {"n": 3, "flag": False, "xs": [], "response": "0"}]
    got, want = program.score(rows), interpret(program, rows)
    assert {(r, c) for r, c, _ in got.invalid} == {(0, "guard_invalid")} == want.invalid
    assert got.values[1]["guard_invalid"] is False


def test_a_batch_mixing_rows_gives_each_row_its_own_value() -> None:
    """Short-circuiting evaluates the right side on some rows of a batch: every row must get the value it gets
    alone (the right side's rows are mapped back to their own records)."""
    program = act_dsl.loads(TASK, strict=True)
    rows = [dict(ROWS[i % 3], xs=list(range(i % 4))) for i in range(40)]
    together = _outcomes(rows)[0]
    for i, row in enumerate(rows):
        alone = _outcomes([row])[0]
        assert {c: v for (r, c), v in together.items() if r == i} == {c: v for (_, c), v in alone.items()}
    assert together == _outcomes(rows)[1]
    assert program.score(rows).values == program.score(rows).values  # the cached columns are not mutated


GROUPED = """
task g {
  input key: text
  input n: number
  output got: number = number(response)

  group by key {
    constraint all_guarded = all a, b in group: a.n == 0 or b.got / a.n > 0
    constraint first_guard = count(group) > 2 and 10 / group[0].n > 1
  }
}
"""


def test_inside_a_group_block_as_in_the_reference() -> None:
    program = act_dsl.loads(GROUPED, strict=True)
    rows = [{"key": "a", "n": 0, "response": "1"}, {"key": "a", "n": 2, "response": "4"},
            {"key": "b", "n": 0, "response": "1"}, {"key": "b", "n": 1, "response": "2"},
            {"key": "b", "n": 3, "response": "5"}]
    got, want = program.score(rows), interpret(program, rows)
    assert [v["all_guarded"] for v in got.values] == [want.values[i]["all_guarded"] for i in range(5)] == [True] * 5
    assert {(r, c) for r, c, _ in got.errors} == want.errors == {(2, "first_guard"), (3, "first_guard"),
                                                                (4, "first_guard")}
    assert [got.values[i]["first_guard"] for i in (0, 1)] == [False, False]


def test_score_and_trace_show_the_rule(tmp_path: Path) -> None:
    act = tmp_path / "t.act"
    act.write_text(TASK)
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS[:3]))
    scored = run_act("score", str(act), "--data", str(data), "--strict")
    assert scored.returncode == 1, scored.stderr  # the errors that are read still fail --strict
    first = json.loads(scored.stdout.splitlines()[0])["constraints"]
    assert first["false_and_error"] is False and first["guard_error"] is False
    assert first["error_and_false"] == {"error": "10 / n: division by zero"}
    traced = run_act("trace", str(act), "--data", str(data), "--line", "1")
    assert traced.returncode == 0, traced.stderr
    shown = {line.split()[1]: line.split("=", 1)[1].strip() for line in traced.stdout.splitlines()
             if line.strip().startswith("constraint ")}
    assert shown["false_and_error"] == "False" and shown["guard_error"] == "False"
    assert "division by zero" in shown["error_and_false"]
    assert "{'error': '10 / n: division by zero'}" in traced.stdout  # the unread right side is still shown
