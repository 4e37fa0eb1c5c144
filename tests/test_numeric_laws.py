"""The laws of `sum`, `abs` and the projection `items.amount` (docs/language.md), checked through the executor."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

import act_dsl
from act_dsl.scoring.verifier import Verifier
from act_dsl.records import check_rows
from conftest import examples

LAWS = settings(max_examples=examples(500), deadline=None, derandomize=True, database=None)
NUMBERS = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
ITEM = "{sku: text, amount: number}"

PROGRAM = act_dsl.loads(f"""task invoice {{
  input xs: list<number>
  input ys: list<number>
  input concat: list<number>
  input x: number
  input items: list<{ITEM}>
  output whole: number = sum(concat)
  output parts: number = sum(xs) + sum(ys)
  output size: number = abs(x)
  output twice: number = abs(abs(x))
  output flipped: number = abs(-x)
  output amounts: list<number> = items.amount
  output skus: list<text> = items.sku
  constraint balanced = abs(sum(items.amount) - sum(xs)) < 0.01
}}
""", strict=True)
GRAPH = PROGRAM.graph()


def _values(record: dict, *names: str) -> list:
    (rec,) = check_rows([record], GRAPH.input_types, need_response=False)
    columns = Verifier(GRAPH).executor().columns([{**rec.fields, "response": "x"}], [GRAPH.fields[n] for n in names])
    return [col[0] for col in columns]


def _record(xs: list[float] = (), ys: list[float] = (), x: float = 0.0, items: list = ()) -> dict:
    return {"xs": list(xs), "ys": list(ys), "concat": list(xs) + list(ys), "x": x, "items": list(items)}


@LAWS
@given(st.lists(NUMBERS, max_size=12), st.lists(NUMBERS, max_size=12))
def test_the_sum_of_a_concatenation_is_the_sum_of_the_sums(xs: list[float], ys: list[float]) -> None:
    whole, parts = _values(_record(xs, ys), "whole", "parts")
    scale = math.fsum(abs(v) for v in xs + ys)
    assert math.isclose(whole, parts, rel_tol=1e-12, abs_tol=1e-12 * scale + 1e-300)
    assert math.isclose(whole, math.fsum(xs + ys), rel_tol=0, abs_tol=0)   # one rounding, whatever the order
    assert _values(_record(list(reversed(xs))), "whole") == _values(_record(xs), "whole")


def test_the_sum_of_nothing_is_zero_and_a_missing_part_makes_it_none() -> None:
    assert _values(_record(), "whole") == [0]
    program = act_dsl.loads('task t {\n  output xs: list<number> = json(response)\n  output total: number = sum(xs)\n'
                            "  constraint c = total > 0\n}\n", strict=True)
    graph = program.graph()
    totals = Verifier(graph).executor().columns([{"response": "[1, 2.5]"}, {"response": "[1, null]"}, {"response": "[]"}],
                                     [graph.fields["total"]])[0]
    assert totals == [3.5, None, 0]


@LAWS
@given(NUMBERS)
def test_abs_is_never_negative_idempotent_and_blind_to_the_sign(x: float) -> None:
    size, twice, flipped = _values(_record(x=x), "size", "twice", "flipped")
    assert size >= 0 and size in (x, -x)
    assert twice == size and flipped == size


ITEMS = st.lists(st.one_of(st.none(), st.fixed_dictionaries({}, optional={"sku": st.text(max_size=5),
                                                                           "amount": NUMBERS})), max_size=8)


@LAWS
@given(ITEMS)
def test_a_projection_has_one_item_per_record_and_none_where_the_record_or_field_is_missing(items: list) -> None:
    amounts, skus = _values(_record(items=[i for i in items if i is not None]), "amounts", "skus")
    present = [i for i in items if i is not None]
    assert len(amounts) == len(skus) == len(present)
    assert list(amounts) == [i.get("amount") for i in present]
    assert list(skus) == [i.get("sku") for i in present]


ANSWER = act_dsl.loads(f"task t {{\n  output items: list<{ITEM}> = json(response)\n"
                       "  output amounts: list<number> = items.amount\n  output total: number = sum(amounts)\n"
                       "  constraint c = total > 0\n}\n", strict=True)


@LAWS
@given(ITEMS)
def test_a_projection_of_a_json_answer_gives_none_for_a_none_item(items: list) -> None:
    # a JSON answer may hold null items: each gives a none in the projection, and sum() of it is none
    graph = ANSWER.graph()
    amounts, total = Verifier(graph).executor().columns([{"response": json.dumps(items)}],
                                             [graph.fields["amounts"], graph.fields["total"]])
    want = [None if i is None else i.get("amount") for i in items]
    assert list(amounts[0]) == want
    assert total[0] == (None if None in want else math.fsum(want))


def test_a_projection_checks_the_field_name_and_sum_checks_its_items() -> None:
    program = act_dsl.loads(f"task t {{\n  input items: list<{ITEM}>\n  output a: list<number> = items.amout\n"
                            '  output s: number = sum(["a"])\n  constraint c = count(a) > 0 and s > 0\n}\n')
    found = {(d.code, d.span.line) for d in program.errors}
    assert ("ACT103", 3) in found and ("ACT201", 4) in found
    (hint,) = [d.hint for d in program.errors if d.code == "ACT103"]
    assert "amount" in (hint or "")
