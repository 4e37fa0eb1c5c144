"""`act sample`: K responses per prompt into a resumable JSONL file, optionally best-of-K reranked."""
from __future__ import annotations

import datetime as dt
import json
import sys
from argparse import Namespace
from pathlib import Path

from act_dsl.cli import EXIT_FAILED, EXIT_OK, UsageError


def run_sample(args: Namespace) -> int:
    from act_dsl.cli import checked_graph
    from act_dsl.records import read_records
    from act_dsl.sampling import model as models
    from act_dsl.sampling.hf import GenConfig, read_done, sample_to_file
    from act_dsl.sampling.prompts import PromptError, render_all
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    if args.samples < 1:
        raise UsageError("-n/-k must be at least 1")
    ref = getattr(args, "reference_date", None)
    ds = read_records(args.data, graph.input_types, need_response=False, on_error=args.on_error,
                      max_chars=args.max_chars, reference_date=dt.date.fromisoformat(ref) if ref else None)
    for p in ds.problems:
        print(f"skipped {p}", file=sys.stderr)
    records = ds.records[:args.limit] if args.limit else ds.records
    try:
        prompts = render_all(graph, [r.fields for r in records])
        tok, lm = models.load(args.model)
    except (PromptError, models.ModelError) as exc:
        raise UsageError(str(exc)) from None
    items = [{"index": i, "line": r.line, "prompt": p, "fields": {f: r.fields[f] for f in graph.inputs}}
             for i, (r, p) in enumerate(zip(records, prompts))]
    gen = GenConfig(k=args.samples, temperature=args.temperature, top_p=args.top_p,
                    max_new_tokens=args.max_new_tokens or 32, batch_size=args.batch_size or 8, seed=args.seed,
                    chat=args.chat, stop=args.stop or None)
    out = Path(args.out)
    stats = sample_to_file(tok, lm, items, out, gen)
    print(f"{stats['prompts']} prompt(s) sampled ({len(items) - stats['prompts']} already done), "
          f"{stats['tokens']} tokens, {stats['tokens_per_s']:.0f} tokens/s -> {out}", file=sys.stderr)
    if args.best_of:
        from act_dsl.training.data import score_samples
        samples = [v for _, v in sorted(read_done(out).items())]
        _, cand, owner, scores = score_samples(graph, samples)
        best: dict[int, tuple[float, int]] = {}
        first: list[float] = []
        for r, (s_i, k) in enumerate(zip(owner, cand)):
            c = scores.csr[r] if scores.csr[r] is not None else 0.0
            if k == 0:
                first.append(c)
            if s_i not in best or c > best[s_i][0]:
                best[s_i] = (c, k)
        path = out.with_suffix(".best.jsonl")
        with path.open("w", encoding="utf-8") as fh:
            for s_i, s in enumerate(samples):
                c, k = best[s_i]
                fh.write(json.dumps({"index": s["index"], "line": s["line"], "response": s["responses"][k],
                                     "csr": c, **s["fields"]}, ensure_ascii=False) + "\n")
        mean_best = sum(c for c, _ in best.values()) / len(best)
        print(f"best-of-{args.samples}: mean CSR {mean_best:.3f} (first sample: {sum(first) / len(first):.3f}) "
              f"-> {path}", file=sys.stderr)
    return EXIT_OK
