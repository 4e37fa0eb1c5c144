"""A deliberately plain second evaluator of checked .act programs: a tree walk over the AST, one record at a time.

It implements LANGUAGE.md §4 and the round's semantics (COMMON.md) by itself, so that the batched executor can be
checked against it. It calls only the leaf functions of act_dsl/ops (text, labels, temporal, spans) and rapidfuzz;
never the executor, act_dsl/ops/fuzzy.py or act_dsl/scoring/csr.py. No batching, no interning, no caching: every
name is evaluated again wherever it is read.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from rapidfuzz import fuzz

from act_dsl.ops import document as W_ops
from act_dsl.ops import labels as L_ops
from act_dsl.ops import numeric as N_ops
from act_dsl.ops import spans as S_ops
from act_dsl.ops import structured as J_ops
from act_dsl.ops import temporal as D_ops
from act_dsl.ops import text as T_ops
from act_dsl.ops.periods import period_of
from act_dsl.ops.values import ErrorValue, LabelSet, Period, TextSpan, as_text, normalize
from act_dsl.syntax import ast as A

DEFAULT_REFERENCE = dt.date(2026, 1, 1)


class _NotApplicable:
    """`share` over an empty list: not applicable at a constraint's root, `none` anywhere below it."""

    def __repr__(self) -> str:
        return "NA"


NA = _NotApplicable()


@dataclass(frozen=True)
class Err:
    """A failure on this record; it propagates through every operator. `invalid`: the expression that failed
    reads the response (an invalid answer: the constraint is false, not a verifier error)."""

    message: str
    invalid: bool = False


@dataclass(frozen=True)
class Member:
    """A member of a group: the index of its record."""

    row: int


@dataclass(frozen=True)
class Thunk:
    """A define argument: its expression and the scope it is written in (call-by-name = substitution)."""

    expr: A.Expr
    env: "Env"


@dataclass
class Env:
    """Where an expression is evaluated: one record (row) or one group (members), plus bound names."""

    row: int | None
    members: tuple[int, ...] = ()
    group_lets: dict[str, A.Let] = field(default_factory=dict)
    binds: dict[str, Any] = field(default_factory=dict)   # quantifier variables and define parameters
    in_define: bool = False
    response_vars: frozenset = frozenset()                # quantifier variables ranging over a response's list

    def bind(self, **names: Any) -> "Env":
        return Env(self.row, self.members, self.group_lets, {**self.binds, **names}, self.in_define,
                   self.response_vars)


@dataclass
class RefScores:
    """The shape of act_dsl.scoring.csr.Scores: values per row, CSR per row and the (row, constraint) errors."""

    constraints: list[str]
    weights: dict[str, float]
    values: list[dict[str, Any]]
    csr: list[float | None]
    errors: set[tuple[int, str]]
    messages: dict[tuple[int, str], str]
    invalid: set[tuple[int, str]] = field(default_factory=set)  # invalid answers: false, not verifier errors


def _none_like(v: Any) -> bool:
    return v is None or v is NA


def _truthy(v: Any) -> bool:
    """Conditions and quantifier bodies: only a true value counts; none and not-applicable are false."""
    return v is True


def _first_error(values: list[Any]) -> Err | None:
    return next((v for v in values if isinstance(v, Err)), None)


def _items(coll: Any) -> tuple:
    """The elements a quantifier or a list op sees: lists (JSON arrays read as tuples) and label sets."""
    if isinstance(coll, LabelSet):
        return tuple(coll.labels)
    if isinstance(coll, (list, tuple)):
        return tuple(coll)
    raise TypeError(f"not a list: {type(coll).__name__}")


def _equal(a: Any, b: Any) -> bool:
    """Equality of two present values: texts after normalisation, lists item by item."""
    if isinstance(a, (str, TextSpan)) and isinstance(b, (str, TextSpan)):
        return normalize(as_text(a)) == normalize(as_text(b))
    if isinstance(a, (list, tuple, LabelSet)) and isinstance(b, (list, tuple, LabelSet)):
        xs, ys = _items(a), _items(b)
        return len(xs) == len(ys) and all(
            (x is None and y is None) or (x is not None and y is not None and _equal(x, y)) for x, y in zip(xs, ys))
    return a == b


def _order_key(v: Any) -> Any:
    return (v.start, v.end) if isinstance(v, Period) else v


# ---- the ops: each a leaf function from act_dsl/ops, called with plain values -----------------------------
_LIST_PARAMS = {"sum": (0,), "count": (0,), "overlap": (0, 1), "disjoint": (0, 1), "unique": (0,), "join": (0,), "indices_of": (0,),
                "index_of": (0,)}
_NONE_IN = {"before", "after", "overlaps", "within", "conforms"}
_TEMPORAL_REF = {"dates", "timespan", "dates_near", "period_of"}


def _coverage(a: Period, b: Period) -> float:
    """Written again here, by day numbers: the days of b that are also days of a, over the days of b."""
    first, last = max(a.start.toordinal(), b.start.toordinal()), min(a.end.toordinal(), b.end.toordinal())
    return (last - first + 1) / (b.end.toordinal() - b.start.toordinal() + 1) if first <= last else 0.0


OPS: dict[str, Callable[..., Any]] = {
    "split": T_ops.split, "lines": T_ops.lines, "first_line": T_ops.first_line, "strip": T_ops.strip,
    "lower": T_ops.lower, "upper": T_ops.upper, "words": T_ops.words, "sentences": T_ops.sentences,
    "ngrams": T_ops.ngrams, "length": T_ops.length, "matches": T_ops.matches, "starts_with": T_ops.starts_with,
    "ends_with": T_ops.ends_with, "text": as_text, "count": T_ops.count, "overlap": T_ops.overlap,
    "disjoint": T_ops.disjoint, "unique": T_ops.unique,
    "parent": L_ops.parent, "ancestors": L_ops.ancestors, "labels_of": L_ops.labels_of,
    "dates": D_ops.dates, "timespan": D_ops.timespan, "dates_near": D_ops.dates_near,
    "period_of": period_of,
    "before": D_ops.before, "after": D_ops.after, "overlaps": D_ops.overlaps, "within": D_ops.within,
    "year": D_ops.year, "coverage": _coverage,
    "numbers": J_ops.numbers, "number": J_ops.number, "extract": J_ops.extract, "join": J_ops.join,
    "sum": N_ops.total, "abs": N_ops.absolute,
}


def _conforms(x: Any) -> bool:
    """Written again here, recursively: present, and every field and item present, all the way down."""
    if _none_like(x):
        return False
    if isinstance(x, J_ops.Record):
        return all(_conforms(v) for _, v in x.items)
    if isinstance(x, tuple):
        return all(_conforms(v) for v in x)
    return True


OPS["conforms"] = _conforms
OPS.update({name: getattr(W_ops, name) for name in (
    "count_words", "count_sentences", "word_tokens", "capital_words", "occurrences", "word_occurrences", "pieces",
    "parts", "sections", "bullets", "highlights", "placeholders", "titles", "first_word", "contains", "is_upper",
    "is_lower", "wrapped", "has_postscript", "is_json", "replace", "drop_first_line", "drop_last_line", "trim",
    "indices_of", "index_of", "language_of")})
OPS["json"] = J_ops.read_json  # the reader itself: called with the output's declared type (see Interpreter._name)


def _index(xs: Any, i: Any) -> Any:
    if _none_like(xs) or _none_like(i):
        return None
    if isinstance(i, bool) or not float(i).is_integer():
        return Err(f"list position {i!r} is not a whole number")
    k = int(i)
    items = _items(xs)
    return items[k] if 0 <= k < len(items) or 0 < -k <= len(items) else None


def _bad_pattern(p: Any) -> bool:
    return T_ops.pattern_error(as_text(p)) is not None


# the arguments that can make a call fail on their own (LANGUAGE.md §4: the failure is charged to them)
_SETTINGS: dict[str, tuple[tuple[int, Callable[[Any], bool]], ...]] = {
    "matches": ((1, _bad_pattern),), "extract": ((1, _bad_pattern),),
    "split": ((1, lambda sep: as_text(sep) == ""),), "ngrams": ((1, lambda n: int(n) < 1),),
}


def _entities(text: Any, types: Any = None) -> Any:
    """spaCy NER on one text, through the real leaf function (given a batch of one row)."""
    return S_ops.entities([(text, tuple(types) if types is not None else None)])[0]


OPS["entities"] = _entities


class Interpreter:
    """Scores records with one checked task by walking its AST."""

    def __init__(self, checked: Any, reference_date: dt.date = DEFAULT_REFERENCE) -> None:
        self.checked = checked
        self.task: A.Task = checked.task
        self.defines: dict[str, A.Define] = checked.unit.defines
        self.labelsets: dict[str, LabelSet] = checked.labelsets
        self.reference = Period(reference_date, reference_date)
        self.decls: dict[str, Any] = {d.name: d for d in (*self.task.inputs, *self.task.outputs,
                                                          *self.task.labels, *self.task.lets)}
        self.records: list[dict] = []

    # ---- scoring ---------------------------------------------------------------------------------
    def score(self, records: list[dict]) -> RefScores:
        self.records = list(records)
        n = len(self.records)
        top = list(self.task.constraints)
        grouped = [(g, c) for g in self.task.groups for c in g.constraints]
        names = [c.name for c in top] + [c.name for _, c in grouped]
        weights = {c.name: c.weight for c in top} | {c.name: c.weight for _, c in grouped}
        values: list[dict[str, Any]] = [{} for _ in range(n)]
        messages: dict[tuple[int, str], str] = {}
        self.invalid: set[tuple[int, str]] = set()
        for i in range(n):
            for c in top:
                v, err = self._finish(c, Env(i))
                self._store(values, messages, i, c.name, v, err)
        for g, c in grouped:
            for members in self._groups(g.fields):
                env = Env(members[0], members, {let.name: let for let in g.lets})
                v, err = self._finish(c, env)
                for i in members:
                    self._store(values, messages, i, c.name, v, err)
        csr: list[float | None] = []
        for row in values:
            num = den = 0.0
            for name in names:
                v = row[name]
                if v is not None:
                    num += weights[name] * float(v)
                    den += weights[name]
            csr.append(num / den if den else None)
        return RefScores(names, weights, [{k: row[k] for k in names} for row in values], csr,
                         set(messages), messages, self.invalid)

    def _store(self, values: list[dict], messages: dict, i: int, name: str, v: Any, err: str | Err | None) -> None:
        if self._empty_response(i):
            values[i][name] = False  # an empty answer scores 0 on every constraint, errors or not
            return
        values[i][name] = v
        if isinstance(err, Err):  # an invalid answer: false, counted apart from verifier errors
            self.invalid.add((i, name))
        elif err is not None:
            messages[(i, name)] = err

    def _empty_response(self, i: int) -> bool:
        r = self.records[i].get("response")
        return isinstance(r, str) and not r.strip()

    def _groups(self, fields: tuple[str, ...]) -> list[tuple[int, ...]]:
        """Records sharing the normalised values of ALL key fields, in order of first appearance."""
        groups: dict[tuple, list[int]] = {}
        for i, rec in enumerate(self.records):
            groups.setdefault(tuple(_key(rec.get(f)) for f in fields), []).append(i)
        return [tuple(m) for m in groups.values()]

    def _finish(self, c: A.Constraint, env: Env) -> tuple[Any, str | Err | None]:
        """A constraint's value (True/False/float/None for not applicable) and its verifier error message, or
        the Err of an invalid answer."""
        v = self.ev(c.expr, env)
        if c.when is not None:
            w = self.ev(c.when, env)
            if isinstance(w, Err):
                return False, w if w.invalid else w.message
            if not _truthy(w):
                return None, None
        if isinstance(v, Err):
            return False, v if v.invalid else v.message
        if v is NA:
            return None, None
        if v is None:
            return False, None
        if isinstance(v, bool):
            return v, None
        if isinstance(v, (int, float)):
            x = float(v)
            if math.isnan(x) or not 0.0 <= x <= 1.0:
                return False, f"value {x} is outside [0, 1]"
            return x, None
        return False, f"value of type {type(v).__name__}"

    # ---- what reads the response (LANGUAGE.md §4: a failure there is an invalid answer) -----------------
    def reads(self, e: A.Expr | None, env: Env) -> bool:
        """Does the value of `e` depend on `response`? Worked out from the AST, apart from the executor's graph."""
        if e is None or isinstance(e, (A.Literal, A.GroupRef)):
            return False
        if isinstance(e, A.Name):
            if e.id in env.binds:
                v = env.binds[e.id]
                return self.reads(v.expr, v.env) if isinstance(v, Thunk) else e.id in env.response_vars
            if e.id in env.group_lets:
                return self.reads(env.group_lets[e.id].expr, env)
            return self._field_reads(e.id, env.row)
        if isinstance(e, A.ListExpr):
            return any(self.reads(i, env) for i in e.items)
        if isinstance(e, A.Attr):
            if self.reads(e.obj, env):
                return True
            obj = self.ev(e.obj, env)  # a group member's field reads the response when that field does
            return isinstance(obj, Member) and self._field_reads(e.name, obj.row)
        if isinstance(e, A.Index):
            return self.reads(e.obj, env) or self.reads(e.index, env)
        if isinstance(e, A.Call):
            if e.func not in OPS:
                d = self.defines[e.func]
                inner = Env(env.row, env.members, env.group_lets,
                            {p.name: Thunk(a, env) for p, a in zip(d.params, e.args)}, True)
                return self.reads(d.body, inner)
            return any(self.reads(a, env) for a in e.args) or any(self.reads(v, env) for _, v in e.kwargs)
        if isinstance(e, A.BinOp):
            return self.reads(e.left, env) or self.reads(e.right, env)
        if isinstance(e, (A.Not, A.Neg)):
            return self.reads(e.operand, env)
        if isinstance(e, A.In):
            return self.reads(e.item, env) or self.reads(e.coll, env) or self.reads(e.fuzzy, env)
        if isinstance(e, A.Quant):
            if self.reads(e.coll, env):
                return True
            coll = self.ev(e.coll, env)  # the variables stand for an item (a group member's fields matter)
            items = _items(coll) if isinstance(coll, (list, tuple, LabelSet)) else ()
            inner = self._quant_env(e, env).bind(**{v: items[0] if items else None for v in e.vars})
            return self.reads(e.where, inner) or self.reads(e.body, inner)
        raise AssertionError(f"unknown expression {e!r}")

    def _field_reads(self, name: str, row: int | None) -> bool:
        if name == "response":
            return True
        decl = self.decls.get(name)
        return isinstance(decl, (A.Output, A.Let)) and self.reads(decl.expr, Env(row))

    def _quant_env(self, e: A.Quant, env: Env) -> Env:
        """The quantifier's variables read the response when its list does (an inner one hides an outer one)."""
        mine = frozenset(e.vars)
        tainted = mine if self.reads(e.coll, env) else frozenset()
        return Env(env.row, env.members, env.group_lets, env.binds, env.in_define,
                   (env.response_vars - mine) | tainted)

    def _fail(self, message: str, env: Env, *causes: A.Expr | None) -> Err:
        """A failure new here: an invalid answer when what it fails on reads the response."""
        return Err(message, any(self.reads(c, env) for c in causes))

    # ---- expressions --------------------------------------------------------------------------
    def ev(self, e: A.Expr, env: Env) -> Any:
        if isinstance(e, A.Literal):
            return e.value
        if isinstance(e, A.Name):
            return self._name(e.id, env)
        if isinstance(e, A.GroupRef):
            return tuple(Member(i) for i in env.members)
        if isinstance(e, A.ListExpr):
            items = [self.ev(i, env) for i in e.items]
            err = _first_error(items)
            return err if err else tuple(None if i is NA else i for i in items)
        if isinstance(e, A.Attr):
            obj = self.ev(e.obj, env)
            got = self._attr(obj, e.name)
            if isinstance(got, Err) and not isinstance(obj, (Err, Member)):
                return self._fail(got.message, env, e.obj)
            return got
        if isinstance(e, A.Index):
            xs, i = self.ev(e.obj, env), self.ev(e.index, env)
            got = _first_error([xs, i]) or _index(xs, i)
            if isinstance(got, Err) and not _first_error([xs, i]):
                return self._fail(got.message, env, e.index)  # a position that is not whole: the position's
            return got
        if isinstance(e, A.Call):
            return self._call(e, env)
        if isinstance(e, A.BinOp):
            return self._binop(e, env)
        if isinstance(e, A.Not):
            v = self.ev(e.operand, env)
            return v if isinstance(v, Err) else None if _none_like(v) else not v
        if isinstance(e, A.Neg):
            v = self.ev(e.operand, env)
            return v if isinstance(v, Err) else None if _none_like(v) else -v
        if isinstance(e, A.In):
            return self._in(e, env)
        if isinstance(e, A.Quant):
            return self._quant(e, env)
        raise AssertionError(f"unknown expression {e!r}")

    def _name(self, name: str, env: Env) -> Any:
        if name in env.binds:
            v = env.binds[name]
            return self.ev(v.expr, v.env) if isinstance(v, Thunk) else v
        if name in env.group_lets:
            return self.ev(env.group_lets[name].expr, env)
        if name == "response":
            return self.records[env.row]["response"]
        decl = self.decls[name]
        if isinstance(decl, A.Labels):
            return self.labelsets[name]
        top = Env(env.row)  # inputs, outputs and lets read the record (in a group: its first member)
        if isinstance(decl, A.Input):
            return self._input(decl, env.row)
        if isinstance(decl, A.Output) and isinstance(decl.expr, A.Call) and decl.expr.func == "json":
            return self._json(decl, top)
        return self.ev(decl.expr, top)

    def _json(self, decl: A.Output, env: Env) -> Any:
        """`output x: TYPE = json(...)`: the reader gets the declared type as written."""
        x = self.ev(decl.expr.args[0], env)
        if isinstance(x, Err) or _none_like(x):
            return None if x is NA else x
        try:
            return J_ops.read_json(x, str(decl.type))
        except Exception as exc:
            return self._fail(f"json: {exc}", env, decl.expr.args[0])

    def _input(self, decl: A.Input, row: int) -> Any:
        value = self.records[row][decl.name]
        if decl.type.name == "list" and isinstance(value, list):
            return tuple(value)
        if decl.type.name == "date" and decl.type.arg is None and value is not None:
            period = D_ops.read_date(value)
            return period if period is not None else Err(f"input `{decl.name}`: {value!r} is not a date")
        return value

    def _lit_none(self, e: A.Expr, env: Env) -> bool:
        """Is this side of == / != the literal `none` (seen through names and define arguments)?"""
        if isinstance(e, A.Literal):
            return e.value is None
        if isinstance(e, A.Name):
            if e.id in env.binds:
                v = env.binds[e.id]
                return isinstance(v, Thunk) and self._lit_none(v.expr, v.env)
            if e.id in env.group_lets:
                return self._lit_none(env.group_lets[e.id].expr, env)
            decl = self.decls.get(e.id)
            if isinstance(decl, A.Let):
                return self._lit_none(decl.expr, Env(env.row))
        return False

    def _attr(self, obj: Any, name: str) -> Any:
        if isinstance(obj, Err):
            return obj
        if _none_like(obj):
            return None
        if isinstance(obj, Member):
            if name == "response":
                return self.records[obj.row]["response"]
            return self._name(name, Env(obj.row))
        if isinstance(obj, J_ops.Record):
            return dict(obj.items).get(name)
        if isinstance(obj, tuple):  # a projection over a list of records, item by item
            return tuple(self._attr(x, name) for x in obj)
        if isinstance(obj, TextSpan):
            return {"text": obj.text, "label": obj.label, "start": float(obj.start), "end": float(obj.end)}[name]
        if isinstance(obj, Period):  # a date's start and end are dates (one-day periods)
            day = obj.start if name == "start" else obj.end
            return Period(day, day)
        return Err(f"no field `{name}` on {type(obj).__name__}")

    def _reference(self, env: Env) -> Any:
        ref = self.task.reference
        if ref is None:
            return self.reference
        return self._input(next(i for i in self.task.inputs if i.name == ref.field), env.row)

    def _call(self, e: A.Call, env: Env) -> Any:
        if e.func not in OPS:
            d = self.defines[e.func]
            inner = Env(env.row, env.members, env.group_lets,
                        {p.name: Thunk(a, env) for p, a in zip(d.params, e.args)}, True)
            return self.ev(d.body, inner)
        args = [self.ev(a, env) for a in e.args]
        kwargs = {k: self.ev(v, env) for k, v in e.kwargs}
        err = _first_error(args + list(kwargs.values()))
        if err is not None:
            return err
        if e.func in _NONE_IN:
            args = [None if a is NA else a for a in args]
        elif any(_none_like(a) for a in args + list(kwargs.values())):
            return None
        for i in _LIST_PARAMS.get(e.func, ()):
            args[i] = _items(args[i])
        if e.func in _TEMPORAL_REF and "reference" not in kwargs:
            kwargs["reference"] = self._reference(env)
            if isinstance(kwargs["reference"], Err):
                return kwargs["reference"]
        try:
            out = OPS[e.func](*args, **kwargs)
        except Exception as exc:  # a verifier failing on this record is a value, not a crash
            return self._call_failed(e, env, args, f"{e.func}: {exc}")
        return self._call_failed(e, env, args, out.message) if isinstance(out, ErrorValue) else out

    def _call_failed(self, e: A.Call, env: Env, args: list[Any], message: str) -> Err:
        """A failed call fails on a setting argument that is bad by itself (a pattern, a separator, an n), else on
        the call: an invalid answer when that reads the response."""
        for pos, bad in _SETTINGS.get(e.func, ()):
            if pos < len(args) and not _none_like(args[pos]) and bad(args[pos]):
                return self._fail(message, env, e.args[pos])
        return self._fail(message, env, *e.args, *(v for _, v in e.kwargs))

    def _binop(self, e: A.BinOp, env: Env) -> Any:
        op = e.op
        if op in ("and", "or"):  # the right side only where the left does not decide: its error counts only there
            a = self.ev(e.left, env)
            if isinstance(a, Err) or _truthy(a) != (op == "and"):
                return a if isinstance(a, Err) else _truthy(a)
            b = self.ev(e.right, env)
            return b if isinstance(b, Err) else _truthy(b)
        a, b = self.ev(e.left, env), self.ev(e.right, env)
        err = _first_error([a, b])
        if err is not None:
            return err
        if op in ("==", "!="):
            left_none, right_none = self._lit_none(e.left, env), self._lit_none(e.right, env)
            if left_none or right_none:
                other = b if left_none else a
                return _none_like(other) == (op == "==")
            if _none_like(a) or _none_like(b):
                return False
            return _equal(a, b) == (op == "==")
        if op in ("+", "-", "*", "/"):
            if _none_like(a) or _none_like(b):
                return None
            if op == "/" and b == 0:
                return self._fail("division by zero", env, e.right)  # a division fails on its divisor
            if op == "+" and isinstance(a, (str, TextSpan)) and isinstance(b, (str, TextSpan)):
                text = as_text(a) + as_text(b)
                return text if len(text) <= J_ops.MAX_TEXT_CHARS else self._fail("`+`: text too long", env, e.left,
                                                                                   e.right)
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()
        if _none_like(a) or _none_like(b):
            return False
        x, y = _order_key(a), _order_key(b)
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]

    def _in(self, e: A.In, env: Env) -> Any:
        item, coll = self.ev(e.item, env), self.ev(e.coll, env)
        cutoff = self.ev(e.fuzzy, env) if e.fuzzy is not None else None
        err = _first_error([item, coll, cutoff])
        if err is not None:
            return err
        if e.fuzzy is not None and not _none_like(cutoff):
            if math.isnan(cutoff) or not 0 <= cutoff <= 100:
                return self._fail(f"fuzzy {cutoff} is outside 0-100", env, e.fuzzy)
        if _none_like(item) or _none_like(coll) or (e.fuzzy is not None and _none_like(cutoff)):
            return False  # `in` and `not in` with a none operand are both false
        return _member(item, coll, cutoff) != e.negated

    def _quant(self, e: A.Quant, env: Env) -> Any:
        coll = self.ev(e.coll, env)
        if isinstance(coll, Err):
            return coll
        if _none_like(coll):
            return None if e.kind == "share" else False
        items = _items(coll)
        if len(e.vars) == 1:
            bindings = [{e.vars[0]: x} for x in items]
        else:
            bindings = [{e.vars[0]: items[i], e.vars[1]: items[j]}
                        for i in range(len(items)) for j in range(len(items)) if i != j]
        results: list[Any] = []
        scope = self._quant_env(e, env)
        for names in bindings:
            inner = scope.bind(**names)
            if e.where is not None:
                w = self.ev(e.where, inner)
                if isinstance(w, Err):
                    results.append(w)
                    continue
                if not _truthy(w):
                    continue
            results.append(self.ev(e.body, inner))
        err = _first_error(results)
        if err is not None:
            return err
        hits = [_truthy(r) for r in results]
        if e.kind == "all":
            return all(hits)
        if e.kind == "any":
            return any(hits)
        return sum(hits) / len(hits) if hits else NA


def _key(value: Any) -> Any:
    """A group key part: texts normalised, numbers and bools as they are, lists item by item."""
    if isinstance(value, str):
        return ("text", normalize(value))
    if isinstance(value, list):
        return ("list", tuple(_key(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    return ("other", repr(value))


def _member(item: Any, coll: Any, cutoff: float | None) -> bool:
    """`item in coll [fuzzy cutoff]` for present values (LANGUAGE.md §4 Membership)."""
    x = normalize(as_text(item))
    if not x:
        return False
    if isinstance(coll, (str, TextSpan)):
        y = normalize(as_text(coll))
        if x in y:
            return True
        if cutoff is None:
            return False
        # the best window of y for x, never a window of x: an answer holding the whole context is not in it; y has
        # no window as long as x but itself (partial_ratio would try windows of x too at equal lengths)
        score = fuzz.partial_ratio(x, y) if len(x) < len(y) else fuzz.ratio(x, y)
        return score >= cutoff
    choices = [normalize(as_text(c)) for c in _items(coll) if c is not None]
    if x in choices:
        return True
    if cutoff is None:
        return False
    return any(fuzz.ratio(x, c) >= cutoff for c in choices)  # whole strings, never a partial scorer


def interpret(program: Any, records: list[dict], task: str | None = None,
              reference_date: dt.date = DEFAULT_REFERENCE) -> RefScores:
    """Score records with a checked program's task, as `program.score(records)` does."""
    return Interpreter(program.task(task), reference_date).score(records)


def classify_both(program: Any, records: list[dict]) -> tuple[dict, dict]:
    """Per (row, constraint): "invalid", "error" or the value, from `program.score` and from this interpreter."""
    got, want = program.score(records), interpret(program, records)
    errors = {(r, c) for r, c, _ in got.errors}
    invalid = {(r, c) for r, c, _ in got.invalid}
    mine, ref = {}, {}
    for i in range(len(records)):
        for c in got.constraints:
            mine[i, c] = "error" if (i, c) in errors else "invalid" if (i, c) in invalid else got.values[i][c]
            ref[i, c] = ("error" if (i, c) in want.errors else "invalid" if (i, c) in want.invalid
                         else want.values[i][c])
    return mine, ref
