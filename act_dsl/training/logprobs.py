"""Policy log-likelihoods of K candidates: the tokens of an item and one batched forward pass over them, shared
by the ranking losses' loop and `--loss grpo`."""
from __future__ import annotations

import torch

from act_dsl.training.data import Item


def encode_item(tok, item: Item) -> list[tuple[list[int], list[list[int]]]]:
    """Per member: its prompt's token ids (encoded once) and each candidate's response ids (+ eos)."""
    out = []
    for m in item.members:
        prompt_ids = tok(m.model_prompt, add_special_tokens=False)["input_ids"]
        resp = [tok(r, add_special_tokens=False)["input_ids"] + [tok.eos_token_id] for r in m.responses]
        out.append((prompt_ids, resp))
    return out


def token_logprobs(model, encoded: list[tuple[list[int], list[list[int]]]], pad_id: int, device):
    """Per-token log-likelihoods of every (member, candidate) response, in one forward pass: (logp [N, T],
    is_response [N, T]) with N = members x candidates, responses right-aligned in the last T positions.

    Sequences are left-padded so that every response sits at the end, and the model computes logits
    for that tail only (`logits_to_keep`): the vocabulary-sized tensors cover the response tokens, not
    the prompt, which is most of the memory and a fifth of the compute of a small model's step."""
    seqs, resp_len = [], []
    for prompt_ids, resps in encoded:
        for r in resps:
            seqs.append(prompt_ids + r)
            resp_len.append(len(r))
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s):] = torch.tensor(s)
        mask[i, width - len(s):] = 1
    keep = min(width, max(resp_len) + 1)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    ids, mask, positions = ids.to(device), mask.to(device), positions.to(device)
    logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, logits_to_keep=keep).logits
    targets = ids[:, width - keep + 1:]                       # the tokens the kept logits predict
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1).gather(-1, targets[..., None]).squeeze(-1)
    lengths = torch.tensor(resp_len, device=device)
    offsets = torch.arange(keep - 1, device=device)
    is_response = offsets[None, :] >= (keep - 1 - lengths)[:, None]
    return logp, is_response


def sequence_logprobs(model, encoded: list[tuple[list[int], list[list[int]]]], pad_id: int, device):
    """Summed log-likelihood and token count of every (member, candidate) response, each [members, K]."""
    logp, is_response = token_logprobs(model, encoded, pad_id, device)
    summed = (logp * is_response).sum(-1)
    count = is_response.sum(-1).clamp(min=1)
    k = len(encoded[0][1])
    return summed.view(len(encoded), k), count.view(len(encoded), k)


MAX_SEQUENCES = 16  # sequences in one forward pass; larger groups go through the gradient cache
