"""Scoring inside `act serve`'s worker processes: the program loaded once per process, records scored one batch a call.

Each record is checked on its own, so a bad record is an error for that record only; the good ones of a batch are
scored together (a task's `group by` sees them as `act score` does). Results are plain JSON values: a constraint's
value is true/false, a number, null (not applicable) or {"error": message} (a verifier error, scored 0)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from act_dsl.records import FieldReader, RowError, check_row


@dataclass(frozen=True)
class ServeSettings:
    """What a worker needs to load and score: the .act file, the task and the day relative dates are read against."""
    path: str
    task: str | None = None
    reference_date: str | None = None   # ISO text, so the settings pickle into spawned workers plainly


@lru_cache(maxsize=4)
def load_graph(settings: ServeSettings) -> tuple[Any, dt.date | None]:
    """The task's graph and reference day, loaded once per process (the pool's initializer warms it)."""
    from act_dsl.program import load
    from act_dsl.scoring.verifier import parse_day
    return load(settings.path, strict=True).graph(settings.task), parse_day(settings.reference_date)


def init_worker(settings: ServeSettings) -> None:
    load_graph(settings)


def score_in_worker(settings: ServeSettings, records: list[Any]) -> list[dict[str, Any]]:
    """The pool's task: score a batch with the graph this process loaded."""
    graph, day = load_graph(settings)
    return score_records(graph, records, day)


def score_records(graph: Any, records: list[Any], day: dt.date | None = None) -> list[dict[str, Any]]:
    """One result per record: {"csr", "values", "invalid", "errors"} or, for a record that breaks the input rules,
    {"csr": None, "values": {}, "invalid": False, "errors": [message], "failed": True}."""
    from act_dsl.scoring.reward import completion_text
    from act_dsl.scoring.verifier import Row, RunSettings, Verifier
    reader = FieldReader(day)
    out: list[dict[str, Any] | None] = [None] * len(records)
    rows, where = [], []
    for i, obj in enumerate(records):
        try:
            if isinstance(obj, dict) and "response" in obj and not isinstance(obj["response"], str):
                obj = {**obj, "response": completion_text(obj["response"], i)}
            rec = check_row(obj, graph.input_types, True, reader=reader, allow_many=False, line=i)
        except (RowError, ValueError) as exc:
            out[i] = bad_record(f"record {i}: {exc.message if isinstance(exc, RowError) else exc}")
            continue
        rows.append(Row(rec.fields, (rec.responses or [""])[0]))
        where.append(i)
    if rows:
        scores = Verifier(graph, RunSettings.of(day)).score(rows)
        invalid = {r for r, _, _ in scores.invalid}
        errors: dict[int, list[str]] = {}
        for r, name, msg in scores.errors:
            errors.setdefault(r, []).append(f"`{name}`: {msg}")
        for r, i in enumerate(where):
            values = {k: (dict(v) if isinstance(v, dict) else v) for k, v in scores.values[r].items()}
            out[i] = {"csr": scores.csr[r], "values": values, "invalid": r in invalid, "errors": errors.get(r, [])}
    return [o if o is not None else bad_record("record not scored") for o in out]


def bad_record(message: str) -> dict[str, Any]:
    """The result of a record that could not be scored (bad input, a deadline run out): an error, never a 0."""
    return {"csr": None, "values": {}, "invalid": False, "errors": [message], "failed": True}
