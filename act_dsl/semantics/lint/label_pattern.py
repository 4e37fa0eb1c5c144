"""ACT309: a pattern tested against the labels of a set that matches no label of that set."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from act_dsl.graph.nodes import Node
from act_dsl.ops.values import LabelSet
from act_dsl.semantics.lint import rule
from act_dsl.syntax import ast as A

# functions a label may pass through on its way to `matches` that the rule can apply to the set's labels as well
_THROUGH: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper, "strip": str.strip,
                                             "text": lambda s: s}
MAX_LABELS = 200_000  # labels tried per (pattern, set): past that the rule stays quiet rather than slow


def _nodes(task) -> list[Node]:
    """Every node the task's constraints and outputs reach, each once (iterative: graphs may share deeply)."""
    roots = [n for c in task.constraints for n in (c.node, c.when) if n is not None] + list(task.fields.values())
    seen: dict[int, Node] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.id not in seen:
            seen[node.id] = node
            stack.extend(node.args)
    return list(seen.values())


def _sets_of(coll: Node, nodes: list[Node], labelsets: dict[str, LabelSet]) -> list[LabelSet]:
    """The label sets a list of labels is drawn from: the set itself (`t in FIGER`), or every set its items are
    tested against somewhere in the task (`all t in types: t in FIGER`, as std/labels' defines expand)."""
    if coll.op == "labels":
        return [labelsets[coll.params[0]]] if coll.params[0] in labelsets else []
    names = []
    for n in nodes:
        if n.op == "in" and n.args[1].op == "labels" and n.args[0].op == "var" and n.args[0].params[0][1] == coll.id:
            names.append(n.args[1].params[0])
    return [labelsets[name] for name in dict.fromkeys(names) if name in labelsets]


def _label_test(node: Node) -> tuple[Node, tuple[str, ...]] | None:
    """For `matches(f(g(t)), "pattern")` with t a quantifier variable: (t's node, the functions in order applied)."""
    x, through = node.args[0], []
    while x.op == "call" and x.params[0] in _THROUGH and len(x.args) == 1:
        through.append(x.params[0])
        x = x.args[0]
    return (x, tuple(reversed(through))) if x.op == "var" else None


def _span(task, pattern: str, node: Node):
    """Where to point: the pattern literal in the constraint or output that uses this `matches`."""
    decls = [(c.decl.expr, c.node) for c in task.constraints] + \
        [(o.expr, task.fields.get(o.name)) for o in task.task.outputs]
    for expr, root in decls:
        if root is None or not _reaches(root, node):
            continue
        for e in A.walk(expr):
            if isinstance(e, A.Literal) and e.value == pattern:
                return e.span
        return expr.span
    return None


def _reaches(root: Node, target: Node) -> bool:
    seen, stack = set(), [root]
    while stack:
        n = stack.pop()
        if n is target:
            return True
        if n.id not in seen:
            seen.add(n.id)
            stack.extend(n.args)
    return False


@rule("ACT309")
def pattern_matches_no_label(task) -> Iterator:
    from act_dsl.ops.text import compile_pattern
    nodes = _nodes(task)
    by_id = {n.id: n for n in task.builder.nodes}
    # `not matches(t, "[A-Z]")` (or `not any t in ts: matches(...)`) asks that labels do NOT match: a pattern that
    # matches no label then makes sense, so negated tests are left alone
    negated = {a.id for n in nodes if n.op == "not" for a in (n.args[0], *n.args[0].args[2:3])
               if n.args[0].op in ("call", "quant")}
    done: set[tuple[str, tuple[str, ...], str]] = set()
    for node in nodes:
        if node.op != "call" or node.params[0] != "matches" or node.args[1].op != "const" or node.id in negated:
            continue
        pattern = node.args[1].params[0]
        found = _label_test(node)
        if not isinstance(pattern, str) or found is None:
            continue
        var, through = found
        coll = by_id.get(var.params[0][1])
        if coll is None:
            continue
        try:
            compiled = compile_pattern(pattern)
        except ValueError:  # a pattern that does not compile is ACT215's
            continue
        for labelset in _sets_of(coll, nodes, task.labelsets):
            key = (pattern, through, labelset.name)
            if key in done or len(labelset.labels) > MAX_LABELS:
                continue
            done.add(key)
            shown = []
            for label in labelset.labels:
                for f in through:
                    label = _THROUGH[f](label)
                shown.append(label)
            if not any(compiled.search(label) for label in shown):
                outer = list(reversed(through))  # written outermost first: lower(strip(t))
                seen = "".join(f"{f}(" for f in outer) + (var.label or "x") + ")" * len(outer)
                yield (_span(task, pattern, node),
                       f"the pattern \"{pattern}\" matches no label of `{labelset.name}`, so `matches({seen}, ...)` "
                       f"is false for every label drawn from it",
                       f"add the label it looks for to `{labelset.name}`, or fix the pattern")
