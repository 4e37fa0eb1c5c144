"""The date rules of LANGUAGE.md v2 (§4 "Dates", §7), run through the real dateparser."""
from __future__ import annotations

import datetime as dt

import pytest

from act_dsl.ops import temporal
from act_dsl.ops.temporal import (DEFAULT_REFERENCE, after, before, check_date_literal, dates, dates_near,
                                  overlaps, read_date, timespan, within)
from act_dsl.ops.values import Period

REF = Period(DEFAULT_REFERENCE, DEFAULT_REFERENCE)


def P(start: str, end: str | None = None) -> Period:
    return Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end or start))


def Y(a: int, b: int | None = None) -> Period:
    return Period(dt.date(a, 1, 1), dt.date(b or a, 12, 31))


def day(iso: str) -> Period:
    d = dt.date.fromisoformat(iso)
    return Period(d, d)


# ---- 2. numbers that are not years in context --------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "It cost 1500 dollars.", "2,000 people came.", "See page 1200.", "We sold 1500 units.", "It is $1999 now.",
    "a 1999 km drive", "She stayed in room 2004.", "He wore No. 1990.", "The motion got 2004 votes.",
    "It answers in 1500 ms.", "It cost about 1500.", "It costs USD 1999.", "Turnout was 1999%.",
    "They hired 2000 new members.", "prices fall 2000 points", "They march 2000 soldiers north.",
    "Order #2023-11 shipped.", "order 2023-11 shipped", "1500-2000 people marched", "a 1999.5 average",
    "2004,000 items", "over 2000 million tons", "It weighed 1800 kg.", "the first 1500 years",
    "between 1000 and 1600 m above sea level", "1500 or 2000 people",   # the unit after the second counts for both
])
def test_a_number_that_is_a_quantity_is_no_date(text: str) -> None:
    assert dates(text, REF) == ()
    assert timespan(text, REF) is None


@pytest.mark.parametrize("text, want", [
    ("It happened in 1500.", Y(1500)),
    ("1999", Y(1999)),
    ("He moved there in 1500 AD.", Y(1500)),
    ("In 2004 votes were cast by mail.", Y(2004)),       # a year preposition beats the counting noun
    ("In 1999 Ms. Smith moved.", Y(1999)),               # `Ms` is no unit: units are case-sensitive
    ("the 1990s", Y(1990, 1999)),
    ("the 1800s", Y(1800, 1899)),                        # a century
    ("the 2000s", Y(2000, 2009)),
    ("by mid-2004", Y(2004)),
    ("In 1999, 2000 people came.", Y(1999)),             # the first is a year, the second a count
    ("we may 2010 go", Y(2010)),                         # lower-case "may" is no month; the year stays
    ("University Press , 146 pages , 1984 .", Y(1984)),  # a numbering word in another clause does not count
    ("Seven 2019 matches were moved.", Y(2019)),         # a count word before: the year is a modifier
    ("half of 2018s revenue", Y(2018)),                  # a possessive that lost its apostrophe
    ("around AD 300", Y(300)),
])
def test_a_year_in_context_stays_a_year(text: str, want: Period) -> None:
    assert dates(text, REF) == (want,)


# ---- 3. ranges -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("between 1 and 5 March 2020", P("2020-03-01", "2020-03-05")),
    ("1-5 March 2020", P("2020-03-01", "2020-03-05")),
    ("1–5 March 2020", P("2020-03-01", "2020-03-05")),
    ("from 3 to 7 May 2010", P("2010-05-03", "2010-05-07")),
    ("March 1-5, 2020", P("2020-03-01", "2020-03-05")),
    ("March 1 to April 5, 2020", P("2020-03-01", "2020-04-05")),
    ("3 May to 7 June 2010", P("2010-05-03", "2010-06-07")),
    ("from 2004 to 2005", Y(2004, 2005)),
    ("between 1990 and 1995", Y(1990, 1995)),
    ("1995-2002", Y(1995, 2002)),
    ("1995-96", Y(1995, 1996)),
    ("May to July 2010", P("2010-05-01", "2010-07-31")),
    ("between May and July 2010", P("2010-05-01", "2010-07-31")),
    ("from May 2004 to June 2005", P("2004-05-01", "2005-06-30")),
    ("( 16 December 1922 – 20 April 2019 )", P("1922-12-16", "2019-04-20")),
    ("( 1488 – 15 October 1536 )", P("1488-01-01", "1536-10-15")),  # "1488 – 15" is no year range
])
def test_a_range_is_one_period(text: str, want: Period) -> None:
    assert dates(text, REF) == (want,)
    assert timespan(text, REF) == want


@pytest.mark.parametrize("text, want", [
    ("on 1 and 5 March 2020", (day("2020-03-05"),)),              # "and" joins only after "between"
    ("in 2004 and 2005", (Y(2004), Y(2005))),
    ("from 2005 to 2004", (Y(2005), Y(2004))),                   # backwards: two years, no range
    ("from 7 to 3 May 2010", (day("2010-05-03"),)),               # backwards days: the full date alone
    ("18 September 1976", (day("1976-09-18"),)),
    ("Sept. 18, 1976", (day("1976-09-18"),)),
    ("18th of September, 1976", (day("1976-09-18"),)),
    ("2004-05-12", (day("2004-05-12"),)),
    ("Aug. 1995", (P("1995-08-01", "1995-08-31"),)),
    ("29 February 2004", (day("2004-02-29"),)),
])
def test_single_dates_and_ranges_that_are_not(text: str, want: tuple) -> None:
    assert dates(text, REF) == want


# ---- 4. seasons ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("in the summer of 2003", P("2003-06-01", "2003-08-31")),
    ("summer 2003", P("2003-06-01", "2003-08-31")),
    ("Spring 2010", P("2010-03-01", "2010-05-31")),
    ("the autumn of 1999", P("1999-09-01", "1999-11-30")),
    ("in fall 2000", P("2000-09-01", "2000-11-30")),
    ("the winter of 2003", P("2003-12-01", "2004-02-29")),       # into the next year, leap day included
    ("winter 2004", P("2004-12-01", "2005-02-28")),
])
def test_a_season_is_its_three_months(text: str, want: Period) -> None:
    assert dates(text, REF) == (want,)
    assert timespan(text, REF) == want


# ---- 5. timespan -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("Which team did he play for from 2004 to 2005?", Y(2004, 2005)),
    ("Where did she live in May 2010?", P("2010-05-01", "2010-05-31")),
    ("Who led it between 1990 and 1995?", Y(1990, 1995)),
    ("What happened between 1 and 5 March 2020?", P("2020-03-01", "2020-03-05")),
    ("Where has he worked since 2001?", P("2001-01-01", "2026-01-01")),
    ("Where did he work after 2001?", P("2002-01-01", "2026-01-01")),
    ("Who owned it until 1999?", Period(dt.date.min, dt.date(1999, 12, 31))),
    ("Who owned it before 1999?", Period(dt.date.min, dt.date(1998, 12, 31))),
    ("What did she do in the summer of 2003?", P("2003-06-01", "2003-08-31")),
    ("Which club in 2003?", Y(2003)),
    ("in 2003 and in 2005", Y(2003, 2005)),                       # several spans: their hull
    ("Which club did he play for?", None),
    ("How much did it cost, 1500 dollars?", None),
    ("What may happen in March?", None),                          # a month without a year is no period
])
def test_timespan_is_the_period_asked_about(text: str, want: Period | None) -> None:
    assert timespan(text, REF) == want


def test_relative_words_read_against_the_reference_not_the_clock() -> None:
    ref = Period(dt.date(2012, 5, 3), dt.date(2012, 5, 3))
    assert timespan("last year", ref) == Y(2011)
    assert timespan("since 2001", ref) == P("2001-01-01", "2012-05-03")
    assert dates("3 days ago", ref) == (day("2012-04-30"),)
    assert dates("this week", ref) == (P("2012-04-30", "2012-05-06"),)   # Monday to Sunday
    assert timespan("last year") == Y(2025)                               # no reference: DEFAULT_REFERENCE


# ---- 1. no module state: two references interleaved in one process --------------------------------------------
def test_two_references_interleaved_give_independent_results() -> None:
    assert not hasattr(temporal, "set_reference_date") and not hasattr(temporal, "reference_date")
    assert not hasattr(temporal, "_reference")
    a, b = Period(dt.date(2012, 5, 3), dt.date(2012, 5, 3)), Period(dt.date(1991, 2, 1), dt.date(1991, 2, 1))
    text = "It happened last year, or since 1980."
    for _ in range(2):  # the second round reads from the caches: they must key on the reference
        assert dates(text, a) == (Y(2011), Y(1980))
        assert dates(text, b) == (Y(1990), Y(1980))
        assert timespan("since 1980", a) == P("1980-01-01", "2012-05-03")
        assert timespan("since 1980", b) == P("1980-01-01", "1991-02-01")
        assert read_date("last year", dt.date(2012, 5, 3)) == Y(2011)
        assert read_date("last year", dt.date(1991, 2, 1)) == Y(1990)


# ---- 6. dates_near ---------------------------------------------------------------------------------------------
CONTEXT = ("Maria Lopez studied law in Madrid . From 1998 to 2004 she worked for Banco Central . "
           "From 2005 to 2011 she worked at the European Commission . Since 2012 she has taught at Leiden .")


@pytest.mark.parametrize("answer, want", [
    ("Banco Central", (Y(1998, 2004),)),
    ("  banco   CENTRAL ", (Y(1998, 2004),)),                  # normalised: case and spaces
    ("she worked", (Y(1998, 2004), Y(2005, 2011))),            # every sentence that contains it
    ("Banco Centrale", ()),                                   # a near miss is not in x: no fuzzy fallback
    ("Banko Central", ()),
    ("Oxford University", ()),
    ("", ()),
])
def test_dates_near_reads_only_sentences_that_contain_the_answer(answer: str, want: tuple) -> None:
    assert dates_near(answer, CONTEXT, REF) == want


# ---- 7. invalid dates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, shown", [
    ("He was born on 31 February 1990.", "31 February 1990"),
    ("30 February 2004", "30 February 2004"),
    ("29 February 2003", "29 February 2003"),
    ("on February 30, 2004", "February 30, 2004"),
    ("2004-02-30", "2004-02-30"),
    ("2004-13-01", "2004-13-01"),
    ("between 30 and 31 February 2020", "30 February 2020"),
    ("April 31, 2010 and May 2010", "April 31, 2010"),       # one bad date fails the whole text
])
def test_an_invalid_date_is_an_error_not_a_silent_drop(text: str, shown: str) -> None:
    message = f"`{shown}` is not a valid date"
    with pytest.raises(ValueError, match=message):
        dates(text, REF)
    with pytest.raises(ValueError, match=message):  # the error is cached too, and raised again
        timespan(text, REF)
    assert check_date_literal(text) == message


def test_an_invalid_date_near_the_answer_is_an_error_and_far_from_it_is_not() -> None:
    text = "He joined Acme on 31 February 1990. He left Initech in 2004."
    with pytest.raises(ValueError, match="`31 February 1990` is not a valid date"):
        dates_near("Acme", text, REF)
    assert dates_near("Initech", text, REF) == (Y(2004),)


@pytest.mark.parametrize("literal, ok", [
    ("from 2004 to 2005", True), ("last year", True), ("summer 2003", True),
    ("no date here", False), ("1500 dollars", False),
])
def test_check_date_literal_for_lint(literal: str, ok: bool) -> None:
    message = check_date_literal(literal)
    assert (message is None) == ok
    if not ok:
        assert message.startswith(f"`{literal}` names no date")


# ---- read_date: the values of `date` inputs --------------------------------------------------------------------
@pytest.mark.parametrize("value, want", [
    ("2024-05-01", day("2024-05-01")), ("May 2010", P("2010-05-01", "2010-05-31")), ("2004", Y(2004)),
    (2004.0, Y(2004)), (2004, Y(2004)), ("from 2004 to 2006", Y(2004, 2006)), (dt.date(2020, 1, 2), day("2020-01-02")),
    (None, None), ("some day soon", None), ("1500 dollars", None), (1999.5, None),
])
def test_read_date(value: object, want: Period | None) -> None:
    assert read_date(value) == want


def test_read_date_raises_on_an_invalid_date() -> None:
    with pytest.raises(ValueError, match="`31 February 1990` is not a valid date"):
        read_date("31 February 1990")


# ---- comparisons with none ------------------------------------------------------------------------------------
def test_temporal_predicates_are_false_with_none() -> None:
    a, b = Y(2001), Y(2005)
    assert before(a, b) and after(b, a) and not overlaps(a, b) and within(a, Y(2000, 2010))
    for f in (before, after, overlaps, within):
        assert f(a, None) is False and f(None, a) is False


def test_a_long_text_of_years_is_read_in_linear_time() -> None:
    import time
    text = "1999 and " * 20_000  # each "and" asks whether "between" came before: a window, not the whole prefix
    t = time.perf_counter()
    assert len(dates(text, REF)) == 20_000
    assert time.perf_counter() - t < 10
