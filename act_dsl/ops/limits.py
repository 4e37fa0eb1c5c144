"""Per-response work budgets: hostile answers and data stop with a clear per-response error, never hang a run."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from act_dsl.ops.values import ErrorValue, TextSpan


@dataclass(frozen=True)
class Limits:
    """What one response may cost. Raise a limit with `--limit NAME=VALUE` or `Executor(limits=...)`."""

    max_items: int = 100_000          # elements one quantifier may range over for one response
    max_pairs: int = 1_000_000        # ordered pairs one pair quantifier (or a group) may form for one response
    max_work: int = 5_000_000         # quantifier elements evaluated for one response, nested levels summed
    fuzzy_chars: int = 2_000          # longest text aligned by a fuzzy `text in text` (the shorter side)
    fuzzy_cells: int = 20_000_000     # fuzzy label comparisons (items x labels) for one response in one `in` test
    max_bytes: int = 50_000_000       # bytes of text and lists quantifier bodies build for one response at once

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"limit `{f.name}` must be a positive whole number, got {v!r}")

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...] = ()) -> "Limits":
        """Limits from NAME=VALUE strings (the command line's `--limit`)."""
        names = [f.name for f in fields(cls)]
        out = cls()
        for spec in specs:
            name, sep, value = spec.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in names:
                raise ValueError(f"`--limit {spec}`: write NAME=VALUE with NAME one of {', '.join(names)}")
            try:
                number = int(value.replace("_", "").replace(",", ""))
            except ValueError:
                raise ValueError(f"`--limit {spec}`: {value!r} is not a whole number") from None
            out = replace(out, **{name: number})
        return out


DEFAULT_LIMITS = Limits()


#: bytes a list built inside a quantifier is charged per character of its arguments: each item is an object
LIST_FACTOR = 8


def _cost(v: Any) -> int:
    """What an argument lets a call or `+` build, in bytes: a text its length, a list 8 bytes a slot."""
    t = v.__class__
    if t is str:
        return len(v)
    if t is tuple:
        return 8 * len(v)
    if t is TextSpan:
        return len(v.text)
    return 0


class ByteBudget:
    """The bytes of text and lists that quantifier bodies build for each response (`max_bytes`).

    Items count work; bytes count memory: `length(answer + w)` over the words of a 269 kB answer builds 269 kB
    per word. Before a call or `+` inside a quantifier runs, each row is charged what its arguments let it build
    (texts by length, lists by slot, a list-valued result `LIST_FACTOR` times over); a row that would take its
    response past the limit gets an error instead of running, and so does every later row of that response.
    Charges made inside one chunk of a quantifier are given back when the chunk's frame is dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: dict[int, int] = {}          # root row (response) -> bytes charged and not given back
        self.over: set[int] = set()             # responses that reached the limit
        self._scopes: list[tuple[dict[int, int], set[int]]] = []
        self.error = ErrorValue(f"more than {limit:,} bytes of text and lists built inside a quantifier for this "
                                "response (raise with --limit max_bytes=N)")

    def open(self) -> None:
        self._scopes.append(({}, set()))

    def close(self) -> None:
        charges, over = self._scopes.pop()
        for root, n in charges.items():
            self.held[root] -= n
        self.over -= over

    def screen(self, cols: list[list], roots: list[int], factor: int = 1) -> list[list]:
        """`cols` (a node's argument columns) with the first argument of each row over the budget an error."""
        costs = [_cost(v) for v in cols[0]]
        for col in cols[1:]:
            costs = [c + _cost(v) for c, v in zip(costs, col)]
        held, over, limit = self.held, self.over, self.limit
        charges, reached = self._scopes[-1] if self._scopes else ({}, set())
        first: list | None = None
        for j, (root, c) in enumerate(zip(roots, costs)):
            if not c and root not in over:
                continue
            total = held.get(root, 0) + c * factor
            if root in over or total > limit:
                if root not in over:
                    over.add(root)
                    reached.add(root)
                if first is None:
                    first = list(cols[0])
                first[j] = self.error
                continue
            held[root] = total
            charges[root] = charges.get(root, 0) + c * factor
        return cols if first is None else [first, *cols[1:]]
