"""The `--backend` family of flags shared by `act sample`, `act eval` and `act train` (generated from
EngineConfig in act_dsl/sampling/backends/), and turning them into a backend. No torch here."""
from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from act_dsl.cli.common import UsageError, add_settings, given_settings


def engine_options(p: argparse.ArgumentParser) -> None:
    from act_dsl.sampling.backends import EngineConfig
    add_settings(p, EngineConfig)


def engine_config(args: argparse.Namespace, training: bool = False) -> Any:
    """The EngineConfig the flags ask for; a UsageError (exit 2) when they do not fit together."""
    from act_dsl.sampling.backends import EngineConfig
    engine = dataclasses.replace(EngineConfig(), **given_settings(args, EngineConfig))
    problems = engine.problems()
    if training and engine.backend == "openai":
        problems.insert(0, "--backend openai samples from a server and cannot train (training needs the weights); "
                        "use --backend hf or vllm with act train, or `act sample --backend openai`")
    if problems:
        raise UsageError("; ".join(problems))
    return engine


def open_backend(args: argparse.Namespace, model: str | None, adapter: str | None = None) -> Any:
    """The backend of the flags, loaded; model and server problems are usage errors (exit 2)."""
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends import BackendError, make_backend
    try:
        return make_backend(engine_config(args), model, adapter)
    except (BackendError, models.ModelError) as exc:
        raise UsageError(str(exc)) from None
