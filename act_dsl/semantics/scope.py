"""The checker's values: the frozen Scope an expression is checked in, what checking produces, and its base.

The checker's control state lives in a `Scope` passed down the walk (never saved and restored on the
checker); what the checker itself keeps is either the result being built (`CheckedTask`) or a memo
keyed by its inputs (a define call by its argument nodes, a literal by its text, a node's depth).
"""
from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.graph.nodes import Builder, Node
from act_dsl.ops.values import LabelSet
from act_dsl.semantics.resolve import Unit
from act_dsl.source import Span
from act_dsl.syntax import ast as A
from act_dsl.syntax.parser import MAX_NESTING

# nested expr() calls allowed while checking: expressions, lets reached through names and define bodies all add
# levels; the graph built stays within MAX_NESTING levels, this only bounds the checker's own recursion
MAX_CHECK_LEVEL = 2 * MAX_NESTING + 10
_FRAMES_PER_LEVEL = 6  # Python frames one expr() level can use (expr, _call, _call_op, _arg_nodes, ...)


@dataclass
class CheckedConstraint:
    name: str
    weight: float
    node: Node
    when: Node | None
    group: tuple[str, ...]
    decl: A.Constraint


@dataclass
class CheckedTask:
    name: str
    task: A.Task
    unit: Unit
    builder: Builder
    labelsets: dict[str, LabelSet] = field(default_factory=dict)
    fields: dict[str, Node] = field(default_factory=dict)       # inputs, outputs, lets, response
    constraints: list[CheckedConstraint] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    used_defines: set[str] = field(default_factory=set)
    label_literals: list[tuple[str, str, Span | None]] = field(default_factory=list)  # (literal, set, span)
    reference: str | None = None  # the input that relative dates are read against (`reference date = F`)
    stop: str = "newline"         # where sampling ends a response: newline, json or a literal text

    @property
    def inputs(self) -> list[str]:
        return [i.name for i in self.task.inputs]

    @property
    def input_types(self) -> dict[str, str]:
        """Each input's declared type as written (`text`, `number`, `bool`, `date`, `list<text>`, ...)."""
        return {i.name: str(i.type) for i in self.task.inputs}

    @property
    def outputs(self) -> list[str]:
        return [o.name for o in self.task.outputs]

    @property
    def date_inputs(self) -> list[str]:
        """Inputs declared `date`: their values must read as dates, which records check line by line."""
        return [i.name for i in self.task.inputs if i.type.name == "date" and i.type.arg is None]

    @property
    def groups(self) -> list[tuple[str, ...]]:
        return [g.fields for g in self.task.groups]


@dataclass(frozen=True, eq=False)
class Group:
    """A `group by` block being checked: its own lets, each checked once (`nodes` memoises them by name)."""

    lets: Mapping[str, A.Let]
    nodes: dict[str, Node | None] = field(default_factory=dict)  # None too: a failed let is reported once


@dataclass(frozen=True, eq=False)
class Scope:
    """Where an expression is checked: which names it reaches and how its errors are reported."""

    env: Mapping[str, Node] = field(default_factory=dict)  # quantifier variables and define parameters
    group: Group | None = None            # the `group by` block around: its lets are in reach
    keys: tuple[str, ...] | None = None   # that block's keys, the only task names a group expression may read
    #                                       (None outside a group, and in a member's field `a.x`)
    decl: str | None = None               # the declaration being built: the names it reads are its deps
    counts_use: bool = True               # names read here count as used (not in the pass that checks all)
    quiet: bool = False                   # inside a define's expansion: its body is checked on its own, so an
    #                                       error here only abandons the expansion (Quiet), it is not reported
    defines: tuple[str, ...] = ()         # defines being expanded or checked, innermost last
    site: Span | None = None              # the task's call of the define being expanded ...
    site_args: frozenset[int] = frozenset()  # ... and the node ids of that call's arguments
    json_site: tuple[A.Call, str, str] | None = None  # (the `json(...)` call, its output, declared type)


ROOT = Scope()


class Quiet(Exception):
    """An error inside a define's expansion: the expansion is abandoned (the define reports it on its own)."""


class TooDeep(Exception):
    """Nesting past the limit: reported once, at the innermost expression of the task itself (not of a define)."""


@contextmanager
def room_to_recurse() -> Iterator[None]:
    """Python's recursion limit raised for the checker's walk, which the nesting limits bound."""
    old = sys.getrecursionlimit()
    need = MAX_CHECK_LEVEL * _FRAMES_PER_LEVEL + 1000
    if old < need:
        sys.setrecursionlimit(need)
    try:
        yield
    finally:
        if old < need:
            sys.setrecursionlimit(old)


class CheckerBase(ABC):
    """What the parts of the checker share: the task, the result being built and the memos.

    The parts (declarations.py, labels.py, expressions.py, calls.py) each add the methods of one job;
    check.TaskChecker puts them together."""

    def __init__(self, unit: Unit, task: A.Task, diags: list[Diagnostic]) -> None:
        self.unit, self.task, self.diags = unit, task, diags
        self.out = CheckedTask(task.name, task, unit, Builder())
        self.b = self.out.builder
        self.decls: dict[str, A.Input | A.Output | A.Labels | A.Let] = {}
        self.in_progress: set[str] = set()                  # declarations and group lets being checked now
        self.cycle_seen = False  # an expansion met a define cycle (reported as ACT214 by check_define_bodies)
        self.level = 0                                      # nested expr() calls now running (recursion bound)
        self.depths: dict[int, int] = {}                    # node id -> graph depth (leaves 0)
        self.define_memo: dict[tuple, Node | None] = {}     # (define, argument node ids) -> its expansion
        self.failed: set[str] = set()                       # declarations that did not check: not retried
        self.deps: dict[str, set[str]] = {}                 # declaration -> the declarations it reads
        self.literal_memo: dict[tuple[str, str], str | None] = {}
        self.reference_node: Node | None = None
        self.out.fields["response"] = self.b.make("response", (), (), "text", "response")

    def error(self, code: str, msg: str, span: Span | None, hint: str | None = None,
              related: tuple = ()) -> None:
        """Report a diagnostic (outside any expression, where nothing is quiet)."""
        self.diags.append(Diagnostic(code, msg, span, hint=hint, related=related))

    def fail(self, sc: Scope, code: str, msg: str, span: Span | None, hint: str | None = None,
             related: tuple = ()) -> None:
        """Report a diagnostic found in scope `sc`; inside a define's expansion, abandon the expansion instead."""
        if sc.quiet:
            raise Quiet()
        self.error(code, msg, span, hint, related)

    def use(self, sc: Scope, name: str) -> None:
        if sc.counts_use:
            self.out.used.add(name)

    # the parts call each other through these
    @abstractmethod
    def expr(self, e: A.Expr, sc: Scope) -> Node | None: ...

    @abstractmethod
    def lookup(self, name: str, span: Span | None, sc: Scope) -> Node | None: ...

    @abstractmethod
    def check_type(self, tr: A.TypeRef, sc: Scope = ROOT) -> str: ...

    @abstractmethod
    def labels(self, decl: A.Labels, sc: Scope) -> Node | None: ...
