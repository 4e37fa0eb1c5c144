"""The checker's declarations part: a task's names and types, its constraints and `group by` blocks (ACT1xx, ACT2xx)."""
from __future__ import annotations

import math
from dataclasses import replace

from act_dsl.graph.graph import STOP_RULES
from act_dsl.graph.nodes import Node
from act_dsl.ops import types as T
from act_dsl.semantics.labels import Labels
from act_dsl.semantics.scope import ROOT, CheckedConstraint, CheckedTask, Group, Scope, room_to_recurse
from act_dsl.semantics.suggest import did_you_mean
from act_dsl.source import Span
from act_dsl.syntax import ast as A

TYPE_NAMES = {"text", "label", "number", "bool", "date", "span", "labelset", "list"}
MAX_WEIGHT = 1e6  # larger weights drown every other constraint, and their sums lose precision
# the pass that checks every declaration once: what it reads is not a use (a use is a read from the task's
# prompt, constraints or groups, and what those reach)
_DECLARING = Scope(counts_use=False)


class Declarations(Labels):
    """Declarations first (each checked once, in a pass that is not a use), then constraints, groups, examples."""

    def run(self) -> CheckedTask:
        with room_to_recurse():
            self._run()
        return self.out

    def _run(self) -> None:
        t = self.task
        for kind, span in t.duplicates:
            self.error("ACT106", f"task `{t.name}` has more than one `{kind}`", span or t.span)
        named: tuple[A.Input | A.Output | A.Labels | A.Let, ...] = (*t.inputs, *t.outputs, *t.labels, *t.lets)
        for decl in named:
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
            self.check_type(decl.type)  # record types too: their fields are optional (records.py)
        if t.stop is not None:
            self.stop_rule(t.stop)
        if t.reference is not None:
            self._reference(t.reference)
        for name in list(self.decls):
            self.lookup(name, None, _DECLARING)
        if self.out.reference:
            self.out.used.add(self.out.reference)
        if t.prompt is not None:
            self.check_prompt(t.prompt)
        seen: dict[str, A.Constraint] = {}
        for c in t.constraints:
            self._constraint(c, seen, ROOT)
        for g in t.groups:
            self._group(g, seen)
        for ex in t.examples:
            self.check_example(ex, seen)
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

    def stop_rule(self, stop: A.Stop) -> None:
        """`stop newline | json | "TEXT"` (ACT216)."""
        if not stop.literal and stop.value not in STOP_RULES:
            self.error("ACT216", f"`stop {stop.value}` is not a stop rule", stop.span,
                       hint=did_you_mean(stop.value, list(STOP_RULES)) or
                       'write `stop newline`, `stop json`, `stop end` or `stop "TEXT"`')
        elif stop.literal and not stop.value:
            self.error("ACT216", "`stop \"\"`: the stop text is empty", stop.span,
                       hint='leave `stop` out to stop at the first line break, or write `stop json`')
        else:
            self.out.stop = quoted_stop(stop.value) if stop.literal else stop.value

    def check_type(self, tr: A.TypeRef, sc: Scope = ROOT) -> str:
        if tr.is_record:
            return self._record_type(tr, sc)
        if tr.name == "list":
            if tr.arg is None:
                self.fail(sc, "ACT212", "`list` needs an item type, as in `list<text>`", tr.span)
                return T.list_of(T.ANY)
            return T.list_of(self.check_type(tr.arg, sc))
        if tr.name not in TYPE_NAMES or tr.arg is not None:
            self.fail(sc, "ACT212", f"unknown type `{tr}`", tr.span,
                      hint=did_you_mean(tr.name, sorted(TYPE_NAMES)) or "types are text, label, number, bool, "
                      "date, span, labelset and list<T>")
            return T.ANY
        return tr.name

    def _record_type(self, tr: A.TypeRef, sc: Scope) -> str:
        """`{name: text, price: number, ...}`: fields JSON can hold (no dates, spans or label sets)."""
        fields: list[tuple[str, str]] = []
        spans = tr.field_spans or (None,) * len(tr.fields)
        for (name, ftype), span in zip(tr.fields, spans):
            if any(name == k for k, _ in fields):
                self.fail(sc, "ACT106", f"field `{name}` is declared twice in a record type", span or tr.span)
                continue
            t = self.check_type(ftype, sc)
            base = t
            while T.is_list(base):
                base = T.elem(base)
            if base in ("date", "span", "labelset", "record"):
                self.fail(sc, "ACT212", f"field `{name}` cannot be `{t}`: a JSON answer holds text, numbers, "
                          "bools, lists and objects", ftype.span or span,
                          hint="declare it `text` and read it with a function: `timespan(x.when)`"
                          if base == "date" else "declare it `text`")
                t = T.ANY
            fields.append((name, t))
        if not tr.fields:
            self.fail(sc, "ACT212", "a record type needs at least one field", tr.span,
                      hint="{name: text, price: number}")
        return T.record_of(fields)

    def lookup(self, name: str, span: Span | None, sc: Scope) -> Node | None:
        if name in sc.env:
            return sc.env[name]
        group = sc.group
        if group is not None and name in group.nodes:
            return group.nodes[name]
        if group is not None and sc.keys is not None and name in group.lets:
            return self._group_let(group.lets[name], sc)
        if name == "response":
            self.use(sc, name)
            return self.out.fields["response"]
        decl = self.decls.get(name)
        if decl is None:
            names = list(sc.env) + list(self.decls) + ["response"] + list(group.lets if group else ())
            self.fail(sc, "ACT101", f"unknown name `{name}`", span, hint=did_you_mean(name, names))
            return None
        if sc.keys is not None and not isinstance(decl, A.Labels) and name not in sc.keys and span is not None:
            self.fail(sc, "ACT213", f"`{name}` differs between the members of a group", span,
                      hint=f"read it from a member, as in `a.{name}` for `all a, b in group: ...`")
            return None
        self.use(sc, name)
        if sc.decl is not None:
            self.deps.setdefault(sc.decl, set()).add(name)
        if name in self.out.fields:
            return self.out.fields[name]
        if name in self.failed:  # reported once; checking it again per use would be exponential in a chain
            return None
        if isinstance(decl, A.Labels):
            return self.labels(decl, sc)
        if name in self.in_progress:
            self.fail(sc, "ACT101", f"`{name}` is defined in terms of itself", span or decl.span)
            return None
        self.in_progress.add(name)
        try:  # a declaration reads task names freely, wherever it is first reached from
            node = self._declare(decl, replace(sc, env={}, keys=None, decl=name))
        finally:
            self.in_progress.discard(name)
        if node is not None:
            self.out.fields[name] = node
        else:
            self.failed.add(name)
        return node

    def _declare(self, decl: A.Input | A.Output | A.Let, sc: Scope) -> Node | None:
        if isinstance(decl, A.Input):
            return self.b.make("input", (decl.name,), (), self.check_type(decl.type, sc), decl.name)
        if isinstance(decl, A.Output):
            want = self.check_type(decl.type, sc)
            if isinstance(decl.expr, A.Call) and decl.expr.func == "json" and "json" not in self.unit.defines:
                sc = replace(sc, json_site=(decl.expr, decl.name, want))  # `json` reads against this type
            node = self.expr(decl.expr, sc)
            if node is not None and not T.assignable(node.type, want):
                self.fail(sc, "ACT211", f"output `{decl.name}` is declared `{want}` but its expression gives "
                          f"`{node.type}`", decl.expr.span)
            elif node is not None and node.type != want and want != T.ANY:
                node = self.b.make("as", (want,), (node,), want, decl.name)  # read as the declared type
            return node
        if isinstance(decl, A.Let):
            return self.expr(decl.expr, sc)
        return None

    # ---- constraints and groups ---------------------------------------------------------------
    def _constraint(self, c: A.Constraint, seen: dict[str, A.Constraint], sc: Scope) -> None:
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
        node = self.expr(c.expr, sc)
        if node is not None and node.type not in ("bool", "number", T.ANY, T.NONE):
            self.error("ACT204", f"constraint `{c.name}` is `{node.type}`, not a bool or a number", c.expr.span,
                       hint="compare it (`count(x) >= 1`) or quantify over it (`all x in xs: ...`)")
        when = self.expr(c.when, sc) if c.when is not None else None
        if when is not None and c.when is not None and when.type not in ("bool", T.ANY, T.NONE):
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
        lets: dict[str, A.Let] = {}
        for let in g.lets:
            if let.name in self.decls or let.name in lets:
                self.error("ACT106", f"`{let.name}` is already declared", let.span)
            lets[let.name] = let
        sc = Scope(group=Group(lets), keys=g.fields)
        for let in g.lets:
            self._group_let(let, sc)
        for c in g.constraints:
            if ok:
                self._constraint(c, seen, sc)

    def _group_let(self, let: A.Let, sc: Scope) -> Node | None:
        assert sc.group is not None
        nodes = sc.group.nodes
        if let.name not in nodes:
            if let.name in self.in_progress:
                self.fail(sc, "ACT101", f"`{let.name}` is defined in terms of itself", let.span)
                return None
            self.in_progress.add(let.name)
            try:
                node = self.expr(let.expr, replace(sc, env={}))
            finally:
                self.in_progress.discard(let.name)
            nodes[let.name] = node  # None too: a let that failed is reported once, not per use
        found = nodes[let.name]
        if found is None:
            return None
        self.use(sc, let.name)
        return found


def quoted_stop(text: str) -> str:
    """A quoted stop text as a rule: always literal, so `stop "json"` stops at the four letters json. A text that
    reads as a rule word (or is itself in quotes) travels in quotes; sampling/stop.py takes them off again."""
    if text in STOP_RULES or (len(text) >= 2 and text[0] == text[-1] == '"'):
        return f'"{text}"'
    return text
