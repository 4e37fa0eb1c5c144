"""The batched executor: evaluates a verifier graph column-wise over many records.

Every node is evaluated once per frame (a batch of rows); each op runs once per distinct argument
tuple (results are cached by value, with a bounded cache), spaCy sees all distinct texts in one
`nlp.pipe`, and membership tests against a label set go through one rapidfuzz `cdist`. Quantifiers
evaluate their body over a child frame holding every (row, element) pair of a chunk of the batch, so the
body is batched too. Errors become ErrorValue on their row and never stop the batch; every response has a
work budget (act_dsl/ops/limits.py). A failure is charged where it starts: to the response (InvalidAnswer) when
the failing node reads it (`Graph.reading_response`), else it stays a verifier error; it then propagates as it
is. A work limit reached is always a verifier error: the answer could not be checked. The rules for `none`,
errors and empty responses are LANGUAGE.md §4.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from act_dsl.graph.frames import Frame, rows_of, subset
from act_dsl.graph.graph import Graph
from act_dsl.graph.nodes import GROUP, Node
from act_dsl.graph.rules import (_binop, _first_error, _index, _is_none_literal, _items, _nones, charge_call,
                                 charged, date_inputs, deep_graphs, group_key, is_empty_response, run_op)
from act_dsl.ops import fuzzy
from act_dsl.ops.limits import LIST_FACTOR, ByteBudget, Limits
from act_dsl.ops.registry import REGISTRY
from act_dsl.ops.structured import Record
from act_dsl.ops.values import EMPTY, NA, ErrorValue, LabelSet, Period

CACHE_ENTRIES = 200_000                  # per op: bounded, so a long-lived reward function does not grow
CACHE_ROW_CHARS = 10_000                 # a call on longer texts is not cached: its key would hold them alive
CHUNK_ELEMENTS = 500_000                 # quantifier elements held in one child frame at a time


class Executor:
    """Evaluates one graph. Everything that changes results is an argument, with no default here: the reference
    date that relative dates are read against (never the clock, never a module global) and the per-response work
    limits. Built by act_dsl/scoring/verifier.py from a run's settings, and nowhere else."""

    def __init__(self, graph: Graph, reference_date: dt.date, limits: Limits, trace: bool = False) -> None:
        self.graph = graph
        if not isinstance(reference_date, dt.date):  # never read as "no date"
            raise TypeError(f"`reference_date` must be a datetime.date, got {type(reference_date).__name__}")
        self.reference_date = reference_date
        self.reference = Period(reference_date, reference_date)
        self.limits = limits
        self.bytes = ByteBudget(self.limits.max_bytes)
        self.op_cache: dict[str, dict] = {}
        self.trace = trace
        self.quant_log: list[tuple[Node, Frame, list, list, list, list]] = []

    # ---- public ---------------------------------------------------------------------------
    def constraint_values(self, records: list[dict], candidate: Sequence[int] | None = None) -> dict[str, list]:
        """Per constraint, one value per record: bool, number, None (not applicable), ErrorValue, or EMPTY for
        every constraint of an empty response. `candidate` (one index per record) keeps the k-th responses of a
        group's members together, as training ranks them."""
        root = Frame(len(records), records=records)
        out: dict[str, list] = {}
        self.bytes = ByteBudget(self.limits.max_bytes)
        with deep_graphs():
            for c in (c for c in self.graph.constraints if not c.group):
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
        empty = [is_empty_response(rec.get("response")) for rec in records]
        return {c.name: [EMPTY if e else v for v, e in zip(out[c.name], empty)] for c in self.graph.constraints}

    def columns(self, records: list[dict], nodes: list[Node]) -> list[list]:
        """The values of record-level nodes (outputs, lets, ...) over records, one list per node."""
        root = Frame(len(records), records=records)
        self.bytes = ByteBudget(self.limits.max_bytes)
        with deep_graphs():
            return [self.eval(n, root) for n in nodes]

    # ---- internals --------------------------------------------------------------------------
    def _group_frame(self, root: Frame, records: list[dict], key: tuple[str, ...],
                     candidate: Sequence[int] | None) -> tuple[Frame, list[tuple[int, ...]]]:
        groups: dict[tuple, list[int]] = {}
        for i, rec in enumerate(records):
            k = group_key(rec, key) + ((candidate[i],) if candidate else ())
            groups.setdefault(k, []).append(i)
        members = [tuple(v) for v in groups.values()]
        frame = Frame(len(members), root, [m[0] for m in members], {GROUP: members})
        return frame, members

    def _constraint(self, c, frame: Frame) -> list:
        if c.when is None:
            return self.eval(c.node, frame)
        when = self.eval(c.when, frame)
        keep = [i for i, w in enumerate(when) if w and not isinstance(w, ErrorValue)]
        vals: list = [NA] * frame.n
        if frame.parent is None and not self.trace and len(keep) < frame.n:  # the body only where `when` holds
            for i, v in zip(keep, self.eval(c.node, subset(frame, keep)) if keep else ()):
                vals[i] = v
        else:
            vals = self.eval(c.node, frame)
        return [w if isinstance(w, ErrorValue) else (v if w else NA) for v, w in zip(vals, when)]

    def _target(self, node: Node, frame: Frame) -> Frame:
        f = frame
        while f.parent is not None:
            if f.owns_all or node.free & f.binds.keys():
                return f
            f = f.parent
        return f

    def eval(self, node: Node, frame: Frame) -> list:
        target = self._target(node, frame)
        col = target.cache.get(node.id)
        if col is None:
            col = target.borrow(node.id)
        if col is None:
            col = self._compute(node, target)
            target.cache[node.id] = col
        if target is frame:
            return col
        return [col[i] for i in frame.index_in(target)]

    def _compute(self, node: Node, frame: Frame) -> list:
        op, n = node.op, frame.n
        if op == "input":
            name = node.params[0]
            values = [rec.get(name) for rec in frame.records]
            return date_inputs(name, values, self.reference_date) if node.type == "date" else values
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
        if op == "bin" and node.params[0] in ("and", "or"):
            return self._logic(node, frame)
        cols = [_nones(self.eval(a, frame)) for a in node.args]
        if frame.parent is not None and not frame.owns_all and op in ("call", "bin") and cols and (node.type == "text" or
                                                                          node.type.startswith("list<")):
            # inside a quantifier a text or list is built per element: charged to its response's byte budget
            factor = 1 if node.type == "text" else LIST_FACTOR
            cols = self.bytes.screen(cols, frame.index_in(frame.root), factor)
        if op == "call":
            return self._call(node, cols)
        if op == "in":
            return self._membership(node, frame, cols) if n else []
        if op == "member":
            root_col = self.eval(node.args[1], frame.root)
            return [r if isinstance(r, ErrorValue) else root_col[r] for r in cols[0]]
        if not cols:  # an empty list literal `[]`
            return [()] * n
        return [self._scalar(node, row) for row in zip(*cols)]

    def _logic(self, node: Node, frame: Frame) -> list:
        """`a and b`, `a or b`: the right side only on the rows where the left does not decide (an error on the left
        is the result; `and` is false where the left is false or none, `or` true where the left is true)."""
        is_and = node.params[0] == "and"
        out = list(_nones(self.eval(node.args[0], frame)))  # a copy: the column is cached
        rest = [i for i, a in enumerate(out) if not isinstance(a, ErrorValue) and bool(a) == is_and]
        for i, a in enumerate(out):
            if not isinstance(a, ErrorValue):
                out[i] = bool(a)
        if not rest:
            return out
        if self.trace or len(rest) == frame.n:  # a trace shows every node on every row: the same values, all computed
            right = _nones(self.eval(node.args[1], frame))
            right = [right[i] for i in rest] if len(rest) < frame.n else right
        else:
            right = _nones(self.eval(node.args[1], rows_of(frame, rest)))
        for i, b in zip(rest, right):
            out[i] = b if isinstance(b, ErrorValue) else bool(b)
        return out

    def _membership(self, node: Node, frame: Frame, cols: list[list]) -> list:
        rows = list(zip(*cols))
        given = [_first_error(row) is not None for row in rows]  # an operand's error: charged where it started
        if not _is_none_literal(node.args[2]) and None in cols[2]:  # `fuzzy N` with N none: a none operand
            rows = [(None, c, t) if t is None else (x, c, t) for x, c, t in rows]
        if not _is_none_literal(node.args[2]):
            self._fuzzy_budget(frame, rows)
        out = fuzzy.membership(rows, node.params[0], self.limits)
        cutoff_reads = self.graph.reads_response(node.args[2])
        for r, (v, old) in enumerate(zip(out, given)):
            # `fuzzy N` out of range is N's failure; the others here are limits reached: verifier errors always
            if not old and isinstance(v, ErrorValue) and rows[r][2] is not None \
                    and fuzzy.check_cutoff(rows[r][2]) is not None:
                out[r] = charged(v, cutoff_reads)
        return out

    def _fuzzy_budget(self, frame: Frame, rows: list[tuple]) -> None:
        """Fuzzy membership in lists and label sets costs items x choices: at most `fuzzy_cells` per response and
        `in` test. Skipped when the whole batch cannot reach it (the usual case: it costs one pass of `len`)."""
        sizes = [len(c) if isinstance(c, (tuple, LabelSet)) else 0 for c in {id(c): c for _, c, _ in rows}.values()]
        if not sizes or len(rows) * max(sizes) <= self.limits.fuzzy_cells:
            return
        roots = frame.index_in(frame.root)
        used: dict[int, int] = {}
        for j, (_, coll, cutoff) in enumerate(rows):
            if cutoff is not None and isinstance(coll, (tuple, LabelSet)):
                used[roots[j]] = used.get(roots[j], 0) + len(coll)
        for j, (_, coll, cutoff) in enumerate(rows):
            if used.get(roots[j], 0) > self.limits.fuzzy_cells and isinstance(coll, (tuple, LabelSet)):
                rows[j] = (ErrorValue(f"fuzzy membership needs more than {self.limits.fuzzy_cells:,} comparisons "
                                      "for this response (raise with --limit fuzzy_cells=N)"), coll, cutoff)

    def _scalar(self, node: Node, row: tuple) -> Any:
        err = _first_error(row)
        if err is not None:
            return err
        op = node.op
        try:
            if op == "not":
                return None if row[0] is None else not row[0]
            if op == "neg":
                return None if row[0] is None else -row[0]
            if op == "bin":
                return _binop(node, *row)
            if op == "list":
                return tuple(row)
            if op == "as":
                return row[0]
            if op == "index":
                return _index(*row)
            if op == "attr":
                v = row[0]
                if v is None:
                    return None
                if isinstance(v, Record):
                    return v.get(node.params[0])
                if isinstance(v, tuple):  # `items.amount`: the field of each record of a list (none for a none item)
                    return tuple(None if x is None else x.get(node.params[0]) for x in v)
                got = getattr(v, node.params[0])
                return Period(got, got) if isinstance(got, dt.date) else got  # a date's .start is a one-day date
        except Exception as exc:  # a verifier failing on one row is data, not a crash
            # a division fails on its divisor (`x / n` with an input `n` of 0 is the data's fault, whatever `x` is)
            # and `xs[i]` on its position
            on_second = op == "index" or (op == "bin" and isinstance(exc, ZeroDivisionError))
            cause = node.args[1] if on_second else node
            return charged(ErrorValue(f"{node.label or op}: {exc}"), self.graph.reads_response(cause))
        raise AssertionError(f"unknown node op {op}")

    def _call(self, node: Node, cols: list[list]) -> list:
        op = REGISTRY[node.params[0]]
        npos = node.params[1]
        fn = op.function()
        cache = self.op_cache.setdefault(op.name, {})
        ref_at = next((npos + i for i, (k, _, _) in enumerate(op.kwargs) if k == "reference"), None)
        rows = list(zip(*cols))
        out: list = [None] * len(rows)
        todo: dict[tuple, list[int]] = {}
        for r, row in enumerate(rows):
            err = _first_error(row)
            if err is not None:
                out[r] = err
                continue
            if not op.none_in and any(v is None for v in row[:npos]):
                out[r] = None
                continue
            if ref_at is not None and row[ref_at] is None:
                row = row[:ref_at] + (self.reference,) + row[ref_at + 1:]
            if row in cache:
                out[r] = charge_call(self.graph, node, row, cache[row])
            else:
                todo.setdefault(row, []).append(r)
        if not todo:
            return out
        distinct = list(todo)
        results = run_op(node.params[0], fn, op.batch, distinct)
        if len(cache) + len(distinct) > CACHE_ENTRIES:
            cache.clear()
        for row, res in zip(distinct, results):
            if sum(len(v) for v in row if isinstance(v, (str, tuple))) <= CACHE_ROW_CHARS:
                cache[row] = res  # kept uncharged: another node may call the op on the same values
            for r in todo[row]:
                out[r] = charge_call(self.graph, node, row, res)
        return out

    def _quant(self, node: Node, frame: Frame) -> list:
        kind, keys = node.params
        coll = _nones(self.eval(node.args[0], frame))
        out: list = [None] * frame.n
        sizes: list[int] = [0] * frame.n
        todo: list[int] = []
        lim, pairs = self.limits, len(keys) == 2
        coll_reads = self.graph.reads_response(node.args[0])
        for i, c in enumerate(coll):
            if isinstance(c, ErrorValue):
                out[i] = c
            elif c is None:
                out[i] = None if kind == "share" else False
            elif not isinstance(c, (tuple, LabelSet)):
                out[i] = charged(ErrorValue(f"cannot range over {type(c).__name__}"), coll_reads)
            else:
                m = len(c)
                size = m * (m - 1) if pairs else m
                # a limit reached is a verifier error, whatever the list: the answer could not be checked
                if m > lim.max_items:
                    out[i] = ErrorValue(f"a quantifier over {m:,} items exceeds the limit of {lim.max_items:,} per "
                                        "response (raise with --limit max_items=N)")
                elif pairs and size > lim.max_pairs:
                    out[i] = ErrorValue(f"a pair quantifier over {m:,} items ({size:,} pairs) exceeds the limit of "
                                        f"{lim.max_pairs:,} pairs per response (raise with --limit max_pairs=N)")
                else:
                    sizes[i] = size
                    todo.append(i)
        self._work_budget(frame, todo, sizes, out)
        todo = [i for i in todo if out[i] is None]
        start = 0
        while start < len(todo):  # chunks of rows, so a child frame never holds more than CHUNK_ELEMENTS
            chunk, total = list[int](), 0
            while start < len(todo) and (not chunk or total + sizes[todo[start]] <= CHUNK_ELEMENTS):
                chunk.append(todo[start])
                total += sizes[todo[start]]
                start += 1
            self.bytes.open()   # what the chunk's frame builds is given back when it is dropped
            try:
                self._quant_chunk(node, frame, coll, chunk, out)
            finally:
                self.bytes.close()
        return out

    def _work_budget(self, frame: Frame, todo: list[int], sizes: list[int], out: list) -> None:
        """One quantifier may evaluate at most `max_work` elements for one response, summed over the rows of a
        nested frame that belong to that response. Skipped when the whole frame cannot reach it."""
        if sum(sizes) <= self.limits.max_work:
            return
        roots = frame.index_in(frame.root)
        used: dict[int, int] = {}
        for i in todo:
            used[roots[i]] = used.get(roots[i], 0) + sizes[i]
        for i in todo:
            if used[roots[i]] > self.limits.max_work:
                out[i] = ErrorValue(f"a quantifier evaluates more than {self.limits.max_work:,} elements for this "
                                    "response (raise with --limit max_work=N)")

    def _quant_chunk(self, node: Node, frame: Frame, coll: list, rows: list[int], out: list) -> None:
        kind, keys = node.params
        where_node, body_node = node.args[1], node.args[2]
        parent_rows: list[int] = []
        binds: dict = {k: [] for k in keys}
        for i in rows:
            items = _items(coll[i])
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
            where = _nones(self.eval(where_node, child))
            kept = [j for j, w in enumerate(where) if w or isinstance(w, ErrorValue)]
            if len(kept) != child.n:
                child = Frame(len(kept), frame, [parent_rows[j] for j in kept],
                              {k: [v[j] for j in kept] for k, v in binds.items()})
                where = [where[j] for j in kept]
        else:
            where = [True] * child.n
        body = _nones(self.eval(body_node, child)) if child.n else []
        if self.trace:
            self.quant_log.append((node, frame, child.to_parent, [child.binds[k] for k in keys], where, body))
        per_row: dict[int, list] = {i: [] for i in rows}
        for p, w, v in zip(child.to_parent, where, body):
            per_row[p].append(w if isinstance(w, ErrorValue) else v)
        for i in rows:
            vals = per_row[i]
            err = _first_error(vals)
            if err is not None:
                out[i] = err
            elif kind == "all":
                out[i] = all(bool(v) for v in vals)
            elif kind == "any":
                out[i] = any(bool(v) for v in vals)
            else:
                out[i] = (sum(1 for v in vals if v) / len(vals)) if vals else NA
