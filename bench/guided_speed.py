"""Guided decoding on the hf backend (issue 28): the cost per token of the grammar mask, and what it changes on
entity typing: CSR and micro-F1 of base greedy against base guided greedy, paired intervals over prompts.

    .venv/bin/python bench/guided_speed.py [--n 60] [--max-new-tokens 24] [--batch-size 8]

Prints the numbers, the command and the commit of examples/entity_typing/task.act (its constraints change)."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--batch-size", type=int, default=8)
    args = ap.parse_args()
    import torch

    from act_dsl.ops.text import first_line, split
    from act_dsl.program import load
    from act_dsl.records import read_records
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends.hf import HFBackend
    from act_dsl.sampling.config import GenConfig
    from act_dsl.scoring.metrics import micro_f1
    from act_dsl.scoring.stats import bootstrap_mean, bootstrap_paired, paired
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.training.evaluate import evaluate
    torch.set_num_threads(max(1, torch.get_num_threads()))
    task = ROOT / "examples/entity_typing/task.act"
    graph = load(task).graph()
    records = read_records(ROOT / "examples/entity_typing/eval.jsonl", graph.input_types, False, "fail",
                           1_000_000).records[:args.n]
    tok, lm = models.load(None, None)
    backend = HFBackend(tok, lm)
    plain = GenConfig(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size).for_task(graph.stop)
    arms = {"base greedy": plain, "base guided greedy": plain.replace(guided=True).guided_for(graph)}
    out: dict[str, dict] = {}
    for name, gen in arms.items():
        backend.guided_processor = None
        mask_s = 0.0
        t0 = time.perf_counter()
        res = evaluate(Verifier(graph), records, None, None, gen, progress=False, backend=backend).to_json()
        secs = time.perf_counter() - t0
        # tokens: re-tokenise the responses (the stop rule cut them); the mask time is the processor's own clock
        tokens = sum(len(tok(r["response"], add_special_tokens=False)["input_ids"]) + 1 for r in res["responses"])
        if backend.guided_processor is not None:
            mask_s = backend.guided_processor.seconds
        preds = [split(first_line(r["response"]), ",") for r in res["responses"]]
        out[name] = {"res": res, "seconds": secs, "tokens": tokens, "preds": preds, "mask_s": mask_s}
    golds = [r.fields["gold_types"] for r in records]
    n = len(records)

    def f1_of(preds: list) -> object:
        return lambda idx: micro_f1([preds[i] for i in idx], [golds[i] for i in idx])

    base, guided = out["base greedy"], out["base guided greedy"]
    commit = subprocess.run(["git", "log", "-1", "--format=%h %cI", "--", str(task)], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", str(task)], cwd=ROOT).returncode:
        import hashlib
        commit += f" + uncommitted changes (file sha256 {hashlib.sha256(task.read_bytes()).hexdigest()[:12]})"
    print(f"command: .venv/bin/python bench/guided_speed.py --n {args.n} --max-new-tokens {args.max_new_tokens} "
          f"--batch-size {args.batch_size}")
    print(f"entity_typing/task.act at commit {commit}; default model; n = {n}; 2-core CPU shared with other jobs")
    for name, o in out.items():
        csr = bootstrap_mean([r["csr"] for r in o["res"]["responses"]])
        f1 = micro_f1(o["preds"], golds)
        print(f"{name:<20} CSR {csr.value:.3f} [{csr.lo:.3f}, {csr.hi:.3f}]  micro-F1 {f1:.3f}  "
              f"{o['tokens']} tokens in {o['seconds']:.1f} s ({o['tokens'] / o['seconds']:.1f} tokens/s, prompt "
              f"time included); mask {o['mask_s']:.2f} s ({1000 * o['mask_s'] / max(o['tokens'], 1):.2f} ms/token)")
    d_csr = bootstrap_paired([r["csr"] for r in base["res"]["responses"]], [r["csr"] for r in guided["res"]["responses"]])
    d_f1 = paired(f1_of(base["preds"]), f1_of(guided["preds"]), n)  # type: ignore[arg-type]
    print(f"guided - base: CSR {d_csr.value:+.3f} [{d_csr.lo:+.3f}, {d_csr.hi:+.3f}], micro-F1 {d_f1.value:+.3f} "
          f"[{d_f1.lo:+.3f}, {d_f1.hi:+.3f}] (paired percentile bootstrap over prompts, 2000 resamples)")
    for name in ("in_label_set", "nonempty"):
        rates = [sum(bool(r["pass"].get(name)) for r in o["res"]["responses"]) / n for o in (base, guided)]
        print(f"{name}: pass rate {rates[0]:.3f} -> {rates[1]:.3f}")
    per_tok = [o["seconds"] / max(o["tokens"], 1) for o in (base, guided)]
    print(f"time per generated token: {1000 * per_tok[0]:.1f} ms -> {1000 * per_tok[1]:.1f} ms "
          f"({100 * (per_tok[1] / per_tok[0] - 1):+.1f} %); mask share of guided time "
          f"{100 * guided['mask_s'] / guided['seconds']:.1f} %")
    json.dump({k: {"csr": v["res"]["csr"], "tokens": v["tokens"], "seconds": v["seconds"], "mask_s": v["mask_s"],
                   "responses": [r["response"] for r in v["res"]["responses"]]} for k, v in out.items()},
              open("/tmp/guided_speed.json", "w"), indent=1)


if __name__ == "__main__":
    main()
