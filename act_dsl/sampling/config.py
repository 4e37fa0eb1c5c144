"""Generation settings: the one owner of every sampling default, with the help text its flags show.

A setting is a dataclass field whose metadata carries its flag help (and, where it differs from the field
name, its flag); the command line generates its options from these fields, and overrides go through
`dataclasses.replace`, so a default is written in exactly one place. No torch here.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

STOP_HELP = ("where a response ends: newline, json (after the first complete JSON value) or a literal string, "
             "once the answer has started, or end (only at the end of text); kept out of the response (default: the task's `stop` rule, newline "
             "when it has none; pass '' to stop only at end of text)")


def setting(default: Any, help: str, *, flag: str | None = None, short: tuple[str, ...] = (),
            choices: tuple[str, ...] | None = None, metavar: str | None = None) -> Any:
    """A config field that the command line offers as `--flag` (default: the field name with dashes)."""
    meta = {"help": help, "flag": flag, "short": short, "choices": choices, "metavar": metavar}
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not settings")
    return dataclasses.field(default=default, metadata=meta)


def flag_name(f: dataclasses.Field) -> str:
    """The long option of a setting, without the dashes (`max-new-tokens`)."""
    return f.metadata.get("flag") or f.name.replace("_", "-")


def settings(cls: type) -> list[dataclasses.Field]:
    """The fields of a config class that are offered as flags (those with help text)."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("help")]


@dataclass(frozen=True)
class GenConfig:
    """How responses are generated: shared by `act sample`, `act eval`, `act train` and act_dsl.train()."""

    k: int = setting(4, "K responses per prompt", flag="samples", metavar="K")
    temperature: float = setting(1.0, "sampling temperature")
    top_p: float = setting(0.95, "nucleus sampling: keep the most likely tokens up to this probability mass")
    max_new_tokens: int = setting(24, "tokens generated per response at most")
    batch_size: int = setting(8, "prompts generated together")
    seed: int = setting(0, "random seed of sampling (and of training's shuffles)")
    chat: str = setting("plain", "plain: the prompt as written; auto: through the model's chat template",
                        choices=("plain", "auto"))
    stop: str | None = setting(None, STOP_HELP)  # None: the task's rule (Graph.stop)
    guided: bool = setting(False, "decode inside the grammar of the task's format constraints (`act compile FILE "
                           "--emit grammar` shows it): every response is well formed; the verifier is unchanged")
    guide: dict | None = None  # the task's grammar in every engine form (act_dsl.grammars.compile.guide_for), set
                               # where the task is known; plain JSON so that a run's config.json keeps it

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def for_task(self, task_stop: str | None) -> "GenConfig":
        """The settings for one task: its own `stop` rule unless `--stop` chose one ('' never stops)."""
        return self if self.stop is not None else dataclasses.replace(self, stop=task_stop or "newline")

    def problems(self) -> list[str]:
        out = []
        if self.k < 1:
            out.append("-n/-k/--samples must be at least 1")
        if self.temperature < 0:  # 0 is allowed: sampling then is all but greedy
            out.append("--temperature must not be negative")
        if not 0 < self.top_p <= 1:
            out.append("--top-p must be in (0, 1]")
        if self.max_new_tokens < 1 or self.batch_size < 1:
            out.append("token and batch sizes must be positive")
        if self.chat not in ("plain", "auto"):
            out.append("chat must be `plain` or `auto`")
        if self.guide is not None and not self.guided:
            out.append("a grammar (guide) is given but guided is off")
        return out

    def guided_for(self, graph: Any) -> "GenConfig":
        """With --guided, these settings carrying the task's grammar; a task with no grammar is a ValueError."""
        if not self.guided or self.guide is not None:
            return self
        from act_dsl.grammars.compile import NoGrammar, guide_for
        try:
            return dataclasses.replace(self, guide=guide_for(graph))
        except NoGrammar as exc:
            raise ValueError(str(exc)) from None

    def replace(self, **changes: Any) -> "GenConfig":
        return dataclasses.replace(self, **changes)
