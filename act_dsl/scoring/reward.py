"""A reward function for TRL-style trainers: (prompts, completions, **columns) -> one CSR per completion.

Trainers repeat each prompt's row once per completion (GRPO: num_generations consecutive rows). A
task's `group by` constraints see the k-th completions of the prompts of one group as one joint
candidate, as `act train` ranks them: the completions of one prompt are never put in one group.
Each call builds a fresh executor, so nothing accumulates across a training run. A task input named `prompt` is
filled from the trainer's `prompts` (TRL passes the prompt column only so), the last user message of a chat prompt.
"""
from __future__ import annotations

import warnings
from collections import Counter
from typing import Any, Callable, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.records import RowError, check_row
from act_dsl.scoring.rows import Row
from act_dsl.scoring.verifier import Verifier


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


def last_user_text(prompt: Any) -> str:
    """The text of a prompt: itself when text, else its last user message (TRL's chat prompts, the Responses API)."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, dict):
        prompt = [prompt]
    if isinstance(prompt, (list, tuple)):
        users = [m for m in prompt if isinstance(m, dict) and m.get("role", "user") == "user"]
        if users:
            content = users[-1].get("content")
            if isinstance(content, (list, tuple)):  # parts: text, input_text, images (no text)
                return "".join(p if isinstance(p, str) else str(p.get("text") or "") for p in content
                               if isinstance(p, str) or isinstance(p, dict))
            return content if isinstance(content, str) else ""
    return ""


def _score_call(verifier: Verifier, prompts: Sequence[Any] | None, completions: Sequence[Any] | None,
                columns: dict[str, Any]):
    """One trainer call scored: the columns checked (a task input `prompt` filled from `prompts` when the trainer
    passes none, as TRL never does), the completions read as text, a fresh executor."""
    graph = verifier.graph
    inputs = graph.input_types
    if completions is None:
        raise ValueError(f"the reward function of task `{graph.name}` needs `completions`")
    n = len(completions)
    if "prompt" in inputs and "prompt" not in columns and prompts is not None:
        columns = {**columns, "prompt": [last_user_text(p) for p in prompts]}
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
    reader = verifier.settings.reader()
    rows, keys = [], []
    for i, completion in enumerate(completions):
        try:
            rec = check_row({f: columns[f][i] for f in inputs}, inputs, False, reader=reader, line=i)
        except RowError as exc:
            raise ValueError(f"column `{exc.field}`, row {i}: {exc.message}") from None
        rows.append(Row(rec.fields, completion_text(completion, i)))
        keys.append((repr(prompts[i]) if prompts is not None else None,
                     tuple(repr(rec.fields[f]) for f in inputs)))
    return verifier.score(rows, candidates(keys))  # a fresh executor: no state kept


def _warn_errors(graph: Graph, scores: Any, n: int) -> None:
    if scores.errors:
        per = Counter(name for _, name, _ in scores.errors)
        row, name, msg = scores.errors[0]
        warnings.warn(
            f"act reward `{graph.name}`: {len(scores.errors)} verifier error(s) on "
            f"{len({r for r, _, _ in scores.errors})} of {n} completions in this call "
            f"({', '.join(f'`{c}` {k}' for c, k in per.items())}); those constraints scored 0. "
            f"First: `{name}` on completion {row}: {msg}", VerifierErrorWarning, stacklevel=3)


def _log_pass_rates(scores: Any, log_metric: Any) -> None:
    """Each constraint's pass rate over the completions it applies to, through TRL's `log_metric(name, value)`."""
    if callable(log_metric):
        for name, s in scores.summary.items():
            if s.pass_rate is not None:
                log_metric(f"act/{name}", s.pass_rate)


def make_reward_function(verifier: Verifier, none_value: float = 0.0) -> Callable[..., list[float]]:
    graph = verifier.graph

    def reward(prompts: Sequence[Any] | None = None, completions: Sequence[Any] | None = None,
               log_metric: Any = None, **columns: Any) -> list[float]:
        scores = _score_call(verifier, prompts, completions, columns)
        _warn_errors(graph, scores, len(scores))
        _log_pass_rates(scores, log_metric)
        return [none_value if c is None else float(c) for c in scores.csr]

    reward.__name__ = f"act_{graph.name}_csr"
    return reward


def make_reward_functions(verifier: Verifier) -> tuple[list[Callable[..., list[float | None]]], list[float]]:
    """One reward function per constraint (its value per completion, None where it does not apply: TRL reads None
    as not applicable) and the constraints' weights, for GRPOConfig(reward_weights=...). The functions of one
    trainer step share one scoring: the first scores the call, the others read its values."""
    graph = verifier.graph
    last: dict[str, Any] = {}

    def values(prompts: Any, completions: Any, columns: dict[str, Any]) -> Any:
        key = repr((prompts, completions, sorted((k, columns[k]) for k in graph.input_types if k in columns)))
        if last.get("key") != key:
            scores = _score_call(verifier, prompts, completions, columns)
            _warn_errors(graph, scores, len(scores))
            last.update(key=key, scores=scores)
        return last["scores"]

    def one(name: str) -> Callable[..., list[float | None]]:
        def reward(prompts: Sequence[Any] | None = None, completions: Sequence[Any] | None = None,
                   log_metric: Any = None, **columns: Any) -> list[float | None]:
            scores = values(prompts, completions, columns)
            return [None if row[name] is None else float(row[name]) for row in scores.values]
        reward.__name__ = f"act_{graph.name}_{name}"
        return reward

    return [one(c.name) for c in graph.constraints], [c.weight for c in graph.constraints]
