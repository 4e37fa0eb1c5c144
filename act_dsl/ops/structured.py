"""Structured answers (LANGUAGE.md §6): JSON read against a declared type, numbers and matches taken from text.

Every function here is bounded: a hostile answer (a megabyte of brackets, a number with a million digits, a
pattern that matches everywhere) ends in a value or a clear per-response error, never a hang.
"""
from __future__ import annotations

import json
import math
import sys
from types import FrameType
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from act_dsl.ops import types as T
from act_dsl.ops.text import compile_pattern
from act_dsl.ops.values import as_text

MAX_JSON_CHARS = 1_000_000   # longest text `json` reads (the command line's default --max-chars)
MAX_JSON_STARTS = 100        # opening brackets `json` tries before it gives up on a text
MAX_JSON_DEPTH = 200         # deepest nesting `json` reads (the data reader's limit too)
MAX_MATCHES = 100_000        # items `numbers` and `extract` may return for one text
MAX_TEXT_CHARS = 10_000_000  # longest text `+` and `join` may build


@dataclass(frozen=True)
class Record:
    """A JSON object read against a record type: every declared field, in declared order (none where absent)."""

    items: tuple[tuple[str, Any], ...]

    def get(self, name: str) -> Any:
        for key, value in self.items:
            if key == name:
                return value
        return None

    def plain(self) -> dict:
        return {k: _plain(v) for k, v in self.items}

    def __str__(self) -> str:
        return json.dumps(self.plain(), ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.plain()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


# ---- json -----------------------------------------------------------------------------------------------
def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's reader takes them, JSON does not


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_int=float)


@lru_cache(maxsize=1024)
def _shape(t: str) -> tuple:
    """A declared type as a tree the reader walks: ("list", item), ("record", ((name, shape), ...)) or a name."""
    if T.is_list(t):
        return ("list", _shape(T.elem(t)))
    if T.is_record(t):
        return ("record", tuple((k, _shape(v)) for k, v in T.record_fields(t).items()))
    return (t,)


def _read(value: Any, shape: tuple) -> Any:
    """A parsed JSON value read against a shape: a value of another JSON type reads as none, never converted."""
    kind = shape[0]
    if kind == "list":
        return tuple(_read(v, shape[1]) for v in value) if isinstance(value, list) else None
    if kind == "record":
        if not isinstance(value, dict):
            return None
        return Record(tuple((k, _read(value[k], s) if k in value else None) for k, s in shape[1]))
    if kind in ("text", "label"):
        return value if isinstance(value, str) else None
    if kind == "number":  # JSON numbers arrive as floats (parse_int=float); true/false are not numbers
        return value if isinstance(value, float) and math.isfinite(value) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    return _read_any(value)


def _read_any(value: Any) -> Any:
    if isinstance(value, dict):
        return Record(tuple((str(k), _read_any(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_read_any(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _python_depth() -> int:
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def _decode_at(x: str, i: int) -> Any:
    """The JSON value starting at x[i], or None. Nesting is bounded by lowering the recursion limit for the call:
    the C reader then stops at MAX_JSON_DEPTH levels instead of recursing as deep as the text asks."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(_python_depth() + MAX_JSON_DEPTH + 20)
    try:
        value, _ = _DECODER.raw_decode(x, i)
        return value
    except (ValueError, RecursionError, OverflowError):
        return None
    finally:
        sys.setrecursionlimit(old)


def read_json(x: str, declared: str = T.ANY) -> Any:
    """The first complete JSON object in x (an array when the declared type is a list), read against that type;
    none when there is none. Text around it and a fenced code block are allowed."""
    text = as_text(x)
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"the text is longer than {MAX_JSON_CHARS:,} characters")
    opener = "[" if T.is_list(declared) else "{"
    shape = _shape(declared)
    start = text.find(opener)
    for _ in range(MAX_JSON_STARTS):
        if start < 0:
            return None
        value = _decode_at(text, start)
        if value is not None:
            return _read(value, shape)
        start = text.find(opener, start + 1)
    if start < 0:
        return None
    raise ValueError(f"no complete JSON value among the first {MAX_JSON_STARTS} `{opener}` of the text")


def conforms(x: Any) -> bool:
    """x was read and every declared field (every list item) is present with its type, recursively."""
    stack = [x]
    while stack:  # iterative: lists of records of lists nest as deep as the declared type
        v = stack.pop()
        if v is None:
            return False
        if isinstance(v, Record):
            stack.extend(value for _, value in v.items)
        elif isinstance(v, tuple):
            stack.extend(v)
    return True


# ---- numbers and matches in text --------------------------------------------------------------------------
_RUN = r"[0-9](?:[0-9.,]*[0-9])?"     # a run of digits with the separators between them (RE2: linear time)
_GROUPED = r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$"


def _run_numbers(run: str) -> list[float]:
    """The numbers of one digit run: `1,500.5` is one number; `1,2` two; `1.2.3` reads `1.2` and `3`."""
    if compile_pattern(_GROUPED).search(run) is not None:
        return [float(run.replace(",", ""))]
    out = []
    for piece in run.split(","):
        parts = piece.split(".")
        while parts:
            if len(parts) >= 2 and parts[0] and parts[1]:
                out.append(float(parts[0] + "." + parts[1]))
                parts = parts[2:]
            else:
                if parts[0]:
                    out.append(float(parts[0]))
                parts = parts[1:]
    return out


def numbers(x: str) -> tuple[float, ...]:
    """The numbers written in x, in order: `24.99`, `-3`, `1,500` (= 1500). Digits inside a word (`A4`) are not."""
    text = as_text(x)
    out: list[float] = []
    for m in compile_pattern(_RUN).finditer(text):
        s = m.start()
        before = text[s - 1] if s > 0 else ""
        if before.isalnum() or before in "_.":
            continue
        values = [v for v in _run_numbers(m.group(0)) if math.isfinite(v)]
        if values and before == "-" and not (s > 1 and (text[s - 2].isalnum() or text[s - 2] == "_")):
            values[0] = -values[0]  # a sign, not a hyphen inside a word such as SKU-123
        out.extend(values)
        if len(out) > MAX_MATCHES:
            raise ValueError(f"more than {MAX_MATCHES:,} numbers in one text")
    return tuple(out)


def number(x: str) -> float | None:
    """The first number written in x, or none."""
    found = numbers(x)
    return found[0] if found else None


def extract(x: str, pattern: str) -> tuple[str, ...]:
    """Every non-empty match of the pattern in x (RE2), or its first group's text where the pattern has groups."""
    compiled = compile_pattern(as_text(pattern))
    grouped = compiled.groups >= 1
    out: list[str] = []
    for m in compiled.finditer(as_text(x)):
        got = m.group(1) if grouped else m.group(0)
        if got:  # an empty match, or a group that took no part in the match, carries nothing
            out.append(got)
            if len(out) > MAX_MATCHES:
                raise ValueError(f"more than {MAX_MATCHES:,} matches in one text")
    return tuple(out)


def join(xs: tuple, sep: str) -> str:
    """The items of xs as text, with sep between them; none items are left out."""
    parts = [as_text(v) for v in xs if v is not None]
    size = sum(len(p) for p in parts) + len(as_text(sep)) * max(len(parts) - 1, 0)
    if size > MAX_TEXT_CHARS:
        raise ValueError(f"the joined text would be longer than {MAX_TEXT_CHARS:,} characters")
    return as_text(sep).join(parts)


def concat(a: Any, b: Any) -> str:
    """`a + b` on texts (spans and labels read as their text)."""
    left, right = as_text(a), as_text(b)
    if len(left) + len(right) > MAX_TEXT_CHARS:
        raise ValueError(f"`+` would build a text longer than {MAX_TEXT_CHARS:,} characters")
    return left + right
