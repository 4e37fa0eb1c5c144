"""Batched sampling with transformers: K responses per prompt, written as they come, resumable.

This module is the seam where another generation engine (vLLM, TGI) would plug in: it takes prompt
strings and returns response strings.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.samples import Sample, as_samples, sample_line
from act_dsl.sampling.stop import StopCriteria, cut

__all__ = ["GenConfig", "format_prompt", "generate", "read_done", "sample_to_file"]


def format_prompt(tok, text: str, chat: str) -> str:
    if chat != "plain" and getattr(tok, "chat_template", None):
        return tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                       add_generation_prompt=True)
    return text


def generate(tok, model, prompts: list[str], k: int, cfg: GenConfig, greedy: bool = False,
             seed: int | None = None) -> tuple[list[list[str]], int]:
    """K responses for each prompt (one batched generate call) and the number of new tokens."""
    import torch
    enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    if seed is not None:
        torch.manual_seed(seed)
    kwargs = dict(max_new_tokens=cfg.max_new_tokens, pad_token_id=tok.pad_token_id,
                  num_return_sequences=1 if greedy else k)
    rule = "newline" if cfg.stop is None else cfg.stop  # a GenConfig not yet given its task's rule
    if rule:
        from transformers import StoppingCriteriaList
        kwargs.update(stopping_criteria=StoppingCriteriaList([StopCriteria(tok, rule, enc["input_ids"].shape[1])]))
    if greedy:
        kwargs.update(do_sample=False)
    else:
        kwargs.update(do_sample=True, temperature=max(cfg.temperature, 1e-4), top_p=cfg.top_p)
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
    """Finished prompts in a samples file; a torn last line (a killed writer) is cut off."""
    done: dict[int, dict] = {}
    if not path.exists():
        return done
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with path.open("r+b") as fh:
            fh.truncate(end)
    for line in data[:end].decode("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            done[row["index"]] = row
    return done


def sample_to_file(tok, model, items: Sequence[Sample | Mapping[str, Any]], out: Path, cfg: GenConfig,
                   progress: bool = True) -> dict:
    """Sample K responses for every unsampled Sample into `out`, skipping the prompts already there."""
    from act_dsl import progress as reporting
    out.parent.mkdir(parents=True, exist_ok=True)
    done = read_done(out)
    samples = as_samples(items)
    todo = [it for it in samples if it.index not in done]
    tokens, t0 = 0, time.perf_counter()
    bar = reporting.bar("sampling", len(samples), "prompt", initial=len(samples) - len(todo), enabled=progress)
    with out.open("a", encoding="utf-8") as fh:
        for batch in _batches(todo, cfg.batch_size):
            texts = [format_prompt(tok, it.prompt, cfg.chat) for it in batch]
            responses, n = generate(tok, model, texts, cfg.k, cfg, seed=cfg.seed + batch[0].index)
            tokens += n
            for it, text, rs in zip(batch, texts, responses):
                fh.write(sample_line(it.with_responses(text, rs)))
            fh.flush()
            os.fsync(fh.fileno())  # a finished prompt survives a SIGKILL
            bar.update(len(batch), tokens_per_s=round(tokens / max(time.perf_counter() - t0, 1e-9)))
    bar.close()
    elapsed = time.perf_counter() - t0
    return {"prompts": len(todo), "tokens": tokens, "seconds": elapsed,
            "tokens_per_s": tokens / elapsed if elapsed > 0 else 0.0}


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]
