"""The verifier graph of one task: a frozen value holding only what sampling, scoring, training, `act test` and
`act trace` need. The checker produces it (act_dsl/semantics/lower.py); nothing here knows the checker."""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from act_dsl.graph.nodes import Node
from act_dsl.ops.values import LabelSet

STOP_RULES = ("newline", "json", "end")  # "end": only at the end of text  # or any literal string (`stop "###"`)
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")  # `{name}` in a prompt; `{{` and `}}` are literal braces


@dataclass(frozen=True)
class Constraint:
    name: str
    weight: float
    node: Node
    when: Node | None = None
    group: tuple[str, ...] = ()   # the `group by` fields when the constraint is declared inside a group block


@dataclass(frozen=True)
class Expectation:
    name: str        # a constraint, an output or let, or `csr`
    value: object
    location: str    # path:line:col of the `expect` line, for failures


@dataclass(frozen=True)
class ExampleCase:
    """An `example` block: its inputs and response, and what it expects."""

    name: str
    fields: Mapping[str, object]
    expects: tuple[Expectation, ...]


def _frozen(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Graph:
    """One task's verifier graph: its constraint roots and every node they need, in dependency order."""

    name: str
    inputs: tuple[str, ...]
    input_types: Mapping[str, str]          # declared type of each input, as written (`text`, `list<text>`, ...)
    outputs: Mapping[str, Node]
    fields: Mapping[str, Node]              # every named record-level value: inputs, outputs, lets, `response`
    lets: tuple[str, ...]                   # the lets that something uses (shown by `act compile` and traces)
    constraints: tuple[Constraint, ...]
    labelsets: Mapping[str, LabelSet]
    nodes: tuple[Node, ...]
    prompt: str | None = None               # the prompt template, `{name}` placeholders
    stop: str = "newline"                   # where sampling stops a response: newline, json or a literal string
    reference_field: str | None = None      # `reference date = F`
    examples: tuple[ExampleCase, ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        for name in ("input_types", "outputs", "fields", "labelsets"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def group_keys(self) -> list[tuple[str, ...]]:
        return sorted({c.group for c in self.constraints if c.group})

    @property
    def date_inputs(self) -> list[str]:
        return [n for n, t in self.input_types.items() if t == "date"]

    def roots(self) -> list[Node]:
        out = []
        for c in self.constraints:
            out.append(c.node)
            if c.when is not None:
                out.append(c.when)
        return out + list(self.outputs.values())


def closure(roots: list[Node]) -> tuple[Node, ...]:
    """Every node the roots need, each once, in dependency order (arguments before their users)."""
    seen: dict[int, Node] = {}
    stack: list[tuple[Node, bool]] = [(r, False) for r in reversed(roots)]
    while stack:  # iterative: graphs may be as deep as the nesting limit allows
        node, done = stack.pop()
        if node.id in seen:
            continue
        if done:
            seen[node.id] = node
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a.id not in seen)
    return tuple(seen.values())
