"""Benchmarks of sampling and training on the default model (SmolLM2-135M-Instruct, LoRA).

1. One ACT ranking step (K = 4 candidates of one prompt, one batched forward and backward) against a
   plain SFT step over the same tokens with the same model and batch (target: at most 1.2x), with
   the peak resident memory of each (measured in separate processes).
2. `act sample`'s generation path (sample_to_file) against a bare `model.generate` loop with the same
   settings (target: at least 0.9x the tokens/s).

Run: .venv/bin/python bench/train_speed.py
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = [" /person, /person/politician", " /person", " /location, /location/city", " Angela Merkel, Berlin"]


def _prompt() -> str:
    import act_dsl
    verifier = act_dsl.load(ROOT / "examples" / "entity_typing" / "task.act", strict=True).verifier()
    return verifier.prompts([{"sentence": "Angela Merkel met the French president in Berlin .",
                               "mention": "Angela Merkel"}])[0]


def step_bench(mode: str, steps: int = 6) -> None:
    import torch

    from act_dsl.sampling.model import resolve
    from act_dsl.training.config import TrainConfig
    from act_dsl.training.data import Item
    from act_dsl.training.logprobs import encode_item
    from act_dsl.training.loop import build_model, item_loss
    torch.manual_seed(0)
    cfg = TrainConfig()
    tok, model = build_model(cfg, resolve(None))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    item = Item([{"prompt_text": _prompt(), "responses": RESPONSES}], [1.0, 0.6, 0.2, 0.0])
    prompt_ids, resps = encode_item(tok, item)[0]
    seqs = [prompt_ids + r for r in resps]
    width = max(map(len, seqs))
    ids = torch.full((len(seqs), width), tok.pad_token_id)
    labels = torch.full((len(seqs), width), -100)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
        labels[i, len(prompt_ids):len(s)] = torch.tensor(s[len(prompt_ids):])
    model.train()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        if mode == "sft":
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        else:
            loss, _ = item_loss(model, tok, item, cfg, "cpu")
        loss.backward()
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "seconds": statistics.median(times[1:]), "tokens": int(mask.sum()),
                      "peak_rss_mb": peak}))


def sample_bench(prompts: int = 8, k: int = 4, max_new: int = 24) -> None:
    import torch

    from act_dsl.sampling import model as models
    from act_dsl.sampling.hf import GenConfig, format_prompt, sample_to_file
    tok, model = models.load(None)
    text = _prompt()
    cfg = GenConfig(k=k, max_new_tokens=max_new, batch_size=prompts, stop=None)
    items = [{"index": i, "line": i + 1, "prompt": text, "fields": {}} for i in range(prompts)]
    # bare generate with the same settings, tokens counted the same way
    enc = tok([format_prompt(tok, text, cfg.chat)] * prompts, return_tensors="pt", padding=True,
              add_special_tokens=False)
    torch.manual_seed(0)
    t = time.perf_counter()
    with torch.no_grad():
        out = model.generate(**enc, do_sample=True, temperature=cfg.temperature, top_p=cfg.top_p,
                             num_return_sequences=k, max_new_tokens=max_new, pad_token_id=tok.pad_token_id)
    bare_s = time.perf_counter() - t
    new = out[:, enc["input_ids"].shape[1]:]
    eos = tok.eos_token_id
    bare_tokens = sum((row.tolist().index(eos) + 1) if eos in row.tolist() else len(row) for row in new)
    with tempfile.TemporaryDirectory() as d:
        stats = sample_to_file(tok, model, items, Path(d) / "s.jsonl", cfg, progress=False)
    print(f"[2] sampling {prompts} prompts x {k}, {max_new} new tokens at most, one batch:")
    print(f"    bare model.generate: {bare_tokens / bare_s:.1f} tokens/s; act sample path: "
          f"{stats['tokens_per_s']:.1f} tokens/s -> {stats['tokens_per_s'] / (bare_tokens / bare_s):.2f}x "
          "(target: at least 0.9x)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["sft", "rank"])
    args = ap.parse_args()
    if args.mode:
        step_bench(args.mode)
        return
    res = {}
    for mode in ("sft", "rank"):
        out = subprocess.run([sys.executable, __file__, "--mode", mode], capture_output=True, text=True,
                             check=True).stdout
        res[mode] = json.loads(out.strip().splitlines()[-1])
    s, r = res["sft"], res["rank"]
    print(f"[1] one step on {s['tokens']} tokens (1 prompt x K=4 candidates, LoRA):")
    print(f"    plain SFT step: {s['seconds']:.2f} s, peak RSS {s['peak_rss_mb']:.0f} MB")
    print(f"    ACT ranking step: {r['seconds']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB -> "
          f"{r['seconds'] / s['seconds']:.2f}x the SFT step (target: at most 1.2x)")
    sample_bench()
    print("command: .venv/bin/python bench/train_speed.py")


if __name__ == "__main__":
    main()
