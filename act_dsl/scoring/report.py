"""Scoring whole data sets: output rows, the per-constraint summary table, and traces of one record."""
from __future__ import annotations

import datetime as dt
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.graph.executor import Executor
from act_dsl.graph.frames import root_rows
from act_dsl.graph.rules import InvalidAnswer, group_key
from act_dsl.ops.limits import Limits
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
               reference_date: dt.date | None = None, progress: bool = True, limits: Limits | None = None,
               desc: str = "scoring") -> Scores:
    from act_dsl import progress as reporting
    ex = Executor(graph, reference_date, limits=limits)
    if graph.group_keys or len(rows) <= CHUNK:  # one executor call (groups need every row at once)
        with reporting.bar(desc, len(rows), "response", enabled=progress) as bar:
            values = ex.constraint_values(rows, candidate)
            bar.update(len(rows))
        return combine(graph, values, len(rows))
    values = {c.name: [] for c in graph.constraints}
    with reporting.bar(desc, len(rows), "response", enabled=progress) as bar:
        for start in range(0, len(rows), CHUNK):
            part = ex.constraint_values(rows[start:start + CHUNK])
            for k, v in part.items():
                values[k].extend(v)
            bar.update(min(CHUNK, len(rows) - start))
    return combine(graph, values, len(rows))


def score_dataset(graph: Graph, records: list[Record], reference_date: dt.date | None = None,
                  limits: Limits | None = None):
    rows, owner, cand = expand(records)
    scores = score_rows(graph, rows, cand, reference_date, limits=limits)
    return output_rows(records, owner, scores), scores


def output_rows(records: list[Record], owner: list[int], scores: Scores) -> list[dict[str, Any]]:
    """The lines `act score` writes: one per record, its response's results (or each of its `responses`')."""
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
    return out


def with_skipped(rows: list[dict[str, Any]], problems: list[Any]) -> list[dict[str, Any]]:
    """The output lines of every record line in file order: a line skipped under `--on-error skip` gets
    `{"line": N, "error": message}` (`problems`: records.Problem), so the output has one line per input line."""
    if not problems:
        return rows
    skipped = [{"line": p.line, "error": p.message} for p in problems]
    return sorted(rows + skipped, key=lambda row: row["line"])  # stable: each line appears once


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def summary_table(scores: Scores, skipped: int = 0) -> str:
    names = scores.constraints
    width = max([len(n) for n in names] + [10])
    head = (f"{'constraint':<{width}}  {'weight':>6}  {'pass':>6}  {'mean':>6}  {'n/a':>5}  {'invalid':>7}  "
            f"{'errors':>6}")
    lines = [head, "-" * len(head)]
    for n in names:
        s = scores.summary[n]
        lines.append(f"{n:<{width}}  {s.weight:>6g}  {_fmt(s.pass_rate):>6}  {_fmt(s.mean):>6}  "
                     f"{s.not_applicable:>5}  {s.invalid:>7}  {s.errors:>6}")
    lines.append("-" * len(head))
    nones = sum(1 for c in scores.csr if c is None)
    lines.append(f"mean CSR {_fmt(scores.mean_csr)} over {len(scores) - nones} response(s)"
                 + (f" ({nones} with no applicable constraint)" if nones else "")
                 + (f"; {skipped} bad line(s) skipped" if skipped else ""))
    if scores.empty_responses:
        lines.append(f"{scores.empty_responses} empty response(s): 0 on every constraint")
    invalid = sum(s.invalid for s in scores.summary.values())
    if invalid:
        lines.append(f"{invalid} invalid answer(s), each scored false (see the `invalid` column)")
    errors = sum(s.errors for s in scores.summary.values())
    if errors:
        lines.append(f"{errors} verifier error(s), each scored 0 (see the `errors` column)")
    return "\n".join(lines)


def _short(v: Any, limit: int = 100) -> str:
    if isinstance(v, InvalidAnswer):  # a failing node that reads the response: the answer is wrong
        s = f"<invalid answer: {v.message}>"
    else:
        s = repr(v) if isinstance(v, str) else str(to_json(v))
    return s if len(s) <= limit else s[:limit - 3] + "..."


def _group_mates(graph: Graph, record: Record, all_records: list[Record]) -> list[Record]:
    """The records that share a group with `record` under some `group by` block (itself first)."""
    def key(rec: Record, fields: tuple[str, ...]) -> tuple:
        return group_key(rec.fields, fields)
    mates = [record]
    for other in all_records:
        if other is not record and any(key(other, k) == key(record, k) for k in graph.group_keys):
            mates.append(other)
    return mates


def trace_record(graph: Graph, record: Record, all_records: list[Record],
                 reference_date: dt.date | None = None, limits: Limits | None = None) -> str:
    """Every record-level node's value for one record, then each quantifier's elements, each node once.
    Group constraints are evaluated with the record inside its groups, exactly as `act score` forms them."""
    mates = _group_mates(graph, record, all_records) if graph.group_keys else [record]
    rows, owner, cand = expand(mates)
    mine = [r for r, o in enumerate(owner) if o == 0]
    ex = Executor(graph, reference_date, trace=True, limits=limits)
    values = ex.constraint_values(rows, cand)
    scores = combine(graph, values, len(rows))
    quants: dict[int, list] = {}
    for node, frame, parents, binds, where, body in ex.quant_log:
        entry = quants.setdefault(node.id, [node, []])
        for k, p in enumerate(parents):
            entry[1].append((root_rows(frame, p), tuple(b[k] for b in binds), body[k]))
    ex.trace = False
    shown = [n for n in graph.nodes if not n.free and n.op not in ("const", "labels")]
    cols = dict(zip((n.id for n in shown), ex.columns(rows, shown)))
    out = [f"task {graph.name}, line {record.line}"]
    if len(mates) > 1:
        out.append(f"(group constraints see this record inside its group of {len(mates)} records: lines "
                   + ", ".join(str(m.line) for m in mates[:12]) + (" ..." if len(mates) > 12 else "") + ")")
    for j in mine:
        if len(mine) > 1:
            out.append(f"\n== response {j + 1} of {len(mine)}")
        if scores.empty[j]:
            out.append("  the response is empty: every constraint scores 0")
        for n in shown:
            v = cols[n.id][j]
            out.append(f"  #{n.id:<3} {n.label or n.describe():<50.50} = {_short(v)}")
        for node, elems in quants.values():
            mine_elems = [(b, v) for rr, b, v in elems if j in rr]
            if not mine_elems:
                continue
            out.append(f"  {node.label[:70]}:")
            for bound, v in mine_elems[:20]:
                out.append(f"      {', '.join(_short(x, 40) for x in bound)} -> {_short(v)}")
            if len(mine_elems) > 20:
                out.append(f"      ... {len(mine_elems) - 20} more")
        for c in graph.constraints:
            raw = values[c.name][j]
            v = scores.values[j][c.name]
            note = " (not applicable)" if v is None else " (none: scores 0)" if raw is None else \
                f" (invalid answer: {raw.message})" if isinstance(raw, InvalidAnswer) else ""
            out.append(f"  constraint {c.name:<24} = {_short(v)}{note}")
        out.append(f"  csr = {_fmt(scores.csr[j])}")
        for row, name, msg in scores.errors:
            if row == j:
                out.append(f"  verifier error in `{name}`: {msg}")
    return "\n".join(out)
