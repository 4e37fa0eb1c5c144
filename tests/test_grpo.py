"""`--loss grpo`: the group-relative advantage and loss on hand-made batches, and an online run on the tiny model."""
from __future__ import annotations

import json
import math

import pytest
import torch

from act_dsl.training.losses import group_advantages, grpo
from conftest import run_act

pytestmark = pytest.mark.torch   # imports torch at its top: `make test-fast` leaves the file out


def test_equal_csrs_give_zero_advantage_and_a_spread_gives_plus_and_minus_one() -> None:
    assert torch.equal(group_advantages(torch.tensor([0.5, 0.5, 0.5, 0.5])), torch.zeros(4))
    adv = group_advantages(torch.tensor([1.0, 0.0]))
    assert adv.tolist() == pytest.approx([1.0, -1.0], abs=1e-3)  # mean 0.5, population sd 0.5
    adv = group_advantages(torch.tensor([1.0, 0.5, 0.5, 0.0]))
    assert adv[1] == 0 and adv[0] > 0 > adv[3] and float(adv.sum()) == pytest.approx(0.0, abs=1e-6)


def _batch():
    logp = torch.tensor([[-1.0, -2.0, 0.0], [-0.5, -0.5, -3.0]], requires_grad=True)
    mask = torch.tensor([[True, True, False], [True, True, True]])  # sequence 0 has 2 response tokens
    return logp, mask


def test_grpo_is_zero_at_the_reference_with_no_advantage_and_pushes_up_the_better_sample() -> None:
    logp, mask = _batch()
    loss = grpo(logp, logp.detach().clone(), mask, torch.zeros(2), beta=0.04)
    loss.backward()
    assert float(loss.detach()) == 0.0 and torch.count_nonzero(logp.grad) == 0
    logp, mask = _batch()
    loss = grpo(logp, logp.detach().clone(), mask, torch.tensor([1.0, -1.0]), beta=0.04)
    loss.backward()
    # minimising raises every token of the better sample and lowers the worse one's; padding gets nothing
    assert (logp.grad[0, :2] < 0).all() and logp.grad[0, 2] == 0 and (logp.grad[1] > 0).all()
    assert logp.grad[0, 0] == pytest.approx(-1 / 2 / 2)  # -adv / tokens of the sequence / sequences


def test_the_kl_term_by_hand_and_chunks_add_up_to_the_whole() -> None:
    logp = torch.tensor([[math.log(0.5)]])
    ref = torch.tensor([[math.log(0.25)]])  # ref - logp = log 0.5: k3 = 0.5 - log 0.5 - 1 = 0.1931
    loss = grpo(logp, ref, torch.tensor([[True]]), torch.zeros(1), beta=2.0)
    assert float(loss) == pytest.approx(2.0 * (0.5 + math.log(2) - 1), rel=1e-5)
    logp, mask = _batch()
    ref = logp.detach() - 0.3
    adv = torch.tensor([0.7, -0.7])
    whole = grpo(logp, ref, mask, adv, beta=0.1)
    parts = grpo(logp[:1], ref[:1], mask[:1], adv[:1], 0.1, total=2) + grpo(logp[1:], ref[1:], mask[1:], adv[1:], 0.1,
                                                                           total=2)
    assert float(parts) == pytest.approx(float(whole))


def test_grpo_without_lora_is_a_usage_error(small_task) -> None:  # noqa: F811
    r = run_act("train", str(small_task / "task.act"), "--loss", "grpo", "--no-lora")
    assert r.returncode == 2 and "--loss grpo needs LoRA" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_grpo_samples_online_and_records_what_each_step_scored(small_task, tiny_model) -> None:  # noqa: F811
    out = small_task / "run"
    r = run_act("train", str(small_task / "task.act"), "--model", str(tiny_model), "--run-dir", str(out), "--loss", "grpo",
                "--samples", "4", "--epochs", "1", "--max-new-tokens", "6", "--lr", "0.01", "--first", "4", "--force")
    assert r.returncode == 0, r.stderr[-3000:]
    log = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    assert len(log) == 4 and all(x["sequences"] == 4 and 0 <= x["csr"] <= 1 for x in log)
    train = json.loads((out / "report.json").read_text())["train"]
    assert train["model_calls"] == 16 and train["steps"] == 4
    assert train["steps_with_signal"] == sum(1 for x in log if x["signal"])
    from safetensors.torch import load_file
    weights = load_file(str(out / "adapter" / "adapter_model.safetensors"))
    assert train["steps_with_signal"] == 0 or any(float(v.abs().sum()) > 0 for k, v in weights.items() if "lora_B" in k)
