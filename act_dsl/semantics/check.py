"""Type-check a task (ACT1xx names, ACT2xx types) while building its interned verifier-graph nodes.

Checking and graph building are one walk: every expression that type-checks becomes a node whose
type the op registry gave it, so the checker and the executor cannot disagree about an op.
"""
from __future__ import annotations

import math
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from act_dsl.diagnostics.codes import severity_of
from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.graph.graph import PLACEHOLDER, STOP_RULES
from act_dsl.graph.nodes import Builder, Node
from act_dsl.ops import types as T
from act_dsl.ops.registry import REGISTRY, TEMPORAL_PREDICATES, Op
from act_dsl.ops.values import LabelSet
from act_dsl.semantics.resolve import Unit, inside
from act_dsl.semantics.suggest import did_you_mean
from act_dsl.source import Span
from act_dsl.syntax import ast as A
from act_dsl.syntax.parser import MAX_NESTING, too_deep

TYPE_NAMES = {"text", "label", "number", "bool", "date", "span", "labelset", "list"}
MAX_LABEL_FILE = 20_000_000
MAX_WEIGHT = 1e6  # larger weights drown every other constraint, and their sums lose precision
# nested expr() calls allowed while checking: expressions, lets reached through names and define bodies all add
# levels; the graph built stays within MAX_NESTING levels, this only bounds the checker's own recursion
_MAX_CHECK_LEVEL = 2 * MAX_NESTING + 10
_FRAMES_PER_LEVEL = 6  # Python frames one expr() level can use (expr, _call, _call_op, _arg_nodes, ...)
# literal arguments checked before any data is read: regular expressions (ACT215) and date texts (ACT308)
_PATTERN_ARGS = {"matches": (1,), "extract": (1,)}
_DATE_TEXT_ARGS = {"dates": (0,), "timespan": (0,), "dates_near": (1,)}


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


class _Quiet(Exception):
    pass


class _TooDeep(Exception):
    """Nesting past the limit: reported once, at the innermost expression of the task itself (not of a define)."""


@contextmanager
def _room_to_recurse():
    """Python's recursion limit raised for the checker's walk, which the nesting limits bound."""
    old = sys.getrecursionlimit()
    need = _MAX_CHECK_LEVEL * _FRAMES_PER_LEVEL + 1000
    if old < need:
        sys.setrecursionlimit(need)
    try:
        yield
    finally:
        if old < need:
            sys.setrecursionlimit(old)


class TaskChecker:
    def __init__(self, unit: Unit, task: A.Task, diags: list[Diagnostic]) -> None:
        self.unit, self.task, self.diags = unit, task, diags
        self.out = CheckedTask(task.name, task, unit, Builder())
        self.b = self.out.builder
        self.decls: dict[str, object] = {}
        self.in_progress: set[str] = set()
        self.group_fields: tuple[str, ...] | None = None
        self.group_lets: dict[str, A.Let] = {}
        self.group_nodes: dict[str, Node] = {}
        self.define_stack: list[str] = []
        self.cycle_seen = False  # an expansion met a define cycle (reported as ACT214 by check_define_bodies)
        self.quiet = 0
        self.level = 0                                      # nested expr() calls now running
        self.depths: dict[int, int] = {}                    # node id -> graph depth (leaves 0)
        self.define_memo: dict[tuple, Node | None] = {}     # (define, argument node ids) -> its expansion
        self.failed: set[str] = set()                       # declarations that did not check: not retried
        self.decl_stack: list[str] = []                     # declarations being built, innermost last
        self.deps: dict[str, set[str]] = {}                 # declaration -> the declarations it reads
        self.site: Span | None = None                       # the task's call of the define being expanded
        self.site_args: set[int] = set()                    # ... and the nodes of that call's arguments
        self.literal_memo: dict[tuple[str, str], str | None] = {}
        self.reference_node: Node | None = None
        self.json_site: tuple[A.Call, str, str] | None = None  # (the `json(...)` call, its output, declared type)
        self.out.fields["response"] = self.b.make("response", (), (), "text", "response")

    # ---- reporting -----------------------------------------------------------------------
    def error(self, code: str, msg: str, span: Span | None, hint: str | None = None,
              related: tuple = ()) -> None:
        if self.quiet:
            raise _Quiet()
        self.diags.append(Diagnostic(code, msg, span, hint=hint, related=related))

    # ---- declarations ----------------------------------------------------------------------
    def run(self) -> CheckedTask:
        with _room_to_recurse():
            self._run()
        return self.out

    def _run(self) -> None:
        t = self.task
        for kind, span in t.duplicates:
            self.error("ACT106", f"task `{t.name}` has more than one `{kind}`", span or t.span)
        for decl in (*t.inputs, *t.outputs, *t.labels, *t.lets):
            first = self.decls.get(decl.name)
            if first is not None:
                self.error("ACT106", f"`{decl.name}` is declared twice in task `{t.name}`", decl.span,
                           related=(("first declared here", first.span),))
                continue
            if decl.name == "response":
                self.error("ACT106", "`response` is the raw model text and cannot be redeclared", decl.span)
                continue
            self.decls[decl.name] = decl
        for decl in t.inputs:
            self._check_type(decl.type)  # record types too: their fields are optional (records.py)
        if t.stop is not None:
            self._stop(t.stop)
        if t.reference is not None:
            self._reference(t.reference)
        for name in list(self.decls):
            self.lookup(name, None)
        self.out.used.clear()  # lookups above were for checking, not uses
        if self.out.reference:
            self.out.used.add(self.out.reference)
        if t.prompt is not None:
            self._check_prompt(t.prompt)
        seen: dict[str, A.Constraint] = {}
        for c in t.constraints:
            self._constraint(c, seen)
        for g in t.groups:
            self._group(g, seen)
        for ex in t.examples:
            self._example(ex, seen)
        self._close_used()

    def _close_used(self) -> None:
        """A declaration read by a used one is used too (`let a2 = a1 + 1` uses a1 when a2 is used)."""
        todo = list(self.out.used)
        while todo:
            for dep in self.deps.get(todo.pop(), ()):
                if dep not in self.out.used:
                    self.out.used.add(dep)
                    todo.append(dep)

    def _reference(self, ref: A.Reference) -> None:
        """`reference date = F`: every date op without an explicit `reference:` reads relative dates against F."""
        decl = self.decls.get(ref.field)
        inputs = [i.name for i in self.task.inputs]
        if not isinstance(decl, A.Input):
            self.error("ACT116", f"`reference date = {ref.field}` must name an input of task `{self.task.name}`",
                       ref.field_span or ref.span,
                       hint=did_you_mean(ref.field, inputs) or f"declare it as `input {ref.field}: date`")
            return
        if decl.type.name != "date" or decl.type.arg is not None:
            self.error("ACT116", f"the reference date `{ref.field}` is declared `{decl.type}`, not `date`",
                       ref.field_span or ref.span, hint=f"declare it as `input {ref.field}: date`; its values are "
                       "then checked as dates (2024-05-01, May 2010, 2004) when the data is read",
                       related=(("declared here", decl.span),))
            return
        self.out.reference = ref.field
        self.reference_node = self.b.make("input", (ref.field,), (), "date", ref.field)

    def _stop(self, stop: A.Stop) -> None:
        """`stop newline | json | "TEXT"` (ACT216)."""
        if not stop.literal and stop.value not in STOP_RULES:
            self.error("ACT216", f"`stop {stop.value}` is not a stop rule", stop.span,
                       hint=did_you_mean(stop.value, list(STOP_RULES)) or
                       'write `stop newline`, `stop json`, `stop end` or `stop "TEXT"`')
        elif stop.literal and not stop.value:
            self.error("ACT216", "`stop \"\"`: the stop text is empty", stop.span,
                       hint='leave `stop` out to stop at the first line break, or write `stop json`')
        elif stop.literal and stop.value in STOP_RULES:
            self.error("ACT216", f"`stop \"{stop.value}\"` would stop at the text {stop.value!r}", stop.span,
                       hint=f"write `stop {stop.value}` without quotes")
        else:
            self.out.stop = stop.value

    def _check_type(self, tr: A.TypeRef) -> str:
        if tr.is_record:
            return self._record_type(tr)
        if tr.name == "list":
            if tr.arg is None:
                self.error("ACT212", "`list` needs an item type, as in `list<text>`", tr.span)
                return T.list_of(T.ANY)
            return T.list_of(self._check_type(tr.arg))
        if tr.name not in TYPE_NAMES or tr.arg is not None:
            self.error("ACT212", f"unknown type `{tr}`", tr.span,
                       hint=did_you_mean(tr.name, sorted(TYPE_NAMES)) or "types are text, label, number, bool, "
                       "date, span, labelset and list<T>")
            return T.ANY
        return tr.name

    def _record_type(self, tr: A.TypeRef) -> str:
        """`{name: text, price: number, ...}`: fields JSON can hold (no dates, spans or label sets)."""
        fields: list[tuple[str, str]] = []
        spans = tr.field_spans or (None,) * len(tr.fields)
        for (name, ftype), span in zip(tr.fields, spans):
            if any(name == k for k, _ in fields):
                self.error("ACT106", f"field `{name}` is declared twice in a record type", span or tr.span)
                continue
            t = self._check_type(ftype)
            base = t
            while T.is_list(base):
                base = T.elem(base)
            if base in ("date", "span", "labelset", "record"):
                self.error("ACT212", f"field `{name}` cannot be `{t}`: a JSON answer holds text, numbers, bools, "
                           "lists and objects", ftype.span or span,
                           hint="declare it `text` and read it with a function: `timespan(x.when)`"
                           if base == "date" else "declare it `text`")
                t = T.ANY
            fields.append((name, t))
        if not tr.fields:
            self.error("ACT212", "a record type needs at least one field", tr.span,
                       hint="{name: text, price: number}")
        return T.record_of(fields)

    def lookup(self, name: str, span: Span | None, env: dict | None = None) -> Node | None:
        if env and name in env:
            return env[name]
        if name in self.group_nodes:
            return self.group_nodes[name]
        if self.group_fields is not None and name in self.group_lets:
            return self._group_let(self.group_lets[name])
        if name == "response":
            self.out.used.add(name)
            return self.out.fields["response"]
        decl = self.decls.get(name)
        if decl is None:
            scope = list(env or ()) + list(self.decls) + ["response"] + list(self.group_lets)
            self.error("ACT101", f"unknown name `{name}`", span, hint=did_you_mean(name, scope))
            return None
        if (self.group_fields is not None and not isinstance(decl, A.Labels) and name not in self.group_fields
                and span is not None):
            self.error("ACT213", f"`{name}` differs between the members of a group", span,
                       hint=f"read it from a member, as in `a.{name}` for `all a, b in group: ...`")
            return None
        self.out.used.add(name)
        if self.decl_stack:
            self.deps.setdefault(self.decl_stack[-1], set()).add(name)
        if name in self.out.fields:
            return self.out.fields[name]
        if name in self.failed:  # reported once; checking it again per use would be exponential in a chain
            return None
        if isinstance(decl, A.Labels):
            return self._labels(decl)
        if name in self.in_progress:
            self.error("ACT101", f"`{name}` is defined in terms of itself", span or decl.span)
            return None
        self.in_progress.add(name)
        self.decl_stack.append(name)
        saved, self.group_fields = self.group_fields, None
        try:
            node = self._declare(decl)
        finally:
            self.group_fields = saved
            self.in_progress.discard(name)
            self.decl_stack.pop()
        if node is not None:
            self.out.fields[name] = node
        else:
            self.failed.add(name)
        return node

    def _declare(self, decl) -> Node | None:
        if isinstance(decl, A.Input):
            return self.b.make("input", (decl.name,), (), self._check_type(decl.type), decl.name)
        if isinstance(decl, A.Output):
            want = self._check_type(decl.type)
            saved = self.json_site
            if isinstance(decl.expr, A.Call) and decl.expr.func == "json" and "json" not in self.unit.defines:
                self.json_site = (decl.expr, decl.name, want)  # `json` reads against this declared type
            try:
                node = self.expr(decl.expr, {})
            finally:
                self.json_site = saved
            if node is not None and not T.assignable(node.type, want):
                self.error("ACT211", f"output `{decl.name}` is declared `{want}` but its expression gives "
                           f"`{node.type}`", decl.expr.span)
            elif node is not None and node.type != want and want != T.ANY:
                node = self.b.make("as", (want,), (node,), want, decl.name)  # read as the declared type
            return node
        if isinstance(decl, A.Let):
            return self.expr(decl.expr, {})
        return None

    def _labels(self, decl: A.Labels) -> Node | None:
        if decl.name not in self.out.labelsets:
            labels = self._read_labels(decl)
            if labels is None:
                return None
            self.out.labelsets[decl.name] = LabelSet(decl.name, labels)
        node = self.b.make("labels", (decl.name,), (), "labelset", decl.name)
        self.out.fields[decl.name] = node
        return node

    def _read_labels(self, decl: A.Labels) -> tuple[str, ...] | None:
        from act_dsl.ops.labels import read_label_file
        if decl.call is None:
            return decl.items
        if decl.load is None:
            self.error("ACT201", "a label set is `load(\"file\")` or a literal such as `{\"a\", \"b\"}`",
                       decl.value_span)
            return None
        from act_dsl.safe_files import SafeFileError, read_file
        folder = self.unit.folder
        p = Path(decl.load)
        if p.is_absolute() or ".." in p.parts:
            self.error("ACT110", f"`load(\"{decl.load}\")` reads outside the folder of this file", decl.value_span,
                       hint="put the label file beside the .act file")
            return None
        try:  # opened first, then the opened file is checked to lie in the folder, then read from it
            data, _ = read_file(folder / p, MAX_LABEL_FILE, folder, what="a label file")
        except SafeFileError as exc:
            if exc.reason == "outside":
                self.error("ACT110", f"`load(\"{decl.load}\")` {exc.message}", decl.value_span,
                           hint="put the label file itself beside the .act file, not a symlink to it")
            elif exc.reason == "missing":
                try:
                    near = sorted(f.name for f in folder.iterdir() if f.suffix in (".txt", ".tsv", ".csv"))
                except OSError:
                    near = []
                self.error("ACT109", f"label file `{decl.load}` not found next to {self.unit.source.path}",
                           decl.value_span, hint=did_you_mean(decl.load, near))
            else:
                self.error("ACT115", f"label file `{decl.load}` {exc.message}", decl.value_span)
            return None
        if b"\x00" in data:
            self.error("ACT115", f"label file `{decl.load}` is binary (it contains NUL bytes), not text",
                       decl.value_span)
            return None
        try:
            labels = read_label_file(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            self.error("ACT115", f"label file `{decl.load}` is not UTF-8 text", decl.value_span)
            return None
        if not labels:
            self.error("ACT115", f"label file `{decl.load}` has no labels", decl.value_span,
                       hint="write one label a line")
            return None
        return labels

    def _check_prompt(self, prompt: A.Prompt) -> None:
        allowed = [n for n, d in self.decls.items() if not isinstance(d, A.Output)]
        for m in PLACEHOLDER.finditer(prompt.text):
            name = m.group(1)
            if name is None:
                continue
            name = name.strip()
            if name in self.decls and not isinstance(self.decls[name], A.Output):
                self.out.used.add(name)
                self.lookup(name, None)
                continue
            self.error("ACT105", f"prompt placeholder `{{{name}}}` is not an input, let or label set",
                       prompt.span, hint=did_you_mean(name, allowed) or "write `{{` for a literal brace")

    # ---- constraints, groups, examples ----------------------------------------------------------
    def _constraint(self, c: A.Constraint, seen: dict[str, A.Constraint]) -> None:
        if c.name in seen:
            self.error("ACT106", f"constraint `{c.name}` is declared twice", c.span,
                       related=(("first declared here", seen[c.name].span),))
            return
        seen[c.name] = c
        if c.weight <= 0:
            self.error("ACT203", f"weight of `{c.name}` must be positive, got {c.weight:g}", c.weight_span or c.span)
        elif not math.isfinite(c.weight) or c.weight > MAX_WEIGHT:
            self.error("ACT203", f"weight of `{c.name}` must be at most {MAX_WEIGHT:g}, got {c.weight:g}",
                       c.weight_span or c.span, hint="weights are relative: scale them all down")
        node = self.expr(c.expr, {})
        if node is not None and node.type not in ("bool", "number", T.ANY, T.NONE):
            self.error("ACT204", f"constraint `{c.name}` is `{node.type}`, not a bool or a number", c.expr.span,
                       hint="compare it (`count(x) >= 1`) or quantify over it (`all x in xs: ...`)")
        when = self.expr(c.when, {}) if c.when is not None else None
        if when is not None and when.type not in ("bool", T.ANY, T.NONE):
            self.error("ACT210", f"`when` condition is `{when.type}`, not a bool", c.when.span)
        if node is not None and (c.when is None or when is not None):
            self.out.constraints.append(CheckedConstraint(c.name, c.weight, node, when, c.group, c))

    def _group(self, g: A.GroupBlock, seen: dict[str, A.Constraint]) -> None:
        ok = True
        for name, span in zip(g.fields, g.field_spans):
            if not isinstance(self.decls.get(name), A.Input):
                ok = False
                self.error("ACT112", f"`group by {name}`: `{name}` is not an input of task `{self.task.name}`",
                           span, hint=did_you_mean(name, [i.name for i in self.task.inputs]))
            else:
                self.out.used.add(name)
        self.group_fields, self.group_lets, self.group_nodes = g.fields, {}, {}
        try:
            for let in g.lets:
                if let.name in self.decls or let.name in self.group_lets:
                    self.error("ACT106", f"`{let.name}` is already declared", let.span)
                self.group_lets[let.name] = let
            for let in g.lets:
                self._group_let(let)
            for c in g.constraints:
                if ok:
                    self._constraint(c, seen)
        finally:
            self.group_fields, self.group_lets, self.group_nodes = None, {}, {}

    def _group_let(self, let: A.Let) -> Node | None:
        if let.name not in self.group_nodes:
            if let.name in self.in_progress:
                self.error("ACT101", f"`{let.name}` is defined in terms of itself", let.span)
                return None
            self.in_progress.add(let.name)
            try:
                node = self.expr(let.expr, {})
            finally:
                self.in_progress.discard(let.name)
            self.group_nodes[let.name] = node  # None too: a let that failed is reported once, not per use
        if self.group_nodes[let.name] is None:
            return None
        self.out.used.add(let.name)
        return self.group_nodes[let.name]

    def _example(self, ex: A.Example, constraints: dict[str, A.Constraint]) -> None:
        inputs = [i.name for i in self.task.inputs]
        given = set()
        for f in ex.fields:
            if f.name not in inputs and f.name != "response":
                self.error("ACT113", f"example sets `{f.name}`, which is not an input of the task", f.span,
                           hint=did_you_mean(f.name, inputs + ["response"]))
            given.add(f.name)
        types = {i.name: str(i.type) for i in self.task.inputs}
        for f in ex.fields:
            if "{" in types.get(f.name, ""):
                problem = example_value_problem(f.value, types[f.name], f.name)
                if problem:
                    self.error("ACT218", f"example \"{ex.name}\": {problem}", f.span)
        missing = [n for n in inputs + ["response"] if n not in given]
        if missing:
            self.error("ACT114", f"example \"{ex.name}\" does not set " + ", ".join(f"`{m}`" for m in missing),
                       ex.span)
        names = list(constraints) + ["csr"] + [n for n, d in self.decls.items() if isinstance(d, (A.Output, A.Let))]
        for e in ex.expects:
            if e.name not in names:
                self.error("ACT111", f"`expect {e.name}`: the task has no constraint `{e.name}`", e.span,
                           hint=did_you_mean(e.name, names))

    # ---- expressions ---------------------------------------------------------------------------
    def expr(self, e: A.Expr, env: dict) -> Node | None:
        method = getattr(self, "_" + type(e).__name__.lower())
        self.level += 1
        try:
            if self.level > _MAX_CHECK_LEVEL:
                raise _TooDeep()
            node = method(e, env)
            # a path through the graph has fewer nodes than the graph: small graphs need no depth check
            if node is not None and node.args and len(self.b.nodes) > MAX_NESTING \
                    and self._depth(node) > MAX_NESTING:
                raise _TooDeep()
            return node
        except _Quiet:
            if self.quiet:
                raise
            return None
        except _TooDeep:
            if self.quiet:  # inside a define's expansion: reported at the task's own expression below it
                raise
            self.diags.append(too_deep(e.span, "this expression (with the lets and defines it uses)"))
            return None
        finally:
            self.level -= 1

    def _depth(self, node: Node) -> int:
        """Levels of the verifier graph below a node (leaves 0), each node computed once."""
        depths = self.depths
        d = depths.get(node.id)
        if d is None:
            d = 0
            for a in node.args:
                ad = depths.get(a.id)
                if ad is None:
                    ad = self._depth(a) if a.args else 0
                if ad >= d:
                    d = ad + 1
            depths[node.id] = d
        return d

    def _literal(self, e: A.Literal, env: dict) -> Node:
        v = e.value
        t = "bool" if isinstance(v, bool) else "number" if isinstance(v, float) else "text" if isinstance(v, str) \
            else T.NONE
        return self.b.make("const", (v,), (), t, e.span.text if e.span else repr(v))

    def _name(self, e: A.Name, env: dict) -> Node | None:
        return self.lookup(e.id, e.span, env)

    def _groupref(self, e: A.GroupRef, env: dict) -> Node | None:
        if self.group_fields is None:
            self.error("ACT213", "`group` is only defined inside a `group by` block", e.span)
            return None
        return self.b.make("group", (), (), T.list_of("record"), "group")

    def _listexpr(self, e: A.ListExpr, env: dict) -> Node | None:
        items = [self.expr(i, env) for i in e.items]
        if any(i is None for i in items):
            return None
        t = T.NONE
        for i in items:
            t = T.join(t, i.type)
        return self.b.make("list", (), tuple(items), T.list_of(T.ANY if t == T.NONE else t), _label(e))

    def _attr(self, e: A.Attr, env: dict) -> Node | None:
        obj = self.expr(e.obj, env)
        if obj is None:
            return None
        if obj.type == "record":
            members = [n for n, d in self.decls.items() if not isinstance(d, A.Labels)] + ["response"]
            if e.name not in members:
                self.error("ACT103", f"group members have no field `{e.name}`", e.span,
                           hint=did_you_mean(e.name, members))
                return None
            saved, self.group_fields = self.group_fields, None
            try:
                fnode = self.lookup(e.name, e.span)
            finally:
                self.group_fields = saved
            if fnode is None:
                return None
            return self.b.make("member", (e.name,), (obj, fnode), fnode.type, _label(e))
        if T.is_record(obj.type):
            fields = T.record_fields(obj.type)
            if e.name not in fields:
                self.error("ACT103", f"the record has no field `{e.name}`", e.span,
                           hint=did_you_mean(e.name, list(fields)) or f"its fields are {', '.join(fields)}")
                return None
            return self.b.make("attr", (e.name,), (obj,), fields[e.name], _label(e))
        fields = {"span": {"text": "text", "label": "text", "start": "number", "end": "number"},
                  "date": {"start": "date", "end": "date"}}.get(obj.type, {})
        if obj.type == T.ANY:
            return self.b.make("attr", (e.name,), (obj,), T.ANY, _label(e))
        if e.name not in fields:
            self.error("ACT103", f"a `{obj.type}` has no field `{e.name}`", e.span,
                       hint=did_you_mean(e.name, list(fields)) if fields else None)
            return None
        return self.b.make("attr", (e.name,), (obj,), fields[e.name], _label(e))

    def _index(self, e: A.Index, env: dict) -> Node | None:
        obj, idx = self.expr(e.obj, env), self.expr(e.index, env)
        if obj is None or idx is None:
            return None
        if not (T.is_list(obj.type) or obj.type in (T.ANY, T.NONE)):
            self.error("ACT208", f"`[...]` picks an item of a list, got `{obj.type}`", e.obj.span,
                       hint="make a list first: `split(x, \",\")`, `words(x)`, `lines(x)`"
                       if obj.type in T.TEXTUAL else None)
            return None
        if idx.type not in ("number", T.ANY, T.NONE):
            self.error("ACT209", f"a list position is a number, got `{idx.type}`", e.index.span)
            return None
        if idx.op == "const" and isinstance(idx.params[0], float) and not idx.params[0].is_integer():
            self.error("ACT209", f"a list position is a whole number, got {idx.params[0]:g}", e.index.span,
                       hint="0 is the first item, -1 the last")
            return None
        return self.b.make("index", (), (obj, idx), T.elem(obj.type), _label(e))

    def _call(self, e: A.Call, env: dict) -> Node | None:
        op = REGISTRY.get(e.func)
        if op is None:
            define = self.unit.defines.get(e.func)
            if define is None:
                if e.func == "load":
                    self.error("ACT201", "`load()` is only allowed in `labels NAME = load(\"file\")`", e.span)
                    return None
                names = list(REGISTRY) + list(self.unit.defines)
                self.error("ACT102", f"unknown function `{e.func}`", e.func_span or e.span,
                           hint=did_you_mean(e.func, names))
                return None
            return self._call_define(e, define, env)
        return self._call_op(e, op, env)

    def _arg_nodes(self, e: A.Call, params: list[str], env: dict) -> list[Node | None]:
        nodes = []
        for a, want in zip(e.args, params + [T.ANY] * len(e.args)):
            if want == "labelset" and isinstance(a, A.Name) and a.id not in (env or {}) and a.id not in self.decls:
                self.error("ACT104", f"unknown label set `{a.id}`", a.span,
                           hint=did_you_mean(a.id, [n for n, d in self.decls.items() if isinstance(d, A.Labels)]))
                nodes.append(None)
                continue
            nodes.append(self.expr(a, env))
        return nodes

    def _check_args(self, fname: str, e: A.Call, params: list[str], nodes: list[Node | None],
                    temporal: bool) -> bool:
        ok = all(n is not None for n in nodes)
        for i, (n, want, a) in enumerate(zip(nodes, params, e.args)):
            if n is None or T.assignable(n.type, want):
                continue
            hint = None
            if temporal or want == "date":
                hint = "read dates from text first: `dates(x)`, `timespan(x)` or `dates_near(s, x)`"
            elif want == "labelset":
                hint = "pass a name declared with `labels NAME = ...`"
            self.error("ACT201", f"argument {i + 1} of `{fname}` must be `{want}`, got `{n.type}`", a.span, hint=hint)
            ok = False
        return ok

    def _call_op(self, e: A.Call, op: Op, env: dict) -> Node | None:
        params = list(op.params)
        if not op.required <= len(e.args) <= len(params):
            want = f"{op.required}" if op.required == len(params) else f"{op.required} to {len(params)}"
            self.error("ACT205", f"`{op.name}` takes {want} argument(s), got {len(e.args)}", e.span,
                       hint=f"{op.name}({', '.join(params)}): {op.doc}")
            return None
        kw_types = {k: t for k, t, _ in op.kwargs}
        kw_nodes: dict[str, Node | None] = {}
        for k, v in e.kwargs:
            if k not in kw_types:
                self.error("ACT206", f"`{op.name}` has no keyword argument `{k}`", v.span or e.span,
                           hint=did_you_mean(k, list(kw_types)) or (f"it takes {', '.join(kw_types)}" if kw_types
                                                                     else "it takes no keyword arguments"))
                return None
            kw_nodes[k] = self.expr(v, env)
        nodes = self._arg_nodes(e, params, env)
        if not self._check_args(op.name, e, params, nodes, op.name in TEMPORAL_PREDICATES):
            return None
        for k, v in e.kwargs:
            n = kw_nodes[k]
            if n is None:
                return None
            if not T.assignable(n.type, kw_types[k]):
                self.error("ACT201", f"`{k}:` of `{op.name}` must be `{kw_types[k]}`, got `{n.type}`", v.span)
                return None
        args = [n for n in nodes if n is not None]
        kwargs = []
        for k, t, default in op.kwargs:
            if k == "reference" and k not in kw_nodes and self.reference_node is not None:
                kw_nodes[k] = self.reference_node  # the task's `reference date = F`
            kwargs.append(kw_nodes.get(k) or self.b.make("const", (default,), (), T.NONE))
        if op.name in _PATTERN_ARGS or op.name in _DATE_TEXT_ARGS:
            self._literal_args(op.name, e, args)
        rtype = op.result_type([n.type for n in args])
        if op.name == "json":
            declared = self._json_type(e)
            if declared is None:
                return None
            args.append(self.b.make("const", (declared,), (), "text"))  # the reader needs the declared type
            rtype = declared
        return self.b.make("call", (op.name, len(args)), tuple(args) + tuple(kwargs), rtype, _label(e))

    def _json_type(self, e: A.Call) -> str | None:
        """The type a `json(...)` call reads against: that of the output whose whole expression it is (ACT217)."""
        if self.json_site is None or self.json_site[0] is not e:
            self.error("ACT217", "`json(...)` reads against a declared type, so it must be the whole expression of "
                       "an `output`", e.span, hint="output item: {name: text, price: number} = json(response)")
            return None
        _, name, declared = self.json_site
        if not (T.is_record(declared) or T.is_list(declared)):
            self.error("ACT211", f"output `{name}` is declared `{declared}`, but `json(...)` reads a JSON object "
                       "or array", e.span, hint=f"declare a record type: `output {name}: {{field: {declared}}}`, "
                       f"or a list: `list<{declared}>`")
            return None
        return declared

    def _literal_args(self, fname: str, e: A.Call, args: list[Node]) -> None:
        """ACT215/ACT308: a regular expression or date text written as a literal is checked now, not per record."""
        for code, table in (("ACT215", _PATTERN_ARGS), ("ACT308", _DATE_TEXT_ARGS)):
            for i in table.get(fname, ()):
                if i >= len(args) or args[i].op != "const" or not isinstance(args[i].params[0], str):
                    continue
                text = args[i].params[0]
                key = (code, text)
                if key not in self.literal_memo:
                    self.literal_memo[key] = _literal_problem(code, text)
                problem = self.literal_memo[key]
                if problem is None:
                    continue
                if self.quiet and args[i].id not in self.site_args:
                    continue  # the define's own literal: reported once, where its body is checked
                # a literal the task passed into a define: point at the task's call
                span = self.site if self.quiet else e.args[i].span
                if code == "ACT215":
                    self.diags.append(Diagnostic(code, f"`{fname}`: {problem}", span, hint=_pattern_hint(problem)))
                else:
                    hint = "every record would count an error for this date" if "not a valid date" in problem \
                        else None
                    self.diags.append(Diagnostic(code, f"`{fname}`: {problem}", span, severity_of(code), hint=hint))

    def _call_define(self, e: A.Call, d: A.Define, env: dict) -> Node | None:
        self.out.used_defines.add(d.name)
        if e.kwargs:
            self.error("ACT206", f"define `{d.name}` takes no keyword arguments", e.kwargs[0][1].span or e.span)
            return None
        if len(e.args) != len(d.params):
            self.error("ACT205", f"`{d.name}` takes {len(d.params)} argument(s), got {len(e.args)}", e.span,
                       hint=f"{d.name}({', '.join(f'{p.name}: {p.type}' for p in d.params)})")
            return None
        if d.name in self.define_stack:  # recursion: check_define_bodies reports every cycle (ACT214)
            self.cycle_seen = True
            return None
        params = [self._param_type(p) for p in d.params]
        nodes = self._arg_nodes(e, params, env)
        if not self._check_args(d.name, e, params, nodes, False):
            return None
        # a define's expansion depends only on its arguments' nodes: expand each distinct call once, so that
        # defines calling others several times stay linear
        key = (d.name, tuple(n.id for n in nodes if n is not None))
        if key in self.define_memo:
            return self.define_memo[key]
        # a `none` (or untyped) argument takes the parameter's declared type, as the body was checked with it
        inner = {p.name: (self.b.make("as", (t,), (n,), t, p.name) if n.type in (T.NONE, T.ANY) and t != T.ANY
                          else n) for p, n, t in zip(d.params, nodes, params) if n is not None}
        if not self.quiet:
            self.site, self.site_args = e.span, {n.id for n in nodes if n is not None}
        self.define_stack.append(d.name)
        self.quiet += 1  # the define's body is checked once on its own; here it is only expanded
        try:
            node = self.expr(d.body, inner)
        except _Quiet:
            node = None
        finally:
            self.quiet -= 1
            self.define_stack.pop()
        self.define_memo[key] = node
        if node is None and not self.quiet and not self.cycle_seen:
            # never let a constraint disappear without a word
            self.error("ACT201", f"the body of define `{d.name}` does not type-check with these arguments", e.span,
                       hint=f"{d.name}({', '.join(f'{p.name}: {p.type}' for p in d.params)})")
        return node

    def _param_type(self, p: A.Param) -> str:
        saved, self.quiet = self.quiet, 0
        try:
            return self._check_type(p.type)
        finally:
            self.quiet = saved

    def _binop(self, e: A.BinOp, env: dict) -> Node | None:
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        if left is None or right is None:
            return None
        lt, rt = left.type, right.type
        ok_num = lambda t: t in ("number", T.ANY, T.NONE)  # noqa: E731
        ok_bool = lambda t: t in ("bool", T.ANY, T.NONE)  # noqa: E731
        ok_text = lambda t: t in T.TEXTUAL or t in (T.ANY, T.NONE)  # noqa: E731
        if e.op == "+" and (lt in T.TEXTUAL or rt in T.TEXTUAL):  # `+` on texts concatenates
            if not (ok_text(lt) and ok_text(rt)):
                self.error("ACT209", f"`+` joins two texts or adds two numbers, got `{lt}` and `{rt}`", e.span,
                           hint="make both sides text: `join(numbers(x), \",\")`, or both numbers: `number(x)`")
                return None
            rtype = "text"
        elif e.op in ("+", "-", "*", "/"):
            if not (ok_num(lt) and ok_num(rt)):
                self.error("ACT209", f"`{e.op}` needs numbers, got `{lt}` and `{rt}`", e.span)
                return None
            # `+` on two values of unknown type (items of `[]`) may still be a text join
            rtype = T.ANY if e.op == "+" and "number" not in (lt, rt) and T.ANY in (lt, rt) else "number"
        elif e.op in ("and", "or"):
            if not (ok_bool(lt) and ok_bool(rt)):
                self.error("ACT209", f"`{e.op}` needs bools, got `{lt}` and `{rt}`", e.span)
                return None
            rtype = "bool"
        elif e.op in ("<", "<=", ">", ">="):
            if not ((ok_num(lt) and ok_num(rt)) or (lt == rt == "date")):
                self.error("ACT209", f"`{e.op}` compares numbers, got `{lt}` and `{rt}`", e.span,
                           hint="use `before`/`after` for dates" if "date" in (lt, rt) else None)
                return None
            rtype = "bool"
        else:  # == !=
            compatible = T.assignable(lt, rt) or T.assignable(rt, lt)
            if not compatible:
                self.error("ACT209", f"`{e.op}` compares `{lt}` with `{rt}`, which are never equal", e.span)
                return None
            rtype = "bool"
            self._note_label_literal(left, right, e)
        return self.b.make("bin", (e.op,), (left, right), rtype, _label(e))

    def _not(self, e: A.Not, env: dict) -> Node | None:
        x = self.expr(e.operand, env)
        if x is None:
            return None
        if x.type not in ("bool", T.ANY, T.NONE):
            self.error("ACT209", f"`not` needs a bool, got `{x.type}`", e.span)
            return None
        return self.b.make("not", (), (x,), "bool", _label(e))

    def _neg(self, e: A.Neg, env: dict) -> Node | None:
        x = self.expr(e.operand, env)
        if x is None:
            return None
        if x.type not in ("number", T.ANY):
            self.error("ACT209", f"`-` needs a number, got `{x.type}`", e.span)
            return None
        return self.b.make("neg", (), (x,), "number", _label(e))

    def _in(self, e: A.In, env: dict) -> Node | None:
        item, coll = self.expr(e.item, env), self.expr(e.coll, env)
        if item is None or coll is None:
            return None
        ct = coll.type
        if not (ct in T.TEXTUAL or T.is_list(ct) or ct in ("labelset", T.ANY, T.NONE)):
            self.error("ACT207", f"`in` needs text, a list or a label set on its right, got `{ct}`", e.coll.span)
            return None
        cutoff = self.b.make("const", (None,), (), T.NONE)
        if e.fuzzy is not None:
            if not isinstance(e.fuzzy, A.Literal) or not isinstance(e.fuzzy.value, float):
                f = self.expr(e.fuzzy, env)
                if f is not None and f.type not in ("number", T.ANY):
                    self.error("ACT202", "`fuzzy` takes a number between 0 and 100", e.fuzzy.span)
                    return None
                if f is None:
                    return None
                cutoff = f
            elif not 0 <= e.fuzzy.value <= 100:
                self.error("ACT202", f"`fuzzy {e.fuzzy.value:g}` is outside 0-100", e.fuzzy.span,
                           hint="fuzzy N is a rapidfuzz similarity: 100 means exact, 85-95 tolerates typos")
                return None
            else:
                cutoff = self.b.make("const", (e.fuzzy.value,), (), "number", f"{e.fuzzy.value:g}")
        et = item.type
        if T.is_list(et) and not T.is_list(T.elem(ct)):
            self.error("ACT207", f"`in` tests one item, but the left side is a list (`{et}`)", e.item.span,
                       hint="quantify over it: `all x in xs: x in ...`")
            return None
        if ct == "labelset" and isinstance(e.item, A.Literal) and isinstance(e.item.value, str):
            self.out.label_literals.append((e.item.value, coll.params[0] if coll.op == "labels" else "", e.item.span))
        return self.b.make("in", (e.negated,), (item, coll, cutoff), "bool", _label(e))

    def _quant(self, e: A.Quant, env: dict) -> Node | None:
        coll = self.expr(e.coll, env)
        if coll is None:
            return None
        ct = coll.type
        if ct == "labelset":
            et = "label"
        elif T.is_list(ct) or ct == T.ANY:
            et = T.elem(ct)
        else:
            self.error("ACT208", f"`{e.kind}` ranges over a list, got `{ct}`", e.coll.span,
                       hint="split text into a list first: `split(x, \",\")`, `words(x)`, `lines(x)`")
            return None
        inner = dict(env)
        keys = []
        for pos, v in enumerate(e.vars):
            key = (v, coll.id, pos, len(e.vars))
            keys.append(key)
            inner[v] = self.b.make("var", (key,), (), et, v)
        where = self.expr(e.where, inner) if e.where is not None else self.b.make("const", (True,), (), "bool")
        if where is None:
            return None
        if where.type not in ("bool", T.ANY, T.NONE):
            self.error("ACT210", f"`where` condition is `{where.type}`, not a bool", e.where.span)
            return None
        body = self.expr(e.body, inner)
        if body is None:
            return None
        if body.type not in ("bool", T.ANY, T.NONE):
            self.error("ACT210", f"the body of `{e.kind}` is `{body.type}`, not a bool", e.body.span)
            return None
        rtype = "number" if e.kind == "share" else "bool"
        return self.b.make("quant", (e.kind, tuple(keys)), (coll, where, body), rtype, _label(e),
                           binds=frozenset(keys))

    def _note_label_literal(self, left: Node, right: Node, e: A.BinOp) -> None:
        for a, b, expr in ((left, right, e.right), (right, left, e.left)):
            if a.type == "label" and b.op == "const" and isinstance(b.params[0], str):
                self.out.label_literals.append((b.params[0], "", expr.span))


def check_define_bodies(unit: Unit, diags: list[Diagnostic]) -> None:
    """Check each define of this file once on its own, with its declared parameter types."""
    if unit.module is None:
        return
    own = [d for d in unit.module.defines if unit.defines.get(d.name) is d]
    _report_recursion(own, diags)
    dummy = A.Task("<define>", "", (), (), (), (), None, (), (), ())
    chk = TaskChecker(unit, dummy, diags)  # one checker: its memo expands each define call once for all bodies
    with _room_to_recurse():
        for d in own:
            env = {}
            for p in d.params:
                t = chk._check_type(p.type)
                env[p.name] = chk.b.make("param", (p.name,), (), t, p.name)
            chk.define_stack = [d.name]
            chk.expr(d.body, env)


def _report_recursion(defines: list[A.Define], diags: list[Diagnostic]) -> None:
    """ACT214 for every cycle of define calls (a -> a, or a -> b -> a), found by one depth-first walk."""
    by_name = {d.name: d for d in defines}
    calls = {d.name: [(c.func, c.span) for c in A.walk(d.body) if isinstance(c, A.Call) and c.func in by_name]
             for d in defines}
    state: dict[str, int] = {}  # 1 on the walk's path, 2 done
    for root in defines:
        if root.name in state:
            continue
        path, stack = [root.name], [iter(calls[root.name])]
        state[root.name] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            callee, span = step
            if state.get(callee) == 1:  # back to a define on the path: a cycle
                cycle = path[path.index(callee):] + [callee]
                msg = f"define `{callee}` calls itself" if len(cycle) == 2 else \
                    "defines call each other in a cycle: " + " -> ".join(f"`{n}`" for n in cycle)
                diags.append(Diagnostic("ACT214", msg, span,
                                        hint="defines are expanded inline, so they cannot recurse"))
            elif callee not in state:
                state[callee] = 1
                path.append(callee)
                stack.append(iter(calls[callee]))


def example_value(value: object, declared: str, name: str) -> object:
    """An example's literal for a record-typed input, read by the data reader's rules (RowError if it refuses)."""
    from act_dsl.records import FieldReader
    return FieldReader(None).value(_as_json(value), declared, name)


def example_value_problem(value: object, declared: str, name: str) -> str | None:
    from act_dsl.records import RowError
    try:
        example_value(value, declared, name)
    except RowError as exc:
        return exc.message
    return None


def _as_json(value: object) -> object:
    if isinstance(value, A.RecordLiteral):
        return value.plain()
    if isinstance(value, tuple):
        return [_as_json(v) for v in value]
    return value


def _literal_problem(code: str, text: str) -> str | None:
    if code == "ACT215":
        from act_dsl.ops.text import pattern_error  # imports re2 only now that a pattern literal exists
        return pattern_error(text)
    from act_dsl.ops import temporal  # dateparser is imported only for a date literal
    check = getattr(temporal, "check_date_literal", None)
    return check(text) if check is not None else None


def _pattern_hint(problem: str) -> str:
    if "not supported by RE2" in problem:
        return ("RE2 matches in linear time and has no lookaround `(?=...)` or backreferences `\\1`: "
                "test the parts with separate `matches` joined by `and`")
    return "RE2 syntax: https://github.com/google/re2/wiki/Syntax"


def _label(e: A.Expr) -> str:
    return " ".join(e.span.text.split()) if e.span is not None else ""
