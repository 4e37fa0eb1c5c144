"""Reading JSONL records: every problem is reported with its file and line; nothing is dropped silently."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

MAX_RESPONSE_CHARS = 1_000_000


class DataError(Exception):
    """A data file that cannot be used as asked (unreadable, or a bad line under --on-error fail)."""


@dataclass
class Record:
    line: int
    fields: dict[str, Any]
    responses: list[str] | None  # None when the record carries no response (prompts only)
    many: bool = False           # the record had `responses` (a list) rather than `response`


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Dataset:
    path: str
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: int = 0


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a JSONL file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        for n, raw in enumerate(fh, 1):
            try:
                yield n, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield n, f"\x00not utf-8 at byte {exc.start}"


def read_records(path: str | Path, inputs: list[str], need_response: bool, on_error: str = "fail",
                 max_chars: int = MAX_RESPONSE_CHARS, dates: Sequence[str] = ()) -> Dataset:
    """Read a JSONL file of records carrying `inputs` (and `response` or `responses` when need_response).
    Inputs named in `dates` (declared `date` in the task) must read as dates.

    on_error="fail" raises DataError at the first bad line; "skip" keeps going and lists every skipped line.
    """
    p = Path(path)
    ds = Dataset(str(path))
    for n, text in _lines(p):
        ds.lines = n
        if not text.strip():
            continue
        problem = None
        rec = None
        if text.startswith("\x00"):
            problem = f"line is {text[1:]}"
        else:
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                obj, problem = None, f"not valid JSON ({exc.msg} at column {exc.colno})"
            if problem is None and not isinstance(obj, dict):
                problem = f"expected a JSON object, got {type(obj).__name__}"
            if problem is None:
                rec, problem = _record(obj, n, inputs, need_response, max_chars, dates)
        if problem is not None:
            prob = Problem(str(path), n, problem)
            if on_error == "fail":
                raise DataError(f"{prob}\n  (rerun with --on-error skip to skip bad lines and list them)")
            ds.problems.append(prob)
            continue
        ds.records.append(rec)
    if not ds.records and not ds.problems:
        raise DataError(f"{path}: no records (the file is empty)")
    return ds


def _record(obj: dict, n: int, inputs: list[str], need_response: bool, max_chars: int, dates: Sequence[str] = ()):
    missing = [f for f in inputs if f not in obj]
    if missing:
        return None, "missing input field(s) " + ", ".join(f"`{m}`" for m in missing) + \
            f" (the record has {', '.join(f'`{k}`' for k in list(obj)[:8]) or 'no fields'})"
    fields = {}
    for f in inputs:
        v = obj[f]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = float(v)
        elif not isinstance(v, str):
            return None, f"input `{f}` must be a string or a number, got {type(v).__name__}"
        fields[f] = v
    if dates:
        from act_dsl.ops.temporal import read_date  # only tasks with date inputs pay for dateparser
    for f in dates:
        if read_date(fields[f]) is None:
            return None, f"input `{f}` is declared `date`, but {fields[f]!r} is not a date " \
                         "(write it as 2024-05-01, May 2010 or 2004)"
    responses = None
    many = False
    if "responses" in obj:
        many = True
        responses = obj["responses"]
        if not isinstance(responses, list) or not responses:
            return None, "`responses` must be a non-empty list of strings"
    elif "response" in obj:
        responses = [obj["response"]]
    elif need_response:
        return None, "missing `response` (or `responses`, a list)"
    for r in responses or ():
        if not isinstance(r, str):
            return None, f"a response must be a string, got {type(r).__name__}"
        if len(r) > max_chars:
            return None, f"a response of {len(r):,} characters exceeds the limit of {max_chars:,} (--max-chars)"
    for k, v in obj.items():  # keep extra fields (ids, gold answers) for reports; they never reach training
        if k not in fields and k not in ("response", "responses"):
            fields.setdefault(k, v)
    return Record(n, fields, responses, many), None
