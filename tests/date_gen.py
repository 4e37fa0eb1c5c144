"""Dates written in every form the date grammar reads, with the span each denotes, and filler words around them:
the generators of tests/test_laws_temporal.py, each a function of a random.Random."""
from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass
from typing import Callable, TypeVar

from hypothesis import strategies as st

from act_dsl.ops.values import Period

T = TypeVar("T")
Years = tuple[int, int]
ALL_YEARS: Years = (1000, 2099)  # the years a bare number can be


def seeded(gen: Callable[[random.Random], T]) -> st.SearchStrategy[T]:
    return st.integers(0, 2**64 - 1).map(lambda seed: gen(random.Random(seed)))


@dataclass(frozen=True)
class Written:
    text: str
    period: Period


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _ordinal(d: int) -> str:
    return f"{d}{'th' if 10 <= d % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


def day_between(r: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return dt.date.fromordinal(r.randint(lo.toordinal(), hi.toordinal()))


def whole_years(y1: int, y2: int) -> Period:
    return Period(dt.date(y1, 1, 1), dt.date(y2, 12, 31))


# ---- writing a date in the supported forms --------------------------------------------------------------------
def month_name(r: random.Random, m: int, lower_ok: bool) -> str:
    """The ways a month is written: full, three letters with or without a dot, Sept.; lower and upper case
    only beside a day number, where the docs promise it is still a month."""
    full, short = calendar.month_name[m], calendar.month_abbr[m]
    names = [full, short, f"{short}." if m != 5 else full] + (["Sept", "Sept."] if m == 9 else [])
    if lower_ok:
        names += [full.lower(), full.upper()]
    return r.choice(names)


def a_day(r: random.Random, years: Years = ALL_YEARS) -> Written:
    d = day_between(r, dt.date(years[0], 1, 1), dt.date(years[1], 12, 31))
    day, month = r.choice([str(d.day), _ordinal(d.day)]), month_name(r, d.month, lower_ok=True)
    text = r.choice([d.isoformat(), f"{day} {month} {d.year}", f"the {_ordinal(d.day)} of {month} {d.year}",
                     f"{month} {day}, {d.year}", f"{month} {day} {d.year}"])
    return Written(text, Period(d, d))


def a_month(r: random.Random, years: Years = ALL_YEARS) -> Written:
    y, m = r.randint(*years), r.randint(1, 12)
    return Written(f"{month_name(r, m, lower_ok=False)} {y}", Period(dt.date(y, m, 1), month_end(y, m)))


def a_year(r: random.Random, years: Years = ALL_YEARS) -> Written:
    y = r.randint(*years)
    return Written(str(y), whole_years(y, y))


SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}


def a_season(r: random.Random, years: Years = ALL_YEARS) -> Written:
    y, name = r.randint(years[0], min(years[1], 2098)), r.choice(sorted(SEASONS))
    first, last = SEASONS[name]
    end_year = y + 1 if name == "winter" else y  # winter runs to the end of February of the next year
    text = r.choice([f"the {name} of {y}", f"{name} {y}", f"{name.title()} {y}", f"{name} of {y}"])
    return Written(text, Period(dt.date(y, first, 1), month_end(end_year, last)))


def a_decade(r: random.Random, years: Years = ALL_YEARS) -> Written:
    y = r.randint(100, 209) * 10
    width = 100 if y % 100 == 0 and y < 2000 else 10  # "the 1800s" is a century, "the 2000s" a decade
    return Written(r.choice([f"the {y}s", f"the {y}'s"]), whole_years(y, y + width - 1))


def an_era(r: random.Random, years: Years = ALL_YEARS) -> Written:
    # "AD 1500" is left out: after a number ("page 12 AD 1500") it reads as "12 AD"
    y = r.randint(1, 2099)
    return Written(r.choice([f"{y} AD", f"{y} CE", f"{y} A.D.", f"{y} C.E."]), whole_years(y, y))


def a_year_range(r: random.Random, years: Years = ALL_YEARS) -> Written:
    y1 = r.randint(*years)
    y2 = r.randint(y1, years[1])
    forms = [f"from {y1} to {y2}", f"between {y1} and {y2}", f"{y1}-{y2}", f"{y1} – {y2}", f"{y1} to {y2}",
             f"{y1} until {y2}", f"{y1} through {y2}"]
    if y2 > y1 and y2 // 100 == y1 // 100:
        forms.append(f"{y1}-{y2 % 100:02d}")  # "1995-96"
    return Written(r.choice(forms), whole_years(y1, y2))


def a_day_range(r: random.Random, years: Years = ALL_YEARS) -> Written:
    """Days of one year: within a month ("between 1 and 5 March 2020") or across months ("3 May to 7 June")."""
    y = r.randint(*years)
    d1 = day_between(r, dt.date(y, 1, 1), dt.date(y, 12, 31))
    d2 = day_between(r, d1, month_end(y, d1.month) if r.random() < 0.5 else dt.date(y, 12, 31))
    m1, m2 = month_name(r, d1.month, lower_ok=True), month_name(r, d2.month, lower_ok=True)
    if d1.month == d2.month:
        forms = [f"between {d1.day} and {d2.day} {m2} {y}", f"{d1.day}-{d2.day} {m2} {y}",
                 f"{d1.day} to {d2.day} {m2} {y}", f"{m1} {d1.day}-{d2.day}, {y}", f"{m1} {d1.day} to {d2.day}, {y}"]
    else:
        forms = [f"{d1.day} {m1} to {d2.day} {m2} {y}", f"between {d1.day} {m1} and {d2.day} {m2} {y}",
                 f"{m1} {d1.day} to {m2} {d2.day}, {y}", f"between {m1} {d1.day} and {m2} {d2.day}, {y}"]
    return Written(r.choice(forms), Period(d1, d2))


def a_month_range(r: random.Random, years: Years = ALL_YEARS) -> Written:
    y, m1 = r.randint(*years), r.randint(1, 12)
    m2 = r.randint(m1, 12)
    a, b = month_name(r, m1, lower_ok=False), month_name(r, m2, lower_ok=False)
    text = r.choice([f"{a} to {b} {y}", f"between {a} and {b} {y}", f"{a}-{b} {y}"])
    return Written(text, Period(dt.date(y, m1, 1), month_end(y, m2)))


CLOSED = [a_day, a_month, a_year, a_season]


def closed(r: random.Random, years: Years = ALL_YEARS) -> Written:
    """One closed span in one of the single forms."""
    return r.choice(CLOSED)(r, years)


def a_from_to(r: random.Random, years: Years = ALL_YEARS) -> Written:
    """Two single forms joined: "from 5 March 2004 to 2005", "between May 2001 and the summer of 2002"."""
    a, b = closed(r, years), closed(r, years)
    if b.period.end < a.period.start:
        a, b = b, a
    joint = r.choice(["from {} to {}", "between {} and {}", "{} until {}", "{} through {}", "{} - {}"])
    return Written(joint.format(a.text, b.text), Period(a.period.start, b.period.end))


FORMS = CLOSED + [a_decade, an_era, a_year_range, a_day_range, a_month_range, a_from_to]


def written(r: random.Random, years: Years = ALL_YEARS) -> Written:
    """A date in any supported form that names one closed span."""
    return r.choice(FORMS)(r, years)


# ---- sentences of filler words around it -----------------------------------------------------------------------
NEUTRAL = ("the club river green report said we saw it was there quietly plan with of in on at meeting council "
           "city north he she they that was built near old stone bridge its first").split()
# words and phrases a careless reader takes for dates; none of them is one
TRICKY = ["may", "march", "mar", "we may go", "they march on", "1500 dollars", "2,000 people", "page 1200",
          "$1999", "room 2004", "No. 1990", "15%", "won 2004 votes", "about 1500 units", "1,500 people",
          "at USD 1999", "1800 kg", "2000 million", "a 1999 km drive", "they sold 2004", "3.5", "may the",
          "May 1500 dollars be yours", "they march 5, 2000 soldiers north"]


def fillers(r: random.Random, most: int = 6, pool: list[str] = NEUTRAL + TRICKY) -> list[str]:
    return [r.choice(pool) for _ in range(r.randint(0, most))]
