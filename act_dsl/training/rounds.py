"""Rounds that do not swing: with `--rounds R`, a round is taken only when it had enough signal and did not
lower the CSR on a validation split of the training prompts.

Before round 1 a share of the training prompts (`--val-fraction`, seeded by `--seed`) is held out from
training; their gold answers are never read: the check is the greedy CSR there. A round with fewer than
`--min-pairs` ranked pairs, or whose validation CSR falls below that of the policy it started from, is not
taken: the next round starts again from the last policy taken (its adapter, or the base model), with another
sampling seed so that it does not draw the same samples. RUN_DIR/rounds.json and report.md say which rounds
were kept and why.
"""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

from act_dsl.records import Record
from act_dsl.scoring.csr import shown_number
from act_dsl.training.results import TrainReport
from act_dsl.training.runs import RunDir

DECISIONS = "rounds.json"


def split_validation(records: list[Record], fraction: float, seed: int) -> tuple[list[Record], list[Record]]:
    """(training, validation): round(fraction * n) records drawn with `seed` (none when fraction is 0 or fewer
    than two records would stay for training)."""
    n = round(fraction * len(records))
    if n < 1 or len(records) - n < 2:
        return records, []
    held = set(random.Random(seed).sample(range(len(records)), n))
    return [r for i, r in enumerate(records) if i not in held], [r for i, r in enumerate(records) if i in held]


class RoundGate:
    """Judges each round of one `--rounds` job and remembers its decisions (resumable: RUN_DIR/rounds.json)."""

    def __init__(self, job: Any) -> None:
        self.job = job
        self.train_records, self.val_records = split_validation(job.train_records, job.config.val_fraction,
                                                                job.config.seed)
        self.file = job.run_dir / DECISIONS
        saved = json.loads(self.file.read_text()) if self.file.exists() else {}
        self.decisions: dict[str, Any] = saved.get("rounds", {})
        self.base_val: float | None = saved.get("base_validation_csr")
        if self.base_val is None and self.val_records:
            self.base_val = self.validation_csr(None)
            self._save()

    def validation_csr(self, adapter: Path | None) -> float | None:
        """The greedy CSR on the validation prompts of the base model (None) or of a round's trained policy."""
        from act_dsl.sampling import model as models
        from act_dsl.sampling.backends.hf import HFBackend
        from act_dsl.training.evaluate import evaluate
        cfg = self.job.config
        ref = models.resolve(cfg.model)
        if adapter is None:
            tok, lm = models.load(ref)
        elif cfg.lora:
            tok, lm = models.load(ref, str(adapter / "adapter"))
        else:
            tok, lm = models.load(str(adapter / "model"))
        from act_dsl.scoring.verifier import Verifier
        verifier = Verifier(self.job.graph, cfg.run_settings())  # the run's day, as its other stages
        res = evaluate(verifier, self.val_records, None, None, cfg.gen, progress=False,
                       backend=HFBackend(tok, lm))
        return res.csr

    def kept_val(self) -> float | None:
        """The validation CSR of the last policy taken (the base model before any)."""
        kept = [d for d in self.decisions.values() if d["kept"]]
        return kept[-1]["validation_csr"] if kept else self.base_val

    def judge(self, r: int, path: Path, report: TrainReport) -> bool:
        """Whether round r (in `path`, with `report`) is taken; the decision and its reason are saved."""
        if str(r) in self.decisions:
            return bool(self.decisions[str(r)]["kept"])
        cfg = self.job.config
        pairs = report.pairs
        before = self.kept_val()
        val = self.validation_csr(path) if self.val_records else None
        if pairs < cfg.min_pairs:
            kept, why = False, f"{pairs} ranked pairs, fewer than --min-pairs {cfg.min_pairs}"
        elif val is not None and before is not None and val < before:
            kept, why = False, (f"validation CSR fell: {shown_number(before)} -> {shown_number(val)} on "
                                f"{len(self.val_records)} prompts")
        else:
            kept = True
            why = f"{pairs} pairs" + (f"; validation CSR {shown_number(before)} -> {shown_number(val)}" if val is not None and
                                      before is not None else "; no validation split")
        self.decisions[str(r)] = {"kept": kept, "why": why, "pairs": pairs, "validation_csr": val if kept else val,
                                  "started_from": self.last_kept_name()}
        self._save()
        self.job.log(f"round {r} {'taken' if kept else 'not taken'}: {why}")
        return kept

    def last_kept_name(self) -> str:
        kept = [r for r, d in self.decisions.items() if d["kept"]]
        return f"round-{kept[-1]}" if kept else "base"

    def _save(self) -> None:
        RunDir(self.job.run_dir).write_json(DECISIONS, {
            "validation_prompts": len(self.val_records), "min_pairs": self.job.config.min_pairs,
            "val_fraction": self.job.config.val_fraction, "base_validation_csr": self.base_val,
            "rounds": self.decisions})


def carry_eval(src: Path, stage: str, nxt: Path) -> None:
    """Round `nxt` starts from run `src`'s held-out result `stage` (eval_after: the round it continues; eval_before
    of round 1: the base model, when no round was taken): it becomes nxt's eval_before, not evaluated again."""
    nxt.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / f"{stage}.json", nxt / "eval_before.json")
    target = RunDir(nxt)
    if "eval_before" not in target.stages:
        target.stages["eval_before"] = {**RunDir(src).stages[stage], "seconds": 0.0}
        target.write_json("stages.json", target.stages)


def decisions(run_dir: Path) -> dict[str, Any]:
    """RUN_DIR/rounds.json's decisions by round number (empty for runs made before rounds were judged)."""
    f = run_dir / DECISIONS
    return json.loads(f.read_text()).get("rounds", {}) if f.exists() else {}
