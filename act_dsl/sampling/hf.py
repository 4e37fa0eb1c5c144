"""Batched sampling with transformers: K responses per prompt, written as they come, resumable.

`generate` is the plain batched call (held-out evaluation's greedy decoding uses it); `sample_to_file` runs
the hf backend of act_dsl/sampling/backends/, where the other engines plug in.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from act_dsl.sampling.backends.base import format_prompt, rule_of
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.samples import Sample
from act_dsl.sampling.stop import StopCriteria, cut

__all__ = ["GenConfig", "format_prompt", "generate", "read_done", "sample_to_file"]


def generate(tok, model, prompts: list[str], k: int, cfg: GenConfig, greedy: bool = False,
             seed: int | None = None) -> tuple[list[list[str]], int]:
    """K responses for each prompt (one batched generate call) and the number of new tokens."""
    import torch
    enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    if seed is not None:
        torch.manual_seed(seed)
    kwargs = dict(max_new_tokens=cfg.max_new_tokens, pad_token_id=tok.pad_token_id,
                  num_return_sequences=1 if greedy else k)
    rule = rule_of(cfg)  # the one default: a GenConfig not yet given its task's rule stops at a newline
    if rule:
        from transformers import StoppingCriteriaList
        kwargs.update(stopping_criteria=StoppingCriteriaList([StopCriteria(tok, rule, enc["input_ids"].shape[1])]))
    if greedy:
        kwargs.update(do_sample=False)
    else:
        kwargs.update(do_sample=True, temperature=max(cfg.temperature, 1e-4), top_p=cfg.top_p)
    if cfg.guide:  # --guided (act_dsl/sampling/guided.py)
        from act_dsl.sampling.guided import logits_processors
        kwargs.update(logits_processors(tok, model, cfg.guide, len(prompts) * (1 if greedy else k),
                                        enc["input_ids"].shape[1]))
    with torch.no_grad():
        out = model.generate(**enc, **kwargs)
    new = out[:, enc["input_ids"].shape[1]:]
    eos = tok.eos_token_id
    n_tokens = int((new != tok.pad_token_id).sum()) if tok.pad_token_id != eos else \
        int(sum(_length(row.tolist(), eos) for row in new))
    texts = tok.batch_decode(new, skip_special_tokens=True)
    if rule:
        texts = [cut(rule, t) for t in texts]
    per = 1 if greedy else k
    return [texts[i * per:(i + 1) * per] for i in range(len(prompts))], n_tokens


def _length(ids: list[int], eos: int) -> int:
    return ids.index(eos) + 1 if eos in ids else len(ids)


def read_done(path: Path) -> dict[int, dict]:
    """Finished prompts in a samples file by index (act_dsl/sampling/samples.py reads it; the file is never changed)."""
    from act_dsl.sampling.samples import scan_samples
    return scan_samples(path).rows


def sample_to_file(tok, model, items: Sequence[Sample | Mapping[str, Any]], out: Path, cfg: GenConfig,
                   progress: bool = True) -> dict:
    """Sample K responses for every unsampled Sample into `out` with the hf backend (resumable)."""
    from act_dsl.sampling.backends import sample_to_file as to_file
    from act_dsl.sampling.backends.hf import HFBackend
    return to_file(HFBackend(tok, model), items, out, cfg, progress)
