"""The value rules of LANGUAGE.md §4 that the executor applies row by row: `none`, errors, equality,
comparisons, indexing, empty responses and group keys. Plain functions over values; no batching here."""
from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.graph.nodes import Node
from act_dsl.ops.structured import concat
from act_dsl.ops.values import NA, ErrorValue, LabelSet, Period, TextSpan, as_text, normalize


class InvalidAnswer(ErrorValue):
    """A node that depends on `response` failed (a date that does not exist, a division by a number read from the
    answer that is 0): the answer is wrong, so the constraint is false and counted as `invalid`, never as a
    verifier error. It propagates through the graph like any error (LANGUAGE.md §4, "Constraint value")."""


def charged(value: Any, reads_response: bool) -> Any:
    """A failure new at a node, charged to the response (an InvalidAnswer) when the node reads it, else left as
    the verifier error it is. Anything else passes unchanged."""
    if reads_response and isinstance(value, ErrorValue) and not isinstance(value, InvalidAnswer):
        return InvalidAnswer(value.message)
    return value


def _bad_pattern(value: Any) -> bool:
    from act_dsl.ops.text import pattern_error  # re2 is imported only when a call has failed
    return pattern_error(as_text(value)) is not None


def _bad_count(value: Any) -> bool:
    return not isinstance(value, (int, float)) or int(value) < 1


# The arguments that set how an op works (a pattern, a separator, an n) and can make it fail on their own:
# a call that fails where one of them is bad by itself fails on that argument, not on the text it reads.
_SETTINGS: dict[str, tuple[tuple[int, Callable[[Any], bool]], ...]] = {
    "matches": ((1, _bad_pattern),), "extract": ((1, _bad_pattern),),
    "split": ((1, lambda sep: not as_text(sep)),), "ngrams": ((1, _bad_count),),
}


def failing_argument(op: str, row: tuple) -> int | None:
    """The position of the setting argument that a failed call of `op` on `row` fails on, or None (the call)."""
    for pos, bad in _SETTINGS.get(op, ()):
        if pos < len(row) and row[pos] is not None and bad(row[pos]):
            return pos
    return None


def charge_call(graph: Graph, node: Node, row: tuple, value: Any) -> Any:
    """A call's own failure, charged to the argument it fails on (a pattern, a separator) or to the call."""
    if not isinstance(value, ErrorValue):
        return value
    pos = failing_argument(node.params[0], row)
    return charged(value, graph.reads_response(node.args[pos] if pos is not None else node))


def run_op(name: str, fn: Callable, batch: bool, distinct: list[tuple]) -> list:
    """An op over distinct argument rows; a row it fails on gets an ErrorValue (still uncharged, see charge_call)."""
    if batch:
        try:
            return list(fn(distinct))
        except Exception as exc:  # one bad row must not poison its batch: retry each row on its own
            if len(distinct) == 1:
                return [ErrorValue(f"{name}: {exc}")]
            return [run_op(name, fn, True, [row])[0] for row in distinct]
    results = []
    for row in distinct:
        try:
            results.append(fn(*row))
        except Exception as exc:  # one bad row (an unparseable value) must not stop the batch
            results.append(ErrorValue(f"{name}: {exc}"))
    return results


def _first_error(values) -> ErrorValue | None:
    for v in values:
        if isinstance(v, ErrorValue):
            return v
    return None


def _nones(values: list) -> list:
    """Below a constraint's root, `not applicable` (share over nothing) reads as none."""
    return [None if v is NA else v for v in values] if NA in values else values


def _items(coll: Any) -> tuple:
    if isinstance(coll, LabelSet):
        return coll.labels
    if isinstance(coll, tuple):
        return coll
    raise TypeError(f"cannot range over {type(coll).__name__}")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, (str, TextSpan)) and isinstance(b, (str, TextSpan)):
        return normalize(as_text(a)) == normalize(as_text(b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(x is not None and y is not None and _equal(x, y) for x, y in zip(a, b))
    return a == b


def _is_none_literal(node: Node) -> bool:
    while node.op == "as":  # a `none` passed to a define's parameter is still the literal
        node = node.args[0]
    return node.op == "const" and node.params[0] is None


def _binop(node: Node, a: Any, b: Any) -> Any:
    op = node.params[0]
    if op == "and":
        return bool(a) and bool(b)
    if op == "or":
        return bool(a) or bool(b)
    if op in ("==", "!="):
        if _is_none_literal(node.args[0]) or _is_none_literal(node.args[1]):
            same = a is None and b is None  # `x == none` / `x != none`: the test for absence
            return same if op == "==" else not same
        if a is None or b is None:
            return False
        eq = _equal(a, b)
        return eq if op == "==" else not eq
    if a is None or b is None:
        return None if op in "+-*/" else False
    if op == "+":
        if isinstance(a, (str, TextSpan)) and isinstance(b, (str, TextSpan)):
            return concat(a, b)  # `+` on texts concatenates (bounded)
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


def _index(xs: Any, i: Any) -> Any:
    """`xs[i]`: 0-based, negative from the end, none out of range or with a none operand."""
    if xs is None or i is None:
        return None
    if not isinstance(xs, tuple):
        raise TypeError(f"cannot index {type(xs).__name__}")
    if isinstance(i, bool) or not float(i).is_integer():
        raise ValueError(f"list position {i!r} is not a whole number")
    k = int(i)
    return xs[k] if -len(xs) <= k < len(xs) else None


def is_empty_response(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def group_key(fields: Mapping[str, Any], key: Sequence[str]) -> tuple:
    """The group of a record under one `group by` block: scoring, training and traces all form groups by this."""
    return tuple(_group_key(fields.get(f)) for f in key)


def _group_key(value: Any) -> object:
    """Records share a group when their key fields are equal after normalisation (texts) or equal (others)."""
    if isinstance(value, (str, TextSpan)):
        return ("t", normalize(as_text(value)))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(_group_key(v) for v in value))
    return ("v", repr(value))


def connected_groups(rows: Sequence[Mapping[str, Any]], keys: Sequence[Sequence[str]]) -> list[int]:
    """Each row's component: rows in one group under ANY `group by` block are linked, transitively, so every
    block's groups stay whole inside one component. Components are numbered in order of their first row."""
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for key in keys:
        first: dict[tuple, int] = {}
        for r, fields in enumerate(rows):
            j = first.setdefault(group_key(fields, key), r)
            a, b = find(j), find(r)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the earliest row is each component's root
    roots: dict[int, int] = {}
    return [roots.setdefault(find(r), len(roots)) for r in range(len(rows))]


RECURSION = 20_000                       # graphs are at most a few thousand nodes deep (the checker limits nesting)


@contextmanager
def deep_graphs() -> Iterator[None]:
    """Evaluation recurses along the graph's depth; allow the depths the checker accepts."""
    old = sys.getrecursionlimit()
    if old < RECURSION:
        sys.setrecursionlimit(RECURSION)
    try:
        yield
    finally:
        if old < RECURSION:
            sys.setrecursionlimit(old)


def date_inputs(name: str, values: list, reference_date: dt.date) -> list:
    """An input declared `date`, read as periods (the record reader has checked it; examples may not have)."""
    from act_dsl.ops.temporal import read_date
    out: list = []  # a Period, None or an ErrorValue per row
    for value in values:
        try:
            period = read_date(value, reference_date)
        except ValueError as exc:
            out.append(ErrorValue(f"input `{name}`: {exc}"))
            continue
        out.append(period if period is not None or value is None
                   else ErrorValue(f"input `{name}`: {value!r} is not a date"))
    return out
