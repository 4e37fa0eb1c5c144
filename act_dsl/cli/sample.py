"""`act sample`: K responses per prompt into a resumable JSONL file; `--best-of K` also keeps the best by CSR.

Its generation flags are generated from GenConfig (act_dsl/sampling/config.py), the one owner of their
defaults; torch is imported only when the command runs."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, add_settings, checked_graph, data_options,
                                gen_config, positive_int, read_data, reference_date)
from act_dsl.cli.engines import engine_options, open_backend
from act_dsl.cli.output import default_log_path, output_options, session
from act_dsl.sampling.config import GenConfig
from act_dsl.training.config import MODEL_HELP

BEST_OF_HELP = ("K candidates per prompt, keep the best by CSR (first of equals); default 1: no reranking")


def model_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help=MODEL_HELP)


def register(sub: Any) -> None:
    p = sub.add_parser("sample", help="sample K responses per prompt from a model")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="the samples file (JSONL, appended to); rerunning with the same --out resumes")
    p.add_argument("-n", "-k", dest="samples", type=int, default=None, metavar="K", help="same as --samples")
    best_of_option(p, "; with K > 1 it samples K per prompt and also writes FILE.best.jsonl")
    p.add_argument("--limit", type=positive_int, default=None, help="use only the first N prompts")
    model_option(p)
    add_settings(p, GenConfig)
    engine_options(p)
    data_options(p)
    output_options(p)
    p.set_defaults(fn=run)


def best_of_option(p: argparse.ArgumentParser, more: str) -> None:
    """`--best-of K`, one meaning in every command: K candidates per prompt, the best by CSR is kept."""
    p.add_argument("--best-of", type=positive_int, default=1, metavar="K", help=BEST_OF_HELP + more)


def run(args: argparse.Namespace) -> int:
    from act_dsl.sampling.backends import BackendError, sample_to_file
    from act_dsl.sampling.prompts import PromptError
    from act_dsl.sampling.samples import prompt_samples
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    if args.best_of > 1:  # --best-of K samples K; a different -k would make K mean two things
        if args.samples not in (None, args.best_of):
            raise UsageError(f"--best-of {args.best_of} samples {args.best_of} responses per prompt; "
                             f"drop -k/--samples {args.samples} or give the same K")
        args.samples = args.best_of
    gen = gen_config(args).for_task(graph.stop)
    ds = read_data(args, graph, need_response=False)
    records = ds.records[:args.limit] if args.limit else ds.records
    try:
        prompts = prompt_samples(graph, records)
    except PromptError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out)
    with session(args, default_log_path("sample")) as say:
        backend = open_backend(args, args.model)
        try:
            stats = sample_to_file(backend, prompts, out, gen)
        except BackendError as exc:  # the server went away: the prompts finished so far stay in --out
            raise UsageError(f"{exc}; {out} keeps the finished prompts, rerun to resume") from None
        finally:
            backend.close()
        line = (f"[{stats['backend']}] {stats['prompts']} prompt(s) sampled ({len(prompts) - stats['prompts']} "
                f"already done), {stats['tokens']} tokens, {stats['tokens_per_s']:.0f} tokens/s -> {out}")
        result: dict[str, Any] = {"command": "sample", "out": str(out), **stats}
        if args.best_of > 1:
            say.say(line, err=True)
            best = write_best_of(graph, out, gen.k, reference_date(args.reference_date))
            line = (f"best-of-{gen.k}: mean CSR {best['mean_csr']:.3f} (first sample: {best['first_csr']:.3f}) "
                    f"-> {best['path']}")
            result["best_of"] = best
        say.final(line, **result)
    return EXIT_OK


def write_best_of(graph: Any, out: Path, k: int, ref_date: Any) -> dict[str, Any]:
    """OUT.best.jsonl: each prompt's best response by CSR (the first of equals), with its fields."""
    from act_dsl.sampling.samples import read_samples
    from act_dsl.training.data import best_of, score_samples
    samples = read_samples(out, graph.input_types)
    table = score_samples(graph, samples, ref_date).table(len(samples))
    best = best_of(table)
    path = out.with_suffix(".best.jsonl")
    with path.open("w", encoding="utf-8") as fh:
        for s, (c, csr) in zip(samples, best):
            fh.write(json.dumps({"index": s.index, "line": s.line, "response": s.responses[c], "csr": csr,
                                 **s.fields}, ensure_ascii=False) + "\n")
    mean_best = sum(csr for _, csr in best) / len(best) if best else 0.0
    mean_first = sum(row[0] for row in table) / len(table) if table else 0.0
    return {"k": k, "mean_csr": mean_best, "first_csr": mean_first, "path": str(path)}
