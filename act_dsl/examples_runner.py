"""`act test`: run the `example` blocks of .act files and explain every failed expectation."""
from __future__ import annotations

from dataclasses import dataclass

from act_dsl.graph.graph import Graph
from act_dsl.graph.rules import InvalidAnswer
from act_dsl.ops.values import ErrorValue, as_text, normalize, to_json
from act_dsl.program import Program
from act_dsl.scoring.csr import combine
from act_dsl.scoring.verifier import RunSettings, Verifier


@dataclass
class Failure:
    location: str
    example: str
    name: str
    expected: object
    actual: object
    context: dict

    def render(self) -> str:
        ctx = ", ".join(f"{k} = {_show(v)}" for k, v in self.context.items())
        return (f"{self.location}: example \"{self.example}\": expected {self.name} = {_show(self.expected)}, "
                f"got {_show(self.actual)}\n    values: {ctx}")


def _show(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    if isinstance(v, ErrorValue):
        return f"error ({v.message})"
    if isinstance(v, str):
        return repr(v)
    return str(to_json(v))


def _number(v: object) -> float | None:
    """A value compared as a number: true is 1 and false 0 (a constraint's value), numbers as they are."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v) if isinstance(v, (int, float)) else None


def _matches(expected: object, actual: object) -> bool:
    """By value: numbers to 3 decimals, with `true` = 1 and `false` = 0 (so `expect b = 1` passes on a true bool and
    `expect s = true` on a share of 1); texts after normalisation; lists item by item."""
    if isinstance(actual, ErrorValue):
        return False
    if expected is None or actual is None:
        return expected is None and actual is None
    e, a = _number(expected), _number(actual)
    if e is not None and a is not None:
        return round(a, 3) == round(e, 3)
    if isinstance(expected, bool) or isinstance(actual, bool):  # a bool against a text or a list is never equal
        return False
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        return len(expected) == len(actual) and all(_matches(e, a) for e, a in zip(expected, actual))
    return normalize(as_text(expected)) == normalize(as_text(actual))


def run_examples(program: Program, settings: RunSettings | None = None) -> tuple[int, list[Failure]]:
    """Returns (number of expectations checked, failures); `settings` default: the default day and limits."""
    checked = 0
    failures: list[Failure] = []
    for name in program.tasks:
        graph = program.graph(name)
        c, f = run_graph_examples(graph, settings)
        checked += c
        failures.extend(f)
    return checked, failures


def run_graph_examples(graph: Graph, settings: RunSettings | None = None) -> tuple[int, list[Failure]]:
    """The `example` blocks of one task's graph: each example is scored on its own (its own group)."""
    if not graph.examples:
        return 0, []
    checked = 0
    failures: list[Failure] = []
    records = [dict(ex.fields) for ex in graph.examples]
    ex_exec = Verifier(graph, settings or RunSettings()).executor()
    values = ex_exec.constraint_values(records, candidate=list(range(len(records))))  # each its own group
    scores = combine(graph, values, len(records))
    # outputs and lets, including one that is just an input (`output x: text = sentence`: the input's own node)
    shown = {n: node for n, node in graph.fields.items()
             if n != "response" and n not in graph.input_types and not node.free}
    fields = dict(zip(shown, ex_exec.columns(records, list(shown.values()))))
    for i, ex in enumerate(graph.examples):
        context = {n: col[i] for n, col in fields.items()}
        context.update({c: scores.values[i][c] for c in values})
        context["csr"] = scores.csr[i]
        for e in ex.expects:
            checked += 1
            actual: object  # a number, bool, text, None or the ErrorValue that made the value `none`
            if e.name == "csr":
                actual = scores.csr[i]
            elif e.name in values:
                actual = scores.values[i][e.name]
                raw = values[e.name][i]
                if isinstance(raw, ErrorValue) and not isinstance(raw, InvalidAnswer):  # an invalid answer is false
                    actual = raw
            else:
                actual = context.get(e.name)
            if not _matches(e.value, actual):
                failures.append(Failure(e.location, ex.name, e.name, e.value, actual, context))
    return checked, failures
