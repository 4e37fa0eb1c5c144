"""ACT306: a constraint that is statically always true or always false."""
from act_dsl.graph.nodes import Node
from act_dsl.semantics.lint import rule


_DATA = frozenset({"input", "response", "group", "var", "param"})


def _depends_on_data(node: Node, memo: dict[int, bool]) -> bool:
    """Whether any node below reads data; memoised, since a DAG with sharing has exponentially many paths.

    Recursive: the checker keeps every graph within MAX_NESTING levels, and lint runs only on checked graphs."""
    found = memo.get(node.id)
    if found is None:
        found = node.op in _DATA
        if not found:
            for a in node.args:
                if _depends_on_data(a, memo):
                    found = True
                    break
        memo[node.id] = found
    return found


def _count_bound(node: Node) -> str | None:
    """`count(x) >= 0` is always true and `count(x) < 0` always false."""
    if node.op != "bin" or node.params[0] not in ("<", "<=", ">", ">="):
        return None
    left, right = node.args
    if left.op == "call" and left.params[0] in ("count", "length") and right.op == "const":
        n, op = right.params[0], node.params[0]
        if isinstance(n, float):
            if (op == ">=" and n <= 0) or (op == ">" and n < 0):
                return "always true"
            if (op == "<" and n <= 0) or (op == "<=" and n < 0):
                return "always false"
    return None


@rule("ACT306")
def constant_constraint(task):
    memo: dict[int, bool] = {}
    for c in task.constraints:
        node = c.node
        verdict = None
        if not _depends_on_data(node, memo):
            verdict = "always the same value: it reads no input, output or response"
        elif node.op == "bin" and node.params[0] in ("==", "<=", ">=") and node.args[0] is node.args[1]:
            verdict = "always true: both sides are the same expression"
        elif node.op == "bin" and node.params[0] in ("!=", "<", ">") and node.args[0] is node.args[1]:
            verdict = "always false: both sides are the same expression"
        elif node.op == "in" and node.args[0] is node.args[1]:
            verdict = "always " + ("false" if node.params[0] else "true") + ": it tests a value against itself"
        else:
            bound = _count_bound(node)
            verdict = f"{bound}: a count is never negative" if bound else None
        if verdict:
            yield (c.decl.expr.span, f"constraint `{c.name}` is {verdict}",
                   "a verifier that passes or fails everything gives no training signal")
