"""The .act AST: frozen dataclasses; spans are carried but left out of equality."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from act_dsl.source import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Node:
    """What every AST node carries: where it was written (keyword-only, and left out of equality)."""
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


# ---- expressions ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Name(Node):
    """A name: an input, output, let, label set, quantifier variable or define parameter."""
    id: str


@dataclass(frozen=True)
class GroupRef(Node):
    """`group`: the members of the group being checked."""


@dataclass(frozen=True)
class Literal(Node):
    """A text, number, `true`/`false` or `none` written in the source."""
    value: object  # str, float, bool or None


@dataclass(frozen=True)
class ListExpr(Node):
    """`[a, b, ...]`: a list written out."""
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Attr(Node):
    """`x.name`: a field of a record, span, date or group member."""
    obj: "Expr"
    name: str


@dataclass(frozen=True)
class Index(Node):
    """`xs[i]`: the item at position i of a list (negative from the end)."""
    obj: "Expr"
    index: "Expr"


@dataclass(frozen=True)
class Call(Node):
    """`f(a, b, key: v)`: a built-in function or a define."""
    func: str
    args: tuple["Expr", ...]
    kwargs: tuple[tuple[str, "Expr"], ...] = ()
    func_span: Span | None = _span()


@dataclass(frozen=True)
class BinOp(Node):
    """`a OP b`: arithmetic, comparison, `and`, `or`."""
    op: str  # + - * / and or == != < <= > >=
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Not(Node):
    """`not x`."""
    operand: "Expr"


@dataclass(frozen=True)
class Neg(Node):
    """`-x`."""
    operand: "Expr"


@dataclass(frozen=True)
class In(Node):
    """`x in coll`, `x not in coll`, optionally `fuzzy N`."""
    item: "Expr"
    coll: "Expr"
    negated: bool = False
    fuzzy: "Expr | None" = None


@dataclass(frozen=True)
class Quant(Node):
    """`all|any|none|share x in coll where cond: body`."""
    kind: str  # all | any | share
    vars: tuple[str, ...]
    coll: "Expr"
    where: "Expr | None"
    body: "Expr"


Expr = Union[Name, GroupRef, Literal, ListExpr, Attr, Index, Call, BinOp, Not, Neg, In, Quant]


# ---- declarations --------------------------------------------------------------------------
@dataclass(frozen=True)
class TypeRef(Node):
    """A type as written: `text`, `list<T>` or a record type `{field: T, ...}`."""
    name: str                      # a type name, or "{}" for a record type
    arg: "TypeRef | None" = None
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
class Typed(Node):
    """A name declared with a type, `name: type`: a define's parameter or a task's input."""
    name: str
    type: TypeRef


class Param(Typed):
    """One parameter of a define."""


@dataclass(frozen=True)
class Define(Node):
    """`define name(params) = body`: expanded inline where it is called."""
    name: str
    params: tuple[Param, ...]
    body: Expr
    name_span: Span | None = _span()
    doc: str = ""


class Input(Typed):
    """`input name: type`: a field read from each record."""


@dataclass(frozen=True)
class Output(Node):
    """`output name: type = expr`: a value read from the response."""
    name: str
    type: TypeRef
    expr: Expr


@dataclass(frozen=True)
class Labels(Node):
    """`labels NAME = {"a", "b"}` or `= load("file")`."""
    name: str
    load: str | None  # the file argument of load("..."), or None for a literal set
    items: tuple[str, ...]  # the literal labels, when given inline
    value_span: Span | None = _span()
    call: Call | None = None


@dataclass(frozen=True)
class Let(Node):
    """`let name = expr`."""
    name: str
    expr: Expr


@dataclass(frozen=True)
class Prompt(Node):
    """`prompt "..."`: the template, with `{name}` placeholders."""
    text: str


@dataclass(frozen=True)
class Reference(Node):
    """`reference date = FIELD`: relative dates are read against each record's FIELD."""
    field: str
    field_span: Span | None = _span()


@dataclass(frozen=True)
class Stop(Node):
    """`stop newline | json | "TEXT"`: where sampling ends a response."""
    value: str
    literal: bool          # written as a string ("TEXT") rather than a word (newline, json)


@dataclass(frozen=True)
class Constraint(Node):
    """`constraint name [weight W] = expr [when cond]`."""
    name: str
    expr: Expr
    weight: float = 1.0
    when: Expr | None = None
    weight_span: Span | None = _span()
    group: tuple[str, ...] = ()  # the group-by fields when declared inside a group block


@dataclass(frozen=True)
class GroupBlock(Node):
    """`group by key, ... { lets and constraints }`."""
    fields: tuple[str, ...]
    lets: tuple[Let, ...]
    constraints: tuple[Constraint, ...]
    field_spans: tuple[Span | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Binding(Node):
    """`name = value` inside an example."""
    name: str
    value: object


@dataclass(frozen=True)
class RecordLiteral:
    """`{"key": value, ...}` in an example: the value of an input declared with a record type."""
    items: tuple[tuple[str, object], ...]

    def plain(self) -> dict:
        """As the JSON object a data record would hold (lists as lists, nested records as dicts)."""
        return {k: literal_json(v) for k, v in self.items}


def literal_json(value: object) -> object:
    """An example's literal value as data would hold it: record literals as objects, lists as lists."""
    return (value.plain() if isinstance(value, RecordLiteral)
            else [literal_json(v) for v in value] if isinstance(value, tuple) else value)


class ExampleField(Binding):
    """An input or the response set by an example."""


class Expect(Binding):
    """`expect name = value`: a constraint's, output's or let's value (or `csr`) the example expects."""


@dataclass(frozen=True)
class Example(Node):
    """`example "name" { fields and expects }`: a test the task carries."""
    name: str
    fields: tuple[ExampleField, ...]
    expects: tuple[Expect, ...]


@dataclass(frozen=True)
class Task(Node):
    """`task name { ... }`: one constraint program."""
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
    duplicates: tuple[tuple[str, Span | None], ...] = field(default=(), compare=False)  # (kind, span) of repeats
    reference: Reference | None = None
    stop: Stop | None = None


@dataclass(frozen=True)
class Import(Node):
    """`import "path"`."""
    path: str


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
