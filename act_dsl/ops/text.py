"""Text and list operations."""
from __future__ import annotations

import re

from act_dsl.ops.values import TextSpan, as_text, normalize

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[^\s])|\n+")
MAX_PATTERN = 500


def split(x: str, sep: str) -> tuple[str, ...]:
    if not sep:
        raise ValueError("split needs a non-empty separator")
    return tuple(p.strip() for p in as_text(x).split(sep) if p.strip())


def lines(x: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in as_text(x).splitlines() if s.strip())


def first_line(x: str) -> str:
    for s in as_text(x).splitlines():
        if s.strip():
            return s.strip()
    return ""


def strip(x: str) -> str:
    return as_text(x).strip()


def lower(x: str) -> str:
    return as_text(x).lower()


def upper(x: str) -> str:
    return as_text(x).upper()


def words(x: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(as_text(x)))


def sentences(x: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SENT.split(as_text(x)) if s and s.strip())


def ngrams(x: str, n: float) -> tuple[str, ...]:
    k = int(n)
    if k < 1:
        raise ValueError(f"ngrams needs n >= 1, got {n}")
    ws = words(x)
    return tuple(" ".join(ws[i:i + k]) for i in range(len(ws) - k + 1))


def length(x: str) -> float:
    return float(len(as_text(x)))


def matches(x: str, pattern: str) -> bool:
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"pattern longer than {MAX_PATTERN} characters")
    return re.search(pattern, as_text(x)) is not None


def starts_with(x: str, p: str) -> bool:
    return normalize(as_text(x)).startswith(normalize(as_text(p)))


def ends_with(x: str, p: str) -> bool:
    return normalize(as_text(x)).endswith(normalize(as_text(p)))


def count(xs: tuple) -> float:
    return float(len(xs))


def _norm_items(xs: tuple) -> list[str]:
    return [normalize(as_text(x)) for x in xs]


def overlap(a: tuple, b: tuple) -> float:
    if not a:
        return 0.0
    bs = set(_norm_items(b))
    return sum(1 for x in _norm_items(a) if x in bs) / len(a)


def disjoint(a: tuple, b: tuple) -> bool:
    return not (set(_norm_items(a)) & set(_norm_items(b)))


def unique(xs: tuple) -> tuple:
    seen: set[str] = set()
    out = []
    for x in xs:
        k = normalize(as_text(x))
        if k not in seen:
            seen.add(k)
            out.append(x)
    return tuple(out)


__all__ = ["as_text", "TextSpan"]  # `text:as_text` in the registry is the shared helper
