"""Graph nodes: keyed by content (op, parameters, input nodes) and interned, so shared work runs once."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

GROUP = "<group>"  # the free variable that `group` stands for inside a group block


@dataclass(eq=False)
class Node:
    id: int
    op: str             # input response const labels call in not neg bin list var quant member attr group
    params: tuple
    args: tuple["Node", ...]
    type: str
    free: frozenset = field(default_factory=frozenset)  # quantifier variables (and GROUP) this node depends on
    label: str = ""     # the source text it came from, for dumps and traces

    def describe(self) -> str:
        """One line for graph dumps and traces: the op, its parameters and its inputs as `#id`."""
        args = [f"#{a.id}" for a in self.args]
        show = _DESCRIBE.get(self.op)
        if show is not None:
            return show(self.op, self.params, args)
        return " ".join([self.op, *args])


# how describe() writes the ops that have parameters: (op, params, ["#id" of each input]) -> text
_DESCRIBE: dict[str, Callable[[str, tuple, list[str]], str]] = {
    "input": lambda op, p, args: f"input {p[0]}",
    "labels": lambda op, p, args: f"labels {p[0]}",
    "const": lambda op, p, args: f"const {p[0]!r}",
    "call": lambda op, p, args: f"{p[0]}({', '.join(args)})",
    "var": lambda op, p, args: f"var {p[0][0]}",
    "quant": lambda op, p, args: f"{p[0]} {', '.join(v[0] for v in p[1])} in {args[0]}",
    "in": lambda op, p, args: " ".join(["not in" if p[0] else "in", *args]),
    **dict.fromkeys(("bin", "attr", "member"), lambda op, p, args: " ".join([op, str(p[0]), *args])),
}


class Builder:
    """Interns nodes: the same (op, params, args) always gives the same node."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self._index: dict[tuple, Node] = {}

    def make(self, op: str, params: tuple, args: tuple[Node, ...], type_: str, label: str = "",
             binds: frozenset = frozenset()) -> Node:
        key = (op, params, tuple(a.id for a in args), type_)  # type too: (True,) == (1.0,) in Python
        node = self._index.get(key)
        if node is None:
            free = frozenset().union(*(a.free for a in args)) - binds if args else frozenset()
            if op == "var":
                free = frozenset({params[0]})
            elif op == "group":
                free = frozenset({GROUP})
            node = Node(len(self.nodes), op, params, args, type_, free, label)
            self.nodes.append(node)
            self._index[key] = node
        elif label and not node.label:
            node.label = label
        return node
