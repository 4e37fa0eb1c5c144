"""ACT307: numeric bounds on the same quantity that no response can satisfy together."""
import math

from act_dsl.semantics.lint import rule

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}


def _bound(c):
    """(quantity node, low, low_inclusive, high, high_inclusive) for `Q op N` or `N op Q`, else None."""
    node = c.node
    if node.op != "bin" or node.params[0] not in _FLIP or c.when is not None:
        return None
    (a, b), op = node.args, node.params[0]
    if b.op == "const" and isinstance(b.params[0], float) and a.op != "const":
        q, n = a, b.params[0]
    elif a.op == "const" and isinstance(a.params[0], float) and b.op != "const":
        q, n, op = b, a.params[0], _FLIP[op]
    else:
        return None
    lo, lo_in, hi, hi_in = -math.inf, False, math.inf, False
    if op in (">", ">=", "=="):
        lo, lo_in = n, op != ">"
    if op in ("<", "<=", "=="):
        hi, hi_in = n, op != "<"
    return q, lo, lo_in, hi, hi_in


@rule("ACT307")
def contradictory_bounds(task):
    seen = {}
    for c in task.constraints:
        b = _bound(c)
        if b is None:
            continue
        q, lo, lo_in, hi, hi_in = b
        prev = seen.get(q.id)
        if prev is None:
            seen[q.id] = (c, lo, lo_in, hi, hi_in)
            continue
        first, plo, plo_in, phi, phi_in = prev
        nlo, nlo_in = max((lo, lo_in), (plo, plo_in), key=lambda x: (x[0], not x[1]))
        nhi, nhi_in = min((hi, hi_in), (phi, phi_in), key=lambda x: (x[0], x[1]))
        if nlo > nhi or (nlo == nhi and not (nlo_in and nhi_in)):
            yield (c.decl.expr.span, f"constraints `{first.name}` and `{c.name}` can never both hold",
                   "loosen one of the bounds", (("the other bound", first.decl.expr.span),))
        else:
            seen[q.id] = (c, nlo, nlo_in, nhi, nhi_in)
