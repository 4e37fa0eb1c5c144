"""`act trace`: every node's value for one record, then each quantifier's elements (Verifier.trace runs it)."""
from __future__ import annotations

from typing import Any

from act_dsl.graph.executor import Executor
from act_dsl.graph.frames import root_rows
from act_dsl.graph.graph import Graph
from act_dsl.graph.rules import InvalidAnswer, group_key
from act_dsl.ops.values import to_json
from act_dsl.records import Record
from act_dsl.scoring.csr import combine, shown_number
from act_dsl.scoring.rows import place


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


def trace_record(ex: Executor, record: Record, all_records: list[Record]) -> str:
    """Every record-level node's value for one record, then each quantifier's elements, each node once.
    Group constraints are evaluated with the record inside its groups, exactly as `act score` forms them."""
    graph = ex.graph
    mates = _group_mates(graph, record, all_records) if graph.group_keys else [record]
    placed = place((m.fields, m.responses or ()) for m in mates)
    rows = [r.as_dict() for r in placed.rows]
    mine = [r for r, o in enumerate(placed.owner) if o == 0]
    values = ex.constraint_values(rows, placed.candidate)
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
        out.append(f"  csr = {shown_number(scores.csr[j])}")
        for row, name, msg in scores.errors:
            if row == j:
                out.append(f"  verifier error in `{name}`: {msg}")
    return "\n".join(out)
