"""A reward function for TRL-style trainers: (prompts, completions, **columns) -> list[float]."""
from __future__ import annotations

from typing import Any, Callable

from act_dsl.graph.compiler import Graph
from act_dsl.graph.executor import Executor
from act_dsl.scoring.csr import combine


def _text(completion: Any) -> str:
    """Plain strings, or chat-format completions ([{"role": "assistant", "content": ...}])."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(m.get("content", "") for m in completion if isinstance(m, dict))
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return "" if completion is None else str(completion)


def make_reward_function(graph: Graph, none_value: float = 0.0) -> Callable[..., list[float]]:
    executor = Executor(graph)
    inputs = graph.inputs

    def reward(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float]:
        missing = [f for f in inputs if f not in columns]
        if missing:
            raise ValueError(f"task `{graph.name}` needs the dataset column(s) {', '.join(missing)} "
                             "passed to the reward function")
        rows = [{**{f: columns[f][i] for f in inputs}, "response": _text(c)} for i, c in enumerate(completions)]
        scores = combine(graph, executor.constraint_values(rows))
        return [none_value if c is None else float(c) for c in scores.csr]

    reward.__name__ = f"act_{graph.name}_csr"
    return reward
