"""Runtime values: label sets, text spans, periods and error markers. All hashable, so results cache by value."""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_WS = re.compile(r"\s+")
SHORT_TEXT = 64  # texts up to this many characters are normalised through a cache: ~35 MB when full (Latin-1)


def normalize(text: str) -> str:
    """Unicode (NFKC), case and space normalisation used by every exact comparison."""
    # labels, entities, keywords and short answers repeat; a longer text (a sentence, a short response) rarely
    # does: cached up to 256 characters, they filled the cache slowly in issue 26's soak (up to ~70 MB when full)
    if len(text) <= SHORT_TEXT:
        return _normalize_short(text)
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@lru_cache(maxsize=100_000)
def _normalize_short(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@dataclass(frozen=True)
class TextSpan:
    """A piece of text with its character offsets and, for entities, its NER label."""

    text: str
    start: int = -1
    end: int = -1
    label: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Period:
    """A time span of whole days, both ends inclusive."""

    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}..{self.end}"


@dataclass(frozen=True, eq=False)
class LabelSet:
    """A named set of labels; `/`-path labels form a hierarchy."""

    name: str
    labels: tuple[str, ...]
    normalized: dict = field(default_factory=dict, repr=False)  # normalised label -> label

    def __post_init__(self) -> None:
        if not self.normalized:
            self.normalized.update({normalize(lab): lab for lab in self.labels})

    def __hash__(self) -> int:
        return id(self)

    def __contains__(self, label: str) -> bool:
        return normalize(label) in self.normalized

    def __str__(self) -> str:
        return ", ".join(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self):
        return iter(self.labels)  # a label set passes where a list of labels is wanted (count, overlap, ...)


@dataclass(frozen=True)
class ErrorValue:
    """A verifier failed on this row; the constraint gets 0 and the error is counted."""

    message: str

    def __bool__(self) -> bool:
        return False


class _Marker:
    """A falsy singleton that is not `none`: see NA and EMPTY below."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return self.name  # pickles (NER worker processes) as the same singleton


# `share` over an empty list: the constraint is not applicable; below a constraint's root it reads as none
NA = _Marker("NA")
# the value of every constraint of an empty (or whitespace-only) response: scores 0, counted once per response
EMPTY = _Marker("EMPTY")


def as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, TextSpan):
        return value.text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_json(value: object) -> object:
    """A JSON-ready rendering of any value (for score output and traces)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are not JSON
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, TextSpan):
        return {"text": value.text, "start": value.start, "end": value.end, "label": value.label} \
            if value.label or value.start >= 0 else value.text
    if isinstance(value, Period):
        return {"start": str(value.start), "end": str(value.end)}
    if isinstance(value, LabelSet):
        return f"<labels {value.name}: {len(value)}>"
    if isinstance(value, ErrorValue):
        return {"error": value.message}
    plain = getattr(value, "plain", None)
    if callable(plain):  # a JSON record (act_dsl/ops/structured.py), as its object
        return to_json(plain())
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if value is NA:
        return None
    if value is EMPTY:
        return False
    return str(value)
