"""Structured answers (LANGUAGE.md §6): record types, json, conforms, indexing, numbers, extract, join, `+`, stop."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import act_dsl
from act_dsl.diagnostics.diagnostic import Severity
from act_dsl.examples_runner import run_examples
from conftest import ROOT
from reference_interp import interpret

CANONICAL = ROOT / "tests" / "canonical" / "product_extraction.act"
LISTING = "Acme steel kettle, 1.7 litres, now 24.99 EUR (was 29.99)."


def _codes(text: str) -> list[str]:
    return [d.code for d in act_dsl.loads(text).diagnostics if d.severity >= Severity.WARNING]


def _both(program, records: list[dict]):
    """Scores from the executor, after checking that the reference interpreter agrees on every value."""
    got = program.score(records)
    want = interpret(program, records)
    assert got.values == want.values and got.csr == want.csr, (got.values, want.values)
    assert {(r, c) for r, c, _ in got.errors} == want.errors
    return got


# ---- the §6 program -----------------------------------------------------------------------------------------
def test_language_md_product_extraction_lints_clean_and_passes_its_examples() -> None:
    program = act_dsl.load(CANONICAL)
    assert [str(d) for d in program.diagnostics] == []
    checked, failures = run_examples(program)
    assert checked == 5 and failures == []
    assert program.graph().stop == "json"


def test_act_test_on_the_canonical_file_exits_zero() -> None:
    got = subprocess.run([sys.executable, "-m", "act_dsl", "test", str(CANONICAL)], capture_output=True, text=True,
                         timeout=120)
    assert got.returncode == 0, got.stdout + got.stderr
    assert "5 passed, 0 failed" in got.stdout


def test_a_response_that_is_not_json_scores_zero_everywhere() -> None:
    program = act_dsl.load(CANONICAL)
    s = _both(program, [{"listing": LISTING, "response": "The kettle costs 24.99."},
                        {"listing": LISTING, "response": '{"name": "Acme steel kettle", "price": "24.99", '
                                                         '"tags": ["kitchen", 3]}'}])
    assert s.values[0] == {"parses": False, "complete": False, "name_grounded": False, "price_grounded": False,
                           "few_tags": False}
    assert s.csr[0] == 0
    # a price written as text reads as none (no conversion); a tag of another type makes the answer incomplete
    assert s.values[1] == {"parses": True, "complete": False, "name_grounded": True, "price_grounded": False,
                           "few_tags": True}
    assert s.csr[1] == pytest.approx(2.5 / 4.5)


# ---- json ---------------------------------------------------------------------------------------------------
SHAPES = """
task t {
  input  listing: text
  output item: {name: text, price: number, shop: {city: text, open: bool}, offers: list<{price: number}>} =
    json(response)
  output many: list<{name: text}> = json(response)
  constraint named  = item.name != none
  constraint whole  = conforms(item)
  constraint city   = item.shop.city in listing
  constraint cheap  = item.offers[0].price < 10
  constraint last   = item.offers[-1].price >= 10
  constraint first  = many[0].name != none
}
"""


@pytest.mark.parametrize("response,expected", [
    ('```json\n{"name": "A", "price": 3, "shop": {"city": "Oslo", "open": true}, "offers": [{"price": 2}, '
     '{"price": 12}]}\n```', dict(named=True, whole=True, city=True, cheap=True, last=True, first=False)),
    ('Sure {not json} then {"name": "A", "extra": [1, 2], "price": 3.0, "shop": {"city": "Bergen", "open": 1}, '
     '"offers": []} bye', dict(named=True, whole=False, city=False, cheap=False, last=False, first=False)),
    ('[{"name": "x"}, {"name": "y"}] and {"name": "B"}', dict(named=True, whole=False, first=True)),
    ("42", dict(named=False, whole=False, first=False)),
    ('"just a string"', dict(named=False, whole=False, first=False)),
    ('{"name": "A", "price": NaN}', dict(named=False, whole=False)),
    ('{"name": 7, "price": 1e999}', dict(named=False, whole=False)),
])
def test_json_reads_the_first_object_against_the_declared_type(response: str, expected: dict) -> None:
    program = act_dsl.loads(SHAPES, strict=True)
    s = _both(program, [{"listing": "a shop in Oslo", "response": response}])
    for name, value in expected.items():
        assert s.values[0][name] is value, (name, s.values[0])


def test_json_values_are_typed_records_and_tuples() -> None:
    program = act_dsl.loads(SHAPES, strict=True)
    task = program.graph()
    from act_dsl.scoring.verifier import Verifier
    cols = Verifier(task).executor().columns([{"listing": "", "response": 'x {"price": 5, "offers": [{"price": "1"}]}'}],
                                  [task.outputs["item"]])
    item = cols[0][0]
    assert item.get("name") is None and item.get("price") == 5.0
    assert item.get("offers")[0].get("price") is None
    assert json.loads(str(item)) == {"name": None, "price": 5.0, "shop": None, "offers": [{"price": None}]}


# ---- indexing, numbers, extract, join, + -------------------------------------------------------------------
TEXT_OPS = r"""
task t {
  input  doc: text
  output codes: list<text> = extract(response, "SKU ([0-9]+)")
  output label: text = "SKU-" + join(codes, "/")
  output nums: list<number> = numbers(doc)
  output first: number = number(doc)
  output whole: list<text> = extract(doc, "[A-Z][a-z]+")
  constraint has = count(codes) >= 1
  constraint last_is_known = codes[-1] in doc
  constraint beyond = codes[5] == none
  constraint sum_ok = nums[0] + nums[1] == 1524.99
}
"""


def test_numbers_extract_join_concat_and_indexing() -> None:
    program = act_dsl.loads(TEXT_OPS, strict=True)
    doc = "Kettle SKU 123, 1,500 units at 24.99 EUR; ref SKU-77, A4 paper, -3 C, 2004-05-12."
    rec = {"doc": doc, "response": "SKU 123 and SKU 456"}
    from act_dsl.scoring.verifier import Verifier
    g = program.graph()
    names = ["codes", "label", "nums", "first", "whole"]
    cols = Verifier(g).executor().columns([rec], [g.outputs[n] for n in names])
    got = {n: c[0] for n, c in zip(names, cols)}
    assert got["codes"] == ("123", "456")
    assert got["label"] == "SKU-123/456"
    assert got["nums"] == (123.0, 1500.0, 24.99, 77.0, -3.0, 2004.0, 5.0, 12.0)
    assert got["first"] == 123.0
    assert got["whole"] == ("Kettle", "A", "Jun") or got["whole"][0] == "Kettle"
    s = _both(program, [rec, {"doc": "no numbers", "response": "nothing"}])
    assert s.values[0] == {"has": True, "last_is_known": False, "beyond": True, "sum_ok": False}
    assert s.values[1] == {"has": False, "last_is_known": False, "beyond": True, "sum_ok": False}


def test_text_plus_number_and_indexing_text_are_type_errors() -> None:
    assert "ACT209" in _codes('task t { output a: text = strip(response)\n constraint c = (a + 1) == "x" }')
    assert "ACT208" in _codes('task t { output a: text = strip(response)\n constraint c = a[0] == "x" }')
    assert "ACT209" in _codes('task t { output a: list<text> = words(response)\n constraint c = a[0.5] == "x" }')


# ---- record types in defines, inputs and outputs -------------------------------------------------------------
def test_define_takes_a_record_parameter_with_at_least_its_fields() -> None:
    text = """
define cheap(x: {price: number}) = x.price < 10
task t {
  output item: {name: text, price: number} = json(response)
  constraint c = cheap(item)
  example "cheap" { response = "{\\"price\\": 3}"  expect c = true }
  example "dear" { response = "{\\"price\\": 30}"  expect c = false }
}
"""
    program = act_dsl.loads(text, strict=True)
    assert run_examples(program) == (2, [])
    bad = text.replace("{name: text, price: number}", "{name: text}")
    assert "ACT201" in _codes(bad)


def test_record_types_hold_json_types() -> None:
    program = act_dsl.loads("task t {\n input spec: {size: number, when: date}\n constraint c = true\n}")
    d = next(d for d in program.diagnostics if d.code == "ACT212")
    assert "field `when` cannot be `date`" in d.message and d.span.line == 2
    assert "ACT212" in _codes("task t { output x: text = strip(response) }\ndefine f(r: {}) = true")
    assert "ACT106" in _codes("task t { output x: {a: text, a: number} = json(response)\n constraint c = true }")
    assert "ACT211" in _codes("task t { output x: text = json(response)\n constraint c = x != none }")


# ---- stop ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("line,stop", [("", "newline"), ("stop newline", "newline"), ("stop json", "json"),
                                       ('stop "###"', "###"), ('stop "json"', '"json"')])
def test_stop_rule_reaches_the_graph(line: str, stop: str) -> None:
    program = act_dsl.loads(f"task t {{\n output a: text = strip(response)\n {line}\n constraint c = a != none\n}}",
                            strict=True)
    assert program.graph().stop == stop


@pytest.mark.parametrize("line,message", [("stop jsonn", "is not a stop rule"), ('stop ""', "the stop text is empty")])
def test_bad_stop_rules_are_act216(line: str, message: str) -> None:
    program = act_dsl.loads(f"task t {{\n output a: text = strip(response)\n {line}\n constraint c = a != none\n}}")
    d = next(d for d in program.diagnostics if d.code == "ACT216")
    assert d.span.line == 3 and (message in d.message or message in (d.hint or ""))


def test_two_stop_rules_are_a_duplicate() -> None:
    assert "ACT106" in _codes("task t {\n output a: text = strip(response)\n stop json\n stop newline\n"
                              " constraint c = a != none\n}")


# ---- hostile answers ---------------------------------------------------------------------------------------------
HOSTILE = [  # (response, whether `parses` holds: a JSON object was found)
    ("[" * 1_000_000, False),
    ("{" * 1_000_000, False),
    ('{"name": ' * 100_000, False),
    ('{"name": "' + "x" * 999_000, False),
    ("{}" * 400_000, True),                                   # an empty object is JSON: every field is none
    ('{"price": ' + "9" * 500_000 + "}", True),               # a number too large to hold reads as none
    ('{"a": ' * 150 + "1" + "}" * 150 + '{"name": "k"}', True),   # deep but within 200 levels: read
    ('{"a": ' * 250 + "1" + "}" * 250, True),  # too deep from the first 50 `{`; the 51st starts 200 levels
    ('{"a": ' * 5_000 + "1" + "}" * 5_000 + '{"name": "k"}', False),  # 100 starts too deep: a counted error
    ("SKU " + "1," * 400_000, False),
]


@pytest.mark.parametrize("response,parses", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_answers_end_quickly_with_a_value_or_a_counted_error(response: str, parses: bool) -> None:
    program = act_dsl.load(CANONICAL)
    start = time.perf_counter()
    s = program.score([{"listing": LISTING, "response": response}])
    assert time.perf_counter() - start < 10
    assert s.values[0]["parses"] is parses
    assert s.values[0]["complete"] is False and s.values[0]["price_grounded"] is False


def test_json_gives_up_with_a_reported_error_past_its_bounds() -> None:
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.ops.values import ErrorValue
    graph = act_dsl.load(CANONICAL).graph()
    for response, message in [("x" * 1_000_001 + "{}", "longer than 1,000,000 characters"),
                              ('{"k": 1, ' * 100_000 + '{"name": "k"}', "no complete JSON value found")]:
        start = time.perf_counter()
        parses = Verifier(graph).executor().constraint_values([{"listing": LISTING, "response": response}])["parses"][0]
        assert time.perf_counter() - start < 10
        assert isinstance(parses, ErrorValue) and message in parses.message, parses


def test_text_doubling_through_lets_stops_with_an_error() -> None:
    lets = "\n".join(f"  let t{i + 1} = t{i} + t{i}" for i in range(40))
    text = f"task t {{\n  output t0: text = strip(response)\n{lets}\n  constraint c = length(t40) > 0\n}}"
    program = act_dsl.loads(text, strict=True)
    s = program.score([{"response": "abcdefgh"}])
    assert s.values[0]["c"] is False  # the text is built from the answer: an invalid answer (LANGUAGE.md §4)
    assert any("10,000,000 characters" in m for _, _, m in s.invalid) and s.errors == []


def test_none_everywhere() -> None:
    text = """
task t {
  input  doc: text
  output item: {name: text, tags: list<text>} = json(response)
  constraint a = number(item.name) == none
  constraint b = numbers(item.name) == none
  constraint c = extract(item.name, "a") == none
  constraint d = join(item.tags, ",") == none
  constraint e = (item.name + "x") == none
  constraint f = item.tags[0] == none
  constraint g = not conforms(item)
  constraint h = count(item.tags) <= 5
}
"""
    program = act_dsl.loads(text, strict=True)
    s = _both(program, [{"doc": "", "response": "not json"}])
    assert s.values[0] == {"a": True, "b": True, "c": True, "d": True, "e": True, "f": True, "g": True, "h": False}
