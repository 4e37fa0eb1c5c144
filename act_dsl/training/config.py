"""The one training configuration, validated on construction."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

LOSS_NAMES = ("rrhf", "pro", "dpo")  # the keys of training.losses.LOSSES (kept here to avoid importing torch)


@dataclass
class TrainConfig:
    model: str | None = None          # None: the default SmolLM2-135M-Instruct
    samples: int = 4                  # K responses per prompt
    temperature: float = 1.0
    top_p: float = 0.95
    max_new_tokens: int = 24
    gen_batch_size: int = 8           # prompts generated together
    chat: str = "plain"               # plain | auto (the model's chat template); see README for why plain
    stop: str | None = "\n"           # generation stops at this string after the answer starts; None: eos
    epochs: int = 2
    lr: float = 5e-4
    loss: str = "rrhf"                # rrhf | pro | dpo
    lam: float = 1.0                  # weight of the cross-entropy on the best candidate
    margin: float = 0.0               # hinge margin, scaled by the CSR gap
    dpo_beta: float = 0.1
    lora: bool = True
    lora_r: int = 16
    lora_alpha: int = 32
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    grad_accum: int = 1
    checkpoint_every: int = 10
    seed: int = 0
    limit: int | None = None
    eval_limit: int | None = None
    reference_date: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.samples < 2:
            problems.append("--samples must be at least 2 (ranking needs two candidates)")
        if self.temperature <= 0:
            problems.append("--temperature must be positive")
        if not 0 < self.top_p <= 1:
            problems.append("--top-p must be in (0, 1]")
        if self.lr <= 0:
            problems.append("--lr must be positive")
        if self.epochs < 1:
            problems.append("--epochs must be at least 1")
        if self.loss not in LOSS_NAMES:
            problems.append(f"--loss must be one of {', '.join(LOSS_NAMES)}")
        if self.chat not in ("plain", "auto"):
            problems.append("chat must be `plain` or `auto`")
        if self.max_new_tokens < 1 or self.gen_batch_size < 1 or self.grad_accum < 1:
            problems.append("token and batch sizes must be positive")
        for name in ("limit", "eval_limit"):
            v = getattr(self, name)
            if v is not None and v < 1:
                problems.append(f"--{name.replace('_', '-')} must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))
        self.lora_targets = tuple(self.lora_targets)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
