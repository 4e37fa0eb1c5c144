"""Rendering a task's prompt for one record (no torch here)."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from act_dsl.graph.graph import PLACEHOLDER, Graph
from act_dsl.ops.structured import Record as JsonRecord
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
            return shown(fields[name])
        if let_values and name in let_values:
            return shown(let_values[name])
        raise PromptError(f"prompt placeholder `{{{name}}}` has no value for this record")

    return PLACEHOLDER.sub(value, prompt)


def shown(value: Any) -> str:
    """A value as a person would write it in a prompt: text as is, `3` and `24.99` (never `3.0`), `true`/`false`,
    a date as written, a list of such values joined by `, `, and records, lists of records and lists of lists as
    one line of JSON. Never a programming language's own form (`('A) red', 'B) blue')`, `Record(items=...)`)."""
    if isinstance(value, LabelSet):
        return ", ".join(value.labels)
    if isinstance(value, (tuple, list)):
        if any(isinstance(v, (tuple, list, dict, JsonRecord)) for v in value):
            return _json_line(value)
        return ", ".join(shown(v) for v in value)
    if isinstance(value, (dict, JsonRecord)):
        return _json_line(value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return as_text(value)


def _json_line(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(value: Any) -> Any:
    """JSON-ready: whole numbers as integers (`24`, not `24.0`), fields that are none left out, as data omits them."""
    if isinstance(value, JsonRecord):
        return {k: _plain(v) for k, v in value.items if v is not None}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list, LabelSet)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return int(value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return _scalar(value)
