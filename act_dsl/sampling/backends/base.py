"""The one sampling interface every engine implements: `Backend`, its `Completion`, its error, and the rules
all engines share (the stop rule in force, engine seeds, the chat template). No torch here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from act_dsl.sampling.config import GenConfig


class BackendError(Exception):
    """A backend that cannot run or answer (missing extra, server down, garbage reply): a one-line message."""


@dataclass(frozen=True)
class Completion:
    """The K responses to one prompt: text (the stop rule applied), new tokens each (None where the engine
    does not say) and why each ended: `stop` (end of text or the stop rule) or `length` (max_new_tokens)."""

    texts: tuple[str, ...]
    tokens: tuple[int | None, ...]
    finish: tuple[str, ...]


class Backend(Protocol):
    """What every engine offers the sampler."""

    name: str

    def format_prompt(self, text: str, chat: str) -> str:
        """The prompt as the model sees it (through the chat template when chat == "auto" and it has one)."""

    def complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, *, greedy: bool = False,
                 seeds: Sequence[int] | None = None) -> list[Completion]:
        """K responses per prompt (one when greedy), in prompt order; seeds: one per prompt."""

    def batch_size(self, cfg: GenConfig) -> int:
        """How many prompts to hand `complete` at once."""

    def order(self, prompts: Sequence[str]) -> list[int]:
        """The order to generate prompts in (positions into `prompts`): the hf backend sorts by length so
        that a batch holds prompts of similar length and little padding; others keep the given order."""

    def close(self) -> None:
        """Release the engine (a server connection pool, GPU memory)."""


def rule_of(cfg: GenConfig) -> str | None:
    """The stop rule in force: a GenConfig not yet given its task's rule stops at a newline, as before."""
    rule = "newline" if cfg.stop is None else cfg.stop
    return rule or None


SEED_STRIDE = 1_000_003   # a prime larger than any K: engine seeds of different prompts never overlap


def engine_seed(seed: int) -> int:
    """The seed sent to an engine that derives the K responses' seeds as seed, seed + 1, ..., seed + K - 1
    (vLLM, and servers built on it): prompt i's `--seed` + i spread out, so that prompt i's second response
    does not reuse prompt i + 1's first seed (near-identical few-shot prompts then gave identical responses)."""
    return (seed * SEED_STRIDE) % (2 ** 31 - 1)



def format_prompt(tok: Any, text: str, chat: str) -> str:
    """The prompt as a transformers tokenizer's model sees it: through its chat template unless `chat` is plain."""
    if chat != "plain" and getattr(tok, "chat_template", None):
        return tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                       add_generation_prompt=True)
    return text
