"""Dates and periods (LANGUAGE.md §4 "Dates"): spans found by a small grammar, read against an explicit reference.

How a text becomes periods:

1. The grammar in date_grammar.py finds candidate spans (days, ranges, seasons, months, years, relative
   words).
2. Single dates go to dateparser (English only, RELATIVE_BASE = the reference day, DATE_ORDER DMY, past
   preferred), cached by string; only relative words are cached per reference. Ranges, seasons, decades
   and years are composed here. A day that its month does not have ("31 February 1990") raises
   ValueError, so the executor counts an error for the row instead of dropping the date.
3. A bare number is a year unless the words around it say it is a quantity (date_grammar.not_a_year).
4. Adjacent spans joined by "to", "until", "through" or a dash (or "and" after "between") become one
   period when the second does not end before the first starts.
Seasons are northern and meteorological: spring Mar-May, summer Jun-Aug, autumn/fall Sep-Nov, winter Dec of
the year to the end of February of the next. "the 1800s" is a century; "the 1990s" and "the 2000s" decades.
"""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from functools import lru_cache
from typing import Any

from act_dsl.ops.date_grammar import MONTHS, kind_re, not_a_year, scan, verb_not_month
from act_dsl.ops.values import Period, as_text, normalize

DEFAULT_REFERENCE = dt.date(2026, 1, 1)  # only for callers that have no run date of their own

# "the" may follow the joining word: "from May 2001 to the summer of 2002", "since the 1990s"
_RANGE_GAP = re.compile(r"\s*(-|–|—|to|until|till|through|and)(?:\s+the)?\s*", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween(?:\s+the)?\s*$", re.IGNORECASE)
_OPEN_START = re.compile(r"\b(since|after|starting(?:\s+in)?|beginning(?:\s+in)?)(?:\s+the)?\s*$", re.IGNORECASE)
_OPEN_END = re.compile(r"\b(until|till|up\s+to|through|before)(?:\s+the)?\s*$", re.IGNORECASE)
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_ONE_DAY = dt.timedelta(days=1)
_SENTENCE_CUT = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")  # where `sentences` (ops/text.py) cuts a text


class _Invalid(Exception):
    """A span that the grammar reads as a date but the calendar does not have."""


def _ref(reference: Period | dt.date | None) -> dt.date:
    """A call's reference day: the start of the Period the executor passes, else DEFAULT_REFERENCE."""
    if isinstance(reference, Period):
        return reference.start
    if isinstance(reference, dt.datetime):
        return reference.date()
    if isinstance(reference, dt.date):
        return reference
    return DEFAULT_REFERENCE


@lru_cache(maxsize=8)
def _parser_for(ref: dt.date):
    from dateparser.date import DateDataParser  # imported on first use: the linter never pays for it
    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": dt.datetime(ref.year, ref.month, ref.day), "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY"})


@lru_cache(maxsize=100_000)
def _dateparser(candidate: str, ref: dt.date) -> Period | None:
    """One candidate through dateparser; absolute candidates are always asked with DEFAULT_REFERENCE."""
    data = _parser_for(ref).get_date_data(candidate)
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    if data.period == "year":
        return Period(dt.date(d.year, 1, 1), dt.date(d.year, 12, 31))
    if data.period == "month":
        return Period(dt.date(d.year, d.month, 1), dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1]))
    if data.period == "week":
        monday = d - dt.timedelta(days=d.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    return Period(d, d)


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")[:3]]


def _year(y: str, y1: int | None = None) -> int:
    """A year; a two-digit end of a range ("1995-96") completes from the start."""
    if y1 is not None and len(y) == 2:
        return y1 // 100 * 100 + int(y)
    return int(y)


def _day(d: str, m: str, y: str, shown: str = "") -> Period:
    """One day named by parts the grammar found, read by dateparser from a normal form (so "Sept. 18, 1976"
    and "18 September 1976" share a cache entry); a day the month does not have raises _Invalid."""
    digits = re.match(r"[0-9]+", d)
    assert digits is not None  # the grammar matched a day here, which starts with digits
    day, year = int(digits.group(0)), int(y)
    month = int(m) if m.isdigit() else _month(m)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise _Invalid(f"`{shown or f'{d} {m} {y}'}` is not a valid date")
    parsed = _dateparser(f"{day} {calendar.month_name[month]} {year}", DEFAULT_REFERENCE)
    return parsed if parsed is not None else Period(dt.date(year, month, day), dt.date(year, month, day))


def _whole_month(m: str, y: str) -> Period:
    month, year = _month(m), int(y)
    return Period(dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))


def _years(y1: int, y2: int) -> Period:
    return Period(dt.date(y1, 1, 1), dt.date(y2, 12, 31))


def _span(m: re.Match, text: str, ref: dt.date) -> Period | None:
    """The period one grammar match names, or None when the words around it say it is no date."""
    kind = m.lastgroup
    whole = kind_re()[kind].match(text, m.start()) if kind is not None else None
    assert kind is not None and whole is not None  # the alternation matched this kind's pattern here
    g: dict[str, Any] = whole.groupdict()  # a group the match left out is None
    def pick(a: str) -> Any:  # a group of either branch of `between ... and` / joined (None when neither)
        return g.get(a) or g.get(a + "b")

    if kind in ("md_range", "mdy", "my") and verb_not_month(text, pick("m1") or g["m"], whole.start("y"),
                                                              whole.end("y")):
        return None  # "May 1500 dollars be yours", "they march 5, 2000 soldiers north"

    if kind in ("dd_range", "dm_range", "md_range"):
        if kind == "md_range":  # "March 1-5, 2020": the second day may leave its month out
            m1 = pick("m1")
            m2 = g["m2"] or m1
        else:  # "1-5 March 2020" has one month, "3 May to 7 June 2010" two
            m2 = g.get("m2") or g["m"]
            m1 = pick("m1") or m2
        first, last = _day(pick("d1"), m1, g["y"]), _day(g["d2"], m2, g["y"])
        return Period(first.start, last.end) if first.start <= last.end else last
    if kind == "mm_range":
        first, last = _whole_month(pick("m1"), g["y"]), _whole_month(g["m2"], g["y"])
        return Period(first.start, last.end) if first.start <= last.end else last
    if kind == "season":
        year = int(g["y"])
        if g["s"].lower() == "fall" and not g["of"] and not_a_year(text, m.end() - 4, m.end(), look_back=False):
            return None  # "prices fall 2000 points"
        a, b = _SEASONS[g["s"].lower()]
        end_year = year + 1 if b < a else year
        return Period(dt.date(year, a, 1), dt.date(end_year, b, calendar.monthrange(end_year, b)[1]))
    if kind in ("dmy", "mdy", "iso"):
        return _day(g["d"], g["m"], g["y"], m.group(0))  # validated: dateparser drops "31 February 1990"
    if kind == "my":
        month = calendar.month_name[_month(g["m"])]  # a normal form: "Aug. 1995" and "August 1995" share an entry
        return _dateparser(f"{month} {g['y']}", DEFAULT_REFERENCE) or _whole_month(g["m"], g["y"])
    if kind == "yrange":
        y1 = int(g["y1"])
        y2 = _year(g["y2"], y1)
        if y2 < y1 or not_a_year(text, m.start(), m.end()):
            return None  # "2023-11" is a code or a month, "1500-2000 people" a count
        return _years(y1, y2)
    if kind == "decade":
        y = int(g["y"])
        if y % 10:
            return _years(y, y)  # "2018s revenue": a possessive that lost its apostrophe
        width = 100 if y % 100 == 0 and y < 2000 else 10  # "the 1800s" is a century, "the 2000s" a decade
        return _years(y, y + width - 1)
    if kind == "era":
        y = int(g["y"] or g["y2"])
        return _years(y, y) if y >= 1 else None
    if kind == "relative":
        return _dateparser(m.group(0).lower(), ref)
    return None if not_a_year(text, m.start(), m.end()) else _years(int(g["y"]), int(g["y"]))


def _found(text: str, ref: dt.date) -> list[tuple[int, int, Period]]:
    out = []
    for m in scan().finditer(text):
        period = _span(m, text, ref)
        if period is not None:
            out.append((m.start(), m.end(), period))
    return out


@lru_cache(maxsize=50_000)
def _merged(text: str, ref: dt.date) -> tuple[tuple[tuple[int, int, Period], ...], str | None]:
    """(spans, error): the periods in text, ranges such as "from 2004 to 2005" read as one, or the first
    invalid date's message. Errors are cached like results so a bad row costs one parse."""
    try:
        found = _found(text, ref)
    except _Invalid as exc:
        return (), str(exc)
    out: list[tuple[int, int, Period]] = []
    i = 0
    while i < len(found):
        s1, e1, p1 = found[i]
        if i + 1 < len(found):
            s2, e2, p2 = found[i + 1]
            gap = text[e1:s2]
            by = _RANGE_GAP.fullmatch(gap)
            joined = by and (  # "and" joins only after "between" (a window: no O(n^2))
                by.group(1).lower() != "and" or _BETWEEN.search(text, max(0, s1 - 16), s1))
            if joined and p2.end >= p1.start:
                out.append((s1, e2, Period(p1.start, p2.end)))
                i += 2
                continue
        out.append((s1, e1, p1))
        i += 1
    return tuple(out), None


def _spans(x: object, reference: Period | dt.date | None) -> tuple[tuple[int, int, Period], ...]:
    found, error = _merged(as_text(x), _ref(reference))
    if error:
        raise ValueError(error)
    return found


def dates(x: str, reference: Period | None = None) -> tuple[Period, ...]:
    """The time spans mentioned in x, in order; ValueError for a date the calendar does not have."""
    return tuple(p for _, _, p in _spans(x, reference))


def timespan(x: str, reference: Period | dt.date | None = None) -> Period | None:
    """The one period x asks about: a range, "since 2001" (to the reference day), "until 1999" (open start),
    the hull of several spans; None when x names no date."""
    text, ref = as_text(x), _ref(reference)
    found = _spans(text, ref)
    if not found:
        return None
    if len(found) > 1:
        return Period(min(p.start for _, _, p in found), max(p.end for _, _, p in found))
    s1, _, p1 = found[0]
    word = opening(text, s1)
    if word in ("since", "after"):
        start = p1.end + _ONE_DAY if word == "after" else p1.start
        return Period(start, max(ref, start))
    if word in ("until", "before"):
        return Period(dt.date.min, p1.start - _ONE_DAY if word == "before" else p1.end)
    return p1


def opening(text: str, start: int) -> str | None:
    """How the words just before the date at text[start:] leave its period open: "since" (also "starting in",
    "beginning in") or "after" open its end, "until" (also "till", "up to", "through") or "before" its start;
    None for a date that is closed."""
    before = text[max(0, start - 24):start]
    opened = _OPEN_START.search(before)
    if opened:
        return "after" if opened.group(1).lower() == "after" else "since"
    closed = _OPEN_END.search(before)
    if closed:
        return "before" if closed.group(1).lower() == "before" else "until"
    return None


def read_date(value: object, reference: Period | dt.date | None = DEFAULT_REFERENCE) -> Period | None:
    """The value of an input declared `date` ("2024-05-01", "May 2010", "2004", "from 2004 to 2006", or a
    number such as 2004) as a period; None when it names no date; ValueError for an invalid date."""
    if isinstance(value, Period) or value is None:
        return value
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return Period(day, day)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return timespan(str(value).strip(), reference)


def check_date_literal(text: str) -> str | None:
    """For `act lint`, on the text argument of dates/timespan/read as a string literal: an error message
    when it holds an invalid date or names no date at all, else None."""
    found, error = _merged(text, DEFAULT_REFERENCE)
    if error:
        return error
    if not found:
        return f"`{text}` names no date that `act` can read (write it as 2024-05-01, May 2010 or 2004)"
    return None


def _sentences(text: str) -> list[str]:
    """The sentences of text where `sentences` cuts them, except that no cut falls inside a date the grammar
    finds: "Sept. 18, 1976" or "Mar. 2020" stays in its sentence."""
    found = [(m.start(), m.end()) for m in scan().finditer(text)]
    starts = [a for a, _ in found]
    out, start = [], 0
    for cut in _SENTENCE_CUT.finditer(text):
        i = bisect.bisect_right(starts, cut.start()) - 1
        if i >= 0 and found[i][1] > cut.start():
            continue
        out.append(text[start:cut.start()])
        start = cut.end()
    out.append(text[start:])
    return [t.strip() for t in out if t.strip()]


def dates_near(s: str, x: str, reference: Period | None = None) -> tuple[Period, ...]:
    """The spans in the sentences of x that contain s (exact, after normalize()); empty when s is not in x."""
    needle = normalize(as_text(s))
    if not needle:
        return ()
    return tuple(p for t in _sentences(as_text(x)) if needle in normalize(t) for p in dates(t, reference))


def before(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and a.end < b.start


def after(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and a.start > b.end


def overlaps(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and a.start <= b.end and b.start <= a.end


def within(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and b.start <= a.start and a.end <= b.end


def coverage(a: Period, b: Period) -> float:
    """The share of b's days that a covers: days in both over days in b, from 0 (no day shared) to 1 (b lies
    inside a)."""
    shared = (min(a.end, b.end) - max(a.start, b.start)).days + 1
    return max(0, shared) / ((b.end - b.start).days + 1)


def year(a: Period) -> float:
    return float(a.start.year)
