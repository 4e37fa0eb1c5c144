"""The value types of the language and the assignability rules the checker uses."""
from __future__ import annotations

from functools import lru_cache

BASE_TYPES = {"text", "label", "number", "bool", "date", "span", "labelset", "record"}
ANY = "any"
NONE = "none"


def list_of(t: str) -> str:
    return f"list<{t}>"


def is_list(t: str) -> bool:
    return t.startswith("list<")


def elem(t: str) -> str:
    return t[5:-1] if is_list(t) else ANY


TEXTUAL = {"text", "label", "span"}


def assignable(actual: str, expected: str) -> bool:
    """Can a value of type `actual` be passed where `expected` is wanted?"""
    if ANY in (actual, expected) or actual == NONE or actual == expected:
        return True
    if expected in TEXTUAL and actual in TEXTUAL:
        return True  # spans and labels read as their text; text read as a label
    if is_list(expected) and is_list(actual):
        return assignable(elem(actual), elem(expected))
    if is_record(expected) and is_record(actual):
        return record_assignable(actual, expected)
    if is_list(expected) and actual == "labelset":
        return elem(expected) in (ANY, "label", "text")
    return False


def join(a: str, b: str) -> str:
    """The type of a value that is either `a` or `b` (list literals, if/or results)."""
    if a == b or b == NONE:
        return a
    if a == NONE:
        return b
    if a in TEXTUAL and b in TEXTUAL:
        return "text"
    if is_list(a) and is_list(b):
        return list_of(join(elem(a), elem(b)))
    return ANY


# ---- record types: `{name: text, price: number}`, written in declared order ------------------------------
def is_record(t: str) -> bool:
    return t.startswith("{")


def record_of(fields: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in fields) + "}"


def _split_top(body: str) -> list[str]:
    """Split at the commas that are not inside <...> or {...}."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "<{":
            depth += 1
        elif ch in ">}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def record_fields(t: str) -> dict[str, str]:
    """The fields of a record type string, in declared order ({} for any other type)."""
    return dict(_fields(t)) if is_record(t) else {}


@lru_cache(maxsize=1024)
def _fields(t: str) -> tuple[tuple[str, str], ...]:
    """A program has a few record types, read for every record of every batch: each is split once."""
    out = []
    for part in _split_top(t[1:-1]):
        name, _, ftype = part.partition(":")
        out.append((name.strip(), ftype.strip()))
    return tuple(out)


def record_assignable(actual: str, expected: str) -> bool:
    """A record passes where a record type is wanted when it has every wanted field, each assignable."""
    have = record_fields(actual)
    return all(k in have and assignable(have[k], t) for k, t in record_fields(expected).items())
