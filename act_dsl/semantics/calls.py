"""The checker's calls part: built-in ops (arity, argument and keyword types, literal checks) and define expansion."""
from __future__ import annotations

from dataclasses import replace

from act_dsl.diagnostics.codes import severity_of
from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.graph.nodes import Node
from act_dsl.ops import types as T
from act_dsl.ops.registry import REGISTRY, TEMPORAL_PREDICATES, Op
from act_dsl.semantics.expressions import node_label
from act_dsl.semantics.scope import CheckerBase, Quiet, Scope
from act_dsl.semantics.suggest import did_you_mean
from act_dsl.syntax import ast as A

# literal arguments checked before any data is read: regular expressions (ACT215) and date texts (ACT308)
_PATTERN_ARGS = {"matches": (1,), "extract": (1,)}
_DATE_TEXT_ARGS = {"dates": (0,), "timespan": (0,), "dates_near": (1,)}


class Calls(CheckerBase):
    def _call(self, e: A.Call, sc: Scope) -> Node | None:
        op = REGISTRY.get(e.func)
        if op is None:
            define = self.unit.defines.get(e.func)
            if define is None:
                if e.func == "load":
                    self.fail(sc, "ACT201", "`load()` is only allowed in `labels NAME = load(\"file\")`", e.span)
                    return None
                names = list(REGISTRY) + list(self.unit.defines)
                self.fail(sc, "ACT102", f"unknown function `{e.func}`", e.func_span or e.span,
                           hint=did_you_mean(e.func, names))
                return None
            return self._call_define(e, define, sc)
        return self._call_op(e, op, sc)

    def _arg_nodes(self, e: A.Call, params: list[str], sc: Scope) -> list[Node | None]:
        nodes: list[Node | None] = []
        for a, want in zip(e.args, params + [T.ANY] * len(e.args)):
            if want == "labelset" and isinstance(a, A.Name) and a.id not in sc.env and a.id not in self.decls:
                self.fail(sc, "ACT104", f"unknown label set `{a.id}`", a.span,
                           hint=did_you_mean(a.id, [n for n, d in self.decls.items() if isinstance(d, A.Labels)]))
                nodes.append(None)
                continue
            nodes.append(self.expr(a, sc))
        return nodes

    def _check_args(self, fname: str, e: A.Call, params: list[str], nodes: list[Node | None],
                    temporal: bool, sc: Scope) -> bool:
        ok = all(n is not None for n in nodes)
        for i, (n, want, a) in enumerate(zip(nodes, params, e.args)):
            if n is None or T.assignable(n.type, want):
                continue
            hint = None
            if temporal or want == "date":
                hint = "read dates from text first: `dates(x)`, `timespan(x)` or `dates_near(s, x)`"
            elif want == "labelset":
                hint = "pass a name declared with `labels NAME = ...`"
            self.fail(sc, "ACT201", f"argument {i + 1} of `{fname}` must be `{want}`, got `{n.type}`", a.span,
                      hint=hint)
            ok = False
        return ok

    def _call_op(self, e: A.Call, op: Op, sc: Scope) -> Node | None:
        params = list(op.params)
        if not op.required <= len(e.args) <= len(params):
            want = f"{op.required}" if op.required == len(params) else f"{op.required} to {len(params)}"
            self.fail(sc, "ACT205", f"`{op.name}` takes {want} argument(s), got {len(e.args)}", e.span,
                       hint=f"{op.name}({', '.join(params)}): {op.doc}")
            return None
        kw_types = {k: t for k, t, _ in op.kwargs}
        kw_nodes: dict[str, Node | None] = {}
        for k, v in e.kwargs:
            if k not in kw_types:
                self.fail(sc, "ACT206", f"`{op.name}` has no keyword argument `{k}`", v.span or e.span,
                           hint=did_you_mean(k, list(kw_types)) or (f"it takes {', '.join(kw_types)}" if kw_types
                                                                     else "it takes no keyword arguments"))
                return None
            kw_nodes[k] = self.expr(v, sc)
        nodes = self._arg_nodes(e, params, sc)
        if not self._check_args(op.name, e, params, nodes, op.name in TEMPORAL_PREDICATES, sc):
            return None
        for k, v in e.kwargs:
            n = kw_nodes[k]
            if n is None:
                return None
            if not T.assignable(n.type, kw_types[k]):
                self.fail(sc, "ACT201", f"`{k}:` of `{op.name}` must be `{kw_types[k]}`, got `{n.type}`", v.span)
                return None
        args = [n for n in nodes if n is not None]
        kwargs = []
        for k, t, default in op.kwargs:
            if k == "reference" and k not in kw_nodes and self.reference_node is not None:
                kw_nodes[k] = self.reference_node  # the task's `reference date = F`
            kwargs.append(kw_nodes.get(k) or self.b.make("const", (default,), (), T.NONE))
        if op.name in _PATTERN_ARGS or op.name in _DATE_TEXT_ARGS:
            self._literal_args(op.name, e, args, sc)
        rtype = op.result_type([n.type for n in args])
        if op.name == "json":
            declared = self._json_type(e, sc)
            if declared is None:
                return None
            args.append(self.b.make("const", (declared,), (), "text"))  # the reader needs the declared type
            rtype = declared
        return self.b.make("call", (op.name, len(args)), tuple(args) + tuple(kwargs), rtype, node_label(e))

    def _json_type(self, e: A.Call, sc: Scope) -> str | None:
        """The type a `json(...)` call reads against: that of the output whose whole expression it is (ACT217)."""
        if sc.json_site is None or sc.json_site[0] is not e:
            self.fail(sc, "ACT217", "`json(...)` reads against a declared type, so it must be the whole expression of "
                       "an `output`", e.span, hint="output item: {name: text, price: number} = json(response)")
            return None
        _, name, declared = sc.json_site
        if not (T.is_record(declared) or T.is_list(declared)):
            self.fail(sc, "ACT211", f"output `{name}` is declared `{declared}`, but `json(...)` reads a JSON object "
                       "or array", e.span, hint=f"declare a record type: `output {name}: {{field: {declared}}}`, "
                       f"or a list: `list<{declared}>`")
            return None
        return declared

    def _literal_args(self, fname: str, e: A.Call, args: list[Node], sc: Scope) -> None:
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
                if sc.quiet and args[i].id not in sc.site_args:
                    continue  # the define's own literal: reported once, where its body is checked
                # a literal the task passed into a define: point at the task's call
                span = sc.site if sc.quiet else e.args[i].span
                if code == "ACT215":
                    self.diags.append(Diagnostic(code, f"`{fname}`: {problem}", span, hint=_pattern_hint(problem)))
                else:
                    hint = "every record would count an error for this date" if "not a valid date" in problem \
                        else None
                    self.diags.append(Diagnostic(code, f"`{fname}`: {problem}", span, severity_of(code), hint=hint))

    def _call_define(self, e: A.Call, d: A.Define, sc: Scope) -> Node | None:
        self.out.used_defines.add(d.name)
        if e.kwargs:
            self.fail(sc, "ACT206", f"define `{d.name}` takes no keyword arguments", e.kwargs[0][1].span or e.span)
            return None
        if len(e.args) != len(d.params):
            self.fail(sc, "ACT205", f"`{d.name}` takes {len(d.params)} argument(s), got {len(e.args)}", e.span,
                       hint=f"{d.name}({', '.join(f'{p.name}: {p.type}' for p in d.params)})")
            return None
        if d.name in sc.defines:  # recursion: check_define_bodies reports every cycle (ACT214)
            self.cycle_seen = True
            return None
        params = [self._param_type(p) for p in d.params]
        nodes = self._arg_nodes(e, params, sc)
        if not self._check_args(d.name, e, params, nodes, False, sc):
            return None
        # a define's expansion depends only on its arguments' nodes: expand each distinct call once, so that
        # defines calling others several times stay linear
        key = (d.name, tuple(n.id for n in nodes if n is not None))
        if key in self.define_memo:
            return self.define_memo[key]
        # a `none` (or untyped) argument takes the parameter's declared type, as the body was checked with it
        env = {p.name: (self.b.make("as", (t,), (n,), t, p.name) if n.type in (T.NONE, T.ANY) and t != T.ANY
                          else n) for p, n, t in zip(d.params, nodes, params) if n is not None}
        # the define's body is checked once on its own (check_define_bodies); here it is only expanded, quietly
        inner = replace(sc, env=env, quiet=True, defines=sc.defines + (d.name,))
        if not sc.quiet:  # the task's own call: a problem with a literal it passes is reported here
            inner = replace(inner, site=e.span, site_args=frozenset(n.id for n in nodes if n is not None))
        try:
            node = self.expr(d.body, inner)
        except Quiet:
            node = None
        self.define_memo[key] = node
        if node is None and not sc.quiet and not self.cycle_seen:
            # never let a constraint disappear without a word
            self.fail(sc, "ACT201", f"the body of define `{d.name}` does not type-check with these arguments",
                      e.span, hint=f"{d.name}({', '.join(f'{p.name}: {p.type}' for p in d.params)})")
        return node

    def _param_type(self, p: A.Param) -> str:
        return self.check_type(p.type)  # a bad parameter type is the define's own error: always reported



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

