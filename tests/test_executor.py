"""The batched executor on its own: graphs built from small programs, scored through Executor, checked by what
a user reads in Scores (values, CSR, errors, not-applicable counts)."""
from __future__ import annotations

import pytest

import act_dsl
from act_dsl.scoring.verifier import RunSettings, Verifier
from act_dsl.ops.limits import Limits
from act_dsl.records import check_rows

LISTS = """
task t {
  input topic: text
  output items: list<text> = split(response, ",")
  constraint few = count(items) <= 3
  constraint on_topic = topic in lower(response)
  constraint all_short = all x in items: count(words(x)) <= 2
  constraint some_long = share x in items: count(words(x)) >= 2
  constraint first_topic = lower(strip(items[0])) == topic when count(items) >= 2
}
"""

ROWS = [
    {"topic": "tea", "response": "tea, green tea, mint"},                   # all pass but some_long 1/3
    {"topic": "tea", "response": "coffee"},                                 # one item: first_topic not applicable
    {"topic": "rain", "response": "a b c, rain, d, e"},                     # too many, a long item
    {"topic": "sun", "response": "sun"},
    {"topic": "tea", "response": ""},                                       # empty: every constraint 0
]


def _graph(text: str = LISTS):
    return act_dsl.loads(text, strict=True).graph()


def _score(graph, rows: list[dict], **options):
    """Records read as `act score` reads them (the executor's input), then scored in one batch."""
    checked = check_rows(rows, graph.input_types, need_response=True, allow_many=False)
    return Verifier(graph, RunSettings(**options)).score_records(checked, progress=False)[1]


def _rows(scores) -> list[dict]:
    return [scores.row(i) for i in range(len(scores))]


def test_values_and_csr_per_record() -> None:
    s = _score(_graph(), ROWS)
    assert s.constraints == ["few", "on_topic", "all_short", "some_long", "first_topic"]
    assert s.row(0) == {"few": True, "on_topic": True, "all_short": True, "some_long": pytest.approx(1 / 3),
                        "first_topic": True, "csr": pytest.approx((4 + 1 / 3) / 5)}
    assert s.row(1)["first_topic"] is None and s.row(1)["on_topic"] is False
    assert s.row(1)["csr"] == pytest.approx(2 / 4)  # the not-applicable constraint leaves the denominator
    assert s.row(2)["few"] is False and s.row(2)["all_short"] is False and s.row(2)["first_topic"] is False
    assert s.row(3)["some_long"] == 0.0 and s.csr[3] == pytest.approx(3 / 4)


def test_an_empty_response_scores_zero_on_every_constraint() -> None:
    s = _score(_graph(), ROWS)
    assert s.empty == [False, False, False, False, True] and s.empty_responses == 1
    assert s.csr[4] == 0.0
    assert all(v is False for k, v in s.row(4).items() if k != "csr")


def test_batched_and_one_by_one_give_the_same_scores() -> None:
    graph = _graph()
    together = _rows(_score(graph, ROWS))
    alone = [_score(graph, [r]).row(0) for r in ROWS]
    assert together == alone
    # and the order of the batch changes nothing but the order of the rows
    assert _rows(_score(graph, ROWS[::-1])) == together[::-1]


def test_summaries_count_applicable_not_applicable_and_passes() -> None:
    s = _score(_graph(), ROWS)
    first = s.summary["first_topic"]
    # one item (row 1) and a single-word answer (row 3) are not applicable; the empty response counts as 0
    assert (first.applicable, first.not_applicable, first.passed) == (3, 2, 1)
    assert s.summary["few"].pass_rate == pytest.approx(3 / 5)
    assert s.summary["some_long"].mean == pytest.approx((1 / 3 + 0 + 1 / 4 + 0 + 0) / 5)


def test_nested_quantifiers_read_the_right_frame() -> None:
    graph = _graph("""
task t {
  input wanted: list<text>
  output got: list<text> = split(response, ",")
  constraint covered = all w in wanted: any g in got: strip(g) == w
  constraint no_extra = all g in got: strip(g) in wanted
}
""")
    rows = [{"wanted": ["a", "b"], "response": "b, a"},
            {"wanted": ["a", "b"], "response": "a, c"},
            {"wanted": [], "response": "x"},          # `all` over nothing holds
            {"wanted": ["x"], "response": "x, x"}]
    s = _score(graph, rows)
    assert [(r["covered"], r["no_extra"]) for r in _rows(s)] == [(True, True), (False, False), (True, False),
                                                                 (True, True)]
    assert _rows(s) == [_score(graph, [r]).row(0) for r in rows]


def test_group_constraints_compare_members_of_one_group_only() -> None:
    graph = _graph("""
task t {
  input q: text
  output a: text = strip(response)
  group by q {
    constraint agree = all x, y in group: x.a == y.a
  }
}
""")
    rows = [{"q": "1", "response": "yes"}, {"q": "2", "response": "no"}, {"q": "1", "response": "yes "},
            {"q": "2", "response": "yes"}]
    s = _score(graph, rows)
    assert [r["agree"] for r in _rows(s)] == [True, False, True, False]


def test_a_limit_gives_that_response_an_error_and_leaves_the_others() -> None:
    # a limit reached is a verifier error whether the list is the response's or an input's: the answer could not
    # be checked, which says nothing of whether it is right (LANGUAGE.md §4)
    graph = _graph("""
task t {
  input xs: list<text>
  output items: list<text> = split(response, ",")
  constraint short_items = all x in items: count(words(x)) <= 2
  constraint some = count(items) >= 1
  constraint known = all x in xs: x in response
}
""")
    rows = [{"xs": ["a"], "response": "a, b"}, {"xs": ["a"], "response": "a, b, c, d, e, f"},
            {"xs": ["a", "b", "c", "d"], "response": "a b c"}]
    s = _score(graph, rows, limits=Limits(max_items=3))
    assert [r["short_items"] for r in _rows(s)] == [True, {"error": s.errors[0][2]}, False]
    assert [(row, name) for row, name, _ in s.errors] == [(1, "short_items"), (2, "known")] and s.invalid == []
    assert all("exceeds the limit of 3" in message for _, _, message in s.errors)
    assert s.row(2)["known"] == {"error": s.errors[1][2]}
    assert s.summary["short_items"].errors == s.summary["known"].errors == 1
    assert s.csr == [1.0, 2 / 3, 1 / 3]  # a failure scores 0 for that constraint, the row still has a CSR
    unlimited = _score(graph, rows)
    assert unlimited.errors == unlimited.invalid == []
    assert [r["short_items"] for r in _rows(unlimited)] == [True, True, False]


def test_a_value_outside_zero_to_one_is_an_error() -> None:
    graph = _graph("""
task t {
  output n: number = count(words(response))
  constraint ratio = n / 2
}
""")
    s = _score(graph, [{"response": "one"}, {"response": "one two three"}])
    assert s.row(0)["ratio"] == pytest.approx(0.5)
    assert s.row(1)["ratio"] == {"error": "value 1.5 is outside [0, 1]"}  # shown as the error, scored 0
    assert s.errors == [(1, "ratio", "value 1.5 is outside [0, 1]")] and s.csr[1] == 0.0


def test_a_task_whose_constraints_are_all_not_applicable_has_no_csr() -> None:
    graph = _graph("""
task t {
  output n: number = count(words(response))
  constraint long_enough = n >= 3 when n > 1
}
""")
    s = _score(graph, [{"response": "one"}, {"response": "one two three"}])
    assert s.csr == [None, 1.0]
    assert s.mean_csr == 1.0
    assert s.summary["long_enough"].not_applicable == 1


def test_columns_give_record_level_values() -> None:
    graph = _graph()
    (items,) = Verifier(graph).executor().columns(ROWS[:2], [graph.outputs["items"]])
    assert items == [("tea", "green tea", "mint"), ("coffee",)]  # split trims its items
