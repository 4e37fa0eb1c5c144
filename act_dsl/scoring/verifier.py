"""One verifier run: its settings (`RunSettings`), the row it scores (`Row`) and the `Verifier` that scores rows.

The settings that change a value (the day relative dates are read against, the per-response work limits) are
read once, at the edge (command-line flags or API keywords), into a frozen `RunSettings` with the one default;
everything below takes a `Verifier` built from it, and the executor is built nowhere else.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from act_dsl.graph.executor import Executor
from act_dsl.graph.graph import Graph
from act_dsl.graph.nodes import Node
from act_dsl.ops.limits import DEFAULT_LIMITS, Limits
from act_dsl.ops.temporal import DEFAULT_REFERENCE
from act_dsl.scoring.csr import Scores, combine
from act_dsl.scoring.rows import Placed, Row, place, plain

if TYPE_CHECKING:
    from act_dsl.records import FieldReader, Record

__all__ = ["SETTING_FLAGS", "Placed", "Row", "RunSettings", "Verifier", "parse_day", "place"]

CHUNK = 2000  # responses per executor call when no group needs every row at once
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SETTING_FLAGS = {"reference_date": "--reference-date", "limits": "--limit"}  # RunSettings.to_json's keys


def parse_day(value: object, name: str = "reference_date") -> dt.date:
    """A reference day as the API and the command line give it: None (the default day), a datetime.date or an ISO
    text "YYYY-MM-DD". Anything else is refused (TypeError or ValueError, one line naming `name`), never read as
    "no date given"."""
    if value is None:
        return DEFAULT_REFERENCE
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            if _ISO_DAY.fullmatch(value.strip()):
                return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise ValueError(f"`{name}` must be a date written YYYY-MM-DD, got {shown!r}")
    raise TypeError(f"`{name}` must be a datetime.date or a text YYYY-MM-DD, got {type(value).__name__}")


@dataclass(frozen=True)
class RunSettings:
    """Everything besides the graph and the records that changes a verifier's values."""

    reference_date: dt.date = DEFAULT_REFERENCE
    limits: Limits = DEFAULT_LIMITS

    @classmethod
    def of(cls, reference_date: object = None, limits: Limits | Sequence[str] | None = None) -> "RunSettings":
        """Settings from what a user wrote: a date or "YYYY-MM-DD" (None: the default day), and Limits or
        NAME=VALUE texts (the command line's `--limit`). Bad values raise ValueError or TypeError."""
        lim = limits if isinstance(limits, Limits) else Limits.parse(tuple(limits or ()))
        return cls(parse_day(reference_date), lim)

    def to_json(self) -> dict[str, Any]:
        """The settings as a shard's sidecar and a training run's config keep them."""
        return {"reference_date": self.reference_date.isoformat(), "limits": vars(self.limits)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RunSettings":
        return cls(parse_day(data.get("reference_date")), Limits(**dict(data.get("limits") or {})))

    def reader(self) -> "FieldReader":
        """The reader of records' declared fields: date inputs are read against this run's day."""
        from act_dsl.records import FieldReader
        return FieldReader(self.reference_date)


def score_in_chunks(ex: Executor, rows: Sequence[Row | Mapping[str, Any]], candidate: Sequence[int] | None = None,
                    desc: str = "scoring", progress: bool = True) -> Scores:
    """Scores of rows by one executor (kept across calls by the card, so each op's cache is shared), in
    chunks with a progress bar unless a `group by` needs every row at once."""
    from act_dsl import progress as reporting
    graph = ex.graph
    rows = plain(rows)
    size = len(rows) if graph.group_keys else CHUNK
    values: dict[str, list] = {c.name: [] for c in graph.constraints}
    with reporting.bar(desc, len(rows), "response", enabled=progress) as bar:
        for start in range(0, len(rows), max(size, 1)):
            part = ex.constraint_values(rows[start:start + size], candidate[start:start + size] if candidate else None)
            for k, v in part.items():
                values[k].extend(v)
            bar.update(min(size, len(rows) - start))
    return combine(graph, values, len(rows))


@dataclass(frozen=True)
class Verifier:
    """A task's graph with the settings of one run. Frozen: each call evaluates with a fresh executor, so a
    verifier may be shared (a reward function, worker threads) and keeps no state between calls."""

    graph: Graph
    settings: RunSettings = field(default_factory=RunSettings)

    def executor(self, trace: bool = False) -> Executor:
        """A fresh executor with this run's settings (callers that need its lower-level calls)."""
        return Executor(self.graph, self.settings.reference_date, self.settings.limits, trace=trace)

    def constraint_values(self, rows: Sequence[Row | Mapping[str, Any]],
                          candidate: Sequence[int] | None = None) -> dict[str, list]:
        """Per constraint, one raw value per row (see Executor.constraint_values)."""
        return self.executor().constraint_values(plain(rows), candidate)

    def score(self, rows: Sequence[Row | Mapping[str, Any]], candidate: Sequence[int] | None = None,
              progress: bool = False, desc: str = "scoring") -> Scores:
        """The Scores of rows; `candidate` keeps the k-th responses of a group's members together."""
        return score_in_chunks(self.executor(), rows, candidate, desc, progress)

    def score_records(self, records: Sequence["Record"], progress: bool = True) -> tuple[Placed, Scores]:
        """Every response of every record scored; the rows carry their record and response number."""
        placed = place((rec.fields, rec.responses or ()) for rec in records)
        return placed, self.score(placed.rows, placed.candidate, progress=progress)

    def values(self, rows: Sequence[Row | Mapping[str, Any]], nodes: Sequence[Node]) -> list[list]:
        """The values of record-level nodes (outputs, lets) over rows, one list per node."""
        return self.executor().columns(plain(rows), list(nodes))

    def prompts(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """The task's prompt rendered for each record, its `let` placeholders evaluated by this verifier."""
        from act_dsl.graph.prompts import render
        graph = self.graph
        text = graph.prompt or ""
        used = [n for n in graph.fields if n not in graph.inputs and n != "response" and "{" + n + "}" in text]
        lets: list[dict[str, Any]] = [{} for _ in records]
        if used:
            cols = self.values([Row(r, "") for r in records], [graph.fields[n] for n in used])
            for n, col in zip(used, cols):
                for i, v in enumerate(col):
                    lets[i][n] = v
        return [render(graph, dict(r), lv) for r, lv in zip(records, lets)]

    def trace(self, record: "Record", all_records: Sequence["Record"]) -> str:
        """Every node's value for one record (`act trace`), its group mates among `all_records`."""
        from act_dsl.scoring.trace import trace_record
        return trace_record(self.executor(trace=True), record, list(all_records))

    def fingerprint(self) -> str:
        """What a response's values depend on besides its record: the graph node by node, and the settings."""
        from act_dsl.scoring.cache import fingerprint
        return fingerprint(self.graph, self.settings.reference_date, self.settings.limits)

