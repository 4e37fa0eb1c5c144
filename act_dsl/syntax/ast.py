"""The .act AST: frozen dataclasses; spans are carried but left out of equality."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from act_dsl.source import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False, kw_only=True)  # type: ignore[return-value]


# ---- expressions ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Name:
    id: str
    span: Span | None = _span()


@dataclass(frozen=True)
class GroupRef:
    span: Span | None = _span()


@dataclass(frozen=True)
class Literal:
    value: object  # str, float, bool or None
    span: Span | None = _span()


@dataclass(frozen=True)
class ListExpr:
    items: tuple["Expr", ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class Attr:
    obj: "Expr"
    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Index:
    """`xs[i]`: the item at position i of a list (negative from the end)."""
    obj: "Expr"
    index: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple["Expr", ...]
    kwargs: tuple[tuple[str, "Expr"], ...] = ()
    span: Span | None = _span()
    func_span: Span | None = _span()


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / and or == != < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    span: Span | None = _span()


@dataclass(frozen=True)
class In:
    item: "Expr"
    coll: "Expr"
    negated: bool = False
    fuzzy: "Expr | None" = None
    span: Span | None = _span()


@dataclass(frozen=True)
class Quant:
    kind: str  # all | any | share
    vars: tuple[str, ...]
    coll: "Expr"
    where: "Expr | None"
    body: "Expr"
    span: Span | None = _span()


Expr = Union[Name, GroupRef, Literal, ListExpr, Attr, Index, Call, BinOp, Not, Neg, In, Quant]


# ---- declarations --------------------------------------------------------------------------
@dataclass(frozen=True)
class TypeRef:
    name: str                      # a type name, or "{}" for a record type
    arg: "TypeRef | None" = None
    span: Span | None = _span()
    fields: tuple[tuple[str, "TypeRef"], ...] = ()   # a record type's fields, in declared order
    field_spans: tuple[Span | None, ...] = field(default=(), compare=False)

    @property
    def is_record(self) -> bool:
        return self.name == "{}"

    def __str__(self) -> str:
        if self.is_record:
            return "{" + ", ".join(f"{k}: {t}" for k, t in self.fields) + "}"
        return f"{self.name}<{self.arg}>" if self.arg else self.name


@dataclass(frozen=True)
class Import:
    path: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeRef
    span: Span | None = _span()


@dataclass(frozen=True)
class Define:
    name: str
    params: tuple[Param, ...]
    body: Expr
    span: Span | None = _span()
    name_span: Span | None = _span()
    doc: str = ""


@dataclass(frozen=True)
class Input:
    name: str
    type: TypeRef
    span: Span | None = _span()


@dataclass(frozen=True)
class Output:
    name: str
    type: TypeRef
    expr: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Labels:
    name: str
    load: str | None  # the file argument of load("..."), or None for a literal set
    items: tuple[str, ...]  # the literal labels, when given inline
    span: Span | None = _span()
    value_span: Span | None = _span()
    call: Call | None = None


@dataclass(frozen=True)
class Let:
    name: str
    expr: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Prompt:
    text: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Reference:
    """`reference date = FIELD`: relative dates are read against each record's FIELD."""
    field: str
    span: Span | None = _span()
    field_span: Span | None = _span()


@dataclass(frozen=True)
class Stop:
    """`stop newline | json | "TEXT"`: where sampling ends a response."""
    value: str
    literal: bool          # written as a string ("TEXT") rather than a word (newline, json)
    span: Span | None = _span()


@dataclass(frozen=True)
class Constraint:
    name: str
    expr: Expr
    weight: float = 1.0
    when: Expr | None = None
    span: Span | None = _span()
    weight_span: Span | None = _span()
    group: tuple[str, ...] = ()  # the group-by fields when declared inside a group block


@dataclass(frozen=True)
class GroupBlock:
    fields: tuple[str, ...]
    lets: tuple[Let, ...]
    constraints: tuple[Constraint, ...]
    span: Span | None = _span()
    field_spans: tuple[Span | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class RecordLiteral:
    """`{"key": value, ...}` in an example: the value of an input declared with a record type."""
    items: tuple[tuple[str, object], ...]

    def plain(self) -> dict:
        """As the JSON object a data record would hold (lists as lists, nested records as dicts)."""
        return {k: _plain(v) for k, v in self.items}


def _plain(value: object) -> object:
    if isinstance(value, RecordLiteral):
        return value.plain()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class ExampleField:
    name: str
    value: object
    span: Span | None = _span()


@dataclass(frozen=True)
class Expect:
    name: str
    value: object
    span: Span | None = _span()


@dataclass(frozen=True)
class Example:
    name: str
    fields: tuple[ExampleField, ...]
    expects: tuple[Expect, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class Task:
    name: str
    doc: str
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    labels: tuple[Labels, ...]
    lets: tuple[Let, ...]
    prompt: Prompt | None
    constraints: tuple[Constraint, ...]
    groups: tuple[GroupBlock, ...]
    examples: tuple[Example, ...]
    span: Span | None = _span()
    duplicates: tuple[tuple[str, Span | None], ...] = field(default=(), compare=False)  # (kind, span) of repeats
    reference: Reference | None = None
    stop: Stop | None = None


@dataclass(frozen=True)
class Module:
    imports: tuple[Import, ...]
    defines: tuple[Define, ...]
    tasks: tuple[Task, ...]


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of an expression, in source order."""
    if isinstance(e, ListExpr):
        return e.items
    if isinstance(e, Attr):
        return (e.obj,)
    if isinstance(e, Index):
        return (e.obj, e.index)
    if isinstance(e, Call):
        return e.args + tuple(v for _, v in e.kwargs)
    if isinstance(e, BinOp):
        return (e.left, e.right)
    if isinstance(e, (Not, Neg)):
        return (e.operand,)
    if isinstance(e, In):
        return (e.item, e.coll) + ((e.fuzzy,) if e.fuzzy is not None else ())
    if isinstance(e, Quant):
        return (e.coll,) + ((e.where,) if e.where is not None else ()) + (e.body,)
    return ()


def walk(e: Expr):
    """Every sub-expression, pre-order (iterative: no generator chain as deep as the expression)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))
