"""Type-check a task (ACT1xx names, ACT2xx types) while building its interned verifier-graph nodes.

Checking and graph building are one walk: every expression that type-checks becomes a node whose
type the op registry gave it, so the checker and the executor cannot disagree about an op. The walk
is in parts, one job each: declarations.py (names, types, constraints, groups) over labels.py
(label files, prompt, examples), expressions.py and calls.py (typing expressions, ops and defines), over
the frozen Scope and the shared state of scope.py.
"""
from __future__ import annotations

from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.semantics.calls import Calls
from act_dsl.semantics.declarations import MAX_WEIGHT, TYPE_NAMES, Declarations
from act_dsl.semantics.expressions import Expressions
from act_dsl.semantics.labels import MAX_LABEL_FILE, example_value
from act_dsl.semantics.resolve import Unit
from act_dsl.semantics.scope import CheckedConstraint, CheckedTask, Scope, room_to_recurse
from act_dsl.syntax import ast as A

__all__ = ["CheckedConstraint", "CheckedTask", "TaskChecker", "check_define_bodies", "MAX_LABEL_FILE", "example_value",
           "MAX_WEIGHT", "TYPE_NAMES"]


class TaskChecker(Declarations, Expressions, Calls):
    """Checks one task: `TaskChecker(unit, task, diags).run()` gives its CheckedTask and appends diagnostics."""


def check_define_bodies(unit: Unit, diags: list[Diagnostic]) -> None:
    """Check each define of this file once on its own, with its declared parameter types."""
    if unit.module is None:
        return
    own = [d for d in unit.module.defines if unit.defines.get(d.name) is d]
    _report_recursion(own, diags)
    dummy = A.Task("<define>", "", (), (), (), (), None, (), (), ())
    chk = TaskChecker(unit, dummy, diags)  # one checker: its memo expands each define call once for all bodies
    with room_to_recurse():
        for d in own:
            env = {}
            for p in d.params:
                t = chk.check_type(p.type)
                env[p.name] = chk.b.make("param", (p.name,), (), t, p.name)
            chk.expr(d.body, Scope(env=env, defines=(d.name,)))


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

