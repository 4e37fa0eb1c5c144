"""The periods a text attaches to the names in it (LANGUAGE.md §4 "Dates"): dates carried across sentences.

A text is read as a timeline of clauses. Clauses end where `sentences` ends a sentence and at a `;`, a `,` or
the words "and", "but", "while", "whereas" or "when", never inside a date (`between 2001 and 2004` stays whole).
Each clause gets one period:

1. A clause that names dates is about the span from the earliest start to the latest end of them (read by
   temporal.py, ranges such as "from 1998 to 2004" as one). "since X" and "after X" run to the reference
   day; "until Y" and "before Y" start where the period carried into the clause starts (else the earliest
   day). A single day, month, season or year ("in 2005 he joined B") lasts until the day before the next
   later date of the paragraph: a state holds until the text says something changed.
2. A clause without a date takes the period of the nearest clause before it in its sentence that has one.
   Otherwise it carries the period of the clause before, running until the day before the next later
   date; after "until Y", or with "later", "after that", "afterwards", "subsequently", "thereafter" or
   "then" in it, it starts the day after the carried period ends.
3. Each line (a paragraph) is read on its own. A text tells in order, so clauses before its first date are
   about the time before that date (from the earliest day to the day before it starts); in a paragraph
   without a date, every day. Dates after "born" or "died" in their clause, or in parentheses, are left out:
   a life is not the time the clause tells of.

`period_of(s, x)` is the span covering the periods of the clauses where `s` occurs in `x` (its words in
order, any case, spacing or punctuation between them), none when it does not occur.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from functools import lru_cache

from act_dsl.ops.temporal import _ref, _SENTENCE_CUT, _spans, opening
from act_dsl.ops.values import Period, as_text

_ONE_DAY = dt.timedelta(days=1)
_EVER = Period(dt.date.min, dt.date.max)
_CLAUSE_CUT = re.compile(r"\s*;\s*|(?<!\d),|,(?!\d)|\s+(?:and|but|while|whereas|when)\s+", re.IGNORECASE)
_LATER = re.compile(r"\b(?:later|after\s+that|afterwards?|subsequently|thereafter|then)\b(?!-)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_POINT_DAYS = 370  # a span this long or shorter (a day, month, season, year) lasts until the next date


def _cuts(text: str, inside: list[tuple[int, int]]) -> list[tuple[int, bool]]:
    """(offset, ends a sentence) of every clause boundary of text that falls outside a date span."""
    starts = [a for a, _ in inside]
    out = []
    for pattern, sentence in ((_SENTENCE_CUT, True), (_CLAUSE_CUT, False)):
        for m in pattern.finditer(text):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i < 0 or inside[i][1] <= m.start():
                out.append((m.end(), sentence))
    return sorted(set(out))


_LINE = re.compile(r"[^\n]+")
_ASIDE = re.compile(r"\([^()]*\)")
_LIFE = re.compile(r"\b(?:born|died|b\.|d\.)(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=20_000)
def timeline(text: str, ref: dt.date) -> tuple[tuple[int, Period], ...]:
    """(start offset, period) of each clause of text, in order (see the module docstring); each line (a
    paragraph) is read on its own."""
    return tuple((m.start() + a, p) for m in _LINE.finditer(text) for a, p in _paragraph(m.group(), ref))


def _paragraph(text: str, ref: dt.date) -> list[tuple[int, Period]]:
    found = _spans(text, ref)
    cuts = _cuts(text, [(a, b) for a, b, _ in found])
    bounds = [0] + [c for c, _ in cuts] + [len(text) + 1]
    new_sentence = [True] + [s for _, s in cuts]
    n = len(bounds) - 1
    asides = [(m.start(), m.end()) for m in _ASIDE.finditer(text)]
    dated: list[list[tuple[Period, str | None]]] = [[] for _ in range(n)]
    for a, _, p in found:
        c = bisect.bisect_right(bounds, a) - 1
        if any(x < a < y for x, y in asides) or _LIFE.search(text, bounds[c], a):
            continue  # "( born 1961 )", "( 1928 – 2014 )": a life or an aside, not when the clause happens
        dated[c].append((p, opening(text, a)))
    sentence = [0] * n
    for i in range(1, n):
        sentence[i] = sentence[i - 1] + (1 if new_sentence[i] else 0)
    # the next later start after each clause: where a state that the text leaves open ends
    # ("until 2013" ends the state before it: the day after is where the next one starts)
    starts = [min((p.start if w not in ("until", "before") else p.end + _ONE_DAY if w == "until" else p.start
                   for p, w in d), default=None) for d in dated]
    periods: list[Period] = []
    carried: Period | None = None
    closed = False
    for i in range(n):
        near = i if dated[i] else _nearest(dated, sentence, i)
        if near is not None:
            carried = _own(dated[near], carried, _next_start(starts, near, ref), ref)
            periods.append(carried)
            closed = all(w in ("until", "before") for _, w in dated[near])
            continue
        if carried is None:  # before the paragraph's first date: the text tells in order, so before that date
            first = next((d for d in starts[i + 1:] if d is not None), None)
            periods.append(_EVER if first is None or first <= dt.date.min else Period(dt.date.min, first - _ONE_DAY))
            continue
        nxt = _next_start(starts, i, ref, carried.start)
        clause = text[bounds[i]:bounds[i + 1]]
        moved_on = closed or _LATER.search(clause)  # "until 2004" ends a state: what the text says next is after it
        first = carried.end + _ONE_DAY if moved_on and carried.end < dt.date.max else carried.start
        carried = Period(first, max(first, carried.end, nxt - _ONE_DAY if nxt else carried.end))
        closed = False
        periods.append(carried)
    return [(bounds[i], p) for i, p in enumerate(periods)]


def _next_start(starts: list[dt.date | None], i: int, ref: dt.date, after: dt.date | None = None) -> dt.date | None:
    """The first start of a date after clause i that begins later than `after` (clause i's own start)."""
    after = after or starts[i]
    for s in starts[i + 1:]:
        if s is not None and (after is None or s > after):
            return s
    return None


def _nearest(dated: list[list], sentence: list[int], i: int) -> int | None:
    """The nearest earlier clause of clause i's sentence that names a date."""
    for j in range(i - 1, -1, -1):
        if sentence[j] != sentence[i]:
            break
        if dated[j]:
            return j
    return None


def _own(spans: list[tuple[Period, str | None]], carried: Period | None, nxt: dt.date | None,
         ref: dt.date) -> Period:
    """The period of a clause that names dates: open ends resolved against the carried period and the next date."""
    lo: dt.date | None = None
    hi: dt.date | None = None
    for p, word in spans:
        if word in ("since", "after"):
            start = p.end + _ONE_DAY if word == "after" else p.start
            end = max(ref, start)  # "since 2012 she has taught": still so on the reference day
        elif word in ("until", "before"):
            end = p.start - _ONE_DAY if word == "before" else p.end
            start = carried.start if carried is not None and carried.start <= end else dt.date.min
        else:
            start = p.start
            long = (p.end - p.start).days > _POINT_DAYS
            end = p.end if long or nxt is None or nxt <= p.end else nxt - _ONE_DAY
        lo = start if lo is None else min(lo, start)
        hi = end if hi is None else max(hi, end)
    assert lo is not None and hi is not None  # a dated clause has at least one span
    return Period(lo, hi)


def _occurrences(needle: str, text: str) -> list[int]:
    """Start offsets in text where the words of needle occur in order, anything but words between them."""
    words = _WORD.findall(needle)
    if not words or len(needle) > len(text):  # an answer longer than the text cannot be in it
        return []
    pattern = r"(?<!\w)" + r"\W*".join(re.escape(w) for w in words) + r"(?!\w)"
    return [m.start() for m in re.finditer(pattern, text, re.IGNORECASE)]


def periods_of(s: object, x: object, reference: Period | dt.date | None = None) -> tuple[Period, ...]:
    """The periods of the clauses of x where s occurs, in order, without repeats."""
    text = as_text(x)
    at = _occurrences(as_text(s), text)
    if not at:
        return ()
    clauses = timeline(text, _ref(reference))
    offsets = [a for a, _ in clauses]
    return tuple(dict.fromkeys(clauses[bisect.bisect_right(offsets, a) - 1][1] for a in at))


def period_of(s: object, x: object, reference: Period | dt.date | None = None) -> Period | None:
    """The span covering the periods x attaches to the places where s occurs; None when s is not in x."""
    found = periods_of(s, x, reference)
    if not found:
        return None
    return Period(min(p.start for p in found), max(p.end for p in found))
