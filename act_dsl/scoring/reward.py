"""A reward function for TRL-style trainers: (prompts, completions, **columns) -> one CSR per completion.

Trainers repeat each prompt's row once per completion (GRPO: num_generations consecutive rows). A
task's `group by` constraints see the k-th completions of the prompts of one group as one joint
candidate, as `act train` ranks them: the completions of one prompt are never put in one group.
Each call builds a fresh executor, so nothing accumulates across a training run.
"""
from __future__ import annotations

import datetime as dt
import warnings
from collections import Counter
from typing import Any, Callable, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.graph.executor import Executor
from act_dsl.records import RowError, FieldReader, check_row
from act_dsl.scoring.csr import combine


class VerifierErrorWarning(RuntimeWarning):
    """Some constraints could not be evaluated on some completions of a call (they scored 0)."""


def _content(content: Any, index: int) -> str:
    """A message's content: text, None (a tool-call-only message), or a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict):
                if part.get("type", "text") == "text":  # images and other parts carry no text to verify
                    text = part.get("text", "")
                    out.append(text if isinstance(text, str) else "")
            else:
                raise ValueError(f"completion {index}: a content part must be a dict or a string, "
                                 f"got {type(part).__name__}")
        return "".join(out)
    raise ValueError(f"completion {index}: message content must be text, None or a list of parts, "
                     f"got {type(content).__name__}")


def completion_text(completion: Any, index: int = 0) -> str:
    """The text to verify: a plain string, or the assistant content of chat-format messages."""
    if isinstance(completion, str):
        return completion
    if completion is None:
        return ""
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, (list, tuple)):
        out = []
        for m in completion:
            if isinstance(m, str):
                out.append(m)
            elif not isinstance(m, dict):
                raise ValueError(f"completion {index}: expected chat messages (dicts), got {type(m).__name__}")
            elif "role" in m or "content" in m:
                if m.get("role", "assistant") == "assistant":
                    out.append(_content(m.get("content"), index))
            else:  # a bare content part such as {"type": "text", "text": ...}
                out.append(_content([m], index))
        return "".join(out)
    raise ValueError(f"completion {index}: expected a string or chat messages, got {type(completion).__name__}")


def candidates(keys: Sequence[Any]) -> list[int]:
    """Each row's position among the earlier rows with the same key: the k-th completion of its prompt."""
    seen: Counter = Counter()
    out = []
    for k in keys:
        out.append(seen[k])
        seen[k] += 1
    return out


def make_reward_function(graph: Graph, none_value: float = 0.0, reference_date: dt.date | None = None,
                         **executor_options: Any) -> Callable[..., list[float]]:
    inputs = graph.input_types

    def reward(prompts: Sequence[Any] | None = None, completions: Sequence[Any] | None = None,
               **columns: Any) -> list[float]:
        if completions is None:
            raise ValueError(f"the reward function of task `{graph.name}` needs `completions`")
        n = len(completions)
        missing = [f for f in inputs if f not in columns]
        if missing:
            raise ValueError(f"task `{graph.name}` needs the dataset column(s) {', '.join(f'`{m}`' for m in missing)} "
                             "passed to the reward function")
        for name in inputs:
            col = columns[name]
            if not isinstance(col, (list, tuple)):
                raise ValueError(f"column `{name}` must be a list with one value per completion, "
                                 f"got {type(col).__name__}")
            if len(col) != n:
                raise ValueError(f"column `{name}` has {len(col)} values for {n} completions (trainers repeat "
                                 "each prompt's row once per completion; pass one value per completion)")
        if prompts is not None and len(prompts) != n:
            raise ValueError(f"`prompts` has {len(prompts)} values for {n} completions")
        reader = FieldReader(reference_date)
        rows, keys = [], []
        for i, completion in enumerate(completions):
            try:
                rec = check_row({f: columns[f][i] for f in inputs}, inputs, False, reader=reader, line=i)
            except RowError as exc:
                raise ValueError(f"column `{exc.field}`, row {i}: {exc.message}") from None
            rows.append({**rec.fields, "response": completion_text(completion, i)})
            keys.append((repr(prompts[i]) if prompts is not None else None,
                         tuple(repr(rec.fields[f]) for f in inputs)))
        if not rows:
            return []
        executor = Executor(graph, reference_date=reference_date, **executor_options)  # fresh: no state kept
        scores = combine(graph, executor.constraint_values(rows, candidates(keys)), len(rows))
        if scores.errors:
            per = Counter(name for _, name, _ in scores.errors)
            row, name, msg = scores.errors[0]
            warnings.warn(
                f"act reward `{graph.name}`: {len(scores.errors)} verifier error(s) on "
                f"{len({r for r, _, _ in scores.errors})} of {n} completions in this call "
                f"({', '.join(f'`{c}` {k}' for c, k in per.items())}); those constraints scored 0. "
                f"First: `{name}` on completion {row}: {msg}", VerifierErrorWarning, stacklevel=2)
        return [none_value if c is None else float(c) for c in scores.csr]

    reward.__name__ = f"act_{graph.name}_csr"
    return reward
