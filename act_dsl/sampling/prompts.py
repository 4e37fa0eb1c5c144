"""Rendering a task's prompt for one record (no torch here)."""
from __future__ import annotations

from typing import Any

from act_dsl.graph.graph import PLACEHOLDER, Graph
from act_dsl.ops.values import LabelSet, as_text


class PromptError(Exception):
    pass


def render(graph: Graph, fields: dict[str, Any], let_values: dict[str, Any] | None = None) -> str:
    """The task's prompt with `{name}` replaced by the record's inputs, label sets and lets."""
    prompt = graph.prompt
    if prompt is None:
        raise PromptError(f"task `{graph.name}` has no `prompt`, so it cannot be sampled; add one")

    def value(m) -> str:
        if m.group(0) == "{{":
            return "{"
        if m.group(0) == "}}":
            return "}"
        name = m.group(1).strip()
        if name in graph.labelsets:
            return ", ".join(graph.labelsets[name].labels)
        if name in fields:
            return as_text(fields[name])
        if let_values and name in let_values:
            v = let_values[name]
            return ", ".join(as_text(x) for x in v) if isinstance(v, (tuple, LabelSet)) else as_text(v)
        raise PromptError(f"prompt placeholder `{{{name}}}` has no value for this record")

    return PLACEHOLDER.sub(value, prompt)


def render_all(graph: Graph, records: list[dict[str, Any]]) -> list[str]:
    needs_lets = [n for n in graph.fields if n not in graph.inputs and n != "response"]
    lets: list[dict[str, Any]] = [{} for _ in records]
    text = graph.prompt or ""
    used = [n for n in needs_lets if "{" + n + "}" in text]
    if used:
        from act_dsl.graph.executor import Executor
        rows = [{**r, "response": ""} for r in records]
        for n, col in zip(used, Executor(graph).columns(rows, [graph.fields[n] for n in used])):
            for i, v in enumerate(col):
                lets[i][n] = v
    return [render(graph, r, lv) for r, lv in zip(records, lets)]
