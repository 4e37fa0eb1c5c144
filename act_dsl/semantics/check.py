"""Type-check a task (ACT1xx names, ACT2xx types) while building its interned verifier-graph nodes.

Checking and graph building are one walk: every expression that type-checks becomes a node whose
type the op registry gave it, so the checker and the executor cannot disagree about an op.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.graph.nodes import Builder, Node
from act_dsl.ops import types as T
from act_dsl.ops.registry import REGISTRY, TEMPORAL_PREDICATES, Op
from act_dsl.ops.values import LabelSet
from act_dsl.semantics.resolve import Unit, inside
from act_dsl.semantics.suggest import did_you_mean
from act_dsl.source import Span
from act_dsl.syntax import ast as A

TYPE_NAMES = {"text", "label", "number", "bool", "date", "span", "labelset", "list"}
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
MAX_LABEL_FILE = 20_000_000


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

    @property
    def inputs(self) -> list[str]:
        return [i.name for i in self.task.inputs]

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
        self.quiet = 0
        self.reference_node: Node | None = None
        self.out.fields["response"] = self.b.make("response", (), (), "text", "response")

    # ---- reporting -----------------------------------------------------------------------
    def error(self, code: str, msg: str, span: Span | None, hint: str | None = None,
              related: tuple = ()) -> None:
        if self.quiet:
            raise _Quiet()
        self.diags.append(Diagnostic(code, msg, span, hint=hint, related=related))

    # ---- declarations ----------------------------------------------------------------------
    def run(self) -> CheckedTask:
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
            self._check_type(decl.type)
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
        return self.out

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

    def _check_type(self, tr: A.TypeRef) -> str:
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
        if name in self.out.fields:
            return self.out.fields[name]
        if isinstance(decl, A.Labels):
            return self._labels(decl)
        if name in self.in_progress:
            self.error("ACT101", f"`{name}` is defined in terms of itself", span or decl.span)
            return None
        self.in_progress.add(name)
        saved, self.group_fields = self.group_fields, None
        try:
            node = self._declare(decl)
        finally:
            self.group_fields = saved
            self.in_progress.discard(name)
        if node is not None:
            self.out.fields[name] = node
        return node

    def _declare(self, decl) -> Node | None:
        if isinstance(decl, A.Input):
            return self.b.make("input", (decl.name,), (), self._check_type(decl.type), decl.name)
        if isinstance(decl, A.Output):
            want = self._check_type(decl.type)
            node = self.expr(decl.expr, {})
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
        folder = self.unit.folder
        p = Path(decl.load)
        if p.is_absolute() or ".." in p.parts or not inside(folder, folder / p):
            self.error("ACT110", f"`load(\"{decl.load}\")` reads outside the folder of this file", decl.value_span,
                       hint="put the label file beside the .act file")
            return None
        target = folder / p
        if not target.is_file():
            near = sorted(f.name for f in folder.iterdir() if f.is_file() and f.suffix in (".txt", ".tsv", ".csv")) \
                if folder.is_dir() else []
            self.error("ACT109", f"label file `{decl.load}` not found next to {self.unit.source.path}",
                       decl.value_span, hint=did_you_mean(decl.load, near))
            return None
        data = target.read_bytes()
        if len(data) > MAX_LABEL_FILE or b"\x00" in data:
            self.error("ACT115", f"label file `{decl.load}` is binary or too large", decl.value_span)
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
            node = self.expr(let.expr, {})
            if node is None:
                return None
            self.group_nodes[let.name] = node
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
        try:
            return method(e, env)
        except _Quiet:
            if self.quiet:
                raise
            return None

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
        fields = {"span": {"text": "text", "label": "text", "start": "number", "end": "number"},
                  "date": {"start": "date", "end": "date"}}.get(obj.type, {})
        if obj.type == T.ANY:
            return self.b.make("attr", (e.name,), (obj,), T.ANY, _label(e))
        if e.name not in fields:
            self.error("ACT103", f"a `{obj.type}` has no field `{e.name}`", e.span,
                       hint=did_you_mean(e.name, list(fields)) if fields else None)
            return None
        return self.b.make("attr", (e.name,), (obj,), fields[e.name], _label(e))

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
        rtype = op.result_type([n.type for n in args])
        return self.b.make("call", (op.name, len(args)), tuple(args) + tuple(kwargs), rtype, _label(e))

    def _call_define(self, e: A.Call, d: A.Define, env: dict) -> Node | None:
        self.out.used_defines.add(d.name)
        if e.kwargs:
            self.error("ACT206", f"define `{d.name}` takes no keyword arguments", e.kwargs[0][1].span or e.span)
            return None
        if len(e.args) != len(d.params):
            self.error("ACT205", f"`{d.name}` takes {len(d.params)} argument(s), got {len(e.args)}", e.span,
                       hint=f"{d.name}({', '.join(f'{p.name}: {p.type}' for p in d.params)})")
            return None
        if d.name in self.define_stack:
            self.error("ACT214", f"define `{d.name}` calls itself", e.span)
            return None
        params = [self._param_type(p) for p in d.params]
        nodes = self._arg_nodes(e, params, env)
        if not self._check_args(d.name, e, params, nodes, False):
            return None
        inner = {p.name: n for p, n in zip(d.params, nodes)}
        self.define_stack.append(d.name)
        self.quiet += 1  # the define's body is checked once on its own; here it is only expanded
        try:
            return self.expr(d.body, inner)
        except _Quiet:
            return None
        finally:
            self.quiet -= 1
            self.define_stack.pop()

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
        if e.op in ("+", "-", "*", "/"):
            if not (ok_num(lt) and ok_num(rt)):
                self.error("ACT209", f"`{e.op}` needs numbers, got `{lt}` and `{rt}`", e.span)
                return None
            rtype = "number"
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
    dummy = A.Task("<define>", "", (), (), (), (), None, (), (), ())
    for d in unit.module.defines:
        if unit.defines.get(d.name) is not d:
            continue
        chk = TaskChecker(unit, dummy, diags)
        env = {}
        for p in d.params:
            t = chk._check_type(p.type)
            env[p.name] = chk.b.make("param", (p.name,), (), t, p.name)
        chk.define_stack.append(d.name)
        chk.expr(d.body, env)


def _label(e: A.Expr) -> str:
    return " ".join(e.span.text.split()) if e.span is not None else ""
