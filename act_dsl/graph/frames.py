"""Frames: the batches of rows the executor evaluates a node over. The root frame holds the records; a child frame
(a quantifier's elements, a `group by` block's groups) maps each of its rows to a row of its parent."""
from __future__ import annotations

from typing import Sequence

from act_dsl.graph.nodes import GROUP


class Frame:
    """A batch of rows; child frames (quantifier elements, groups) map each row to a parent row."""

    def __init__(self, n: int, parent: "Frame | None" = None, to_parent: Sequence[int] = (),
                 binds: dict | None = None, records: list[dict] | None = None) -> None:
        self.n, self.parent, self.to_parent = n, parent, list(to_parent)
        self.records = records or []  # the root frame's records; child frames read them through the root
        self.binds = binds or {}
        self.cache: dict[int, list] = {}
        self.owns_all = False  # a subset of the root's rows (a constraint's `when` rows): evaluates every node itself
        self._maps: dict[int, list[int]] = {}

    def index_in(self, ancestor: "Frame") -> list[int]:
        if ancestor is self:
            return list(range(self.n))
        key = id(ancestor)
        if key not in self._maps:
            idx, f = self.to_parent, self.parent
            while f is not ancestor:
                assert f is not None, "frame is not an ancestor"
                idx = [f.to_parent[i] for i in idx]
                f = f.parent
            self._maps[key] = idx
        return self._maps[key]

    def borrow(self, key: int) -> list | None:
        """A subset frame reads a column its parent already computed for every record, instead of recomputing it."""
        if not self.owns_all or self.parent is None or key not in self.parent.cache:
            return None
        whole = self.parent.cache[key]
        col = self.cache[key] = [whole[i] for i in self.to_parent]
        return col

    @property
    def root(self) -> "Frame":
        f = self
        while f.parent is not None:
            f = f.parent
        return f


def subset(frame: Frame, rows: list[int]) -> Frame:
    """Some rows of a root frame as a frame of their own that evaluates every node itself (with the records'
    positions kept, so per-response budgets are charged to the right response)."""
    sub = Frame(len(rows), frame, rows, records=[frame.records[i] for i in rows])
    sub.owns_all = True
    return sub


def rows_of(frame: Frame, rows: list[int]) -> Frame:
    """Some rows of any frame, to evaluate a node on those rows only (the right side of `and`/`or` where the left does
    not decide). A root frame's rows, or a subset's, become a subset; a child frame's keep its bindings, so a node
    that reads a quantifier's variables is evaluated on the kept rows, and one that does not is read from above."""
    if frame.parent is None or frame.owns_all:
        return subset(frame, rows)
    return Frame(len(rows), frame, rows, {k: [v[i] for i in rows] for k, v in frame.binds.items()})


def root_rows(frame: Frame, row: int) -> tuple[int, ...]:
    """The records (root rows) that one row of a frame stands for: a group frame's row is all its members."""
    while frame.parent is not None:
        if GROUP in frame.binds:
            return tuple(frame.binds[GROUP][row])
        row, frame = frame.to_parent[row], frame.parent
    return (row,)
