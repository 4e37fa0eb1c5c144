"""The last step of checking: a checked task becomes its frozen verifier Graph (act_dsl/graph/graph.py)."""
from __future__ import annotations

from act_dsl.graph.graph import Constraint, ExampleCase, Expectation, Graph, closure
from act_dsl.semantics.check import CheckedTask, example_value


def lower(task: CheckedTask, path: str = "") -> Graph:
    outputs = {name: task.fields[name] for name in task.outputs if name in task.fields}
    constraints = tuple(Constraint(c.name, c.weight, c.node, c.when, c.group) for c in task.constraints)
    lets = tuple(name for name, node in task.fields.items()
                 if name not in outputs and name in task.used and node.op not in ("input", "response", "labels"))
    roots = [n for c in constraints for n in ((c.node,) if c.when is None else (c.node, c.when))]
    nodes = closure(roots + list(outputs.values()))
    types = task.input_types
    examples = tuple(
        ExampleCase(ex.name, {f.name: _example_field(f.value, types.get(f.name, ""), f.name) for f in ex.fields},
                    tuple(Expectation(e.name, e.value, str(e.span) if e.span else path) for e in ex.expects))
        for ex in task.task.examples)
    prompt = task.task.prompt.text if task.task.prompt is not None else None
    stop = getattr(task, "stop", None) or "newline"
    return Graph(task.name, tuple(task.inputs), task.input_types, outputs,
                 {n: node for n, node in task.fields.items() if node.op != "labels"}, lets, constraints,
                 dict(task.labelsets), nodes, prompt=prompt, stop=stop, reference_field=task.reference,
                 examples=examples, doc=task.task.doc)


def _example_field(value: object, declared: str, name: str) -> object:
    """An input's literal becomes the value data would give it (the checker has vetted it, ACT218)."""
    if not declared:  # `response`, or a field the task does not declare (ACT113)
        return value
    try:
        return example_value(value, declared, name)
    except Exception:  # reported as ACT218 already; a file with errors is never run
        return None
