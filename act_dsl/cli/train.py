"""`act train` and `act eval`: the command-line face of act_dsl/training/pipeline.py and of held-out evaluation.

The training flags are generated from TrainConfig's fields; torch is imported only when a command runs."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, add_settings, checked_graph, data_options,
                                gen_config, given_settings, load_checked, metric_options, positive_int, read_data,
                                reference_date, task_name)
from act_dsl.cli.sample import model_option
from act_dsl.sampling.config import GenConfig
from act_dsl.training.config import TrainConfig


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="lint, sample, score, rank and train in one step")
    p.add_argument("file")
    p.add_argument("--data", default=None, help="training prompts (default: train.jsonl beside the .act file)")
    p.add_argument("--eval-data", default=None, help="held-out prompts (default: eval.jsonl beside the .act file)")
    p.add_argument("--out", default=None, help="run directory (default: runs/<task>/run-N)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted run without redoing finished stages")
    add_settings(p, TrainConfig)
    metric_options(p)
    data_options(p)
    p.set_defaults(fn=run_train)

    p = sub.add_parser("eval", help="held-out CSR of a base model or a trained run")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="held-out JSONL records")
    p.add_argument("--run", default=None, help="a run directory of `act train` (its trained model is evaluated)")
    p.add_argument("--limit", type=positive_int, default=None, help="use only the first N records")
    p.add_argument("--best-of", type=int, default=1, metavar="K",
                   help="rerank K samples per prompt by CSR with no training (the inference-with-constraints "
                   "baseline); default 1: greedy")
    p.add_argument("--out-json", default=None, help="also write the full result (every response) as JSON")
    model_option(p)
    add_settings(p, GenConfig, skip=("k",))
    metric_options(p)
    data_options(p)
    p.set_defaults(fn=run_eval)


def _metric_spec(args: argparse.Namespace) -> Any:
    from act_dsl.training.evaluate import MetricSpec
    return MetricSpec(args.gold, args.metric, args.metric_output)


def run_train(args: argparse.Namespace) -> int:
    from act_dsl.sampling.model import ModelError
    from act_dsl.training.pipeline import JobError, TrainJob, check_graph, run_job
    from act_dsl.training.runs import latest_run_dir, new_run_dir
    program = load_checked(args.file)
    if program is None:
        return EXIT_FAILED
    graph = program.graph(task_name(program, args.task))
    try:
        check_graph(graph)
        cfg = TrainConfig().override(**given_settings(args, TrainConfig), **given_settings(args, GenConfig),
                                     reference_date=args.reference_date)
    except (JobError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    reference_date(args.reference_date)  # a malformed date is a usage error before any work
    folder = Path(args.file).resolve().parent
    train_path = Path(args.data) if args.data else folder / "train.jsonl"
    eval_path = Path(args.eval_data) if args.eval_data else folder / "eval.jsonl"
    for p, flag in ((train_path, "--data"), (eval_path, "--eval-data")):
        if not p.is_file():
            raise UsageError(f"{p}: no such file (pass {flag})")
    base = Path("runs") / graph.name
    if args.out:
        run_path = Path(args.out)
    elif args.resume:
        run_path = latest_run_dir(base) or new_run_dir(base)
    else:
        run_path = new_run_dir(base)
    job = TrainJob(graph, read_data(args, graph, False, train_path).records,
                   read_data(args, graph, False, eval_path).records, run_path, cfg, _metric_spec(args),
                   resume=args.resume, about={"file": str(Path(args.file).resolve()), "data": str(train_path.resolve()),
                                              "eval_data": str(eval_path.resolve())})
    try:
        report = run_job(job)
    except (JobError, ModelError) as exc:
        raise UsageError(str(exc)) from None
    if report is not None:  # None: a process other than the main one under `accelerate launch`
        print_summary(report, run_path)
    return EXIT_OK


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def print_summary(report: dict[str, Any], path: Path) -> None:
    print(f"\n{'constraint':<24} {'before':>7} {'after':>7}")
    for n, v in report["constraints"].items():
        print(f"{n:<24} {_f(v['before']):>7} {_f(v['after']):>7}")
    print(f"{'held-out CSR':<24} {_f(report['csr_before']):>7} {_f(report['csr_after']):>7}")
    m = report.get("task_metric")
    if m:
        print(f"{m['name'] + ' (gold)':<24} {_f(m['before']):>7} {_f(m['after']):>7}")
    total = sum(report["timings"].values())
    print(f"\n{report['pairs']} training pairs, {report['train'].get('steps', 0)} steps, {total:.0f} s in all; "
          f"report: {path / 'report.md'}")


def _trained_model(run: Path, gen: GenConfig) -> tuple[str, str | None, GenConfig]:
    """The model (and adapter) of a run directory, and `gen` with the run's prompt format and length."""
    if not (run / "config.json").exists():
        raise UsageError(f"{run}: not a run directory of `act train` (no config.json)")
    saved = TrainConfig.from_dict(json.loads((run / "config.json").read_text())["config"])
    gen = gen.replace(chat=saved.gen.chat, max_new_tokens=saved.gen.max_new_tokens, stop=saved.gen.stop)
    if (run / "adapter").is_dir():
        return saved.model, str(run / "adapter"), gen  # type: ignore[return-value]
    if (run / "model").is_dir():
        return str(run / "model"), None, gen
    raise UsageError(f"{run}: the run has no trained model yet (finish it with `act train --resume`)")


def run_eval(args: argparse.Namespace) -> int:
    from act_dsl.sampling import model as models
    from act_dsl.training.evaluate import evaluate
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    gen = gen_config(args)
    model, adapter = args.model, None
    if args.run:
        model, adapter, gen = _trained_model(Path(args.run), gen)
    try:
        tok, lm = models.load(model, adapter)
    except models.ModelError as exc:
        raise UsageError(str(exc)) from None
    records = read_data(args, graph, False).records
    records = records[:args.limit] if args.limit else records
    if args.best_of < 1:
        raise UsageError("--best-of must be at least 1")
    try:
        res = evaluate(graph, records, tok, lm, gen, reference_date(args.reference_date), metric=_metric_spec(args),
                       best_of=args.best_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for n, v in res["constraints"].items():
        print(f"{n:<24} pass {_f(v['pass_rate'])}  mean {_f(v['mean'])}")
    how = "greedy" if args.best_of == 1 else f"best of {args.best_of} by CSR"
    print(f"held-out CSR {_f(res['csr'])} over {len(records)} prompts ({how})")
    print(f"prompt-level accuracy {_f(res['prompt_accuracy'])} (all applicable constraints pass), "
          f"constraint-level accuracy {_f(res['constraint_accuracy'])} (applicable verdicts that pass)")
    m = res.get("task_metric")
    if m:
        extra = f", exact_match {m['exact_match']:.3f}" if "exact_match" in m else ""
        print(f"{m['metric']} {m['value']:.3f} against `{m['gold']}` (output `{m['output']}`){extra}")
    if args.out_json:
        Path(args.out_json).write_text(json.dumps(res, indent=2, ensure_ascii=False))
    return EXIT_OK


__all__ = ["register", "run_train", "run_eval", "print_summary"]
