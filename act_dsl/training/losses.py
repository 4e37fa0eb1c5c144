"""Ranking losses: pure functions of one item's candidate scores, chosen by name.

Every function takes
  p      [K] length-normalised log-likelihood of each candidate (policy),
  logp   [K] summed log-likelihood of each candidate (policy),
  csr    [K] constraint satisfaction rate of each candidate,
  ref    [K] summed log-likelihood under the frozen reference (DPO only, else None),
  nll    scalar, token-averaged cross-entropy of the best candidate,
  cfg    the TrainConfig,
and returns (loss, number of ranked pairs). Equal CSRs never form a pair.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def _pairs(csr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    better = csr[:, None] > csr[None, :]  # better[i, j]: i outranks j
    i, j = better.nonzero(as_tuple=True)
    return i, j


def rrhf(p, logp, csr, ref, nll, cfg):
    """RRHF-style hinge on every CSR-ordered pair, plus lambda times the best candidate's cross-entropy."""
    i, j = _pairs(csr)
    hinge = F.relu(p[j] - p[i] + cfg.margin * (csr[i] - csr[j])).sum() if len(i) else p.sum() * 0
    return hinge + cfg.lam * nll, int(len(i))


def pro(p, logp, csr, ref, nll, cfg):
    """PRO (listwise Plackett-Luce): each candidate should beat every worse one, in CSR order."""
    order = torch.argsort(csr, descending=True, stable=True)
    ps, cs = p[order], csr[order]
    loss = p.sum() * 0
    pairs = 0
    for r in range(len(ps) - 1):
        worse = cs[r + 1:] < cs[r]
        if not worse.any():
            continue
        pool = torch.cat([ps[r:r + 1], ps[r + 1:][worse]])
        loss = loss - torch.log_softmax(pool, dim=0)[0]
        pairs += int(worse.sum())
    return loss + cfg.lam * nll, pairs


def dpo(p, logp, csr, ref, nll, cfg):
    """DPO on every CSR-ordered pair against reference log-likelihoods computed before training."""
    if ref is None:
        raise ValueError("dpo needs reference log-likelihoods")
    i, j = _pairs(csr)
    if not len(i):
        return cfg.lam * nll, 0
    margin = (logp[i] - ref[i]) - (logp[j] - ref[j])
    return -F.logsigmoid(cfg.dpo_beta * margin).mean() + cfg.lam * nll, int(len(i))


def sft(p, logp, csr, ref, nll, cfg):
    """The gold-supervised arm (act train --sft-gold): the cross-entropy of the item's one candidate, the gold
    answer; no pairs."""
    return nll, 0


LOSSES: dict[str, Callable] = {"rrhf": rrhf, "pro": pro, "dpo": dpo, "sft": sft}


def group_advantages(csr: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """GRPO's advantage of each of a group's K samples: (CSR - group mean) / (group standard deviation + eps).
    A group whose samples all score the same CSR has advantage 0 everywhere: it teaches nothing."""
    csr = csr.float()
    return (csr - csr.mean()) / (csr.std(unbiased=False) + eps)


def grpo(logp: torch.Tensor, ref_logp: torch.Tensor, mask: torch.Tensor, adv: torch.Tensor, beta: float,
         total: int | None = None) -> torch.Tensor:
    """The group-relative policy-gradient loss of freshly sampled responses (one update per sample, so the
    probability ratio is 1 and only its gradient counts), plus beta times the KL divergence to the reference.

    logp, ref_logp, mask: [N, T] per-token log-likelihoods under the policy and the reference and the response
    mask; adv: [N] advantages. Per sequence, the token mean of  -adv * exp(logp - logp.detach())  +  beta * k3,
    with k3 = exp(ref - logp) - (ref - logp) - 1 (an unbiased, never negative estimate of KL(policy || ref));
    summed over sequences and divided by `total` (default N), so chunks of one group add up to the whole."""
    mask = mask.float()
    ratio = torch.exp(logp - logp.detach())  # 1, with the policy's gradient
    delta = ref_logp.detach() - logp
    kl = torch.exp(delta) - delta - 1
    per_token = -adv[:, None] * ratio + beta * kl
    per_seq = (per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1)
    return per_seq.sum() / (total or len(per_seq))
