"""TRL's GRPOTrainer trains on examples/ifeval/ifeval.act as is: its `prompt` input filled from TRL's prompts, one
reward function per constraint with `reward_weights` and GDPO-style `normalize_then_sum`, per-constraint pass
rates logged through `log_metric`; two steps on the tiny model built in the test."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import act_dsl
from conftest import EXAMPLES

IFEVAL = EXAMPLES / "ifeval" / "ifeval.act"


@pytest.mark.slow   # 6 s on idle cores, 27 s with the cores shared
def test_grpo_trainer_on_ifeval_with_per_constraint_rewards(tiny_model: Path, tmp_path: Path) -> None:
    trl = pytest.importorskip("trl", reason="trl is in the dev extra (pip install -e '.[dev]')")
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    program = act_dsl.load(IFEVAL, strict=True)
    rows = [json.loads(line) for line in (EXAMPLES / "ifeval" / "train.jsonl").read_text().splitlines()][:4]
    funcs, weights = program.reward_functions()
    csr = program.reward_function()
    calls: list[list[float]] = []

    def act_csr(**kw):   # the single CSR reward too, weighted 0: it logs the pass rates through log_metric
        out = csr(**kw)
        calls.append(out)
        return out
    act_csr.__name__ = "act_csr"

    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    config = trl.GRPOConfig(
        output_dir=str(tmp_path / "grpo"), max_steps=2, per_device_train_batch_size=4, num_generations=4,
        max_completion_length=8, learning_rate=1e-2, logging_steps=1, report_to=[], save_strategy="no",
        use_cpu=True, seed=0, beta=0.0, reward_weights=[*weights, 0.0],
        multi_objective_aggregation="normalize_then_sum")
    trainer = trl.GRPOTrainer(model=model, reward_funcs=[*funcs, act_csr], args=config,
                              train_dataset=Dataset.from_list(rows), processing_class=tok)
    try:
        trainer.train()
    finally:   # TRL's Accelerator state is process-wide: later tests in this process build their own
        from accelerate.state import AcceleratorState
        AcceleratorState._reset_state(reset_partial_state=True)
    assert len(calls) == 2 and all(len(c) == 4 for c in calls)       # every step scored its completions
    logs = {k: v for h in trainer.state.log_history for k, v in h.items()}
    assert any(k.startswith("act/") for k in logs), sorted(logs)      # pass rates reached TRL's logs
    assert any(k.startswith("rewards/act_ifeval_") for k in logs)     # per-constraint rewards logged by TRL
    assert all(math.isfinite(h["loss"]) for h in trainer.state.log_history if "loss" in h)
