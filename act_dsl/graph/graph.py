"""The verifier graph of one task: a frozen value holding only what sampling, scoring, training, `act test` and
`act trace` need. The checker produces it (act_dsl/semantics/lower.py); nothing here knows the checker."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
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

    @cached_property
    def reading_response(self) -> frozenset[int]:
        """The ids of the nodes that depend on `response`, directly or through their inputs; a quantifier's
        variable depends on it when its list does. A node that fails here makes an invalid answer (the response's
        fault), one outside it a verifier error (LANGUAGE.md §4). Computed once per graph."""
        return reading_response(closure(list(self.nodes) + list(self.fields.values())))

    def reads_response(self, node: Node) -> bool:
        return node.id in self.reading_response

    def roots(self) -> list[Node]:
        out = []
        for c in self.constraints:
            out.append(c.node)
            if c.when is not None:
                out.append(c.when)
        return out + list(self.outputs.values())


def reading_response(nodes: tuple[Node, ...]) -> frozenset[int]:
    """The nodes (in dependency order) that depend on `response`. A variable node has no inputs: its quantifier's
    list (the node whose id its key holds) decides it, so a second pass settles a variable met before its list."""
    found: set[int] = set()
    while True:
        before = len(found)
        for node in nodes:
            if node.id in found:
                continue
            if node.op == "response" or any(a.id in found for a in node.args) \
                    or (node.op == "var" and node.params[0][1] in found):
                found.add(node.id)
        if len(found) == before:
            return frozenset(found)


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
