"""The ACT training loop, top to bottom: policy log-likelihoods of K candidates, a ranking loss, a step.

Built on accelerate, so `accelerate launch` runs the same code data-parallel on many devices, and on
peft, so LoRA is one switch. Each item (a prompt and its K candidates, or a group's joint candidates)
goes through the model in one batched forward pass.
"""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

import torch

from act_dsl.training.config import SFT_LOSS, TrainConfig
from act_dsl.training.data import Item
from act_dsl.training.logprobs import MAX_SEQUENCES, encode_item, sequence_logprobs
from act_dsl.training.losses import LOSSES
from act_dsl.training.results import TrainResult


def _member_chunks(encoded: list, k: int) -> list[list]:
    """Group members in chunks of at most MAX_SEQUENCES sequences (k candidates each)."""
    per = max(1, MAX_SEQUENCES // k)
    return [encoded[i:i + per] for i in range(0, len(encoded), per)]


def _loss_from(summed, count, item: Item, cfg: TrainConfig, ref):
    p = (summed / count).sum(0)          # joint candidates: the sum over members of normalised log-likelihoods
    logp = summed.sum(0)
    csr = torch.tensor(item.csr, dtype=torch.float32, device=summed.device)
    best = int(torch.argmax(csr))
    nll = -(summed[:, best].sum() / count[:, best].sum())
    return LOSSES[cfg.loss](p, logp, csr, ref, nll, cfg)


def item_loss(model, tok, item: Item, cfg: TrainConfig, device, ref: torch.Tensor | None = None):
    """The item's loss with its graph (all candidates in one forward pass)."""
    summed, count = sequence_logprobs(model, encode_item(tok, item), tok.pad_token_id, device)
    return _loss_from(summed, count, item, cfg, ref)


def item_step(model, tok, item: Item, cfg: TrainConfig, device, ref, backward) -> tuple[torch.Tensor, int]:
    """Loss and gradients of one item. A group whose joint candidates exceed MAX_SEQUENCES sequences is
    done with a gradient cache: log-likelihoods without a graph first, the loss's gradient with respect
    to them, then each chunk of members again with its graph, back-propagating that gradient. The
    gradients are those of the one-pass loss; peak memory is one chunk's."""
    encoded = encode_item(tok, item)
    k = len(item.csr)
    if len(encoded) * k <= MAX_SEQUENCES:
        loss, pairs = item_loss(model, tok, item, cfg, device, ref)
        backward(loss)
        return loss.detach(), pairs
    chunks = _member_chunks(encoded, k)
    with torch.no_grad():
        parts = [sequence_logprobs(model, c, tok.pad_token_id, device) for c in chunks]
    summed = torch.cat([s for s, _ in parts]).requires_grad_()
    count = torch.cat([c for _, c in parts])
    loss, pairs = _loss_from(summed, count, item, cfg, ref)
    (grad,) = torch.autograd.grad(loss, summed)
    row = 0
    for c in chunks:
        s, _ = sequence_logprobs(model, c, tok.pad_token_id, device)
        backward((s * grad[row:row + len(c)]).sum())
        row += len(c)
    return loss.detach(), pairs


def build_model(cfg: TrainConfig, model_ref: str, init_adapter: Path | None = None):
    from act_dsl.sampling.model import pretrained
    tok, model = pretrained(model_ref)  # the one model loader (float32; the end-of-text token pads)
    if cfg.lora and init_adapter is not None:  # iterated training: go on from the previous round's adapter
        from peft import PeftModel
        return tok, PeftModel.from_pretrained(model, str(init_adapter), is_trainable=True)
    if cfg.lora:
        from peft import LoraConfig, get_peft_model
        names = {n.split(".")[-1] for n, _ in model.named_modules()}
        targets = [t for t in cfg.lora_targets if t in names] or [t for t in ("c_attn",) if t in names]
        if not targets:
            raise ValueError(f"none of the LoRA target modules {cfg.lora_targets} exist in this model")
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.0, target_modules=targets,
                          task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)  # type: ignore[assignment]  # trains like the model it wraps
    return tok, model


def reference_logprobs(model, tok, items: list[Item], device) -> list[torch.Tensor]:
    """DPO's reference: the policy's summed log-likelihoods before any update, computed once."""
    out = []
    model.eval()
    with torch.no_grad():
        for it in items:
            summed = torch.cat([sequence_logprobs(model, c, tok.pad_token_id, device)[0]
                                for c in _member_chunks(encode_item(tok, it), len(it.csr))])
            out.append(summed.sum(0).detach().cpu())
    model.train()
    return out


def train(cfg: TrainConfig, model_ref: str, items: list[Item], run_dir: Path, log=print,
          init_adapter: Path | None = None, verifier=None) -> TrainResult:
    """Train on ranked items (or, with --loss grpo, online on their prompts: `verifier` scores the new samples);
    checkpoints in run_dir/checkpoint, the result in run_dir/adapter or /model."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from act_dsl import progress
    from act_dsl.safe_files import write_text_atomic
    acc = Accelerator(gradient_accumulation_steps=cfg.grad_accum, cpu=not torch.cuda.is_available(),
                      mixed_precision="bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported()
                      else "no")
    set_seed(cfg.seed)
    tok, model = build_model(cfg, model_ref, init_adapter)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=cfg.lr)
    model, opt = acc.prepare(model, opt)
    online = cfg.loss == "grpo"  # samples its own candidates every step: every prompt is useful
    if online and verifier is None:
        raise ValueError("--loss grpo needs the task's verifier graph to score its samples")
    useful = list(items) if online or cfg.loss == SFT_LOSS else [it for it in items if it.pairs() > 0]
    shard = useful[acc.process_index::acc.num_processes]
    per_proc = min(len(useful[p::acc.num_processes]) for p in range(acc.num_processes)) if useful else 0
    shard = shard[:per_proc]  # every process takes the same number of steps
    ref = reference_logprobs(model, tok, shard, acc.device) if cfg.loss == "dpo" else [None] * len(shard)
    total = per_proc * cfg.epochs
    ckpt = run_dir / "checkpoint"
    state_file = run_dir / "train_state.json"
    step = 0
    if (ckpt / "done_step.json").is_file():
        acc.load_state(str(ckpt))
        step = json.loads((ckpt / "done_step.json").read_text())["step"]
        log(f"resuming training at step {step} of {total}")
    log_path = run_dir / "train_log.jsonl"
    if acc.is_main_process and log_path.exists():  # keep only the steps the checkpoint holds
        kept = [x for x in log_path.read_text().splitlines() if x.strip() and json.loads(x)["step"] <= step]
        write_text_atomic(log_path, "".join(x + "\n" for x in kept))
    model.train()
    t0 = time.perf_counter()
    bar = progress.bar("training", total, "step", initial=step, enabled=acc.is_main_process)
    for epoch in range(cfg.epochs):
        order = list(range(len(shard)))
        random.Random(cfg.seed + epoch).shuffle(order)
        for pos, idx in enumerate(order):
            if epoch * len(shard) + pos < step:
                continue  # done before the interruption
            entry: dict = {}
            with acc.accumulate(model):
                if online:
                    from act_dsl.training.grpo import grpo_step
                    loss, entry = grpo_step(model, tok, shard[idx], cfg, acc.device, acc.backward, verifier,
                                            seed=cfg.seed + 100_003 * (step + 1) + acc.process_index)
                else:
                    r = ref[idx]
                    loss, pairs = item_step(model, tok, shard[idx], cfg, acc.device,
                                            r.to(acc.device) if r is not None else None, acc.backward)
                    entry = {"pairs": pairs}
                opt.step()
                opt.zero_grad()
            step += 1
            value = float(acc.gather(loss.detach()[None]).mean())
            if acc.is_main_process:
                with log_path.open("a") as fh:
                    fh.write(json.dumps({"step": step, "epoch": epoch, "loss": value, **entry}) + "\n")
            bar.update(1, loss=value, pairs=entry.get("pairs"))
            if cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and step < total:
                acc.save_state(str(ckpt))
                if acc.is_main_process:
                    write_text_atomic(ckpt / "done_step.json", json.dumps({"step": step}))  # a kill: old or new
                acc.wait_for_everyone()
    bar.close()
    acc.wait_for_everyone()
    out = run_dir / ("adapter" if cfg.lora else "model")
    if acc.is_main_process:
        unwrapped = acc.unwrap_model(model)
        unwrapped.save_pretrained(out)
        tok.save_pretrained(out)
        write_text_atomic(state_file, json.dumps({"steps": step, "seconds": time.perf_counter() - t0}))
    acc.wait_for_everyone()
    logged = [json.loads(x) for x in log_path.read_text().splitlines()] if log_path.exists() else []
    losses = [x["loss"] for x in logged]
    stats = None
    if online:  # what the online samples scored, and what they cost
        stats = {"model_calls": sum(x.get("sequences", 0) for x in logged) * acc.num_processes,
                 "steps_with_signal": sum(1 for x in logged if x.get("signal")),
                 "sample_csr_first": logged[0].get("csr") if logged else None,
                 "sample_csr_last": logged[-1].get("csr") if logged else None}
    return TrainResult(step, len(useful), time.perf_counter() - t0, losses[0] if losses else None,
                       losses[-1] if losses else None, acc.num_processes, str(out), stats)
