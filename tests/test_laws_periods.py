"""Laws of `period_of` (docs/language.md "period_of"): names of a generated story get the periods of their dates."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from act_dsl.ops.periods import period_of
from conftest import examples

REF = dt.date(2026, 1, 1)
NAMES = ["Club Norte", "Porto FC", "Banco Central", "Leiden University", "Riverside College", "Hartwell Institute"]


@st.composite
def stories(draw):
    """Sentences in time order, each naming one name with a year ("in Y") or a range ("from Y1 to Y2")."""
    n = draw(st.integers(2, len(NAMES)))
    years = sorted(draw(st.lists(st.integers(1900, 2020), min_size=2 * n, max_size=2 * n, unique=True)))
    names = draw(st.permutations(NAMES))[:n]
    ranged = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    sents, spans = [], []
    for i, name in enumerate(names):
        y1, y2 = years[2 * i], years[2 * i + 1]
        if ranged[i]:
            sents.append(f"From {y1} to {y2} she worked for {name} .")
            spans.append((y1, y2))
        else:
            sents.append(f"In {y1} she joined {name} .")
            spans.append((y1, None))
    return names, sents, spans


@settings(max_examples=examples(300), deadline=None)
@given(stories(), st.booleans())
def test_a_name_lasts_from_its_date_until_the_next(story, filler) -> None:
    names, sents, spans = story
    if filler:  # a sentence without a date carries the period before it: nothing changes
        sents = [s + " She liked the work there ." for s in sents]
    text = " ".join(sents)
    for i, (name, (y1, y2)) in enumerate(zip(names, spans)):
        got = period_of(name, text, REF)
        assert got is not None and got.start == dt.date(y1, 1, 1)
        if y2 is not None:
            assert got.end == dt.date(y2, 12, 31)
        elif i + 1 < len(spans):
            assert got.end == dt.date(spans[i + 1][0], 1, 1) - dt.timedelta(days=1)
        else:
            assert got.end == dt.date(y1, 12, 31)
        assert period_of(f"  {name.upper()} ", text, REF) == got


@settings(max_examples=examples(200), deadline=None)
@given(stories(), st.sampled_from(["Maria Lopez studied law at Riverside Academy .", "She grew up in Lima ."]))
def test_what_a_text_tells_before_its_first_date_ends_before_it(story, opening) -> None:
    """A text tells in order: a name before the first date holds until the day before that date starts, and the
    names after it keep their periods."""
    names, sents, spans = story
    name = "Riverside Academy" if "Riverside" in opening else "Lima"
    text = " ".join([opening] + sents)
    got = period_of(name, text, REF)
    assert got is not None and got.start == dt.date.min and got.end == dt.date(spans[0][0], 1, 1) - dt.timedelta(days=1)
    assert [period_of(n, text, REF) for n in names] == [period_of(n, " ".join(sents), REF) for n in names]


@settings(max_examples=examples(200), deadline=None)
@given(stories())
def test_a_name_absent_from_the_text_has_no_period(story) -> None:
    names, sents, _ = story
    assert period_of("Nobody Here", " ".join(sents), REF) is None


def test_until_ends_the_state_and_what_follows_comes_after() -> None:
    text = ("Lena Park stayed at Riverside until 2004 . She then held fellowships at Hartwell Institute . "
            "In 2009 she joined Leiden University .")
    assert period_of("Hartwell Institute", text, REF).start == dt.date(2005, 1, 1)
    assert period_of("Hartwell Institute", text, REF).end == dt.date(2008, 12, 31)
    assert period_of("Leiden University", text, REF).start == dt.date(2009, 1, 1)


def test_a_life_in_parentheses_dates_nothing() -> None:
    text = "Gary Mills ( born 11 November 1961 ) is a manager . He managed York City ."
    got = period_of("York City", text, REF)
    assert got is not None and got.start == dt.date.min and got.end == dt.date.max
