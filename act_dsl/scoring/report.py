"""Scoring whole data sets: output rows, the per-constraint summary table, and traces of one record."""
from __future__ import annotations

import datetime as dt
from typing import Any

from act_dsl.graph.compiler import Graph
from act_dsl.graph.executor import Executor
from act_dsl.ops.values import to_json
from act_dsl.records import Record
from act_dsl.scoring.csr import Scores, combine

CHUNK = 2000


def expand(records: list[Record]) -> tuple[list[dict], list[int], list[int]]:
    """One row per response: (rows, the record index of each row, the candidate index of each row)."""
    rows, owner, cand = [], [], []
    for i, rec in enumerate(records):
        for j, resp in enumerate(rec.responses or [""]):
            rows.append({**rec.fields, "response": resp})
            owner.append(i)
            cand.append(j)
    return rows, owner, cand


def score_rows(graph: Graph, rows: list[dict], candidate: list[int] | None = None,
               reference_date: dt.date | None = None, progress: bool = True) -> Scores:
    ex = Executor(graph, reference_date)
    if graph.group_keys or len(rows) <= CHUNK:
        return combine(graph, ex.constraint_values(rows, candidate))
    from tqdm import tqdm
    values: dict[str, list] = {c.name: [] for c in graph.constraints}
    with tqdm(total=len(rows), desc="scoring", unit="resp", disable=None if progress else True) as bar:
        for start in range(0, len(rows), CHUNK):
            part = ex.constraint_values(rows[start:start + CHUNK])
            for k, v in part.items():
                values[k].extend(v)
            bar.update(min(CHUNK, len(rows) - start))
    return combine(graph, values)


def score_dataset(graph: Graph, records: list[Record], reference_date: dt.date | None = None):
    rows, owner, cand = expand(records)
    scores = score_rows(graph, rows, cand, reference_date)
    out: list[dict[str, Any]] = []
    by_record: dict[int, list[int]] = {}
    for r, i in enumerate(owner):
        by_record.setdefault(i, []).append(r)
    for i, rec in enumerate(records):
        results = [{"csr": scores.csr[r], "constraints": {k: to_json(v) for k, v in scores.values[r].items()}}
                   for r in by_record[i]]
        head: dict[str, Any] = {"line": rec.line}
        if "id" in rec.fields:
            head["id"] = rec.fields["id"]
        out.append({**head, "results": results} if rec.many else {**head, **results[0]})
    return out, scores


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def summary_table(scores: Scores, skipped: int = 0) -> str:
    names = scores.constraints
    width = max([len(n) for n in names] + [10])
    head = f"{'constraint':<{width}}  {'weight':>6}  {'pass':>6}  {'mean':>6}  {'n/a':>5}  {'errors':>6}"
    lines = [head, "-" * len(head)]
    for n in names:
        s = scores.summary[n]
        lines.append(f"{n:<{width}}  {s.weight:>6g}  {_fmt(s.pass_rate):>6}  {_fmt(s.mean):>6}  "
                     f"{s.not_applicable:>5}  {s.errors:>6}")
    lines.append("-" * len(head))
    nones = sum(1 for c in scores.csr if c is None)
    lines.append(f"mean CSR {_fmt(scores.mean_csr)} over {len(scores) - nones} response(s)"
                 + (f" ({nones} with no applicable constraint)" if nones else "")
                 + (f"; {skipped} bad line(s) skipped" if skipped else ""))
    return "\n".join(lines)


def _short(v: Any, limit: int = 100) -> str:
    s = repr(v) if isinstance(v, str) else str(to_json(v))
    return s if len(s) <= limit else s[:limit - 3] + "..."


def trace_record(graph: Graph, record: Record, all_records: list[Record],
                 reference_date: dt.date | None = None) -> str:
    """Every record-level node's value for one record, then each quantifier's elements."""
    rows = [{**record.fields, "response": r} for r in (record.responses or [""])]
    ex = Executor(graph, reference_date, trace=True)
    values = ex.constraint_values(rows)
    scores = combine(graph, values)
    shown = [n for n in graph.nodes if not n.free and n.op not in ("const", "labels")]
    cols = dict(zip((n.id for n in shown), ex.columns(rows, shown)))
    out = [f"task {graph.name}, line {record.line}"]
    for j in range(len(rows)):
        if len(rows) > 1:
            out.append(f"\n== response {j + 1} of {len(rows)}")
        for n in shown:
            v = cols[n.id][j]
            out.append(f"  #{n.id:<3} {n.label or n.describe():<50.50} = {_short(v)}")
        for node, parents, binds, where, body in ex.quant_log:
            elems = [k for k, p in enumerate(parents) if p == j]
            if not elems:
                continue
            out.append(f"  {node.label[:70]}:")
            for k in elems[:20]:
                bound = ", ".join(_short(b[k], 40) for b in binds)
                out.append(f"      {bound} -> {_short(body[k])}")
        for c in graph.constraints:
            out.append(f"  constraint {c.name:<24} = {_short(scores.values[j][c.name])}"
                       + (" (not applicable)" if scores.values[j][c.name] is None else ""))
        out.append(f"  csr = {_fmt(scores.csr[j])}")
        for row, name, msg in scores.errors:
            if row == j:
                out.append(f"  error in `{name}`: {msg}")
    if any(c.group for c in graph.constraints):
        out.append("\n(group constraints are traced with this record alone; `act score` forms groups across the file)")
    return "\n".join(out)
