"""TRL's GRPOTrainer trains with `program.reward_function()` as its reward, `program.prompts()` as its
dataset and `program.stop()` applied to what it samples: two real optimisation steps on a tiny GPT-2
built in the test. TRL is in the dev extra, so `make test` always has it."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

import act_dsl
from act_dsl.sampling.stop import cut

TASK = """task colour {
  input item: text
  stop newline
  prompt "Question: the colour of {item}?\\nAnswer:"
  output answer: text = strip(response)
  constraint said = count(words(answer)) > 0
  constraint short = count(words(answer)) <= 1
  constraint grounded = answer in item fuzzy 80
}
"""

ITEMS = ["a red apple", "the blue sky", "green grass", "a white cloud"]


@pytest.mark.slow
def test_grpo_trainer_runs_two_steps_on_the_act_reward(tiny_model: Path, tmp_path: Path) -> None:
    trl = pytest.importorskip("trl", reason="trl is in the dev extra (pip install -e '.[dev]')")
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    program = act_dsl.loads(TASK, strict=True)
    records = [{"item": it} for it in ITEMS]
    prompts = program.prompts(records)
    assert prompts[0] == "Question: the colour of a red apple?\nAnswer:"
    assert program.stop() == "newline"

    act_reward = program.reward_function()
    seen: list[tuple[list[str], list[str], list[float]]] = []

    def reward(prompts, completions, **columns):  # the exact call TRL makes, keyword arguments included
        texts = [cut(program.stop(), c) for c in completions]  # a response ends where the task says
        out = act_reward(prompts=prompts, completions=texts, **columns)
        seen.append((columns["item"], texts, out))
        return out
    reward.__name__ = act_reward.__name__

    data = Dataset.from_list([{"prompt": p, **r} for p, r in zip(prompts, records)])
    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    config = trl.GRPOConfig(
        output_dir=str(tmp_path / "grpo"), max_steps=2, per_device_train_batch_size=4, num_generations=4,
        max_completion_length=6, learning_rate=1e-2, logging_steps=1, report_to=[], save_strategy="no",
        use_cpu=True, seed=0, temperature=1.0, beta=0.0)
    trainer = trl.GRPOTrainer(model=model, reward_funcs=reward, args=config,
                              train_dataset=data, processing_class=tok)
    trainer.train()

    assert trainer.state.global_step == 2
    assert seen, "TRL never called the act reward"
    for items, texts, out in seen:
        assert len(texts) == len(out) == len(items)
        # the reward TRL got is the CSR `program.score` gives the same response for the same record
        direct = program.score([{"item": i, "response": t} for i, t in zip(items, texts)]).csr
        assert out == [c or 0.0 for c in direct]
    logged = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logged) == 2 and all(math.isfinite(h["reward"]) for h in logged)
    changed = any(not (p.detach() == before[n]).all() for n, p in model.named_parameters())
    assert changed, "two GRPO steps left every weight unchanged"


def test_the_reward_accepts_the_keyword_arguments_trl_passes() -> None:
    """TRL 1.x calls reward(prompts=, completions=, completion_ids=, trainer_state=, log_extra=,
    log_metric=, **dataset columns); the act reward reads the task's inputs and ignores the rest."""
    program = act_dsl.loads(TASK, strict=True)
    reward = program.reward_function()
    out = reward(prompts=["p", "p"], completions=["red", ""], completion_ids=[[1], []], trainer_state=object(),
                 log_extra=lambda *a, **k: None, log_metric=lambda *a, **k: None, item=["a red apple"] * 2)
    assert out == [1.0, 0.0]
    with pytest.raises(ValueError, match="needs the dataset column"):
        reward(prompts=["p"], completions=["red"])
