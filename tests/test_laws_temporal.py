"""The laws of the date functions (docs/language.md "Date functions"), checked with hypothesis: dates written
in every supported form, at any place in a sentence of filler words, read back as exactly the span they denote."""
from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from act_dsl.ops.temporal import after, before, coverage, dates, dates_near, overlaps, timespan, within, year
from act_dsl.ops.values import Period
from date_gen import (NEUTRAL, TRICKY, Written, Years, closed, day_between, fillers, month_end, seeded, whole_years,
                      written)
from conftest import examples

# derandomized: the same 500 cases on every run. Each case is one hypothesis draw (a seed) and every choice
# after it a random.Random one, as tests/program_gen.py does: composite strategies cost about 4 ms a case,
# more than reading the dates. dateparser reads about 1,100 new day strings a second and caches them.
LAWS = settings(max_examples=examples(500), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
REF = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1))
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class InSentence:
    text: str
    written: Written


def in_sentence(r: random.Random, form: Callable[[random.Random], Written] = written) -> InSentence:
    """A date anywhere in a sentence: alone, first, last or in the middle, with a stop or none."""
    w = form(r)
    end = r.choice(["", ".", ",", "!", " ."])
    return InSentence(" ".join([*fillers(r), w.text, *fillers(r)]) + end, w)


@LAWS
@given(seeded(in_sentence))
def test_a_written_date_is_read_back_as_the_span_it_denotes(s: InSentence) -> None:
    assert dates(s.text, REF) == (s.written.period,), s.text
    assert timespan(s.text, REF) == s.written.period, s.text
    read = timespan(s.text, REF)
    assert read is not None and year(read) == s.written.period.start.year


@LAWS
@given(seeded(lambda r: " ".join(fillers(r, 10)) + r.choice(["", ".", "!"])))
def test_filler_words_are_never_read_as_dates(text: str) -> None:
    assert dates(text, REF) == (), text
    assert timespan(text, REF) is None, text


def two_apart(r: random.Random) -> tuple[str, Written, Written]:
    a, b = written(r), written(r)
    sep = r.choice(["we saw", ", then", "; later", ". In", "or", "but the club met in"])
    return " ".join([*fillers(r), a.text, sep, b.text]) + ".", a, b


@LAWS
@given(seeded(two_apart))
def test_two_dates_apart_are_read_as_two_in_order_and_timespan_covers_both(case) -> None:
    text, a, b = case
    assert dates(text, REF) == (a.period, b.period), text
    assert timespan(text, REF) == Period(min(a.period.start, b.period.start), max(a.period.end, b.period.end))


# ---- open periods and the reference day -----------------------------------------------------------------------
def a_reference(r: random.Random) -> Period:
    d = day_between(r, dt.date(1990, 1, 1), dt.date(2030, 12, 31))
    return Period(d, d)


def open_period(r: random.Random) -> tuple[str, Period, Written, Period]:
    """"since X" and its kin with a reference day: (text, reference, X, the period asked about)."""
    x, word, ref = closed(r), r.choice(["since", "after", "starting in", "until", "till", "before"]), a_reference(r)
    today, start, end = ref.start, x.period.start, x.period.end
    want = {"since": Period(start, max(today, start)), "starting in": Period(start, max(today, start)),
            "after": Period(end + ONE_DAY, max(today, end + ONE_DAY)),
            "until": Period(dt.date.min, end), "till": Period(dt.date.min, end),
            "before": Period(dt.date.min, start - ONE_DAY)}[word]
    return " ".join([*fillers(r), word, x.text]) + ".", ref, x, want


@LAWS
@given(seeded(open_period))
def test_since_and_until_open_the_period_at_the_reference_day_or_the_earliest(case) -> None:
    text, ref, x, want = case
    assert timespan(text, ref) == want, text
    assert dates(text, ref) == (x.period,), text


def _week(d: dt.date) -> Period:
    monday = d - dt.timedelta(days=d.weekday())
    return Period(monday, monday + dt.timedelta(days=6))


def _months_back(d: dt.date, n: int) -> Period:
    k = d.year * 12 + d.month - 1 - n
    return Period(dt.date(k // 12, k % 12 + 1, 1), month_end(k // 12, k % 12 + 1))


NUMBERS = {1: ["1", "one", "a"], 2: ["2", "two"], 3: ["3", "three"], 7: ["7", "seven"], 10: ["10", "ten"],
           12: ["12"], 40: ["40"]}


def relative(r: random.Random) -> tuple[str, Period, Period]:
    """A relative phrase in a sentence, a reference day and the span it names read on that day: a day for
    days, else the whole calendar week (Monday to Sunday), month or year."""
    ref = a_reference(r)
    d, y, unit = ref.start, ref.start.year, r.choice(["day", "week", "month", "year"])
    if r.random() < 0.5 and unit == "day":
        phrase, shift = r.choice([("yesterday", -1), ("today", 0), ("tomorrow", 1)])
        span = Period(d + dt.timedelta(days=shift), d + dt.timedelta(days=shift))
    elif r.random() < 0.5:
        which, shift = r.choice([("last", -1), ("this", 0), ("next", 1)])
        phrase = f"{which} {unit}"
        span = {"day": Period(d, d), "week": _week(d + dt.timedelta(weeks=shift)), "month": _months_back(d, -shift),
                "year": whole_years(y + shift, y + shift)}[unit]
        if unit == "day":
            phrase = "today"
    else:
        n = r.choice(sorted(NUMBERS))
        phrase = f"{r.choice(NUMBERS[n])} {unit}{'s' if n > 1 else ''} ago"
        back = d - dt.timedelta(days=n)
        span = {"day": Period(back, back), "week": _week(d - dt.timedelta(weeks=n)), "month": _months_back(d, n),
                "year": whole_years(y - n, y - n)}[unit]
    return " ".join([*fillers(r, 4, NEUTRAL), phrase]) + ".", ref, span


@LAWS
@given(seeded(relative))
def test_relative_words_are_read_against_the_given_reference_day_never_the_clock(case) -> None:
    text, ref, span = case
    assert dates(text, ref) == (span,), (text, ref)
    assert timespan(text, ref) == span, (text, ref)


# ---- the order predicates are interval arithmetic ---------------------------------------------------------------
NEAR: Years = (2000, 2002)  # a few years, so that generated spans overlap, touch, nest and miss each other often


def any_span(r: random.Random, years: Years = NEAR) -> Written:
    """An arbitrary run of days, written as one day or as "from D1 to D2"."""
    a = day_between(r, dt.date(years[0], 1, 1), dt.date(years[1], 12, 31))
    b = day_between(r, a, min(dt.date(years[1], 12, 31), a + dt.timedelta(days=r.choice([0, 3, 40, 400]))))
    if a == b:
        return Written(f"{a.day} {calendar.month_name[a.month]} {a.year}", Period(a, a))
    return Written(f"from {a.day} {calendar.month_name[a.month]} {a.year} to "
                   f"{calendar.month_name[b.month]} {b.day}, {b.year}", Period(a, b))


def span_near(r: random.Random) -> Written:
    return any_span(r) if r.random() < 0.3 else written(r, NEAR)


def _days(p: Period) -> set[int]:
    return set(range(p.start.toordinal(), p.end.toordinal() + 1))


@LAWS
@given(seeded(lambda r: (span_near(r), span_near(r))))
def test_before_after_overlaps_within_agree_with_interval_arithmetic(pair) -> None:
    wa, wb = pair
    a, b = timespan(wa.text, REF), timespan(wb.text, REF)
    da, db = _days(wa.period), _days(wb.period)
    assert before(a, b) == (max(da) < min(db)), (wa, wb)
    assert after(a, b) == (min(da) > max(db)), (wa, wb)
    assert overlaps(a, b) == bool(da & db), (wa, wb)
    assert within(a, b) == (da <= db), (wa, wb)
    assert [before(a, b), after(a, b), overlaps(a, b)].count(True) == 1  # exactly one of the three


periods = st.tuples(st.dates(), st.dates()).map(lambda ab: Period(min(ab), max(ab)))


@LAWS
@given(periods, st.sampled_from([before, after, overlaps, within]))
def test_an_order_predicate_with_none_on_either_side_is_false(p: Period, pred) -> None:
    assert pred(None, p) is False and pred(p, None) is False and pred(None, None) is False


@LAWS
@given(seeded(lambda r: (span_near(r), span_near(r))))
def test_coverage_is_the_share_of_the_second_spans_days_that_the_first_holds(pair) -> None:
    wa, wb = pair
    a, b = timespan(wa.text, REF), timespan(wb.text, REF)
    da, db = _days(wa.period), _days(wb.period)
    assert coverage(a, b) == pytest.approx(len(da & db) / len(db)), (wa, wb)
    assert (coverage(a, b) > 0) == overlaps(a, b) and (coverage(a, b) == 1) == within(b, a), (wa, wb)
    # the days in common, counted from either side, are the same days
    assert coverage(a, b) * len(db) == pytest.approx(coverage(b, a) * len(da)), (wa, wb)


@LAWS
@given(periods, periods)
def test_coverage_lies_between_0_and_1_and_a_span_covers_itself(a: Period, b: Period) -> None:
    assert 0 <= coverage(a, b) <= 1 and coverage(a, a) == 1
    assert coverage(Period(dt.date.min, dt.date.max), b) == 1  # a span of every day covers anything


def test_coverage_with_none_is_none_in_the_language() -> None:
    import act_dsl
    program = act_dsl.loads("""
task t {
  input question: text
  output a: text = first_line(response)
  prompt "{question}"
  let part = coverage(timespan(question), timespan("from 2000 to 2003"))
  constraint quarter = part > 0.24 and part < 0.26
  constraint mostly = coverage(timespan(a), timespan(question)) >= 0.5 when timespan(question) != none
}
""", strict=True)
    s = program.score([{"question": "Who led it in 2001?", "response": "Smith, from 2001 to 2002"},
                       {"question": "Who led it?", "response": "Smith in 2001"},
                       {"question": "Who led it from 2001 to 2004?", "response": "Smith in 2004"}])
    assert [s.row(i)["mostly"] for i in range(3)] == [True, None, False]
    # 2001 is 365 of the 1,461 days of 2000-2003; a none side gives none (a comparison with it is false);
    # 2001-2004 holds 1,095 of them
    assert [s.row(i)["quarter"] for i in range(3)] == [True, False, False]


@LAWS
@given(periods)
def test_year_is_the_year_a_span_starts_in(p: Period) -> None:
    assert year(p) == p.start.year


def test_an_order_predicate_with_none_is_false_in_the_language_too() -> None:
    import act_dsl
    program = act_dsl.loads("""
task t {
  input question: text
  output a: text = first_line(response)
  let asked = timespan(question)
  output b: bool = before(asked, timespan("2001"))
  output f: bool = after(timespan("2001"), asked)
  output o: bool = overlaps(asked, asked)
  output w: bool = within(timespan("2001"), asked)
  prompt "{question}"
  constraint c = b or f or o or w
}
""", strict=True)
    scores = program.score([{"question": "who won?", "response": "Rovers"}])
    assert scores.row(0)["c"] is False


# ---- dates_near ----------------------------------------------------------------------------------------------
NAMES = ["Zorbo Quill", "Ada Vance", "Rhea Tolland"]  # never inside a filler or a date
# "No. 1990" is left out, and so is a date that ends in a full stop ("476 A.D."): that full stop ends a
# sentence as `sentences` reads it
NEAR_FILLERS = NEUTRAL + [t for t in TRICKY if "." not in t]


def a_passage(r: random.Random) -> tuple[list[tuple[str, str | None, tuple[Period, ...]]], str]:
    """Sentences of filler, each maybe with a date and maybe with one of NAMES, and the name asked about."""
    out = []
    for _ in range(r.randint(1, 4)):
        words, found = fillers(r, 5, NEAR_FILLERS), tuple[Period, ...]()
        if r.random() < 0.6:
            w = written(r)
            while w.text.endswith("."):
                w = written(r)
            words.insert(r.randint(0, len(words)), w.text)
            found = (w.period,)
        name = r.choice([None, *NAMES])
        if name:
            words.insert(r.randint(0, len(words)), name)
        out.append((" ".join(words) + r.choice([".", "!", "?"]), name, found))
    return out, r.choice(NAMES)


@LAWS
@given(seeded(a_passage), st.sampled_from([str, str.lower, str.upper, lambda s: f"  {s} "]))
def test_dates_near_lists_the_dates_of_the_sentences_that_contain_s(case, spelled) -> None:
    passage, name = case
    x = " ".join(s for s, _, _ in passage)
    want = tuple(p for _, n, found in passage if n == name for p in found)
    assert dates_near(spelled(name), x, REF) == want, (name, x)
    if all(n != name for _, n, _ in passage):
        assert want == ()


def test_a_date_with_an_abbreviated_month_stays_in_its_sentence() -> None:
    # a fix: the full stop of "Sept." was read as a sentence end, so the date left the sentence of its subject
    x = "Obama was born on Sept. 18, 1976 in Ohio. Bush left in Mar. 2009."
    assert dates_near("Obama", x, REF) == (Period(dt.date(1976, 9, 18), dt.date(1976, 9, 18)),)
    assert dates_near("Bush", x, REF) == (Period(dt.date(2009, 3, 1), dt.date(2009, 3, 31)),)


# ---- fixes the laws found --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("He turned the page. 2004 was a good year.", (whole_years(2004, 2004),)),
    ("We paid the price. 1999 came.", (whole_years(1999, 1999),)),
    ("It is in vol. 1990 of the review.", ()),  # an abbreviation's full stop ends no sentence
    ("It came in about 1500 units.", ()),       # a year preposition makes a year only right before the number
    ("It came in 2004 votes were cast.", (whole_years(2004, 2004),)),
])
def test_a_sentence_end_ends_the_words_that_make_a_number_a_quantity(text: str, want: tuple) -> None:
    assert dates(text, REF) == want


@pytest.mark.parametrize("text, want", [
    ("march 5, 2020", Period(dt.date(2020, 3, 5), dt.date(2020, 3, 5))),   # a day beside it: a month in any case
    ("may 1-3, 2020", Period(dt.date(2020, 5, 1), dt.date(2020, 5, 3))),
    ("we may 2020", whole_years(2020, 2020)),                                      # no day: "may" is a verb
    ("rated 3.5 January 2020", Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31))),  # "5" of "3.5" is no day
    ("from May 2001 to the summer of 2002", Period(dt.date(2001, 5, 1), dt.date(2002, 8, 31))),
    ("between 1990 and the 2000s", whole_years(1990, 2009)),
    ("May 1500 dollars be yours, they said in 2004", whole_years(2004, 2004)),   # "May" a verb before a sum
    ("they march 5, 2000 soldiers north in 2004", whole_years(2004, 2004)),
    ("In May 2010 people voted", Period(dt.date(2010, 5, 1), dt.date(2010, 5, 31))),
])
def test_dates_the_laws_found_misread(text: str, want: Period) -> None:
    assert timespan(text, REF) == want
    assert len(dates(text, REF)) == 1


def test_since_the_season_opens_from_its_start() -> None:
    ref = Period(dt.date(2010, 6, 1), dt.date(2010, 6, 1))
    assert timespan("since the summer of 2003", ref) == Period(dt.date(2003, 6, 1), dt.date(2010, 6, 1))
    assert timespan("until the 1990s", ref) == Period(dt.date.min, dt.date(1999, 12, 31))
