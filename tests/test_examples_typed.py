"""`example` fields are read by the data's rules and `expect` compares by value (LANGUAGE.md §4, version 3)."""
from __future__ import annotations

import pytest

import act_dsl
from act_dsl.examples_runner import run_examples

HEAD = """task t {
  input flag: bool
  input n: number
  input day: date
  input tags: list<text>
  input sentence: text
  output same: text = sentence
  output copied: bool = flag
  let doubled = n * 2
  let first_tag = tags[0]
  constraint on = flag
  constraint short = share w in words(sentence): length(w) <= 5
"""


def _program(fields: str, expects: str = "    expect on = true\n") -> act_dsl.Program:
    return act_dsl.loads(HEAD + '  example "e" {\n' + fields + expects + "  }\n}\n")


GOOD = '    flag = true\n    n = 3\n    day = 2004\n    tags = ["a", "b"]\n    sentence = "a fine day"\n' \
       '    response = "x"\n'


def _errors(program: act_dsl.Program) -> list[tuple[str, int, str]]:
    return [(d.code, d.span.line if d.span else 0, d.message) for d in program.errors]


@pytest.mark.parametrize("field, written, got", [
    ("flag", '"false"', 'got the string "false"'),       # today this read as true: a non-empty string
    ("flag", "1", "got the number 1"),
    ("n", '"3"', 'got the string "3"'),
    ("tags", '"a, b"', 'got the string "a, b"'),
    ("tags", "[1, 2]", "item 0: got the number 1"),
    ("sentence", "none", "got null"),
    ("day", '"31 February 1990"', "is not a date"),
])
def test_an_example_field_the_data_reader_would_refuse_is_a_lint_error(field: str, written: str, got: str) -> None:
    fields = "".join(f"    {field} = {written}\n" if line.split()[0] == field else line + "\n"
                     for line in GOOD.splitlines())
    errors = _errors(_program(fields))
    assert len(errors) == 1, errors
    code, line, message = errors[0]
    assert code == "ACT218" and f"`{field}`" in message and got in message
    assert line == HEAD.count("\n") + 2 + [x.split()[0] for x in GOOD.splitlines()].index(field)


def test_a_quoted_bool_gets_a_hint_to_drop_the_quotes() -> None:
    (diag,) = _program(GOOD.replace("flag = true", 'flag = "false"')).errors
    assert diag.hint == "write `false` without quotes"


def test_a_response_that_is_not_text_is_a_lint_error() -> None:
    (diag,) = _program(GOOD.replace('response = "x"', "response = 3")).errors
    assert diag.code == "ACT218" and "`response`" in diag.message


def _run(expects: str, fields: str = GOOD) -> list[str]:
    program = _program(fields, expects)
    assert program.ok, _errors(program)
    checked, failures = run_examples(program)
    assert checked == expects.count("expect")
    return [f.name for f in failures]


def test_expect_compares_true_with_1_and_false_with_0() -> None:
    assert _run("    expect on = 1\n    expect short = true\n    expect copied = 1\n") == []
    assert _run("    expect on = 0\n    expect short = false\n    expect copied = 0\n") == ["on", "short", "copied"]
    off = GOOD.replace("flag = true", "flag = false").replace('"a fine day"', '"a wonderful day"')
    assert _run("    expect on = 0\n    expect on = false\n    expect copied = 0\n", off) == []
    assert _run("    expect short = 0.667\n", off) == []
    assert _run("    expect short = true\n", off) == ["short"]       # a share of 2/3 is not true


def test_an_output_or_let_that_is_just_an_input_can_be_expected() -> None:
    assert _run('    expect same = "a fine day"\n    expect copied = true\n    expect first_tag = "a"\n'
                "    expect doubled = 6\n") == []
    assert _run('    expect same = "another day"\n    expect copied = false\n') == ["same", "copied"]


def test_example_values_reach_the_verifier_as_the_data_would_give_them() -> None:
    # a year written as a whole number is a date, as in a JSON record; numbers are numbers
    source = ('task t {\n  input day: date\n  input n: number\n  output y: number = year(day) + n\n'
              '  constraint c = y > 2000\n  example "e" {\n    day = 2004\n    n = 1\n    response = "x"\n'
              "    expect y = 2005\n    expect c = true\n  }\n}\n")
    program = act_dsl.loads(source, strict=True)
    assert run_examples(program) == (2, [])
