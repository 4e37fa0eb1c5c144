"""`--loss grpo`: online group-relative policy gradient inside the built-in trainer.

Each step takes one ranked item's prompts (one prompt, or a `group by` group), samples K fresh responses per
prompt from the current policy, scores them with the verifier graph (the k-th responses of a group form one
joint candidate, as in ranking), turns the CSRs into group-relative advantages and takes one gradient step on
losses.grpo: the policy-gradient term plus a KL term to the reference. The reference is the same model with
its LoRA adapter switched off (`disable_adapter`), so no second copy of the model is held.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from act_dsl.scoring.candidates import score_samples
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.config import TrainConfig
from act_dsl.training.data import Item, ranked_items
from act_dsl.training.logprobs import MAX_SEQUENCES, encode_item, token_logprobs
from act_dsl.training.losses import grpo


def fresh_item(model: Any, tok: Any, item: Item, cfg: TrainConfig, verifier: Verifier, seed: int) -> Item:
    """The item's prompts with K new responses each from the current policy, scored (joint candidates for groups)."""
    from act_dsl.sampling.hf import generate
    graph = verifier.graph
    gen = cfg.gen.for_task(graph.stop)
    was_training = model.training
    model.eval()  # no dropout while sampling
    side = tok.padding_side
    tok.padding_side = "left"  # a group's prompts are generated together
    try:
        texts, _ = generate(tok, model, [m.model_prompt for m in item.members], gen.k, gen, seed=seed)
    finally:
        tok.padding_side = side
        if was_training:
            model.train()
    members = [m.with_responses(m.model_prompt, rs) for m, rs in zip(item.members, texts)]
    table = score_samples(verifier, members).table(len(members))
    return ranked_items(graph, members, table)[0] if graph.group_keys else Item(members, table[0])


def grpo_step(model: Any, tok: Any, item: Item, cfg: TrainConfig, device: Any, backward: Callable[[Any], None],
              verifier: Verifier, seed: int) -> tuple[torch.Tensor, dict[str, Any]]:
    """Sample, score and take the gradient of one item; (the loss, what happened: mean CSR and whether the
    group had any spread). A group whose samples all score alike has zero advantage: only the KL term acts."""
    fresh = fresh_item(model, tok, item, cfg, verifier, seed)
    from act_dsl.training.advantages import step_advantages
    adv = step_advantages(fresh, cfg, verifier, seed).to(device)
    encoded = encode_item(tok, fresh)
    k = fresh.k
    total = len(encoded) * k
    per = max(1, MAX_SEQUENCES // k)
    loss_sum = torch.zeros((), device=device)
    unwrapped = getattr(model, "module", model)
    for start in range(0, len(encoded), per):  # chunks of members; the per-sequence terms add up exactly
        chunk = encoded[start:start + per]
        logp, mask = token_logprobs(model, chunk, tok.pad_token_id, device)
        with torch.no_grad(), unwrapped.disable_adapter():
            ref, _ = token_logprobs(model, chunk, tok.pad_token_id, device)
        a = adv.repeat(len(chunk))  # member-major rows: each member's K responses share the joint advantages
        loss = grpo(logp, ref, mask, a, cfg.grpo_beta, total)
        backward(loss)
        loss_sum = loss_sum + loss.detach()
    mean_csr = sum(fresh.csr) / len(fresh.csr)
    return loss_sum, {"csr": mean_csr, "signal": len(set(fresh.csr)) > 1, "sequences": total}
