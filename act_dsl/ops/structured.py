"""Structured answers (LANGUAGE.md §6): JSON read against a declared type, numbers and matches taken from text.

Every function here is bounded: a hostile answer (a megabyte of brackets, a number with a million digits, a
pattern that matches everywhere) ends in a value or a clear per-response error, never a hang.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from act_dsl.ops import types as T
from act_dsl.ops.text import compile_pattern
from act_dsl.ops.values import as_text

MAX_JSON_CHARS = 1_000_000   # longest text `json` reads (the command line's default --max-chars)
JSON_READS = 4               # `json` may read a text this many times over looking for a complete value,
JSON_ALLOWANCE = 1_000_000   # plus this many characters (so short texts may try many openers)
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
_NOT_JSON = object()  # what NaN and Infinity decode to: Python's reader takes them, JSON does not
_SAFE_INT = 2 ** 53   # every whole number up to here is exact as a float
_FLOAT_MAX = 2 ** 1024


def _no_constant(name: str) -> object:
    return _NOT_JSON


def exact_number(digits: str) -> float | int | None:
    """A whole number written in decimal digits (an optional `-`): a float where a float holds it exactly, the exact
    int above 2^53 (ids and account numbers compare exactly: ...993 is not ...992), None past a float's range."""
    if len(digits.lstrip("-")) > 400:  # past any float, and past what int() reads quickly
        return None
    value = int(digits)
    if abs(value) <= _SAFE_INT:
        return float(value)
    return value if abs(value) < _FLOAT_MAX else None


def _json_int(digits: str) -> object:
    value = exact_number(digits)
    return float("inf") if value is None else value  # too large to hold: read as none, as 1e999 is


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_int=_json_int)


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
    if kind == "number":  # true/false are not numbers; whole numbers past 2^53 arrive as exact ints
        if isinstance(value, bool):
            return None
        return value if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)) else None
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


# Where a JSON value may start: an opener followed by what can follow it in JSON (`{` by a key or `}`), found by
# one pass of the C regex engine, so that prose full of brackets costs no decoding at all.
_STARTS = {"{": re.compile(r'\{(?=\s*["}])'), "[": re.compile(r'\[(?=\s*(?:\{\s*["}]|[^\s,:}{]))')}
_FAILED = object()
_FIRST_PIECE = 256  # characters handed to the decoder at first; four times more while the value runs past them
_TRY_COST = 1024    # a try costs as much as reading this many characters (the call, the error it raises)


def _fits(value: Any) -> bool:
    """A decoded value nests at most MAX_JSON_DEPTH levels and holds no NaN or Infinity (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if v is _NOT_JSON:
            return False
        if isinstance(v, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return False
            stack.extend((item, depth + 1) for item in (v.values() if isinstance(v, dict) else v))
    return True


def _decode_at(text: str, i: int) -> tuple[Any, int]:
    """The JSON value starting at text[i] (or _FAILED), and the characters read to find out.

    The decoder gets a piece of the text, never the rest of it: its error message counts the lines before the
    error, so an error at the end of a long text would cost that text's length at every opening bracket."""
    size, spent = _FIRST_PIECE, _TRY_COST
    while True:
        piece = text[i:i + size]
        spent += len(piece)
        try:
            value, _ = _DECODER.raw_decode(piece)
        except json.JSONDecodeError as exc:
            cut = i + len(piece) < len(text)  # the error may only be where the piece ends: read more
            if cut and (exc.pos >= len(piece) - 8 or exc.msg.startswith("Unterminated string")):
                size *= 4
                continue
            return _FAILED, spent
        except RecursionError:  # nested past the interpreter's limit, far deeper than MAX_JSON_DEPTH: costly to
            return _FAILED, max(spent, len(text))  # find out, so it counts as reading the whole text
        except (ValueError, OverflowError):
            return _FAILED, spent
        return (value if _fits(value) else _FAILED), spent


def read_json(x: str, declared: str = T.ANY) -> Any:
    """The first complete JSON object in x (an array when the declared type is a list), read against that type;
    none when there is none. Text around it and a fenced code block are allowed.

    Reading is linear in the text and changes no interpreter setting: each candidate opener is decoded from a
    piece of the text, and all of them together may read JSON_READS times the text plus JSON_ALLOWANCE."""
    text = as_text(x)
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"the text is longer than {MAX_JSON_CHARS:,} characters")
    opener = "[" if T.is_list(declared) else "{"
    budget = JSON_READS * len(text) + JSON_ALLOWANCE
    for m in _STARTS[opener].finditer(text):
        value, spent = _decode_at(text, m.start())
        if value is not _FAILED:
            return _read(value, _shape(declared))
        budget -= spent
        if budget < 0:
            raise ValueError(f"no complete JSON value found reading the text {JSON_READS} times over "
                             f"(too many `{opener}` that start none, or nest deeper than {MAX_JSON_DEPTH} levels)")
    return None

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


_MINUS = "-\u2212"  # the hyphen-minus and the minus sign


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _value(piece: str) -> float | int | None:
    """One number as written (digits, at most one point): whole numbers exact at any size a float reaches (see
    exact_number), decimals as floats; None past a float's range."""
    if "." in piece:
        value = float(piece)
        return value if math.isfinite(value) else None
    return exact_number(piece)


def _run_numbers(run: str) -> list[float | int]:
    """The numbers of one digit run: `1,500.5` is one number; `1,2` two; `1.2.3` reads `1.2` and `3`."""
    pieces: list[str] = []
    if compile_pattern(_GROUPED).search(run) is not None:
        pieces.append(run.replace(",", ""))
    else:
        for piece in run.split(","):
            parts = piece.split(".")
            while parts:
                if len(parts) >= 2 and parts[0] and parts[1]:
                    pieces.append(parts[0] + "." + parts[1])
                    parts = parts[2:]
                else:
                    if parts[0]:
                        pieces.append(parts[0])
                    parts = parts[1:]
    return [v for v in map(_value, pieces) if v is not None]


def _signed(text: str, start: int) -> bool:
    """Whether the number at text[start] carries a minus sign: `-3`, `−3`, `-$3`, `$-3`; not the hyphen inside a
    word or range (`SKU-123`, `2004-05`)."""
    p = start - 1
    if p >= 0 and unicodedata.category(text[p]) == "Sc":
        p -= 1
    return p >= 0 and text[p] in _MINUS and not (p > 0 and _word_char(text[p - 1]))


def numbers(x: str) -> tuple[float | int, ...]:
    """The numbers written in x, in order: `24.99`, `-3`, `1,500` (= 1500), `.5`. Digits inside a word (`A4`) are
    not numbers; a number may open the text."""
    text = as_text(x)
    out: list[float | int] = []
    for m in compile_pattern(_RUN).finditer(text):
        start, run = m.start(), m.group(0)
        before = text[start - 1] if start > 0 else ""
        if before == ".":  # `.5` is 0.5 where the point opens the number, not after a word or a point (`No.5`, `...5`)
            start -= 1
            before = text[start - 1] if start > 0 else ""
            if before and (_word_char(before) or before == "."):
                continue
            run = "0." + run
        elif before and _word_char(before):
            continue
        values = _run_numbers(run)
        if values and _signed(text, start):
            values[0] = -values[0]
        out.extend(values)
        if len(out) > MAX_MATCHES:
            raise ValueError(f"more than {MAX_MATCHES:,} numbers in one text")
    return tuple(out)


def number(x: str) -> float | int | None:
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
