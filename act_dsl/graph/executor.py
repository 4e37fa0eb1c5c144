"""The batched executor: evaluates a verifier graph column-wise over many records.

Every node is evaluated once per frame (a batch of rows); each op runs once per distinct argument
tuple (results are cached by value for the executor's life), spaCy sees all distinct texts in one
`nlp.pipe`, and membership tests against a label set go through one rapidfuzz `cdist`. Quantifiers
evaluate their body over a child frame holding every (row, element) pair of the whole batch, so the
body is batched too. Errors become ErrorValue on their row and never stop the batch.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from act_dsl.graph.compiler import Graph
from act_dsl.graph.nodes import GROUP, Node
from act_dsl.ops import fuzzy
from act_dsl.ops.registry import REGISTRY
from act_dsl.ops.values import ErrorValue, LabelSet, Period, TextSpan, as_text, normalize


class Frame:
    """A batch of rows; child frames (quantifier elements, groups) map each row to a parent row."""

    def __init__(self, n: int, parent: "Frame | None" = None, to_parent: Sequence[int] = (),
                 binds: dict | None = None, records: list[dict] | None = None) -> None:
        self.n, self.parent, self.to_parent = n, parent, list(to_parent)
        self.records = records or []  # the root frame's records; child frames read them through the root
        self.binds = binds or {}
        self.cache: dict[int, list] = {}
        self._maps: dict[int, list[int]] = {}

    def index_in(self, ancestor: "Frame") -> list[int]:
        key = id(ancestor)
        if key not in self._maps:
            idx, f = self.to_parent, self.parent
            while f is not ancestor:
                assert f is not None, "frame is not an ancestor"
                idx = [f.to_parent[i] for i in idx]
                f = f.parent
            self._maps[key] = idx
        return self._maps[key]


def _date_inputs(name: str, values: list) -> list:
    """An input declared `date`, read as periods (records have checked it; examples may not have)."""
    from act_dsl.ops.temporal import read_date
    out = []
    for value in values:
        period = read_date(value)
        out.append(period if period is not None or value is None
                   else ErrorValue(f"input `{name}`: {value!r} is not a date"))
    return out


def _first_error(values) -> ErrorValue | None:
    for v in values:
        if isinstance(v, ErrorValue):
            return v
    return None


def _items(coll: Any) -> tuple:
    if coll is None:
        return ()
    if isinstance(coll, LabelSet):
        return coll.labels
    if isinstance(coll, tuple):
        return coll
    raise TypeError(f"cannot range over {type(coll).__name__}")


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (str, TextSpan)) and isinstance(b, (str, TextSpan)):
        return normalize(as_text(a)) == normalize(as_text(b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


def _binop(op: str, a: Any, b: Any) -> Any:
    if op == "and":
        return bool(a) and bool(b)
    if op == "or":
        return bool(a) or bool(b)
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if a is None or b is None:
        return None if op in "+-*/" else False
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise ZeroDivisionError("division by zero")
        return a / b
    if isinstance(a, Period) and isinstance(b, Period):
        a, b = (a.start, a.end), (b.start, b.end)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


class Executor:
    def __init__(self, graph: Graph, reference_date: dt.date | None = None, trace: bool = False) -> None:
        self.graph = graph
        self.reference_date = reference_date
        self.op_cache: dict[str, dict] = {}
        self.trace = trace
        self.quant_log: list[tuple[Node, list, list, list, list]] = []

    # ---- public ---------------------------------------------------------------------------
    def score(self, records: list[dict], candidate: Sequence[int] | None = None):
        from act_dsl.scoring.csr import combine
        values = self.constraint_values(records, candidate)
        return combine(self.graph, values)

    def constraint_values(self, records: list[dict], candidate: Sequence[int] | None = None) -> dict[str, list]:
        """Per constraint, one value per record: bool, number, None (not applicable) or ErrorValue."""
        self._set_reference()
        root = Frame(len(records), records=records)
        out: dict[str, list] = {}
        member = [c for c in self.graph.constraints if not c.group]
        for c in member:
            out[c.name] = self._constraint(c, root)
        for key in self.graph.group_keys:
            frame, members = self._group_frame(root, records, key, candidate)
            for c in (c for c in self.graph.constraints if c.group == key):
                col = self._constraint(c, frame)
                vals: list = [None] * len(records)
                for g, idxs in enumerate(members):
                    for i in idxs:
                        vals[i] = col[g]
                out[c.name] = vals
        return {c.name: out[c.name] for c in self.graph.constraints}

    def columns(self, records: list[dict], nodes: list[Node]) -> list[list]:
        """The values of record-level nodes (outputs, lets, ...) over records, one list per node."""
        self._set_reference()
        root = Frame(len(records), records=records)
        return [self.eval(n, root) for n in nodes]

    # ---- internals --------------------------------------------------------------------------
    def _set_reference(self) -> None:
        if self.reference_date is not None:
            from act_dsl.ops.temporal import set_reference_date
            set_reference_date(self.reference_date)

    def _group_frame(self, root: Frame, records: list[dict], key: tuple[str, ...],
                     candidate: Sequence[int] | None) -> tuple[Frame, list[tuple[int, ...]]]:
        groups: dict[tuple, list[int]] = {}
        for i, rec in enumerate(records):
            k = tuple(normalize(as_text(rec.get(f))) for f in key) + ((candidate[i],) if candidate else ())
            groups.setdefault(k, []).append(i)
        members = [tuple(v) for v in groups.values()]
        frame = Frame(len(members), root, [m[0] for m in members], {GROUP: members})
        return frame, members

    def _constraint(self, c, frame: Frame) -> list:
        vals = self.eval(c.node, frame)
        if c.when is None:
            return vals
        when = self.eval(c.when, frame)
        return [w if isinstance(w, ErrorValue) else (v if w else None) for v, w in zip(vals, when)]

    def _target(self, node: Node, frame: Frame) -> Frame:
        f = frame
        while f.parent is not None:
            if node.free & f.binds.keys():
                return f
            f = f.parent
        return f

    def eval(self, node: Node, frame: Frame) -> list:
        target = self._target(node, frame)
        col = target.cache.get(node.id)
        if col is None:
            col = self._compute(node, target)
            target.cache[node.id] = col
        if target is frame:
            return col
        return [col[i] for i in frame.index_in(target)]

    def _root(self, frame: Frame) -> Frame:
        while frame.parent is not None:
            frame = frame.parent
        return frame

    def _compute(self, node: Node, frame: Frame) -> list:
        op, n = node.op, frame.n
        if op == "input":
            name = node.params[0]
            values = [rec.get(name) for rec in frame.records]
            return _date_inputs(name, values) if node.type == "date" else values
        if op == "response":
            return [rec.get("response") for rec in frame.records]
        if op == "const":
            return [node.params[0]] * n
        if op == "labels":
            return [self.graph.labelsets[node.params[0]]] * n
        if op == "var":
            return frame.binds[node.params[0]]
        if op == "group":
            return frame.binds[GROUP]
        if op == "quant":
            return self._quant(node, frame)
        cols = [self.eval(a, frame) for a in node.args]
        if op == "call":
            return self._call(node, cols)
        if op == "in":
            return fuzzy.membership(list(zip(*cols)), node.params[0]) if n else []
        if op == "member":
            root_col = self.eval(node.args[1], self._root(frame))
            return [r if isinstance(r, ErrorValue) else root_col[r] for r in cols[0]]
        return [self._scalar(node, row) for row in zip(*cols)] if cols else [None] * n

    def _scalar(self, node: Node, row: tuple) -> Any:
        err = _first_error(row)
        if err is not None:
            return err
        op = node.op
        try:
            if op == "not":
                return not row[0]
            if op == "neg":
                return None if row[0] is None else -row[0]
            if op == "bin":
                return _binop(node.params[0], *row)
            if op == "list":
                return tuple(row)
            if op == "as":
                return row[0]
            if op == "attr":
                v = row[0]
                return None if v is None else getattr(v, node.params[0])
        except Exception as exc:  # a verifier failing on one row is data, not a crash
            return ErrorValue(f"{node.label or op}: {exc}")
        raise AssertionError(f"unknown node op {op}")

    def _call(self, node: Node, cols: list[list]) -> list:
        op = REGISTRY[node.params[0]]
        npos = node.params[1]
        fn = op.function()
        cache = self.op_cache.setdefault(op.name, {})
        rows = list(zip(*cols))
        out: list = [None] * len(rows)
        todo: dict[tuple, list[int]] = {}
        for r, row in enumerate(rows):
            err = _first_error(row)
            if err is not None:
                out[r] = err
            elif not op.none_in and any(v is None for v in row[:npos]):
                out[r] = None
            elif row in cache:
                out[r] = cache[row]
            else:
                todo.setdefault(row, []).append(r)
        if not todo:
            return out
        distinct = list(todo)
        if op.batch:
            try:
                results = fn(distinct)
            except Exception as exc:
                results = [ErrorValue(f"{node.params[0]}: {exc}")] * len(distinct)
        else:
            results = []
            for row in distinct:
                try:
                    results.append(fn(*row[:npos], *row[npos:]) if len(row) > npos else fn(*row))
                except Exception as exc:  # one bad row (an unparseable value) must not stop the batch
                    results.append(ErrorValue(f"{node.params[0]}: {exc}"))
        for row, res in zip(distinct, results):
            cache[row] = res
            for r in todo[row]:
                out[r] = res
        return out

    def _quant(self, node: Node, frame: Frame) -> list:
        kind, keys = node.params
        coll_node, where_node, body_node = node.args
        coll = self.eval(coll_node, frame)
        parent_rows: list[int] = []
        binds: dict = {k: [] for k in keys}
        out: list = [None] * frame.n
        for i, c in enumerate(coll):
            if isinstance(c, ErrorValue):
                out[i] = c
                continue
            try:
                items = _items(c)
            except TypeError as exc:
                out[i] = ErrorValue(str(exc))
                continue
            if len(keys) == 1:
                parent_rows.extend([i] * len(items))
                binds[keys[0]].extend(items)
            else:
                for a in range(len(items)):
                    for b in range(len(items)):
                        if a != b:
                            parent_rows.append(i)
                            binds[keys[0]].append(items[a])
                            binds[keys[1]].append(items[b])
        child = Frame(len(parent_rows), frame, parent_rows, binds)
        if not (where_node.op == "const" and where_node.params[0] is True):
            where = self.eval(where_node, child)
            kept = [j for j, w in enumerate(where) if w or isinstance(w, ErrorValue)]
            if len(kept) != child.n:
                child = Frame(len(kept), frame, [parent_rows[j] for j in kept],
                              {k: [v[j] for j in kept] for k, v in binds.items()})
                where = [where[j] for j in kept]
        else:
            where = [True] * child.n
        body = self.eval(body_node, child) if child.n else []
        if self.trace:
            self.quant_log.append((node, child.to_parent, [child.binds[k] for k in keys], where, body))
        per_row: dict[int, list] = {}
        for p, w, v in zip(child.to_parent, where, body):
            per_row.setdefault(p, []).append(w if isinstance(w, ErrorValue) else v)
        for i in range(frame.n):
            if out[i] is not None:
                continue
            vals = per_row.get(i, [])
            err = _first_error(vals)
            if err is not None:
                out[i] = err
            elif kind == "all":
                out[i] = all(bool(v) for v in vals)
            elif kind == "any":
                out[i] = any(bool(v) for v in vals)
            else:
                out[i] = (sum(1 for v in vals if v) / len(vals)) if vals else None
        return out
