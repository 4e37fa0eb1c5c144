"""Sampling backends: one interface (prompts in; K responses with token counts and finish reasons out) that
`act sample`, `act train` and `act eval` use whatever engine generates the text.

- `hf` (default): transformers' generate in this process (backends/hf.py), with prompts sorted by length
  and a shared prompt prefix computed once per batch;
- `openai`: any OpenAI-compatible /v1/completions server (backends/openai.py), sampling only;
- `vllm`: vLLM in this process (backends/vllm.py), the optional `act-dsl[vllm]` extra.

Every backend applies the task's stop rule (act_dsl/sampling/stop.py) to its text itself, so a response ends
at the same place whichever engine wrote it, and `sample_to_file` writes the same resumable samples file.
No torch here.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from act_dsl.sampling.backends.base import Backend, BackendError, Completion, engine_seed, rule_of
from act_dsl.sampling.config import GenConfig, setting
from act_dsl.sampling.samples import (Sample, SamplesScan, as_samples, check_resume, file_row, sample_settings,
                                     scan_samples)

__all__ = ["BACKENDS", "Backend", "BackendError", "Completion", "EngineConfig", "engine_seed", "make_backend",
           "plan_samples", "rule_of", "sample_to_file"]

BACKENDS = ("hf", "vllm", "openai")


@dataclass(frozen=True)
class EngineConfig:
    """Which engine generates the text, and how to reach it; its fields are the `--backend` family of flags."""

    backend: str = setting("hf", "what generates the text: hf (transformers in this process), vllm (the "
                           "act-dsl[vllm] extra) or openai (an OpenAI-compatible server, sampling only)",
                           choices=BACKENDS)
    base_url: str | None = setting(None, "with --backend openai: the server's API root, e.g. "
                                   "http://localhost:8000/v1 (required)")
    api_key_env: str | None = setting(None, "with --backend openai: the environment variable that holds the "
                                      "API key (default: none, no key sent)", metavar="NAME")
    concurrency: int = setting(8, "with --backend openai: requests in flight at once")
    timeout: float | None = setting(None, "with --backend openai: seconds one request may take from sending to "
                                    "the answer's last byte, retries and waits included (default: 180)",
                                    metavar="SECONDS")
    run_timeout: float | None = setting(None, "with --backend openai: seconds the whole run may wait on the server; "
                                        "past it the run stops, the finished prompts kept (default: none)",
                                        metavar="SECONDS")

    def problems(self) -> list[str]:
        out = []
        if self.backend not in BACKENDS:
            out.append(f"--backend must be one of {', '.join(BACKENDS)}")
        if self.concurrency < 1:
            out.append("--concurrency must be at least 1")
        if self.backend == "openai" and not self.base_url:
            out.append("--backend openai needs --base-url (the server's API root, e.g. http://localhost:8000/v1)")
        if self.backend != "openai" and (self.base_url or self.api_key_env):
            out.append("--base-url and --api-key-env only apply to --backend openai")
        for flag, value in (("--timeout", self.timeout), ("--run-timeout", self.run_timeout)):
            if value is not None and not 0 < value < 1e9:   # NaN fails this too
                out.append(f"{flag} must be a number of seconds above 0")
        if self.backend != "openai" and (self.timeout is not None or self.run_timeout is not None):
            out.append("--timeout and --run-timeout only apply to --backend openai")
        if self.api_key_env and not os.environ.get(self.api_key_env):
            out.append(f"--api-key-env {self.api_key_env}: that environment variable is not set")
        return out


def make_backend(engine: EngineConfig, model: str | None, adapter: str | None = None, *,
                 for_training: bool = False) -> Backend:
    """The backend `engine` names, ready to sample from `model` (and a LoRA `adapter` folder where given)."""
    problems = engine.problems()
    if problems:
        raise BackendError("; ".join(problems))
    if engine.backend == "openai":
        if for_training:
            raise BackendError("--backend openai samples from a server and cannot train (training needs the "
                               "weights): use --backend hf or vllm with act train")
        if adapter:
            raise BackendError("--backend openai cannot apply a run's adapter: serve the trained model and pass "
                               "its name with --model")
        from act_dsl.sampling.backends.openai import OpenAIBackend
        key = os.environ.get(engine.api_key_env) if engine.api_key_env else None
        return OpenAIBackend(str(engine.base_url), model, key, engine.concurrency, timeout=engine.timeout,
                             run_timeout=engine.run_timeout)
    if engine.backend == "vllm":
        from act_dsl.sampling.backends.vllm import VLLMBackend
        return VLLMBackend(model, adapter, enable_lora=for_training or adapter is not None, for_training=for_training)
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends.hf import HFBackend
    tok, lm = models.load(model, adapter)
    return HFBackend(tok, lm)


def plan_samples(items: Sequence[Sample | Mapping[str, Any]], out: Path, cfg: GenConfig, *, task: str | None = None,
                 model: str | None = None) -> tuple[list[Sample], SamplesScan]:
    """The prompts of `items` still to sample into `out`, after checking that what `out` already holds was
    sampled for this task, from these prompts, with this K and these settings (SamplesError otherwise).
    Reads `out` only, so a command can stop before loading a model when nothing is left to do."""
    samples = as_samples(items)
    scan = scan_samples(out)
    settings = sample_settings(cfg, model) if task is not None else None
    check_resume(out, scan, samples, task, cfg.k, settings)
    return [it for it in samples if it.index not in scan.rows], scan


def sample_to_file(backend: Backend, items: Sequence[Sample | Mapping[str, Any]], out: Path, cfg: GenConfig,
                   progress: bool = True, *, task: str | None = None, model: str | None = None) -> dict[str, Any]:
    """Sample K responses for every unsampled prompt into `out`, skipping the prompts already there.

    Each finished batch is appended and fsynced, so a killed run resumes where it stopped, whatever the
    backend; a line also records each response's new tokens and finish reason. Before appending, a half
    line left by a killed writer is cut off, and only in a file that carries the samples marker; a file
    sampled for another task, from other prompts or with another K or settings is refused (SamplesError)."""
    from act_dsl import progress as reporting
    out.parent.mkdir(parents=True, exist_ok=True)
    samples = as_samples(items)
    todo, scan = plan_samples(samples, out, cfg, task=task, model=model)
    settings = sample_settings(cfg, model) if task is not None else None
    tokens, t0 = 0, time.perf_counter()
    reported = getattr(backend, "usage_tokens", 0)  # a server's own count, for responses it does not count singly
    finish: dict[str, int] = {}
    if not todo:
        return {"prompts": 0, "tokens": 0, "seconds": 0.0, "backend": backend.name, "tokens_per_s": 0.0,
                "finish": finish}
    bar = reporting.bar("sampling", len(samples), "prompt", initial=len(samples) - len(todo), enabled=progress)
    formatted = [backend.format_prompt(it.prompt, cfg.chat) for it in todo]
    order = backend.order(formatted)
    with out.open("ab") as fh:
        if scan.torn:  # the writer's own marked file: drop the half line a kill left before appending whole ones
            fh.truncate(scan.keep_bytes)
        for positions in _batches(order, backend.batch_size(cfg)):
            positions = sorted(positions)  # the batch's lines in prompt order
            batch, texts = [todo[p] for p in positions], [formatted[p] for p in positions]
            got = backend.complete(texts, cfg.k, cfg, seeds=[cfg.seed + it.index for it in batch])
            for it, text, c in zip(batch, texts, got):
                row = file_row(it.with_responses(text, c.texts), task, settings)
                row.update(tokens=list(c.tokens), finish=list(c.finish))
                fh.write(_line_bytes(row))
                tokens += sum(t or 0 for t in c.tokens)
                for f in c.finish:
                    finish[f] = finish.get(f, 0) + 1
            fh.flush()
            os.fsync(fh.fileno())  # a finished prompt survives a SIGKILL
            seen = max(tokens, getattr(backend, "usage_tokens", 0) - reported)  # a server counts n responses together
            bar.update(len(batch), tokens_per_s=round(seen / max(time.perf_counter() - t0, 1e-9)))
    bar.close()
    tokens = max(tokens, getattr(backend, "usage_tokens", 0) - reported)
    elapsed = time.perf_counter() - t0
    return {"prompts": len(todo), "tokens": tokens, "seconds": elapsed, "backend": backend.name,
            "tokens_per_s": tokens / elapsed if elapsed > 0 else 0.0, "finish": finish}


def _line_bytes(row: dict[str, Any]) -> bytes:
    """One samples line as UTF-8; a lone surrogate in a response is written as its `\\udxxx` escape."""
    import json
    try:
        return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(row) + "\n").encode("ascii")


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]
