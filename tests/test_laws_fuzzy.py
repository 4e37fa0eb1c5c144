"""The laws of membership (`x in y`, `x in y fuzzy N`; docs/language.md, "Membership and fuzzy"), checked against
rapidfuzz's own scorers over generated texts: whole-string `ratio` for lists and label sets, the best window of `y`
for `text in text` (never a window of `x`), whole comparison when `x` is the longer."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

import act_dsl
from act_dsl.ops import fuzzy
from act_dsl.ops.values import LabelSet, normalize
from conftest import examples

LAWS = settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHORT = st.text("abcdé /-A", max_size=8)
LONG = st.text("abcdé /-A", max_size=20)
CUTOFF = st.sampled_from([None, 0, 50, 70, 85, 90, 100]) | st.floats(0, 100)


def _in(item, coll, cutoff, negated: bool = False):
    return fuzzy.membership([(item, coll, cutoff)], negated)[0]


def _best_window(a: str, b: str) -> float:
    """The best `ratio` of all of a against any window of b (windows cut at b's ends included), by brute force."""
    n = len(a)
    return max((fuzz.ratio(a, b[max(i, 0):i + n]) for i in range(-n + 1, len(b))), default=0.0)


@LAWS
@given(SHORT, st.lists(SHORT, max_size=5), CUTOFF, st.booleans())
def test_membership_in_a_list_or_label_set_is_whole_string_ratio(x: str, items: list, cutoff, as_labels: bool) -> None:
    coll = LabelSet("L", tuple(items)) if as_labels else tuple(items)
    nx, choices = normalize(x), [normalize(c) for c in items]
    want = bool(nx) and (nx in choices or cutoff is not None and any(fuzz.ratio(nx, c) >= cutoff for c in choices))
    assert _in(x, coll, cutoff) is want
    assert _in(x, coll, cutoff, negated=True) is (not want)


@LAWS
@given(SHORT, LONG, CUTOFF)
def test_text_in_text_is_the_best_window_of_y_never_of_x(x: str, y: str, cutoff) -> None:
    nx, ny = normalize(x), normalize(y)
    if not nx:
        want = False
    elif nx in ny:
        want = True
    elif cutoff is None:
        want = False
    elif len(nx) >= len(ny):
        want = fuzz.ratio(nx, ny) >= cutoff  # y has no window as long as x but itself: compared whole
    else:
        want = fuzz.partial_ratio(nx, ny) >= cutoff
        assert fuzz.partial_ratio(nx, ny) == pytest.approx(_best_window(nx, ny))  # rapidfuzz's own window is the best
    assert _in(x, y, cutoff) is want
    assert _in(x, y, cutoff, negated=True) is (not want)


@LAWS
@given(LONG.filter(lambda s: normalize(s)), st.text("xyz ", min_size=1, max_size=10), st.sampled_from([80, 90, 95]))
def test_an_answer_that_contains_the_whole_context_is_not_in_it(context: str, extra: str, cutoff: int) -> None:
    answer = context + " " + extra
    na, nc = normalize(answer), normalize(context)
    assert _in(answer, context, cutoff) is (fuzz.ratio(na, nc) >= cutoff)
    assert _in(context, answer, cutoff) is True  # the other way round it is a window


@LAWS
@given(SHORT, CUTOFF)
def test_none_on_either_side_is_never_in_and_never_not_in(x: str, cutoff) -> None:
    for item, coll in [(None, x), (x, None), (None, (x,))]:
        assert _in(item, coll, cutoff) is False and _in(item, coll, cutoff, negated=True) is False


def test_the_documented_label_examples() -> None:
    labels = LabelSet("T", ("/person", "/person/politician", "/location"))
    assert _in("Person / Politician", labels, 90) is True
    assert _in("/person/wizard", labels, 90) is False


def test_a_long_document_is_normalised_once_for_all_its_items(monkeypatch) -> None:
    """`text in text` over a 1 MB document took 32 s for one answer: the document was normalised for every item."""
    document = " ".join(f"word{i % 997} of the record" for i in range(60_000))[:1_000_000]
    items = [f"word{i} of the" for i in range(300)]
    calls = []
    real = fuzzy.normalize
    monkeypatch.setattr(fuzzy, "normalize", lambda t: calls.append(len(t)) or real(t))
    start = time.perf_counter()
    got = fuzzy.membership([(item, document, 90.0) for item in items], False)
    assert all(got) and sum(1 for n in calls if n == len(document)) == 1
    assert time.perf_counter() - start < 10


def test_a_program_scores_one_answer_of_many_sentences_against_a_long_context() -> None:
    program = act_dsl.loads("""
task t {
  input  context: text
  output answer: text = strip(response)
  constraint grounded = all s in sentences(answer): s in context fuzzy 90
}""", strict=True)
    context = " ".join(f"Item {i} sits on shelf {i % 7}." for i in range(20_000))
    answer = " ".join(f"Item {i} sits on shelf {i % 7}." for i in range(0, 20_000, 50))
    start = time.perf_counter()
    s = program.score([{"context": context, "response": answer},
                       {"context": context, "response": answer + " Item 5 flies to the moon."}])
    assert [v["grounded"] for v in s.values] == [True, False]
    assert time.perf_counter() - start < 20
