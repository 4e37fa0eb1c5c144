"""`act train` and `act eval`: the command-line face of act_dsl/training/pipeline.py and of held-out evaluation.

The training flags are generated from TrainConfig's fields; torch is imported only when a command runs."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, add_settings, checked_graph, data_options,
                                gen_config, given_settings, limit_option, limits, load_checked, metric_options,
                                old_spelling, positive_int, read_data, task_name, verifier)
from act_dsl.cli.engines import engine_config, engine_options, open_backend
from act_dsl.cli.output import Output, default_log_path, output_options, session
from act_dsl.cli.sample import best_of_option, model_option
from act_dsl.sampling.config import GenConfig
from act_dsl.scoring.csr import shown_number
from act_dsl.training.config import TrainConfig
from act_dsl.training.results import TrainReport


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="lint, sample, score, rank and train in one step")
    p.set_defaults(fn=run_train)
    p.add_argument("file")
    p.add_argument("--data", default=None, help="training prompts (default: train.jsonl beside the .act file)")
    p.add_argument("--eval-data", default=None, help="held-out prompts (default: eval.jsonl beside the .act file)")
    p.add_argument("--run-dir", default=None, metavar="DIR", help="the run directory, a folder (default: runs/<task>/run-N)")
    p.add_argument("--out", dest="out_deprecated", default=None, help=argparse.SUPPRESS)  # the old name of --run-dir
    p.add_argument("--resume", action="store_true", help="finish an interrupted run without redoing finished stages")
    p.add_argument("--seeds", type=positive_int, default=1, metavar="N",
                   help="repeat the run with seeds s..s+N-1 (s: --seed) in RUN_DIR/seed-K and report the spread")
    p.add_argument("--rounds", type=positive_int, default=1, metavar="R",
                   help="iterated ACT: after each round sample again from the policy trained so far, rank and "
                   "train on the new samples (RUN_DIR/round-r)")
    p.add_argument("--force", action="store_true",
                   help="train even when the verifier card finds an attack within 0.05 of the gold answers (or above the mean sample)")
    p.add_argument("--control", choices=("shuffled",), default=None,
                   help="also train a control arm on the same samples with each prompt's scores shuffled across its "
                   "candidates (RUN_DIR/control); the report gives real - control")
    p.add_argument("--sft-gold", default=None, metavar="FIELD",
                   help="also fine-tune the same model and LoRA settings on the training records' gold answers in "
                   "FIELD (RUN_DIR/sft); the report gives ACT's gain as a share of that supervised gain")
    p.add_argument("--capability", default=None, metavar="TASK.act",
                   help="a task not trained on: the base and the trained models are evaluated on it (with "
                   "--capability-data); the report gives the difference")
    p.add_argument("--capability-data", default=None, metavar="FILE", help="records of the --capability task")
    add_settings(p, TrainConfig)
    limit_option(p, old_count=True)  # --first N is TrainConfig's `limit`; a bare --limit N still means it
    old_spelling(p, "--eval-limit", "--eval-first", "eval_first", positive_int)
    engine_options(p)
    metric_options(p)
    data_options(p)
    output_options(p)

    p = sub.add_parser("eval", help="held-out CSR of a base model or a trained run")
    p.add_argument("file", nargs="?", help="the .act file (not needed with --compare)")
    p.add_argument("--data", default=None, help="held-out JSONL records (required unless --compare)")
    p.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), default=None,
                   help="print the paired table (B - A with 95 %% intervals) of two saved held-out results: run "
                   "directories of `act train` (their eval_after.json) or files of `act eval --out-json`")
    p.add_argument("--run", default=None, help="a run directory of `act train` (its trained model is evaluated)")
    limit_option(p, first="records")
    best_of_option(p, " (greedy); with K > 1 it samples K with no training, the inference-with-constraints baseline")
    p.add_argument("--out-json", default=None, metavar="FILE",
                   help="also write the full result (every response) to this JSON file")
    model_option(p)
    add_settings(p, GenConfig, skip=("k",))
    engine_options(p)
    metric_options(p)
    data_options(p)
    output_options(p)
    p.set_defaults(fn=run_eval)


# the files of a run folder that `act eval --run` reads: --out-json may not name one of them
RUN_INPUTS = ("config.json", "stages.json", "eval_before.json", "eval_after.json", "samples.jsonl", "ranked.jsonl",
              "report.json", "report.md")


def _metric_spec(args: argparse.Namespace) -> Any:
    from act_dsl.training.evaluate import MetricSpec
    return MetricSpec(args.gold, args.metric, args.metric_output)


def run_train(args: argparse.Namespace) -> int:
    from act_dsl.sampling.model import ModelError
    from act_dsl.training.pipeline import JobError, TrainJob, check_graph, several_processes
    from act_dsl.training.runs import latest_run_dir, new_run_dir
    program = load_checked(args.file)
    if program is None:
        return EXIT_FAILED
    graph = program.graph(task_name(program, args.task))
    engine = engine_config(args, training=True)
    try:
        check_graph(graph)
        cfg = TrainConfig().override(**given_settings(args, TrainConfig), **given_settings(args, GenConfig),
                                     reference_date=args.reference_date, limits=_limits(args))
        cfg = dataclasses.replace(cfg, gen=cfg.gen.guided_for(graph))  # --guided: the candidates' grammar
    except (JobError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    verifier(args, graph)  # a malformed --reference-date or --limit is a usage error before any work
    folder = Path(args.file).resolve().parent
    train_path = Path(args.data) if args.data else folder / "train.jsonl"
    eval_path = Path(args.eval_data) if args.eval_data else folder / "eval.jsonl"
    for p, flag in ((train_path, "--data"), (eval_path, "--eval-data")):
        if not p.is_file():
            raise UsageError(f"{p}: is a folder, not a JSONL file" if p.is_dir() else f"{p}: no such file (pass {flag})")
    base = Path("runs") / graph.name
    if args.out_deprecated is not None:
        print("act train: --out is deprecated for the run directory; use --run-dir (--out names a file elsewhere)",
              file=sys.stderr)
        if args.run_dir is not None:
            raise UsageError("give --run-dir only (--out is its deprecated name)")
        args.run_dir = args.out_deprecated
    if args.run_dir:
        run_path = Path(args.run_dir)
    elif args.resume:
        run_path = latest_run_dir(base) or new_run_dir(base)
    else:
        run_path = new_run_dir(base)
    about = {"file": str(Path(args.file).resolve()), "data": str(train_path.resolve()),
             "eval_data": str(eval_path.resolve())}
    _check_run_dir(run_path, args, graph.name, about, [Path(args.file), train_path, eval_path])
    job = TrainJob(graph, read_data(args, graph, False, train_path).records,
                   read_data(args, graph, False, eval_path).records, run_path, cfg, _metric_spec(args),
                   resume=args.resume, engine=engine, force=args.force,
                   about=about)
    arms = _arms(args)
    if arms.any() and several_processes():
        raise UsageError("--control, --sft-gold and --capability run one process; under accelerate launch train "
                         "the run alone, then add the arms with a plain `act train ... --resume`")
    from act_dsl.training.multi import run_rounds, run_seeds
    with session(args, run_path / "log.txt") as out:
        job.log = out.log
        try:
            if args.seeds > 1:
                summary = run_seeds(job, args.seeds, args.rounds)
                if summary is not None:
                    out.say((run_path / "report.md").read_text())
                return EXIT_OK
            report = run_rounds(job, args.rounds)
            if report is not None and arms.any():
                from act_dsl.training.arms import run_arms
                report = dataclasses.replace(report, arms=run_arms(job, arms))
                out.say((run_path / "report.md").read_text().split("\n## Arms\n")[1])
        except (JobError, ModelError, ValueError) as exc:
            raise UsageError(str(exc)) from None
        if report is not None:  # None: a process other than the main one under `accelerate launch`
            if args.rounds > 1:
                out.say((run_path / "report.md").read_text())
            print_summary(report, run_path if args.rounds == 1 else run_path / f"round-{args.rounds}", out)
    return EXIT_OK


def _limits(args: argparse.Namespace) -> tuple[str, ...] | None:
    """--limit NAME=VALUE as given (None: none given), checked first: a bad one is a usage error."""
    limits(args)
    return tuple(args.limit) if args.limit else None


def _arms(args: argparse.Namespace) -> Any:
    """The arms beside the run (--control, --sft-gold, --capability), checked before any work."""
    from act_dsl.training.arms import Arms, Capability
    if (args.capability is None) != (args.capability_data is None):
        raise UsageError("give --capability TASK.act and --capability-data FILE together")
    cap = None
    if args.capability:
        program = load_checked(args.capability)
        if program is None:
            raise UsageError(f"--capability {args.capability}: the file has errors (shown above)")
        graph = program.graph()
        if not Path(args.capability_data).is_file():
            raise UsageError(f"--capability-data {args.capability_data}: no such file")
        cap = Capability(graph, read_data(args, graph, False, Path(args.capability_data)).records,
                         f"{args.capability} on {args.capability_data}")
    arms = Arms(args.control, args.sft_gold, cap)
    if arms.any() and (args.seeds > 1 or args.rounds > 1):
        raise UsageError("--control, --sft-gold and --capability run beside one run: leave out --seeds and --rounds "
                         "(run each seed with --seed K)")
    return arms


def _check_run_dir(run_path: Path, args: argparse.Namespace, task: str, about: dict[str, Any],
                   inputs: list[Path]) -> None:
    """Before any work: the run folder is new, empty or a run of `act train` (never a user's folder, a file or a
    dangling link); a resumed run is of this task, data and settings; no input is one of the run's files."""
    from act_dsl.safe_files import same_file
    from act_dsl.training.runs import RUN_FILES, RunDirError, check_resume, check_run_dir
    try:
        check_run_dir(run_path)
        if args.resume:
            changes = {**given_settings(args, TrainConfig), **given_settings(args, GenConfig)}
            if args.reference_date is not None:
                changes["reference_date"] = args.reference_date
            if args.limit:
                changes["limits"] = _limits(args)
            check_resume(run_path, task, about, changes)
    except RunDirError as exc:
        raise UsageError(str(exc)) from None
    for p in inputs:
        for name in RUN_FILES:
            if same_file(p, run_path / name):
                raise UsageError(f"{p} is the run's own {name} in --run-dir {run_path}; the run would overwrite "
                                 "it: copy it elsewhere or give another --run-dir")



def print_summary(report: TrainReport, path: Path, out: Output | None = None) -> None:
    say = out.say if out is not None else print
    say(f"\n{'constraint':<24} {'before':>7} {'after':>7}")
    for n, v in report.constraints.items():
        say(f"{n:<24} {shown_number(v.before):>7} {shown_number(v.after):>7}")
    say(f"{'held-out CSR':<24} {shown_number(report.csr_before):>7} {shown_number(report.csr_after):>7}")
    m = report.task_metric
    if m:
        say(f"{m.name + ' (gold)':<24} {shown_number(m.before):>7} {shown_number(m.after):>7}")
    diff = (report.intervals or {}).get("difference") or {}
    if diff:
        from act_dsl.scoring.evidence import interval_text
        say(f"paired difference after - before, 95 % interval over {report.eval_prompts} prompts: CSR "
            f"{interval_text(diff.get('CSR'), signed=True)}"
            + (f", {m.name} {interval_text(diff.get(m.name), signed=True)}" if m else ""))
    total = sum(report.timings.values())
    say()
    line = (f"held-out CSR {shown_number(report.csr_before)} -> {shown_number(report.csr_after)}; "
            f"{report.pairs} training pairs, "
            f"{report.train.steps} steps, {total:.0f} s in all; report: {path / 'report.md'}")
    if out is None:
        print(line)
        return
    out.final(line, command="train", run_dir=str(path), csr_before=report.csr_before,
              csr_after=report.csr_after, pairs=report.pairs, steps=report.train.steps, seconds=total,
              constraints={n: v.to_json() for n, v in report.constraints.items()},
              task_metric=None if m is None else m.to_json())


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


def run_compare(args: argparse.Namespace) -> int:
    from act_dsl.scoring.evidence import EvidenceError, compare, load_result, render_compare
    a, b = args.compare
    try:
        print(render_compare(compare(load_result(a), load_result(b)), a, b))
    except EvidenceError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def run_eval(args: argparse.Namespace) -> int:
    from act_dsl.sampling.backends import BackendError
    from act_dsl.training.evaluate import evaluate
    if args.compare:
        return run_compare(args)
    if not args.file or not args.data:
        raise UsageError("give the .act file and --data (or --compare RUN_A RUN_B)")
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    ver = verifier(args, graph)  # a bad --limit or --reference-date is a usage error before a model loads
    gen = gen_config(args)
    json_target = None
    if args.out_json is not None:  # checked before the evaluation: never an input, a folder we can write in
        from act_dsl.safe_files import OutputError, check_output
        inputs = [args.data, args.file] + ([Path(args.run) / n for n in RUN_INPUTS] if args.run else [])
        try:
            json_target = check_output(args.out_json, inputs, "--out-json")
        except OutputError as exc:
            raise UsageError(str(exc)) from None
    model, adapter = args.model, None
    if args.run:
        model, adapter, gen = _trained_model(Path(args.run), gen)
    try:
        gen = gen.guided_for(graph)  # --guided: the task's grammar, whatever model --run names
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    records = read_data(args, graph, False).records
    records = records[:args.first] if args.first else records
    log_path = Path(args.run) / "eval_log.txt" if args.run else default_log_path("eval")
    with session(args, log_path) as out:
        backend = open_backend(args, model, adapter)
        try:
            res = evaluate(ver, records, None, None, gen, metric=_metric_spec(args), best_of=args.best_of,
                           backend=backend)
        except (ValueError, BackendError) as exc:
            raise UsageError(str(exc)) from None
        finally:
            backend.close()
        from act_dsl.scoring.evidence import interval_text
        iv = res.intervals
        for n, v in res.constraints.items():
            out.say(f"{n:<24} pass {interval_text(iv['constraints'][n])}  mean {shown_number(v.mean)}  "
                    f"(n {iv['constraints'][n]['n']})")
        how = "greedy" if args.best_of == 1 else f"best of {args.best_of} by CSR"
        m = res.task_metric
        if m:
            extra = f", exact_match {shown_number(m.exact_match)}" if m.exact_match is not None else ""
            out.say(f"{m.metric} {shown_number(m.value)} against `{m.gold}` (output `{m.output}`){extra}; 95 % "
                    f"interval {interval_text(iv.get('task_metric'))}")
        out.say(f"prompt-level accuracy {shown_number(res.prompt_accuracy)} (all applicable constraints pass), "
                f"constraint-level accuracy {shown_number(res.constraint_accuracy)} (applicable verdicts that pass)")
        if res.tokens_per_s is not None:
            out.say(f"generation: {res.tokens} new tokens in {res.generation_seconds:.1f} s "
                    f"({res.tokens_per_s:.1f} tokens/s, {args.best_of} per prompt)")
        out.say("(intervals: percentile bootstrap over prompts, 2000 resamples)")
        if json_target is not None:
            from act_dsl.safe_files import finite, write_json
            try:
                write_json(json_target, finite(res.to_json()))
            except OSError as exc:
                raise UsageError(f"--out-json {args.out_json}: cannot write: {exc.strerror or exc}") from None
        out.final(f"held-out CSR {shown_number(res.csr)} over {len(records)} prompts ({how}); 95 % interval "
                  f"{interval_text(iv['csr'])}, n {iv['csr']['n']}", command="eval",
                  csr=res.csr, prompts=len(records), best_of=args.best_of, task_metric=m and m.to_json(),
                  prompt_accuracy=res.prompt_accuracy, constraint_accuracy=res.constraint_accuracy,
                  intervals=iv, constraints=res.pass_rates())
    return EXIT_OK


__all__ = ["register", "run_train", "run_eval", "print_summary"]
