"""Reading records by their declared input types: one set of rules for JSONL files and in-memory rows.

The file layer (lines within a byte limit, strict JSON) is jsonl.py; here each row becomes a Record."""
from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from act_dsl.jsonl import (MAX_DEPTH, MAX_LINE_BYTES, SAMPLES_FORMAT, DataError, LineError, line_limit, lines,
                           parse_line)

__all__ = ["DataError", "RowError", "Record", "Problem", "Dataset", "FieldReader", "check_row", "check_rows",
           "read_records", "parse_line", "line_limit", "MAX_LINE_BYTES", "MAX_RESPONSE_CHARS"]

MAX_RESPONSE_CHARS = 1_000_000
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class RowError(DataError):
    """One record breaks the rules; `field` names the offending field where there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


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


# ---- values -------------------------------------------------------------------------------------
def _show(value: Any) -> str:
    """How a wrong value is named in a message: `the string "false"`, `the number 3`, `null`, ..."""
    if isinstance(value, str):
        text = json.dumps(value if len(value) <= 40 else value[:40] + "...", ensure_ascii=True)
        return f"the string {text}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int) and value.bit_length() > 130:  # repr() of a huge int is slow or refused
        return f"a number of about {_digits(value):,} digits"
    if isinstance(value, numbers.Real):
        text = repr(value)
        return f"the number {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a Python {type(value).__name__}"


def _digits(value: int) -> int:
    return int(abs(value).bit_length() * 0.30103) + 1


def _surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _bad_text(text: str) -> str | None:
    if _surrogate(text):
        m = next(c for c in text if 0xD800 <= ord(c) <= 0xDFFF)
        return f"contains a lone surrogate (\\u{ord(m):04x}), which is not valid Unicode text"
    return None


def _scan(value: Any) -> str | None:
    """Problems anywhere inside a kept value (nesting too deep, a lone surrogate), walked without recursion."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"is nested more than {MAX_DEPTH} levels deep"
        if isinstance(v, str):
            bad = _bad_text(v)
            if bad:
                return bad
        elif isinstance(v, (dict, Mapping)):
            for k, x in v.items():
                if isinstance(k, str) and _surrogate(k):
                    return "has a key with a lone surrogate, which is not valid Unicode text"
                stack.append((x, depth + 1))
        elif isinstance(v, (list, tuple)):
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            return "holds a number that is not finite (NaN or Infinity)"
    return None


def _date_reader(reference_date: dt.date | None) -> Callable[[Any], Any]:
    from act_dsl.ops import temporal
    ref = reference_date or getattr(temporal, "DEFAULT_REFERENCE", None)
    if len(inspect.signature(temporal.read_date).parameters) >= 2:
        return lambda v: temporal.read_date(v, ref)
    return temporal.read_date


class FieldReader:
    """Checks values against declared types (`text`, `number`, `list<date>`, ...) for one run."""

    def __init__(self, reference_date: dt.date | None) -> None:
        self.reference_date = reference_date
        self.scan_text = True  # False for JSON lines that cannot hold a lone surrogate (no \\uD8xx escape)
        self._read_date: Callable[[Any], Any] | None = None

    def value(self, v: Any, typ: str, name: str) -> Any:
        """`v` read as the declared `typ` (lists become tuples, numbers floats; whole numbers past 2^53 exact ints), or RowError naming `name`."""
        return self._value(v, typ, name, typ, "")

    def _value(self, v: Any, typ: str, name: str, declared: str, where: str) -> Any:
        def bad(got: str) -> RowError:
            return RowError(f"input `{name}` is declared `{declared}`, {where}got {got}", name)
        if typ.startswith("list<") and typ.endswith(">"):
            if not isinstance(v, (list, tuple)):
                raise bad(_show(v))
            return tuple(self._value(x, typ[5:-1], name, declared, f"{where}item {i}: ") for i, x in enumerate(v))
        if typ.startswith("{"):
            return self._record(v, typ, name, where)
        if typ in ("text", "label", "span"):
            if not isinstance(v, str):
                raise bad(_show(v))
            problem = self.scan_text and _bad_text(v)
            if problem:
                raise RowError(f"input `{name}` {where}{problem}", name)
            return v
        if typ == "number":
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise bad(_show(v))
            try:
                x = float(v)
            except OverflowError:
                raise bad(f"a number too large to use (about {_digits(int(math.trunc(v))):,} digits)") from None
            if x != x or x in (float("inf"), float("-inf")):
                raise bad(f"{x}, which is not a finite number")
            # a whole number past 2^53 stays exact (ids, account numbers): ...993 must not ground ...992
            return v if isinstance(v, int) and abs(v) > 2 ** 53 else x
        if typ == "bool":
            if not isinstance(v, bool):
                raise bad(_show(v))
            return v
        if typ == "date":
            return self._date(v, name, declared, where)
        if typ == "labelset":
            from act_dsl.ops.values import LabelSet
            return LabelSet(name, self._value(v, "list<label>", name, declared, where))
        raise RowError(f"input `{name}` has the type `{declared}`, which cannot be read from data", name)

    def _record(self, v: Any, typ: str, name: str, where: str) -> Any:
        """A JSON object read against a record type: every declared field is optional (absent or null reads as
        none), a field that is present must have its declared type, and keys the type does not declare are
        ignored. One list of records can so hold objects of different shapes (IFEval's `kwargs`)."""
        from act_dsl.ops.structured import Record as JsonRecord
        from act_dsl.ops.types import record_fields
        if isinstance(v, JsonRecord):  # a value read before (rows passed on between stages) reads the same again
            v = dict(v.items)
        if not isinstance(v, Mapping):
            raise RowError(f"input `{name}` {where}must be a JSON object, got {_show(v)}", name)
        items = []
        for key, ftype in record_fields(typ).items():
            got = v.get(key)
            items.append((key, None if got is None else
                          self._value(got, ftype, name, ftype, f"{where}field `{key}`: ")))
        return JsonRecord(tuple(items))

    def _date(self, v: Any, name: str, declared: str, where: str) -> Any:
        if isinstance(v, bool) or not isinstance(v, (str, int, dt.date)):
            raise RowError(f"input `{name}` is declared `{declared}`, {where}got {_show(v)} "
                           "(write a date as a string such as \"2024-05-01\", or a year such as 2004)", name)
        if isinstance(v, str) and _bad_text(v):
            raise RowError(f"input `{name}` {where}{_bad_text(v)}", name)
        if self._read_date is None:
            self._read_date = _date_reader(self.reference_date)
        try:
            period = self._read_date(v.isoformat() if isinstance(v, dt.date) else v)
            why = "" if period is not None else " (write it as 2024-05-01, May 2010 or 2004)"
        except Exception as exc:  # dateparser or the calendar refusing a value is bad data, reported as such
            period, why = None, f" ({exc})"
        if period is None:
            shown = json.dumps(v, ensure_ascii=True) if isinstance(v, str) else str(v)
            raise RowError(f"input `{name}` is declared `{declared}`, but {where}"
                           f"{shown[:60]} is not a date{why}", name)
        return v  # kept as written: prompts show it, and the executor reads it against the record's reference


def plain_field(value: Any) -> Any:
    """A typed input value as JSON again, for the files a run writes (reading it back gives the same value)."""
    from act_dsl.ops.structured import Record as JsonRecord
    from act_dsl.ops.values import LabelSet
    if isinstance(value, JsonRecord):  # a field that was absent or null is left out: it reads back as none
        return {k: plain_field(v) for k, v in value.items if v is not None}
    if isinstance(value, LabelSet):
        return list(value.labels)
    if isinstance(value, (list, tuple)):
        return [plain_field(v) for v in value]
    return value


def check_row(obj: Any, input_types: Mapping[str, str], need_response: bool, *, reader: FieldReader | None = None,
              max_chars: int = MAX_RESPONSE_CHARS, allow_many: bool = True, line: int = 0,
              scan_text: bool = True) -> Record:
    """One record (a parsed JSON object or a dict) checked against the declared input types; RowError if bad.

    scan_text=False skips looking for lone surrogates and deep nesting, for JSON lines already known to
    hold neither (parse_line's checks)."""
    reader = reader or FieldReader(None)
    reader.scan_text = scan_text
    if not isinstance(obj, (dict, Mapping)):
        raise RowError(f"expected a JSON object, got {_show(obj)}")
    missing = [f for f in input_types if f not in obj]
    if missing:
        have = ", ".join(f"`{k}`" for k in list(obj)[:8]) or "no fields"
        raise RowError("missing input field(s) " + ", ".join(f"`{m}`" for m in missing) + f" (the record has {have})",
                       missing[0])
    fields = {name: reader.value(obj[name], typ, name) for name, typ in input_types.items()}
    responses: list[str] | None = None
    many = "responses" in obj
    if many and "response" in obj:
        raise RowError("the record has both `response` and `responses`; keep one", "responses")
    if many:
        if not allow_many:
            raise RowError("`responses` (a list) is not accepted here: pass one record per response, "
                           "each with `response`", "responses")
        responses = obj["responses"]
        if not isinstance(responses, (list, tuple)) or not responses:
            raise RowError(f"`responses` must be a non-empty list of strings, got {_show(responses)}", "responses")
        responses = list(responses)
    elif "response" in obj:
        responses = [obj["response"]]
    elif need_response:
        raise RowError("missing `response` (or `responses`, a list)", "response")
    key = "responses" if many else "response"
    for i, r in enumerate(responses or ()):
        which = f"`responses` item {i}" if many else "`response`"
        if not isinstance(r, str):
            raise RowError(f"{which} must be a string, got {_show(r)}", key)
        if len(r) > max_chars:
            what = which if many else "a response"
            raise RowError(f"{what} of {len(r):,} characters exceeds the limit of {max_chars:,} (--max-chars)", key)
        problem = scan_text and _bad_text(r)
        if problem:
            raise RowError(f"{which} {problem}", key)
    for k, v in obj.items():  # extra fields (ids, gold answers) are kept for reports; they never reach training
        if k in fields or k in ("response", "responses"):
            continue
        if not isinstance(k, str):
            raise RowError(f"field names must be strings, got {_show(k)}")
        problem = scan_text and (_scan(v) or (_bad_text(k) and "has a name that is not valid Unicode text"))
        if problem:
            raise RowError(f"field `{k.encode('utf-8', 'backslashreplace').decode()}` {problem}", k)
        fields[k] = v
    return Record(line, fields, responses, many)


def check_rows(rows: Iterable[Any], input_types: Mapping[str, str], need_response: bool, *,
               max_chars: int = MAX_RESPONSE_CHARS, reference_date: dt.date | None = None,
               allow_many: bool = True, label: str = "records") -> list[Record]:
    """In-memory rows checked by the same rules as read_records; DataError names the first bad row's index."""
    reader = FieldReader(reference_date)
    out = []
    for i, obj in enumerate(rows):
        try:
            out.append(check_row(obj, input_types, need_response, reader=reader, max_chars=max_chars,
                                 allow_many=allow_many, line=i))
        except RowError as exc:
            raise DataError(f"{label}[{i}]: {exc.message}") from None
    return out


def samples_line(obj: Any) -> Any:
    """A line of an `act sample` file (it starts with the samples marker) as the record it stands for: its
    input `fields` with its `responses`; any other line as it is."""
    if isinstance(obj, dict) and obj.get("format") == SAMPLES_FORMAT and isinstance(obj.get("fields"), dict):
        return {**obj["fields"], "responses": obj.get("responses")}
    return obj


def read_records(path: str | Path, inputs: Mapping[str, str] | Sequence[str], need_response: bool,
                 on_error: str = "fail", max_chars: int = MAX_RESPONSE_CHARS, dates: Sequence[str] = (), *,
                 reference_date: dt.date | None = None, max_line_bytes: int | None = None,
                 keep: Callable[[int], bool] | None = None) -> Dataset:
    """Read a JSONL file of records whose inputs are checked against their declared types
    (`inputs`: {name: type}, i.e. `graph.input_types`), with `response` or `responses` when need_response.

    on_error="fail" raises DataError at the first bad line; "skip" keeps going and lists every skipped line.
    Nothing but DataError is raised, whatever the file holds. `keep` (a line number -> bool) reads only the
    lines it keeps (one shard of `act score --shard`); a shard with no records is not an error.
    """
    if isinstance(inputs, Mapping):
        types = dict(inputs)
    else:  # a bare list of names (older callers): names in `dates` are dates, the rest text
        types = {name: "date" if name in dates else "text" for name in inputs}
    reader = FieldReader(reference_date)
    limit = max_line_bytes or line_limit(max_chars)
    ds = Dataset(str(path))
    for n, text, problem in lines(Path(path), limit):
        ds.lines = n
        if keep is not None and not keep(n):
            continue
        rec = None
        if problem is None and text is not None:
            if not text.strip():
                continue
            try:
                rec = check_row(samples_line(parse_line(text)), types, need_response, reader=reader,
                                max_chars=max_chars, line=n, scan_text=_SURROGATE_ESCAPE.search(text) is not None)
            except LineError as exc:
                problem = str(exc)
            except RowError as exc:
                problem = exc.message
        if problem is not None:
            prob = Problem(str(path), n, problem)
            if on_error == "fail":
                raise DataError(f"{prob}\n  (rerun with --on-error skip to skip bad lines and list them)")
            ds.problems.append(prob)
            continue
        assert rec is not None
        ds.records.append(rec)
    if not ds.records and not ds.problems and (keep is None or ds.lines == 0):
        raise DataError(f"{path}: no records (the file is empty)")
    return ds
