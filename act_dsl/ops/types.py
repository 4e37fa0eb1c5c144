"""The value types of the language and the assignability rules the checker uses."""
from __future__ import annotations

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
