"""`act sample`: K responses per prompt into a resumable JSONL file; `--best-of K` also keeps the best by CSR.

Its generation flags are generated from GenConfig (act_dsl/sampling/config.py), the one owner of their
defaults; torch is imported only when the command runs."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, add_settings, checked_graph, data_options,
                                gen_config, limit_option, positive_int, read_data, verifier)
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
    limit_option(p, first="prompts")
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
    from act_dsl.safe_files import OutputError, check_output
    from act_dsl.sampling.backends import BackendError, plan_samples, sample_to_file
    from act_dsl.graph.prompts import PromptError
    from act_dsl.sampling.samples import SamplesError, prompt_samples
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    if args.best_of > 1:  # --best-of K samples K; a different -k would make K mean two things
        if args.samples not in (None, args.best_of):
            raise UsageError(f"--best-of {args.best_of} samples {args.best_of} responses per prompt; "
                             f"drop -k/--samples {args.samples} or give the same K")
        args.samples = args.best_of
    out = Path(args.out)
    try:  # before any work: never an input, a folder that exists and can be written in
        check_output(out, [args.data, args.file])
        best = check_output(best_path(out), [args.data, args.file, out], "--best-of writes",
                            "choose another --out") \
            if args.best_of > 1 else None
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    try:
        gen = gen_config(args).for_task(graph.stop).guided_for(graph)
    except ValueError as exc:  # --guided on a task with no grammar
        raise UsageError(str(exc)) from None
    ds = read_data(args, graph, need_response=False)
    records = ds.records[:args.first] if args.first else ds.records
    ver = verifier(args, graph)
    try:
        prompts = prompt_samples(ver, records)
        todo, _ = plan_samples(prompts, out, gen, task=graph.name, model=args.model)
    except PromptError as exc:
        raise UsageError(str(exc)) from None
    except SamplesError as exc:  # another run's file, or not a samples file at all: left as it is
        raise UsageError(str(exc)) from None
    with session(args, default_log_path("sample")) as say:
        if not todo:  # nothing left: no model is loaded
            stats: dict[str, Any] = {"prompts": 0, "tokens": 0, "seconds": 0.0, "backend": args.backend,
                                     "tokens_per_s": 0.0, "finish": {}}
            line = f"all {len(prompts)} prompt(s) already sampled in {out}: complete, nothing to do"
        else:
            backend = open_backend(args, args.model)
            try:
                stats = sample_to_file(backend, prompts, out, gen, task=graph.name, model=args.model)
            except BackendError as exc:  # the server went away: the prompts finished so far stay in --out
                raise UsageError(f"{exc}; {out} keeps the finished prompts, rerun to resume") from None
            except SamplesError as exc:  # the file changed under the run
                raise UsageError(str(exc)) from None
            finally:
                backend.close()
            line = (f"[{stats['backend']}] {stats['prompts']} prompt(s) sampled ({len(prompts) - stats['prompts']} "
                    f"already done), {stats['tokens']} tokens, {stats['tokens_per_s']:.0f} tokens/s -> {out}")
        result: dict[str, Any] = {"command": "sample", "out": str(out), **stats}
        if best is not None:
            say.say(line, err=True)
            try:
                summary = write_best_of(ver, out, best, gen.k, len(prompts))
            except (SamplesError, OSError) as exc:
                raise UsageError(f"{best}: not written: {exc}") from None
            summary["path"] = str(best_path(out))
            line = (f"best-of-{gen.k}: mean CSR {summary['mean_csr']:.3f} (first sample: {summary['first_csr']:.3f}) "
                    f"-> {summary['path']}")
            result["best_of"] = summary
        say.final(line, **result)
    return EXIT_OK


def best_path(out: Path) -> Path:
    """OUT.best.jsonl beside the samples file (OUT without its last suffix)."""
    return out.with_suffix(".best.jsonl") if out.suffix else out.with_name(out.name + ".best.jsonl")


def write_best_of(ver: Any, out: Path, target: Path, k: int, limit: int | None = None) -> dict[str, Any]:
    """`target` (OUT.best.jsonl, written whole or not at all): each prompt's best response by CSR (the first
    of equals), with its fields; the first `limit` prompts of the samples file."""
    from act_dsl.safe_files import AtomicWriter
    from act_dsl.sampling.samples import read_samples
    from act_dsl.scoring.candidates import best_of, score_samples
    samples = [s for s in read_samples(out, ver.graph.input_types, ver.settings.reader())
               if limit is None or s.index < limit]
    table = score_samples(ver, samples).table(len(samples))
    best = best_of(table)
    with AtomicWriter(target) as fh:
        for s, (c, csr) in zip(samples, best):
            fh.write(json.dumps({"index": s.index, "line": s.line, "response": s.responses[c], "csr": csr,
                                 **s.fields}, ensure_ascii=False) + "\n")
    mean_best = sum(csr for _, csr in best) / len(best) if best else 0.0
    mean_first = sum(row[0] for row in table) / len(table) if table else 0.0
    return {"k": k, "mean_csr": mean_best, "first_csr": mean_first, "path": str(target)}
