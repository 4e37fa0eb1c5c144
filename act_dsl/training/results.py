"""The training side's results as values: a held-out evaluation, the signal audit of the ranking, the training
result and the run's report, each a frozen dataclass whose `to_json()` is the JSON `act train` writes
(eval_before.json, eval_after.json, stages.json, audit.json, report.json) and whose `from_json()` reads it back.

Formats owned elsewhere stay plain JSON inside them: the bootstrap intervals (scoring.evidence), the probes and
the verifier card (scoring.probes, scoring.card), the sampling statistics. A file that is not what `act train`
writes (a field missing or of the wrong type) is a ResultError naming the file and the field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from act_dsl.training.config import TrainConfig
from act_dsl.training.fields import BOOL, INT, LIST, NUM, OBJ, STR, Fields, ResultError, optional, read_json_file


@dataclass(frozen=True)
class ConstraintStats:
    """One constraint over the scored responses (scoring.csr.ConstraintSummary.as_dict(), read back)."""

    weight: float
    pass_rate: float | None
    mean: float | None
    applicable: int = 0
    not_applicable: int = 0
    errors: int = 0
    invalid: int = 0
    none: int = 0

    @classmethod
    def of(cls, summary: Any) -> "ConstraintStats":
        return cls.from_json(summary.as_dict())

    def to_json(self) -> dict[str, Any]:
        return {"weight": self.weight, "pass_rate": self.pass_rate, "mean": self.mean, "applicable": self.applicable,
                "not_applicable": self.not_applicable, "errors": self.errors, "invalid": self.invalid,
                "none": self.none}

    @classmethod
    def from_json(cls, obj: Any, source: str = "constraint") -> "ConstraintStats":
        f = Fields(obj, source)
        return cls(f.may("weight", NUM, 1.0), f.need("pass_rate", NUM, none=True), f.need("mean", NUM, none=True),
                   *(f.may(k, INT, 0) for k in ("applicable", "not_applicable", "errors", "invalid", "none")))


def _stats(obj: Any, source: str) -> dict[str, ConstraintStats]:
    f = Fields(obj, source)
    return {name: ConstraintStats.from_json(v, f"{source} `{name}`") for name, v in f.obj.items()}


@dataclass(frozen=True)
class TaskMetric:
    """The task metric of one evaluation against the records' gold answers, with each prompt's prediction."""

    metric: str
    gold: str
    output: str
    value: float | None
    preds: list[Any]
    golds: list[Any]
    exact_match: float | None = None   # beside token_f1 only

    def to_json(self) -> dict[str, Any]:
        out = {"metric": self.metric, "gold": self.gold, "output": self.output, "value": self.value,
               "preds": self.preds, "golds": self.golds}
        if self.exact_match is not None:
            out["exact_match"] = self.exact_match
        return out

    @classmethod
    def from_json(cls, obj: Any, source: str = "task_metric") -> "TaskMetric":
        f = Fields(obj, source)
        return cls(f.need("metric", STR), f.need("gold", STR), f.may("output", STR, ""),
                   f.need("value", NUM, none=True), f.may("preds", LIST, []), f.may("golds", LIST, []),
                   f.may("exact_match", NUM))


@dataclass(frozen=True)
class EvalResponse:
    """One held-out prompt's response: its record's line and input key, the text, its CSR and each verdict."""

    line: int | None
    key: str
    response: str
    csr: float | None
    passed: dict[str, float | None]

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "key": self.key, "response": self.response, "csr": self.csr, "pass": self.passed}

    @classmethod
    def from_json(cls, obj: Any, source: str = "response") -> "EvalResponse":
        f = Fields(obj, source)
        return cls(f.may("line", INT), f.need("key", STR), f.need("response", STR), f.need("csr", NUM, none=True),
                   f.may("pass", OBJ, {}))


@dataclass(frozen=True)
class Evaluation:
    """A held-out evaluation (training.evaluate): eval_before.json, eval_after.json, `act eval --out-json`."""

    csr: float | None
    prompt_accuracy: float | None
    constraint_accuracy: float | None
    constraints: dict[str, ConstraintStats]
    responses: tuple[EvalResponse, ...]
    seconds: float
    best_of: int
    model_calls_per_answer: int
    task_metric: TaskMetric | None = None
    intervals: dict[str, Any] = field(default_factory=dict)   # scoring.evidence.intervals of this result
    tokens: int | None = None                 # new tokens generated, every candidate counted (None: not counted)
    generation_seconds: float | None = None   # of `seconds`, the time spent generating

    @property
    def tokens_per_s(self) -> float | None:
        return self.tokens / self.generation_seconds if self.tokens is not None and self.generation_seconds else None

    def pass_rates(self) -> dict[str, float | None]:
        return {n: s.pass_rate for n, s in self.constraints.items()}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "csr": self.csr, "prompt_accuracy": self.prompt_accuracy, "constraint_accuracy": self.constraint_accuracy,
            "constraints": {n: s.to_json() for n, s in self.constraints.items()},
            "responses": [r.to_json() for r in self.responses], "seconds": self.seconds, "best_of": self.best_of,
            "model_calls_per_answer": self.model_calls_per_answer}
        if self.tokens is not None:
            out.update(tokens=self.tokens, generation_seconds=self.generation_seconds, tokens_per_s=self.tokens_per_s)
        if self.task_metric is not None:
            out["task_metric"] = self.task_metric.to_json()
        out["intervals"] = self.intervals
        return out

    @classmethod
    def from_json(cls, obj: Any, source: str = "evaluation") -> "Evaluation":
        f = Fields(obj, source)
        rows = f.may("responses", LIST, [])
        best_of = f.may("best_of", INT, 1)
        metric = f.may("task_metric", OBJ)
        return cls(f.need("csr", NUM, none=True), f.may("prompt_accuracy", NUM), f.may("constraint_accuracy", NUM),
                   _stats(f.need("constraints", OBJ), f.inner("constraints")),
                   tuple(EvalResponse.from_json(r, f"{source}, response {i + 1}") for i, r in enumerate(rows)),
                   f.may("seconds", NUM, 0.0), best_of, f.may("model_calls_per_answer", INT, best_of),
                   None if metric is None else TaskMetric.from_json(metric, f.inner("task_metric")),
                   f.may("intervals", OBJ, {}), f.may("tokens", INT), f.may("generation_seconds", NUM))

    @classmethod
    def load(cls, path: str | Path) -> "Evaluation":
        return cls.from_json(read_json_file(path), str(path))


@dataclass(frozen=True)
class EvalSummary:
    """What the eval_before and eval_after stages keep in stages.json: CSR, pass rates and the task metric."""

    csr: float | None
    constraints: dict[str, float | None]
    task_metric: TaskMetric | None = None

    @classmethod
    def of(cls, ev: Evaluation) -> "EvalSummary":
        return cls(ev.csr, ev.pass_rates(), ev.task_metric)

    def to_json(self) -> dict[str, Any]:
        return {"csr": self.csr, "constraints": self.constraints,
                "task_metric": None if self.task_metric is None else self.task_metric.to_json()}

    @classmethod
    def from_json(cls, obj: Any, source: str = "evaluation stage") -> "EvalSummary":
        f = Fields(obj, source)
        rates = f.need("constraints", OBJ)
        metric = f.may("task_metric", OBJ)
        return cls(f.need("csr", NUM, none=True),
                   {n: optional(v, NUM, f"{source}, constraint `{n}`") for n, v in rates.items()},
                   None if metric is None else TaskMetric.from_json(metric, f.inner("task_metric")))


@dataclass(frozen=True)
class BeatsGreedy:
    """On how many training items the best sampled candidate beats the greedy answer by CSR (training.signal)."""

    items: int
    better: int
    tied: int
    worse: int
    share: float

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "better": self.better, "tied": self.tied, "worse": self.worse, "share": self.share}

    @classmethod
    def from_json(cls, obj: Any, source: str = "beats_greedy") -> "BeatsGreedy | None":
        if obj is None:
            return None
        f = Fields(obj, source)
        return cls(f.need("items", INT), f.need("better", INT), f.need("tied", INT), f.need("worse", INT),
                   f.need("share", NUM))


def _greedy_json(bg: BeatsGreedy | None) -> dict[str, Any] | None:
    return None if bg is None else bg.to_json()


@dataclass(frozen=True)
class RankAudit:
    """The signal audit of the ranked candidates (the rank stage's result; audit.json starts with it)."""

    prompts: int
    items: int
    pairs: int
    zero_variance_items: int
    zero_variance_share: float | None
    mean_csr: float | None
    constraints: dict[str, ConstraintStats]
    warnings: tuple[str, ...] = ()
    candidates: int = 0             # candidates sampled, over all items (0 in runs before duplicates were merged)
    distinct_candidates: int = 0    # left after merging exact duplicates

    def to_json(self) -> dict[str, Any]:
        return {"prompts": self.prompts, "items": self.items, "pairs": self.pairs,
                "zero_variance_items": self.zero_variance_items, "zero_variance_share": self.zero_variance_share,
                "mean_csr": self.mean_csr, "constraints": {n: s.to_json() for n, s in self.constraints.items()},
                "warnings": list(self.warnings), "candidates": self.candidates,
                "distinct_candidates": self.distinct_candidates}

    @classmethod
    def from_json(cls, obj: Any, source: str = "rank audit") -> "RankAudit":
        f = Fields(obj, source)
        return cls(f.need("prompts", INT), f.need("items", INT), f.need("pairs", INT), f.need("zero_variance_items", INT),
                   f.need("zero_variance_share", NUM, none=True), f.need("mean_csr", NUM, none=True),
                   _stats(f.need("constraints", OBJ), f.inner("constraints")), tuple(f.may("warnings", LIST, [])),
                   f.may("candidates", INT, 0), f.may("distinct_candidates", INT, 0))


@dataclass(frozen=True)
class AuditResult:
    """The audit stage's result: the probes (scoring.probes), beats-greedy, and the verifier card's gate."""

    probes: dict[str, Any] | None
    beats_greedy: BeatsGreedy | None
    forced: bool
    card_verdict: str | None = None
    refusal: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"probes": self.probes, "beats_greedy": _greedy_json(self.beats_greedy), "forced": self.forced,
                "card_verdict": self.card_verdict, "refusal": self.refusal}

    @classmethod
    def from_json(cls, obj: Any, source: str = "audit stage") -> "AuditResult":
        f = Fields(obj, source)
        return cls(f.may("probes", OBJ), BeatsGreedy.from_json(f.may("beats_greedy", OBJ), f.inner("beats_greedy")),
                   f.may("forced", BOOL, False), f.may("card_verdict", STR), f.may("refusal", STR))


_ONLINE = ("model_calls", "steps_with_signal", "sample_csr_first", "sample_csr_last")


@dataclass(frozen=True)
class TrainResult:
    """The train stage's result (training.loop.train): steps, losses and where the trained weights are."""

    steps: int
    items: int
    seconds: float
    first_loss: float | None
    last_loss: float | None
    processes: int
    output: str
    online: dict[str, Any] | None = None   # --loss grpo: model calls, steps with signal, first and last sample CSR
    signal: dict[str, Any] | None = None   # training.advantages.prepare_items's note (advantage, control)
    gold_prompts: int | None = None        # the gold-supervised arm: prompts with a gold answer

    def to_json(self) -> dict[str, Any]:
        out = {"steps": self.steps, "items": self.items, "seconds": self.seconds, "first_loss": self.first_loss,
               "last_loss": self.last_loss, "processes": self.processes, "output": self.output, **(self.online or {})}
        if self.signal is not None:
            out["signal"] = self.signal
        if self.gold_prompts is not None:
            out["gold_prompts"] = self.gold_prompts
        return out

    @classmethod
    def from_json(cls, obj: Any, source: str = "train stage") -> "TrainResult":
        f = Fields(obj, source)
        online = {k: f.obj[k] for k in _ONLINE if k in f.obj} or None
        return cls(f.need("steps", INT), f.may("items", INT, 0), f.may("seconds", NUM, 0.0),
                   f.may("first_loss", NUM), f.may("last_loss", NUM), f.may("processes", INT, 1),
                   f.may("output", STR, ""), online, f.may("signal", OBJ), f.may("gold_prompts", INT))


@dataclass(frozen=True)
class BeforeAfter:
    before: float | None
    after: float | None

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after}


@dataclass(frozen=True)
class MetricChange:
    """The task metric before and after training (report.json's `task_metric`)."""

    name: str
    gold: str
    before: float | None
    after: float | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "gold": self.gold, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class TrainReport:
    """A run's report (report.json): held-out CSR and pass rates before and after, the signal, the timings."""

    task: str
    model: str
    config: TrainConfig
    csr_before: float | None
    csr_after: float | None
    constraints: dict[str, BeforeAfter]
    task_metric: MetricChange | None
    pairs: int
    zero_variance_prompts: int
    train_items: int
    eval_prompts: int
    train: TrainResult
    warnings: tuple[str, ...] = ()
    probes: dict[str, Any] | None = None
    beats_greedy: BeatsGreedy | None = None
    forced_past_probes: bool | None = None
    card_verdict: str | None = None
    forced_refusal: str | None = None
    distinct_candidates: int | None = None
    candidates: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    intervals: dict[str, Any] | None = None    # scoring.evidence.run_evidence: before, after, paired difference
    arms: dict[str, Any] | None = None         # training.arms: added when arms ran beside the run
    rounds: list[dict[str, Any]] | None = None  # --rounds (returned, not in the round's file): every round's row
    kept: list[int] | None = None              # --rounds: the rounds taken

    def to_json(self) -> dict[str, Any]:
        out = {"task": self.task, "model": self.model, "config": self.config.to_dict(),
               "csr_before": self.csr_before, "csr_after": self.csr_after,
               "constraints": {n: v.to_json() for n, v in self.constraints.items()},
               "task_metric": None if self.task_metric is None else self.task_metric.to_json(),
               "pairs": self.pairs, "zero_variance_prompts": self.zero_variance_prompts,
               "train_items": self.train_items, "eval_prompts": self.eval_prompts, "train": self.train.to_json(),
               "warnings": list(self.warnings), "probes": self.probes, "beats_greedy": _greedy_json(self.beats_greedy),
               "forced_past_probes": self.forced_past_probes, "card_verdict": self.card_verdict,
               "forced_refusal": self.forced_refusal, "distinct_candidates": self.distinct_candidates,
               "candidates": self.candidates, "timings": self.timings, "intervals": self.intervals}
        for name in ("arms", "rounds", "kept"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, obj: Any, source: str = "report") -> "TrainReport":
        f = Fields(obj, source)
        try:
            config = TrainConfig.from_dict(f.need("config", OBJ))
        except (TypeError, ValueError) as exc:
            raise ResultError(f"{source}: the field `config` is not a training configuration ({exc})") from None
        constraints = {}
        for n, v in f.need("constraints", OBJ).items():
            c = Fields(v, f"{f.inner('constraints')} `{n}`")
            constraints[n] = BeforeAfter(c.may("before", NUM), c.may("after", NUM))
        m = f.may("task_metric", OBJ)
        metric = None
        if m is not None:
            mf = Fields(m, f.inner("task_metric"))
            metric = MetricChange(mf.need("name", STR), mf.need("gold", STR), mf.need("before", NUM, none=True),
                                  mf.need("after", NUM, none=True))
        timings = f.may("timings", OBJ, {})
        return cls(f.need("task", STR), f.need("model", STR), config, f.need("csr_before", NUM, none=True),
                   f.need("csr_after", NUM, none=True), constraints, metric, f.need("pairs", INT),
                   f.need("zero_variance_prompts", INT), f.need("train_items", INT), f.need("eval_prompts", INT),
                   TrainResult.from_json(f.need("train", OBJ), f.inner("train")), tuple(f.may("warnings", LIST, [])),
                   f.may("probes", OBJ), BeatsGreedy.from_json(f.may("beats_greedy", OBJ), f.inner("beats_greedy")),
                   f.may("forced_past_probes", BOOL), f.may("card_verdict", STR), f.may("forced_refusal", STR),
                   f.may("distinct_candidates", INT), f.may("candidates", INT),
                   {k: optional(v, NUM, f"{source}, timing `{k}`") for k, v in timings.items()},
                   f.may("intervals", OBJ), f.may("arms", OBJ), f.may("rounds", LIST), f.may("kept", LIST))

    @classmethod
    def load(cls, path: str | Path) -> "TrainReport":
        return cls.from_json(read_json_file(path), str(path))

