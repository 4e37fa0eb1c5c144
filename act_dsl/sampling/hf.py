"""Batched sampling with transformers: K responses per prompt, written as they come, resumable.

`generate` is the plain batched call (`--loss grpo` samples the model being trained with it) and
`sample_to_file` the resumable one: both run the hf backend of act_dsl/sampling/backends/hf.py, the one
transformers generation path, where the other engines plug in.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from act_dsl.sampling.backends.base import format_prompt
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.samples import Sample

__all__ = ["GenConfig", "format_prompt", "generate", "read_done", "sample_to_file"]


def generate(tok, model, prompts: list[str], k: int, cfg: GenConfig, greedy: bool = False,
             seed: int | None = None) -> tuple[list[list[str]], int]:
    """K responses for each prompt (one batched generate call) and the number of new tokens: the hf backend's
    plain path (prompts in the order given, no shared-prefix reuse), so this and `act sample` generate and cut
    responses in one way."""
    from act_dsl.sampling.backends.hf import HFBackend
    got = HFBackend(tok, model, sort=False, prefix=False).complete(prompts, k, cfg, greedy=greedy,
                                                                 seeds=None if seed is None else [seed])
    return [list(c.texts) for c in got], sum(n or 0 for c in got for n in c.tokens)


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
