"""Inputs in prompts render as a person would write them (LANGUAGE.md §4), one test for every input type."""
from __future__ import annotations

import json

import pytest

import act_dsl

TYPES = {
    "t": "text", "l": "label", "n": "number", "b": "bool", "d": "date",
    "ts": "list<text>", "ls": "list<label>", "ns": "list<number>", "bs": "list<bool>", "ds": "list<date>",
    "r": "{name: text, price: number, tags: list<text>}",
    "rs": "list<{sku: text, amount: number}>",
    "nested": "list<list<text>>",
}


def _render(name: str, value: object) -> str:
    """The prompt `<{name}>` rendered for one record holding `value` (read by the data's rules, as `act sample`)."""
    source = (f"task t {{\n  input {name}: {TYPES[name]}\n  output a: text = response\n"
              f'  prompt "<{{{name}}}>"\n  constraint c = a != ""\n}}\n')
    (prompt,) = act_dsl.loads(source, strict=True).prompts([{name: value}])
    assert prompt.startswith("<") and prompt.endswith(">")
    return prompt[1:-1]


@pytest.mark.parametrize("name, value, shown", [
    ("t", "Obama visited Paris .", "Obama visited Paris ."),
    ("t", "  keeps {braces} and 'quotes'  ", "  keeps {braces} and 'quotes'  "),
    ("l", "/person/politician", "/person/politician"),
    ("n", 3, "3"),
    ("n", 3.0, "3"),
    ("n", 24.99, "24.99"),
    ("n", -0.5, "-0.5"),
    ("n", 1500, "1500"),
    ("b", True, "true"),
    ("b", False, "false"),
    ("d", "2024-05-01", "2024-05-01"),
    ("d", "May 2010", "May 2010"),
    ("d", 2004, "2004"),
    ("ts", ["A) red", "B) blue"], "A) red, B) blue"),
    ("ts", [], ""),
    ("ls", ["/person", "/location"], "/person, /location"),
    ("ns", [1, 2.5, 3.0], "1, 2.5, 3"),
    ("bs", [True, False], "true, false"),
    ("ds", ["2004", "5 March 2020"], "2004, 5 March 2020"),
])
def test_a_plain_input_renders_as_written(name: str, value: object, shown: str) -> None:
    assert _render(name, value) == shown


def test_a_record_renders_as_one_line_of_json_with_whole_numbers_whole() -> None:
    shown = _render("r", {"name": "Acme kettle", "price": 24.0, "tags": ["kitchen", "steel"]})
    assert "\n" not in shown and "Record" not in shown
    assert json.loads(shown) == {"name": "Acme kettle", "price": 24, "tags": ["kitchen", "steel"]}
    assert '"price": 24,' in shown                      # not 24.0
    # a field the record lacks is left out, as the data had it, rather than shown as null
    assert json.loads(_render("r", {"name": "Acme kettle"})) == {"name": "Acme kettle"}


def test_a_list_of_records_renders_as_a_json_array() -> None:
    items = [{"sku": "A-1", "amount": 12.5}, {"sku": "B-2", "amount": 3}]
    shown = _render("rs", items)
    assert "Record" not in shown and "\n" not in shown
    assert json.loads(shown) == items


def test_a_list_of_lists_renders_as_json() -> None:
    assert json.loads(_render("nested", [["a", "b"], ["c"]])) == [["a", "b"], ["c"]]


def test_a_let_renders_by_the_same_rules() -> None:
    source = ('task t {\n  input q: text\n  let n = count(words(q))\n  let ws = words(q)\n'
              '  output a: text = response\n  prompt "{n} words: {ws}"\n  constraint c = a != ""\n}\n')
    (prompt,) = act_dsl.loads(source, strict=True).prompts([{"q": "Red or blue?"}])
    assert prompt == "3 words: red, or, blue"
