"""The laws of the structured functions (docs/language.md, "Structured responses"), checked over generated values:
numbers and number read back what was written, json reads back what the standard library wrote, conforms,
indexing, extract and matches agree with RE2, and reading JSON leaves the interpreter as it was."""
from __future__ import annotations

import json
import re
import sys
import threading
import time
from decimal import Decimal

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import act_dsl
from act_dsl.ops import types as T
from act_dsl.ops.structured import (Record, conforms, exact_number, extract, join, number, numbers, read_json)
from act_dsl.ops.text import matches, split
from conftest import examples

LAWS = settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
MORE = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a second law, same op
SAFE = 2 ** 53


# ---- numbers: any number written the usual ways, anywhere --------------------------------------------------
def _grouped(digits: str) -> str:
    head = len(digits) % 3 or 3
    return ",".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


@st.composite
def written_numbers(draw) -> tuple[str, float | int]:
    """A number as people write it, and its value: sign, thousands separators, decimals, currency and units."""
    whole = draw(st.integers(0, 10 ** 30) | st.integers(0, 100_000))
    decimals = draw(st.none() | st.text("0123456789", min_size=1, max_size=6))
    digits = str(whole)
    if len(digits) > 3 and draw(st.booleans()):
        digits = _grouped(digits)
    if decimals is not None and whole == 0 and draw(st.booleans()):
        digits = ""  # `.5`
    body = digits + ("" if decimals is None else "." + decimals)
    value: float | int = float(f"{whole}.{decimals}") if decimals is not None else exact_number(str(whole))
    sign = draw(st.sampled_from(["", "", "-", "\u2212", "+"]))
    if sign in ("-", "\u2212"):
        value = -value
    before = draw(st.sampled_from(["", "", "$", "€", "£", "¥", "USD ", "EUR "]))
    after = draw(st.sampled_from(["", "", " EUR", "€", "%", " kg", "km", " USD", " people"]))
    if before in ("USD ", "EUR "):
        return f"{before}{sign}{body}{after}", value
    return f"{sign}{before}{body}{after}", value


WORDS = st.lists(st.sampled_from(["now", "was", "about", "price", "the", "total", "(was", "only", "and", "at"]),
                 min_size=1, max_size=4).map(" ".join)


@LAWS
@given(written_numbers(), WORDS, WORDS, st.sampled_from(["alone", "start", "middle", "end", "end."]))
def test_number_reads_back_a_number_written_anywhere(written, left: str, right: str, where: str) -> None:
    shown, value = written
    text = {"alone": shown, "start": f"{shown} {right}", "middle": f"{left} {shown} {right}",
            "end": f"{left} {shown}", "end.": f"{left} {shown}."}[where]
    assert numbers(text) == (value,), text
    assert number(text) == value and type(number(text)) is type(value)


@MORE
@given(st.lists(written_numbers(), min_size=1, max_size=5), st.sampled_from([" and ", ", ", "; ", "\n", " / "]))
def test_numbers_reads_every_number_in_order(written, sep: str) -> None:
    text = sep.join(shown for shown, _ in written)
    assert numbers(text) == tuple(v for _, v in written), text
    assert number(text) == written[0][1]


def test_a_number_at_the_very_start_of_a_text_is_read() -> None:
    """The defect of issue 22: the character before offset 0 was taken as "" and `"" in "_."` is true."""
    assert number("42") == 42
    assert numbers("24.99 EUR") == (24.99,)
    assert numbers("1,500 people and 3 dogs") == (1500, 3)
    assert number("-3 degrees") == -3 and number(".5 litres") == 0.5


@LAWS
@given(st.integers(-(2 ** 1023), 2 ** 1023))
def test_whole_numbers_are_exact_at_any_size(n: int) -> None:
    """Ids and account numbers above 2^53 compare exactly: ...993 is not ...992."""
    assert numbers(str(n)) == (n,)
    if abs(n) > SAFE:
        assert numbers(str(n))[0] != numbers(str(n + 1))[0]
        assert read_json(json.dumps({"id": n}), "{id: number}").get("id") == n


def test_ids_past_two_to_the_53_are_told_apart_in_a_program() -> None:
    program = act_dsl.loads("""
task t {
  input  listing: text
  output item: {id: number} = json(response)
  constraint grounded = item.id in numbers(listing)
  constraint same = item.id == number(listing)
}""", strict=True)
    listing = "Account 9007199254740993, opened 2020"
    s = program.score([{"listing": listing, "response": '{"id": 9007199254740993}'},
                       {"listing": listing, "response": '{"id": 9007199254740992}'}])
    assert s.values[0] == {"grounded": True, "same": True}
    assert s.values[1] == {"grounded": False, "same": False}


@LAWS
@given(st.text("ab1-_.,", max_size=12), st.integers(0, 999))
def test_digits_glued_to_a_word_are_not_numbers(word: str, n: int) -> None:
    assert numbers(f"A{n} v_{n} x.{n}") == ()
    found = numbers(word)
    assert all(isinstance(v, (int, float)) for v in found)


# ---- json: what the standard library writes is read back equal ------------------------------------------------
LEAVES = (st.none() | st.booleans() | st.integers(-(10 ** 300), 10 ** 300)
          | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                                           max_size=3), max_leaves=6)
OBJECTS = st.dictionaries(st.text(max_size=5), VALUES, max_size=5)
PROSE = st.text(st.characters(exclude_characters="{}[]`"), max_size=20)


def _plain(value):
    if isinstance(value, Record):
        return value.plain()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _dumps(draw, value) -> str:
    return json.dumps(value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2])),
                      sort_keys=draw(st.booleans()))


@LAWS
@given(st.data(), OBJECTS, PROSE, PROSE, st.booleans())
def test_json_reads_back_what_the_standard_library_wrote(data, value: dict, before: str, after: str,
                                                          fenced: bool) -> None:
    written = _dumps(data.draw, value)
    text = f"{before}```json\n{written}\n```{after}" if fenced else f"{before}{written}{after}"
    got = read_json(text)
    assert isinstance(got, Record) and _plain(got) == value


@MORE
@given(st.data(), st.lists(VALUES, max_size=5), PROSE)
def test_json_reads_back_an_array_for_a_list_type(data, value: list, before: str) -> None:
    assert _plain(read_json(before + _dumps(data.draw, value), "list<any>")) == value


FIELD_TYPES = st.sampled_from(["text", "number", "bool", "list<text>", "list<number>", "{a: text, b: number}"])
GOOD = {"text": st.text(max_size=6), "number": st.integers(-10 ** 20, 10 ** 20) | st.floats(-1e9, 1e9),
        "bool": st.booleans(), "list<text>": st.lists(st.text(max_size=4), max_size=3),
        "list<number>": st.lists(st.integers(-99, 99), max_size=3),
        "{a: text, b: number}": st.fixed_dictionaries({"a": st.text(max_size=4), "b": st.integers(-9, 9)})}
BAD = st.sampled_from([None, "1", 1, True, [1], {"a": 1}])


def _is(value, typ: str) -> bool:
    """Whether a JSON value has a declared type: the rule `conforms` states, written out here."""
    if typ == "text":
        return isinstance(value, str)
    if typ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ == "bool":
        return isinstance(value, bool)
    if T.is_list(typ):
        return isinstance(value, list) and all(_is(v, T.elem(typ)) for v in value)
    fields = T.record_fields(typ)
    return isinstance(value, dict) and all(k in value and _is(value[k], t) for k, t in fields.items())


def _is_kind(value, typ: str) -> bool:
    """Whether a JSON value is of the declared type's JSON kind (string, number, true/false, array, object)."""
    kind = list if T.is_list(typ) else dict if T.is_record(typ) else None
    return isinstance(value, kind) if kind else _is(value, typ)


@LAWS
@given(st.data(), st.dictionaries(st.sampled_from("xyzw"), FIELD_TYPES, min_size=1))
def test_conforms_is_every_declared_field_present_with_its_type(data, fields: dict) -> None:
    declared = "{" + ", ".join(f"{k}: {t}" for k, t in fields.items()) + "}"
    value = {k: data.draw(GOOD[t]) for k, t in fields.items()}
    spoiled = data.draw(st.sets(st.sampled_from(sorted(fields))))
    for k in spoiled:
        if data.draw(st.booleans()):
            del value[k]
        else:
            value[k] = data.draw(BAD)
    got = read_json("Answer: " + json.dumps(value), declared)
    assert conforms(got) == _is(value, declared)
    for k, t in fields.items():  # a field missing or of another JSON type reads as none: no conversion
        assert (got.get(k) is not None) == (k in value and _is_kind(value[k], t))
    assert conforms(None) is False


def test_nan_and_infinity_are_not_json_and_a_bare_value_is_no_match() -> None:
    assert read_json('{"a": NaN} then {"b": 1}') == read_json('{"b": 1}')
    assert read_json("42") is None and read_json('"text"') is None and read_json("") is None


# ---- json changes no interpreter setting, and stays linear --------------------------------------------------------
def test_json_from_threads_leaves_the_recursion_limit_alone(monkeypatch) -> None:
    """json() used to lower and restore the process-wide recursion limit per call, so threads left it lowered."""
    by_ops: list[int] = []  # calls made from act_dsl/ops (the executor's own raise for deep graphs is not an op's)
    real_set = sys.setrecursionlimit

    def spy(n: int) -> None:
        if "act_dsl/ops/" in sys._getframe(1).f_code.co_filename.replace("\\", "/"):
            by_ops.append(n)
        real_set(n)

    monkeypatch.setattr(sys, "setrecursionlimit", spy)
    program = act_dsl.loads("""
task t {
  output item: {a: list<number>} = json(response)
  constraint ok = conforms(item)
}""", strict=True)
    limit = sys.getrecursionlimit()
    deep = "[" * 300 + "]" * 300
    records = [{"response": r} for r in ('{"a": [1, 2]}', '{"a": ' + deep + "}", "[" * 5000, '{"a": [3]}')] * 5
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                s = program.score(records)
                assert s.values[0]["ok"] is True and s.values[1]["ok"] is False
        except BaseException as exc:  # noqa: BLE001  (reported below, from the main thread)
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert sys.getrecursionlimit() == limit and by_ops == []
    assert json.loads("[" * 500 + "]" * 500)  # the user's own json.loads still reads 500 levels


@pytest.mark.parametrize("unit", ["{[", "[{", '{"a":[', "[", '{"a":', '["', '{"a":1,', "[1,"])
def test_json_reading_is_linear_in_the_answer(unit: str) -> None:
    """900 kB of unclosed openers took 20 s; every shape must end well under a second, with a value or an error."""
    text = unit * (900_000 // len(unit))
    for declared in ("{a: number}", "list<number>"):
        start = time.perf_counter()
        try:
            read_json(text, declared)
        except ValueError as exc:
            assert "no complete JSON value" in str(exc)
        assert time.perf_counter() - start < 1.0, (unit, declared)


# ---- indexing -------------------------------------------------------------------------------------------------
INDEXING = act_dsl.loads("""
task t {
  input  i: number
  output xs: list<text> = split(response, ",")
  output got: text = xs[i]
  constraint c = got != none
}""", strict=True)


@LAWS
@given(st.lists(st.text("abc", min_size=1, max_size=3), max_size=6), st.integers(-8, 8))
def test_indexing_is_zero_based_negative_from_the_end_none_out_of_range(items: list, i: int) -> None:
    from act_dsl.scoring.verifier import Verifier
    graph = INDEXING.graph()
    got = Verifier(graph).executor().columns([{"i": float(i), "response": ",".join(items) or " "}], [graph.outputs["got"]])[0][0]
    assert got == (items[i] if -len(items) <= i < len(items) else None)


# ---- extract and matches agree with RE2 (and with Python's re on the patterns both read alike) ----------------------
ATOMS = st.sampled_from(["a", "b", "c", ".", "[ab]", "[^a]", "\\d", "x"])


@st.composite
def patterns(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        atom = f"(?:{draw(patterns(depth + 1))})" if depth < 2 and draw(st.integers(0, 4)) == 0 else draw(ATOMS)
        if depth < 2 and draw(st.integers(0, 5)) == 0:
            atom = f"(?:{atom}|{draw(ATOMS)})"
        parts.append(atom + draw(st.sampled_from(["", "", "*", "+", "?", "{1,2}"])))
    return "".join(parts)


@LAWS
@given(patterns(), st.text("abcx1 ", max_size=20), st.booleans())
def test_extract_and_matches_agree_with_re2(pattern: str, text: str, grouped: bool) -> None:
    if grouped:
        pattern = f"({pattern})"
    want = [m.group(1) if grouped else m.group(0) for m in re2.finditer(pattern, text)]
    assert extract(text, pattern) == tuple(w for w in want if w)
    assert matches(text, pattern) == (re2.search(pattern, text) is not None)
    assert matches(text, pattern) == (re.search(pattern, text) is not None)  # leftmost-first in both engines
    assert extract(text, "^" + pattern + "$") == tuple(w for w in [m.group(1) if grouped else m.group(0)
                                                                    for m in re.finditer("^" + pattern + "$", text)]
                                                         if w)


# ---- join ---------------------------------------------------------------------------------------------------------
@LAWS
@given(st.lists(st.text(st.characters(exclude_characters=","), max_size=5).map(str.strip).filter(bool), max_size=6))
def test_join_and_split_round_trip(items: list) -> None:
    assert split(join(tuple(items), ","), ",") == tuple(items)
    assert join(tuple(items), ", ").count(", ") >= max(len(items) - 1, 0)
    assert join((), "-") == "" and join(("a", None, "b"), "-") == "a-b"


def test_decimal_values_are_the_nearest_float() -> None:
    for text in ["0.1", "24.99", "1,299.00", "3.14159265358979323846"]:
        assert number(text) == float(Decimal(text.replace(",", "")))
