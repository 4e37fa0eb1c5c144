"""Graph nodes: keyed by content (op, parameters, input nodes) and interned, so shared work runs once."""
from __future__ import annotations

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
        if self.op == "input":
            return f"input {self.params[0]}"
        if self.op == "const":
            return f"const {self.params[0]!r}"
        if self.op == "labels":
            return f"labels {self.params[0]}"
        if self.op == "call":
            return f"{self.params[0]}({', '.join(f'#{a.id}' for a in self.args)})"
        if self.op == "var":
            return f"var {self.params[0][0]}"
        if self.op == "quant":
            return f"{self.params[0]} {', '.join(v[0] for v in self.params[1])} in #{self.args[0].id}"
        if self.op in ("bin", "attr", "member"):
            return f"{self.op} {self.params[0]} " + " ".join(f"#{a.id}" for a in self.args)
        if self.op == "in":
            return ("not in" if self.params[0] else "in") + " " + " ".join(f"#{a.id}" for a in self.args)
        return self.op + (" " + " ".join(f"#{a.id}" for a in self.args) if self.args else "")


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
