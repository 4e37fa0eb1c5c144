"""The date grammar (LANGUAGE.md §4 "Dates"): where a text names a date, and when a number is a year.

Candidate spans (`_KINDS`): day ranges within a month ("1-5 March 2020", "between 1 and 5 March 2020",
"March 1-5, 2020", "3 May to 7 June 2010"), month ranges ("May to July 2010"), seasons ("the summer of
2003", "summer 2003"), full dates ("18 September 1976", "Sept. 18, 1976", "2004-05-12"), months ("Aug
1995"), year ranges ("1995-2002"), decades ("the 1990s"), years with an era ("1500 AD"), bare years
(1000-2099) and relative words ("last year", "3 days ago"). Words such as "may" or "march" are months only
when capitalised or beside a day number ("march 5, 2020" is a day; "we may 2010" names only a year), and
not before a quantity (`verb_not_month`: "May 1500 dollars be yours").

A bare number is a year unless the words around it say it is a quantity (`not_a_year`):
- a currency sign or code before it ("$1999", "USD 1999"), or a thousands separator or decimal part
  touching it ("2,000", "1999.5");
- a unit, currency or multiplier word after it ("1500 dollars", "1999 km", "1500 ms", "2000 million",
  "5%"), or after the number it is joined to ("between 1000 and 1600 m"): a quantity, whatever comes before;
- a numbering or quantity word before it in the same clause and sentence ("page 1200", "room 2004",
  "No. 1990", "cost 1500", "sold about 2004"), looking back over fillers such as "about" or "over" (but
  not past a sentence end: "He turned the page. 2004 was good." names 2004);
- a counting noun after it, maybe behind one adjective ("2004 votes", "1500 units", "2000 new members"),
  unless a year preposition or a count word comes right before it ("in 2004 votes were cast", "seven 2019
  matches" are years; "in about 1500 units" is not).
Anything else is a year: "in 1500", "1999", "since 2001", "from 2004 to 2005", "in 1500 AD".
"""
from __future__ import annotations

import calendar
import functools
import re

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_M = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
      r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# without a day beside it, "may"/"march"/"mar" must be capitalised: "we may 2010", "they march 2000 men";
# beside a day any case reads as a month ("march 5, 2020", "5 march 2020")
_MS = r"(?:(?-i:May|MAY|March|MARCH|Mar\.?|MAR\.?)|" + _M.replace("mar(?:ch)?|", "").replace("may|", "") + ")"
_Y = r"(?:1[0-9]{3}|20[0-9]{2})"
_YEND = r"(?![\w/%°]|[.,:]\d)"  # a year ends a word: not "2004th", "1999.5", "2,000" or "1999%"
_YEND_BARE = r"(?![\w/%°]|[.,:]\d|-\d)"  # and a bare year is no code such as "2004-5"
_D = r"(?:[0-9]{1,2})(?:st|nd|rd|th)?"
_DAY0 = r"(?<![0-9][.,:/])\b"  # a day number starts a number: not the "5" of "3.5"
_J = r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*"
_KINDS = [  # (kind, pattern): earlier kinds win where two start at the same place
    ("dd_range", rf"{_DAY0}(?:between\s+(?P<d1>{_D})\s+and\s+|(?P<d1b>{_D}){_J})"
                 rf"(?P<d2>{_D})\s+(?:of\s+)?(?P<m>{_M}),?\s+(?P<y>{_Y}){_YEND}"),
    ("dm_range", rf"{_DAY0}(?:between\s+(?P<d1>{_D})\s+(?P<m1>{_M})\s+and\s+|(?P<d1b>{_D})\s+(?P<m1b>{_M}){_J})"
                 rf"(?P<d2>{_D})\s+(?P<m2>{_M}),?\s+(?P<y>{_Y}){_YEND}"),
    ("md_range", rf"\b(?:between\s+(?P<m1>{_M})\s+(?P<d1>{_D})\s+and\s+|(?P<m1b>{_M})\s+(?P<d1b>{_D}){_J})"
                 rf"(?:(?P<m2>{_M})\s+)?(?P<d2>{_D}),?\s+(?P<y>{_Y}){_YEND}"),
    ("mm_range", rf"\b(?:between\s+(?P<m1>{_MS})\s+and\s+|(?P<m1b>{_MS}){_J})(?P<m2>{_M}),?\s+(?P<y>{_Y}){_YEND}"),
    ("season", rf"\b(?P<s>spring|summer|autumn|fall|winter)\s+(?P<of>of\s+)?(?P<y>{_Y}){_YEND}"),
    ("dmy", rf"{_DAY0}(?P<d>{_D})\s+(?:of\s+)?(?P<m>{_M}),?\s+(?P<y>{_Y}){_YEND}"),
    ("mdy", rf"\b(?P<m>{_M})\s+(?P<d>{_D}),?\s+(?P<y>{_Y}){_YEND}"),
    ("my", rf"\b(?P<m>{_MS}),?\s+(?P<y>{_Y}){_YEND}"),
    ("iso", rf"(?<![#\w/.\-])(?P<y>{_Y})-(?P<m>[0-9]{{2}})-(?P<d>[0-9]{{2}})(?![\w/\-]|\.\d)"),
    ("yrange", rf"(?<![#\w$£€¥₹.,/:\-])(?P<y1>{_Y})\s*[-–—]\s*"  # "1995-2002", "1995-96", not "1488 – 15 May"
               rf"(?P<y2>{_Y}|[0-9]{{2}}(?!\s+(?:of\s+)?{_M}))(?![\w/%°\-]|[.,:]\d)"),
    ("decade", rf"(?<![#\w$£€¥₹.,/:\-])(?P<y>{_Y})'?s\b"),
    ("era", r"\b(?P<y>[0-9]{1,4})\s*(?-i:AD|A\.D\.|CE|C\.E\.)(?!\w)|"
            r"(?<![\w.])(?-i:AD|A\.D\.)\s*(?P<y2>[0-9]{1,4})\b"),
    ("relative", r"\b(?:yesterday|today|tomorrow|(?:last|next|this)\s+(?:year|month|week)|"
                 r"(?:[0-9]+|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:day|week|month|year)s?\s+ago)\b"),
    ("year", rf"(?:(?<=\bmid-)|(?<![#\w$£€¥₹.,/:\-]))(?P<y>{_Y}){_YEND_BARE}"),
]
# every kind starts a word with one of these: checking them first makes the scan about 5x faster
_STARTS = (r"[0-9]|a\.?d|between|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|autumn|fall|"
           r"winter|yesterday|today|tomorrow|last|next|this|an?\b|one|two|three|four|five|six|seven|eight|nine|ten")

# Compiled on first use, not at import: every `act` process imports this module, and most never read a date
# (compiling these patterns is most of the import's cost, about 0.1 s a process).
@functools.cache
def scan() -> re.Pattern[str]:
    """One pattern for every kind: a match's group name is its kind."""
    return re.compile(rf"(?<!\w)(?={_STARTS})(?:" + "|".join(
        f"(?P<{k}>{re.sub(r'[(][?]P<[a-z0-9]+>', '(?:', p)})" for k, p in _KINDS) + ")", re.IGNORECASE)


@functools.cache
def kind_re() -> dict[str, re.Pattern[str]]:
    """Each kind's own pattern, with its named groups."""
    return {k: re.compile(p, re.IGNORECASE) for k, p in _KINDS}


_UNITS_CS = set("ms s sec secs min mins h hr hrs km m cm mm nm mi ft yd kg g mg lb lbs oz ml cc kWh kW MW GW Hz "
                "kHz MHz GHz KB kB MB GB TB mAh mph kph km/h rpm bpm dpi px pt pts sq hp kcal cal "
                "USD EUR GBP JPY CHF INR CAD AUD BTC".split())
_UNIT_WORDS = set("dollars dollar euros euro pounds yen yuan rupees francs pesos cents bucks seconds minutes hours "
                  "days weeks months years decades centuries milliseconds meters metres kilometers kilometres "
                  "centimeters centimetres millimeters millimetres miles feet foot inches yards grams kilograms "
                  "kilos tons tonnes ounces liters litres gallons barrels acres hectares calories watts volts "
                  "kilowatts megawatts bytes megabytes gigabytes pixels degrees percent per million millions "
                  "billion billions thousand thousands hundred hundreds trillion crore lakh".split())
_COUNT_NOUNS = set("people persons men women children kids students pupils soldiers troops workers employees staff "
                   "residents inhabitants citizens voters votes ballots members fans spectators visitors tourists "
                   "users customers clients patients cases deaths victims casualties units items pieces copies "
                   "pages words characters lines points goals runs games matches wins losses times seats cars "
                   "vehicles houses homes buildings rooms beds books articles papers songs albums tickets shares "
                   "animals birds trees sheep cattle horses ships planes aircraft missiles rounds steps calls "
                   "messages emails downloads views likes followers subscribers entries participants attendees "
                   "delegates candidates applicants jobs bottles boxes bags cups sales orders transactions "
                   "samples images photos files rows records laps signatures respondents households families "
                   "farms schools companies firms stores shops jobs species genes cells".split())
_ADJECTIVES = set("new more other additional extra registered active local unique eligible individual different "
                  "separate armed paying young".split())
_NUMBER_BEFORE = set("page pages room rooms number nr flight route highway interstate bus chapter section vol volume "
                     "issue exit apartment apt suite platform gate seat track row figure fig table step model "
                     "version ticket order account code id pin zip box lot block floor level rank ranked score "
                     "scored scoring cost costs costing paid pay pays priced price weighs weighed weighing weight "
                     "sold selling earned earns earning totalled totaled totaling totalling numbered numbering "
                     "population capacity measuring measured measures counted plus minus times x × = bib jersey "
                     "locker patent serial isbn".split())
_NUMBER_MARKS = {"No.", "no.", "Nos.", "nos.", "p.", "pp.", "#", "No", "NO."}
# a word with a full stop ends the sentence unless it is one of these abbreviations ("vol. 1990", "c. 1500")
_ABBREVIATIONS = set("no nos nr p pp vol fig apt ch sec c ca approx est".split())
_FILLERS = set("about around approximately roughly nearly almost over under just only some exactly more less fewer "
               "than a an total at least most up to precisely another".split())
_YEAR_PREPS = set("in since from until till by during before after circa c ca early late mid spring summer autumn "
                  "fall winter year years".split())
_DETERMINERS = set("one two three four five six seven eight nine ten eleven twelve several many few both all its "
                   "his her their our my your whose".split())  # "Seven 2019 matches", "their 2004 votes": years
_CLAUSE = re.compile(r"[,;:()\[\]{}!?\"]|\s\.(?:\s|$)")
_TOKENS = re.compile(r"#|[$£€¥₹=×]|[\w]+\.?")
_CURRENCY_BEFORE = re.compile(r"(?:[$£€¥₹]|\b(?:US\$|USD|EUR|GBP|JPY|CHF|INR|CAD|AUD|Rs\.?))\s*$")
_RANGE_NEXT = re.compile(r"\s*(?:-|–|—|to|and|or)\s*[0-9][0-9,.]*(?=[\s%°A-Za-z])")
_NEXT = re.compile(r"\s*(%|°|‰|[A-Za-z][\w/]*)(?:[\s-]+([A-Za-z]\w*))?")


def _words_after(text: str, end: int) -> tuple[str, str]:
    joined = _RANGE_NEXT.match(text, end)  # "between 1000 and 1600 m": the unit after the second counts for both
    nxt = _NEXT.match(text, joined.end() if joined else end)
    return (nxt.group(1), nxt.group(2) or "") if nxt else ("", "")


def _is_unit(word: str) -> bool:
    return word in ("%", "°", "‰") or word in _UNITS_CS or word.lower() in _UNIT_WORDS


def verb_not_month(text: str, month: str, start: int, end: int) -> bool:
    """True when "may" or "march" before the number text[start:end] is a verb: a unit after the number
    ("May 1500 dollars be yours"), or, written in lower case, any quantity ("they march 5, 2000 soldiers")."""
    if month.lower().rstrip(".") not in ("may", "march", "mar"):
        return False
    if month.islower():
        return not_a_year(text, start, end, look_back=False)
    return _is_unit(_words_after(text, end)[0])


def not_a_year(text: str, start: int, end: int, look_back: bool = True) -> bool:
    """True when the number text[start:end] is a quantity by the rules in the module docstring."""
    before = _CLAUSE.split(text[max(0, start - 60):start])[-1]  # "146 pages , 1984": look inside the clause
    if _CURRENCY_BEFORE.search(before):
        return True
    w1, w2 = _words_after(text, end)
    if _is_unit(w1):
        return True
    year_prep = False
    if look_back:
        for i, tok in enumerate(reversed(_TOKENS.findall(before)[-4:])):
            low = tok.lower().rstrip(".")
            if tok.endswith(".") and low not in _ABBREVIATIONS:
                break  # "He turned the page. 2004 was good.": the word belongs to the sentence before
            if tok in _NUMBER_MARKS or low in _NUMBER_BEFORE:
                return True
            if low in _YEAR_PREPS or low in _DETERMINERS:
                year_prep = i == 0  # "in 2004 votes" is a year, "in about 1500 units" a quantity
                break
            if low not in _FILLERS:
                break
    counted = w1.lower() in _COUNT_NOUNS or (w1.lower() in _ADJECTIVES and w2.lower() in _COUNT_NOUNS)
    return counted and not year_prep
