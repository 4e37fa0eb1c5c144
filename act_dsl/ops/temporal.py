"""Dates and periods: candidate spans found by a small grammar, each parsed by dateparser (English only,
fixed reference date), results cached by string. Bare words such as "may" or "march" never become dates."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from act_dsl.ops.text import sentences
from act_dsl.ops.values import Period, as_text, normalize

DEFAULT_REFERENCE = dt.date(2026, 1, 1)
_reference = [DEFAULT_REFERENCE]

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_YEAR_DIGITS = r"(?<![#\w$£€.\-/])(?:1[0-9]{3}|20[0-9]{2})"
_YEAR = _YEAR_DIGITS + r"(?![\w\-/]|\.\d)"
_DAY = r"(?:[0-2]?[0-9]|3[01])(?:st|nd|rd|th)?"
_CANDIDATE = re.compile("|".join([
    rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}",        # 18 September 1976
    rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}",                  # September 18, 1976
    rf"\b{_MONTH},?\s+{_YEAR}",                           # Aug 1995
    r"(?<![#\w])(?:1[0-9]{3}|20[0-9]{2})-[01][0-9]-[0-3][0-9]\b",  # 2004-05-12
    _YEAR_DIGITS + r"s\b",                               # the 1990s
    _YEAR,                                               # 2004
    r"\b(?:yesterday|today|tomorrow|(?:last|next|this)\s+(?:year|month|week)|\d+\s+(?:days|weeks|months|years)\s+ago)\b",
]), re.IGNORECASE)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|to|until|till|through|and)\s*$", re.IGNORECASE)
_OPEN_START = re.compile(r"\b(?:since|from|after|starting(?:\s+in)?)\s*$", re.IGNORECASE)
_OPEN_END = re.compile(r"\b(?:until|till|before|up\s+to|through)\s*$", re.IGNORECASE)


def set_reference_date(day: dt.date) -> None:
    """The date that relative expressions ("last year") are read against; never the wall clock."""
    _reference[0] = day


def reference_date() -> dt.date:
    return _reference[0]


@lru_cache(maxsize=100_000)
def _parse(candidate: str, ref: dt.date) -> Period | None:
    decade = re.fullmatch(r"(1[0-9]{3}|20[0-9]{2})s", candidate.strip(), re.IGNORECASE)
    if decade:
        start = int(decade.group(1)) // 10 * 10
        return Period(dt.date(start, 1, 1), dt.date(start + 9, 12, 31))
    settings = {"RELATIVE_BASE": dt.datetime(ref.year, ref.month, ref.day), "PREFER_DAY_OF_MONTH": "first",
                "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY"}
    data = _parser_for(tuple(sorted(settings.items()))).get_date_data(candidate)
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    if data.period == "year":
        return Period(dt.date(d.year, 1, 1), dt.date(d.year, 12, 31))
    if data.period == "month":
        return Period(dt.date(d.year, d.month, 1), dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1]))
    return Period(d, d)


@lru_cache(maxsize=8)
def _parser_for(ref: tuple):
    from dateparser.date import DateDataParser
    return DateDataParser(languages=["en"], settings=dict(ref))


def _ref(reference: Period | None) -> dt.date:
    """A call's reference date: its own (the task's `reference date = F`), else the run's setting."""
    return reference.start if isinstance(reference, Period) else reference_date()


def _found(x: str, ref: dt.date) -> list[tuple[int, int, Period]]:
    text = as_text(x)
    out = []
    for m in _CANDIDATE.finditer(text):
        period = _parse(m.group(0), ref)
        if period is not None:
            out.append((m.start(), m.end(), period))
    return out


def _merged(x: str, ref: dt.date) -> list[tuple[int, int, Period]]:
    """Dates in x, with ranges ("from 2004 to 2006", "between 1990 and 1995", "1995-2002") read as one period."""
    found = _found(x, ref)
    out: list[tuple[int, int, Period]] = []
    i = 0
    while i < len(found):
        s1, e1, p1 = found[i]
        if i + 1 < len(found):
            s2, e2, p2 = found[i + 1]
            gap = x[e1:s2]
            between = re.search(r"\bbetween\s*$", x[max(0, s1 - 12):s1], re.IGNORECASE)
            if _RANGE_JOIN.match(gap) and (gap.strip().lower() != "and" or between) and p2.end >= p1.start:
                out.append((s1, e2, Period(p1.start, p2.end)))
                i += 2
                continue
        out.append((s1, e1, p1))
        i += 1
    return out


@lru_cache(maxsize=50_000)
def _dates(x: str, ref: dt.date) -> tuple[Period, ...]:
    return tuple(p for _, _, p in _merged(x, ref))


def dates(x: str, reference: Period | None = None) -> tuple[Period, ...]:
    return _dates(as_text(x), _ref(reference))


@lru_cache(maxsize=50_000)
def _timespan(x: str, ref: dt.date) -> Period | None:
    found = _merged(x, ref)
    if not found:
        return None
    s1, _, p1 = found[0]
    before = x[max(0, s1 - 20):s1]
    if len(found) == 1:
        if _OPEN_START.search(before) and not re.search(r"\bfrom\s*$", before, re.IGNORECASE):
            return Period(p1.start, max(p1.start, ref))
        if _OPEN_END.search(before):
            return Period(dt.date.min, p1.end)
        return p1
    return Period(min(p.start for _, _, p in found), max(p.end for _, _, p in found))


def timespan(x: str, reference: Period | None = None) -> Period | None:
    return _timespan(as_text(x), _ref(reference))


def read_date(value) -> Period | None:
    """The value of an input declared `date` ("2024-05-01", "May 2010", "2004", "from 2004 to 2006", or a
    number such as 2004) as a period, or None when it names no date. Read against the run's setting."""
    if isinstance(value, Period) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _timespan(str(value).strip(), reference_date())


def dates_near(s: str, x: str, reference: Period | None = None) -> tuple[Period, ...]:
    needle = normalize(as_text(s))
    if not needle:
        return ()
    sents = sentences(as_text(x))
    near = [t for t in sents if needle in normalize(t)]
    if not near:
        from rapidfuzz import fuzz
        near = [t for t in sents if fuzz.partial_ratio(needle, normalize(t), score_cutoff=90)]
    return tuple(p for t in near for p in dates(t, reference))


def before(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and a.end < b.start


def after(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and a.start > b.end


def overlaps(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and a.start <= b.end and b.start <= a.end


def within(a: Period | None, b: Period | None) -> bool:
    return a is not None and b is not None and b.start <= a.start and a.end <= b.end


def year(a: Period) -> float:
    return float(a.start.year)
