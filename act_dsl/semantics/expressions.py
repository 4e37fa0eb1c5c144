"""The checker's expressions part: each expression typed (ACT103, ACT2xx) and built into its interned node.

Calls (built-in ops and defines) are the calls part (calls.py); names are looked up by the declarations part.
"""
from __future__ import annotations

from dataclasses import replace

from act_dsl.graph.nodes import Node
from act_dsl.ops import types as T
from act_dsl.semantics.scope import MAX_CHECK_LEVEL, CheckerBase, Quiet, Scope, TooDeep
from act_dsl.semantics.suggest import did_you_mean
from act_dsl.syntax import ast as A
from act_dsl.syntax.parser import MAX_NESTING, too_deep


def node_label(e: A.Expr) -> str:
    """The text an expression was written as, on one line: a node's label in traces and graph dumps."""
    return " ".join(e.span.text.split()) if e.span is not None else ""


class Expressions(CheckerBase):
    def expr(self, e: A.Expr, sc: Scope) -> Node | None:
        method = getattr(self, "_" + type(e).__name__.lower())
        self.level += 1
        try:
            if self.level > MAX_CHECK_LEVEL:
                raise TooDeep()
            node = method(e, sc)
            # a path through the graph has fewer nodes than the graph: small graphs need no depth check
            if node is not None and node.args and len(self.b.nodes) > MAX_NESTING \
                    and self._depth(node) > MAX_NESTING:
                raise TooDeep()
            return node
        except Quiet:
            if sc.quiet:
                raise
            return None
        except TooDeep:
            if sc.quiet:  # inside a define's expansion: reported at the task's own expression below it
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

    def _literal(self, e: A.Literal, sc: Scope) -> Node:
        v = e.value
        t = "bool" if isinstance(v, bool) else "number" if isinstance(v, float) else "text" if isinstance(v, str) \
            else T.NONE
        return self.b.make("const", (v,), (), t, e.span.text if e.span else repr(v))

    def _name(self, e: A.Name, sc: Scope) -> Node | None:
        return self.lookup(e.id, e.span, sc)

    def _groupref(self, e: A.GroupRef, sc: Scope) -> Node | None:
        if sc.keys is None:
            self.fail(sc, "ACT213", "`group` is only defined inside a `group by` block", e.span)
            return None
        return self.b.make("group", (), (), T.list_of("record"), "group")

    def _listexpr(self, e: A.ListExpr, sc: Scope) -> Node | None:
        found = [self.expr(i, sc) for i in e.items]  # every item checked, so each error is reported
        items = [i for i in found if i is not None]
        if len(items) < len(found):
            return None
        t = T.NONE
        for i in items:
            t = T.join(t, i.type)
        return self.b.make("list", (), tuple(items), T.list_of(T.ANY if t == T.NONE else t), node_label(e))

    def _attr(self, e: A.Attr, sc: Scope) -> Node | None:
        obj = self.expr(e.obj, sc)
        if obj is None:
            return None
        if obj.type == "record":
            members = [n for n, d in self.decls.items() if not isinstance(d, A.Labels)] + ["response"]
            if e.name not in members:
                self.fail(sc, "ACT103", f"group members have no field `{e.name}`", e.span,
                           hint=did_you_mean(e.name, members))
                return None
            # the member's own field: any task name, read outside the group's key rule
            fnode = self.lookup(e.name, e.span, replace(sc, env={}, keys=None))
            if fnode is None:
                return None
            return self.b.make("member", (e.name,), (obj, fnode), fnode.type, node_label(e))
        if T.is_record(obj.type):
            fields = T.record_fields(obj.type)
            if e.name not in fields:
                self.fail(sc, "ACT103", f"the record has no field `{e.name}`", e.span,
                           hint=did_you_mean(e.name, list(fields)) or f"its fields are {', '.join(fields)}")
                return None
            return self.b.make("attr", (e.name,), (obj,), fields[e.name], node_label(e))
        if T.is_list(obj.type) and T.is_record(T.elem(obj.type)):  # a projection: the field of every item
            fields = T.record_fields(T.elem(obj.type))
            if e.name not in fields:
                self.fail(sc, "ACT103", f"the records of this list have no field `{e.name}`", e.span,
                           hint=did_you_mean(e.name, list(fields)) or f"their fields are {', '.join(fields)}")
                return None
            return self.b.make("attr", (e.name,), (obj,), T.list_of(fields[e.name]), node_label(e))
        fields = {"span": {"text": "text", "label": "text", "start": "number", "end": "number"},
                  "date": {"start": "date", "end": "date"}}.get(obj.type, {})
        if obj.type == T.ANY:
            return self.b.make("attr", (e.name,), (obj,), T.ANY, node_label(e))
        if e.name not in fields:
            self.fail(sc, "ACT103", f"a `{obj.type}` has no field `{e.name}`", e.span,
                       hint=did_you_mean(e.name, list(fields)) if fields else None)
            return None
        return self.b.make("attr", (e.name,), (obj,), fields[e.name], node_label(e))

    def _index(self, e: A.Index, sc: Scope) -> Node | None:
        obj, idx = self.expr(e.obj, sc), self.expr(e.index, sc)
        if obj is None or idx is None:
            return None
        if not (T.is_list(obj.type) or obj.type in (T.ANY, T.NONE)):
            self.fail(sc, "ACT208", f"`[...]` picks an item of a list, got `{obj.type}`", e.obj.span,
                       hint="make a list first: `split(x, \",\")`, `words(x)`, `lines(x)`"
                       if obj.type in T.TEXTUAL else None)
            return None
        if idx.type not in ("number", T.ANY, T.NONE):
            self.fail(sc, "ACT209", f"a list position is a number, got `{idx.type}`", e.index.span)
            return None
        if idx.op == "const" and isinstance(idx.params[0], float) and not idx.params[0].is_integer():
            self.fail(sc, "ACT209", f"a list position is a whole number, got {idx.params[0]:g}", e.index.span,
                       hint="0 is the first item, -1 the last")
            return None
        return self.b.make("index", (), (obj, idx), T.elem(obj.type), node_label(e))

    def _binop(self, e: A.BinOp, sc: Scope) -> Node | None:
        left, right = self.expr(e.left, sc), self.expr(e.right, sc)
        if left is None or right is None:
            return None
        lt, rt = left.type, right.type
        ok_num = lambda t: t in ("number", T.ANY, T.NONE)  # noqa: E731
        ok_bool = lambda t: t in ("bool", T.ANY, T.NONE)  # noqa: E731
        ok_text = lambda t: t in T.TEXTUAL or t in (T.ANY, T.NONE)  # noqa: E731
        if e.op == "+" and (lt in T.TEXTUAL or rt in T.TEXTUAL):  # `+` on texts concatenates
            if not (ok_text(lt) and ok_text(rt)):
                self.fail(sc, "ACT209", f"`+` joins two texts or adds two numbers, got `{lt}` and `{rt}`", e.span,
                           hint="make both sides text: `join(numbers(x), \",\")`, or both numbers: `number(x)`")
                return None
            rtype = "text"
        elif e.op in ("+", "-", "*", "/"):
            if not (ok_num(lt) and ok_num(rt)):
                self.fail(sc, "ACT209", f"`{e.op}` needs numbers, got `{lt}` and `{rt}`", e.span)
                return None
            # `+` on two values of unknown type (items of `[]`) may still be a text join
            rtype = T.ANY if e.op == "+" and "number" not in (lt, rt) and T.ANY in (lt, rt) else "number"
        elif e.op in ("and", "or"):
            if not (ok_bool(lt) and ok_bool(rt)):
                self.fail(sc, "ACT209", f"`{e.op}` needs bools, got `{lt}` and `{rt}`", e.span)
                return None
            rtype = "bool"
        elif e.op in ("<", "<=", ">", ">="):
            if not ((ok_num(lt) and ok_num(rt)) or (lt == rt == "date")):
                self.fail(sc, "ACT209", f"`{e.op}` compares numbers, got `{lt}` and `{rt}`", e.span,
                           hint="use `before`/`after` for dates" if "date" in (lt, rt) else None)
                return None
            rtype = "bool"
        else:  # == !=
            compatible = T.assignable(lt, rt) or T.assignable(rt, lt)
            if not compatible:
                self.fail(sc, "ACT209", f"`{e.op}` compares `{lt}` with `{rt}`, which are never equal", e.span)
                return None
            rtype = "bool"
            self._note_label_literal(left, right, e)
        return self.b.make("bin", (e.op,), (left, right), rtype, node_label(e))

    def _not(self, e: A.Not, sc: Scope) -> Node | None:
        x = self.expr(e.operand, sc)
        if x is None:
            return None
        if x.type not in ("bool", T.ANY, T.NONE):
            self.fail(sc, "ACT209", f"`not` needs a bool, got `{x.type}`", e.span)
            return None
        return self.b.make("not", (), (x,), "bool", node_label(e))

    def _neg(self, e: A.Neg, sc: Scope) -> Node | None:
        x = self.expr(e.operand, sc)
        if x is None:
            return None
        if x.type not in ("number", T.ANY):
            self.fail(sc, "ACT209", f"`-` needs a number, got `{x.type}`", e.span)
            return None
        return self.b.make("neg", (), (x,), "number", node_label(e))

    def _in(self, e: A.In, sc: Scope) -> Node | None:
        item, coll = self.expr(e.item, sc), self.expr(e.coll, sc)
        if item is None or coll is None:
            return None
        ct = coll.type
        if not (ct in T.TEXTUAL or T.is_list(ct) or ct in ("labelset", T.ANY, T.NONE)):
            self.fail(sc, "ACT207", f"`in` needs text, a list or a label set on its right, got `{ct}`", e.coll.span)
            return None
        cutoff = self.b.make("const", (None,), (), T.NONE)
        if e.fuzzy is not None:
            if not isinstance(e.fuzzy, A.Literal) or not isinstance(e.fuzzy.value, float):
                f = self.expr(e.fuzzy, sc)
                if f is not None and f.type not in ("number", T.ANY):
                    self.fail(sc, "ACT202", "`fuzzy` takes a number between 0 and 100", e.fuzzy.span)
                    return None
                if f is None:
                    return None
                cutoff = f
            elif not 0 <= e.fuzzy.value <= 100:
                self.fail(sc, "ACT202", f"`fuzzy {e.fuzzy.value:g}` is outside 0-100", e.fuzzy.span,
                           hint="fuzzy N is a rapidfuzz similarity: 100 means exact, 85-95 tolerates typos")
                return None
            else:
                cutoff = self.b.make("const", (e.fuzzy.value,), (), "number", f"{e.fuzzy.value:g}")
        et = item.type
        if T.is_list(et) and not T.is_list(T.elem(ct)):
            self.fail(sc, "ACT207", f"`in` tests one item, but the left side is a list (`{et}`)", e.item.span,
                       hint="quantify over it: `all x in xs: x in ...`")
            return None
        if ct == "labelset" and isinstance(e.item, A.Literal) and isinstance(e.item.value, str):
            self.out.label_literals.append((e.item.value, coll.params[0] if coll.op == "labels" else "", e.item.span))
        return self.b.make("in", (e.negated,), (item, coll, cutoff), "bool", node_label(e))

    def _quant(self, e: A.Quant, sc: Scope) -> Node | None:
        coll = self.expr(e.coll, sc)
        if coll is None:
            return None
        ct = coll.type
        if ct == "labelset":
            et = "label"
        elif T.is_list(ct) or ct == T.ANY:
            et = T.elem(ct)
        else:
            self.fail(sc, "ACT208", f"`{e.kind}` ranges over a list, got `{ct}`", e.coll.span,
                       hint="split text into a list first: `split(x, \",\")`, `words(x)`, `lines(x)`")
            return None
        env = dict(sc.env)
        keys = []
        for pos, v in enumerate(e.vars):
            key = (v, coll.id, pos, len(e.vars))
            keys.append(key)
            env[v] = self.b.make("var", (key,), (), et, v)
        inner = replace(sc, env=env)
        where = self.expr(e.where, inner) if e.where is not None else self.b.make("const", (True,), (), "bool")
        if where is None:
            return None
        if where.type not in ("bool", T.ANY, T.NONE) and e.where is not None:
            self.fail(sc, "ACT210", f"`where` condition is `{where.type}`, not a bool", e.where.span)
            return None
        body = self.expr(e.body, inner)
        if body is None:
            return None
        if body.type not in ("bool", T.ANY, T.NONE):
            self.fail(sc, "ACT210", f"the body of `{e.kind}` is `{body.type}`, not a bool", e.body.span)
            return None
        rtype = "number" if e.kind == "share" else "bool"
        return self.b.make("quant", (e.kind, tuple(keys)), (coll, where, body), rtype, node_label(e),
                           binds=frozenset(keys))

    def _note_label_literal(self, left: Node, right: Node, e: A.BinOp) -> None:
        for a, b, expr in ((left, right, e.right), (right, left, e.left)):
            if a.type == "label" and b.op == "const" and isinstance(b.params[0], str):
                self.out.label_literals.append((b.params[0], "", expr.span))


