"""`act train` and `act eval`: the one-step pipeline and held-out evaluation."""
from __future__ import annotations

import datetime as dt
import json
import sys
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from act_dsl.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from act_dsl.training.config import TrainConfig


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _config(args: Namespace) -> "TrainConfig":
    from act_dsl.training.config import TrainConfig
    overrides = {k: v for k, v in {
        "model": args.model, "samples": args.samples, "epochs": args.epochs, "loss": args.loss, "lora": args.lora,
        "lr": args.lr, "temperature": args.temperature, "seed": args.seed, "limit": args.limit,
        "eval_limit": args.eval_limit, "max_new_tokens": args.max_new_tokens, "gen_batch_size": args.batch_size,
        "reference_date": args.reference_date, "chat": args.chat, "stop": args.stop,
        "lam": getattr(args, "lam", None), "margin": getattr(args, "margin", None),
        "lora_r": getattr(args, "lora_r", None), "grad_accum": getattr(args, "grad_accum", None),
        "checkpoint_every": getattr(args, "checkpoint_every", None)}.items() if v is not None}
    try:
        return TrainConfig(**overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _records(path: Path, graph, args, limit: int | None):
    from act_dsl.records import read_records
    ref = getattr(args, "reference_date", None)
    ds = read_records(path, graph.input_types, need_response=False, on_error=args.on_error, max_chars=args.max_chars,
                      reference_date=dt.date.fromisoformat(ref) if ref else None)
    for p in ds.problems:
        _log(f"skipped {p}")
    return ds.records[:limit] if limit else ds.records


def _gen(cfg, **kw):
    from act_dsl.sampling.hf import GenConfig
    return GenConfig(k=cfg.samples, temperature=cfg.temperature, top_p=cfg.top_p, max_new_tokens=cfg.max_new_tokens,
                     batch_size=cfg.gen_batch_size, seed=cfg.seed, chat=cfg.chat, stop=cfg.stop or None, **kw)


def run_train(args: Namespace) -> int:
    from act_dsl.cli import _load_checked
    from act_dsl.training.runs import RunDir, latest_run_dir, new_run_dir, write_reports
    program = _load_checked(args.file)
    if program is None:
        return EXIT_FAILED
    try:
        task = program.task(args.task)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    graph = program.graph(task.name)
    if task.task.prompt is None:
        raise UsageError(f"task `{task.name}` has no `prompt`; `act train` needs one to sample responses")
    folder = Path(args.file).resolve().parent
    train_path = Path(args.data) if args.data else folder / "train.jsonl"
    eval_path = Path(args.eval_data) if args.eval_data else folder / "eval.jsonl"
    for p, flag in ((train_path, "--data"), (eval_path, "--eval-data")):
        if not p.is_file():
            raise UsageError(f"{p}: no such file (pass {flag})")
    base = Path("runs") / task.name
    if args.out:
        run_path = Path(args.out)
    elif args.resume:
        run_path = latest_run_dir(base) or new_run_dir(base)
    else:
        run_path = new_run_dir(base)
    # Under `accelerate launch` every process gets here; the main one owns the run directory.
    dist = _distributed()
    if dist:
        dist.wait_for_everyone()  # all processes have chosen the same run_path before it is created
    is_main = dist is None or dist.is_main_process
    if is_main and run_path.exists() and any(run_path.iterdir()) and not args.resume:
        raise UsageError(f"{run_path} already holds a run; pass --resume to finish it, or another --out")
    cfg_file = run_path / "config.json"
    if is_main and not (args.resume and cfg_file.exists()):
        cfg = _config(args)
        RunDir(run_path).write_json("config.json", {
            "file": str(Path(args.file).resolve()), "task": task.name, "data": str(train_path.resolve()),
            "eval_data": str(eval_path.resolve()), "config": cfg.to_dict()})
    elif is_main:
        _log(f"resuming {run_path} with its saved configuration")
    if dist:
        dist.wait_for_everyone()
    from act_dsl.training.config import TrainConfig
    run = RunDir(run_path)
    cfg = TrainConfig.from_dict(json.loads(cfg_file.read_text())["config"])
    ref_date = dt.date.fromisoformat(cfg.reference_date) if cfg.reference_date else None
    train_recs = _records(train_path, graph, args, cfg.limit)
    eval_recs = _records(eval_path, graph, args, cfg.eval_limit)
    if is_main:
        _log(f"act train: task `{task.name}`, {len(train_recs)} training and {len(eval_recs)} held-out prompts, "
             f"run directory {run.path}")
    from act_dsl.sampling import model as models
    try:
        model_ref = models.resolve(cfg.model)
    except models.ModelError as exc:
        raise UsageError(str(exc)) from None
    gen = _gen(cfg)
    state: dict = {}

    def base_model():
        if "base" not in state:
            state["base"] = models.load(model_ref)
        return state["base"]

    metric = _metric_spec(args)

    def summary(res: dict) -> dict:
        return {"csr": res["csr"], "constraints": {n: v["pass_rate"] for n, v in res["constraints"].items()},
                "task_metric": res.get("task_metric")}

    def eval_before():
        from act_dsl.training.evaluate import evaluate
        tok, lm = base_model()
        res = evaluate(graph, eval_recs, tok, lm, gen, ref_date, metric=metric)
        run.write_json("eval_before.json", res)
        _log(f"[eval before] held-out CSR {_f(res['csr'])}{_metric_note(res)}")
        return summary(res)

    def sample():
        from act_dsl.sampling.hf import sample_to_file
        from act_dsl.sampling.prompts import render_all
        tok, lm = base_model()
        prompts = render_all(graph, [r.fields for r in train_recs])
        items = [{"index": i, "line": r.line, "prompt": p, "fields": {f: r.fields[f] for f in graph.inputs}}
                 for i, (r, p) in enumerate(zip(train_recs, prompts))]
        stats = sample_to_file(tok, lm, items, run.path / "samples.jsonl", gen)
        _log(f"[sample] {len(items)} prompts x {cfg.samples}: {stats['tokens_per_s']:.0f} tokens/s")
        return stats

    def rank_stage():
        from act_dsl.training.data import audit_table, rank
        samples = _read_samples(run.path / "samples.jsonl")
        ranked = rank(graph, samples, ref_date)
        from act_dsl.scoring.probes import run_probes
        probes = run_probes(graph, [s["fields"] for s in samples], ranked.mean_csr, "the training samples",
                            ref_date).as_dict()
        _log(audit_table(ranked, probes))
        run.write_json("audit.json", {**ranked.audit(), "probes": probes})
        with (run.path / "ranked.jsonl").open("w") as fh:
            for it in ranked.items:
                fh.write(json.dumps({"indices": [m["index"] for m in it.members], "csr": it.csr}) + "\n")
        return {**ranked.audit(), "probes": probes}

    def train_stage():
        from act_dsl.training.data import Item
        from act_dsl.training.loop import train
        state.pop("base", None)
        samples = {s["index"]: s for s in _read_samples(run.path / "samples.jsonl")}
        items = [Item([samples[i] for i in json.loads(x)["indices"]], json.loads(x)["csr"])
                 for x in (run.path / "ranked.jsonl").read_text().splitlines()]
        return train(cfg, model_ref, items, run.path, log=_log)

    def eval_after():
        from act_dsl.training.evaluate import evaluate
        adapter = run.path / "adapter"
        tok, lm = models.load(str(run.path / "model")) if not cfg.lora else models.load(model_ref, str(adapter))
        res = evaluate(graph, eval_recs, tok, lm, gen, ref_date, metric=metric)
        run.write_json("eval_after.json", res)
        _log(f"[eval after] held-out CSR {_f(res['csr'])}{_metric_note(res)}")
        return summary(res)

    # Under `accelerate launch`, the main process evaluates, samples and ranks while the others wait;
    # every process trains its shard of the items.
    main_only = (lambda name, fn: _main_stage(run, name, fn, dist)) if dist else \
        (lambda name, fn: run.stage(name, fn, _log))
    before = main_only("eval_before", eval_before)
    main_only("sample", sample)
    audit = main_only("rank", rank_stage)
    if dist and not run.done("train"):
        train_res = train_stage()
        if dist.is_main_process:
            run.stages["train"] = {"result": train_res, "seconds": train_res["seconds"]}
            run.write_json("stages.json", run.stages)
        dist.wait_for_everyone()
    else:
        train_res = run.stage("train", train_stage, _log)
    after = main_only("eval_after", eval_after)
    if dist and not dist.is_main_process:
        return EXIT_OK
    report = {"task": task.name, "model": cfg.model or models.DEFAULT_MODEL, "config": cfg.to_dict(),
              "csr_before": before["csr"], "csr_after": after["csr"],
              "constraints": {n: {"before": before["constraints"].get(n), "after": after["constraints"].get(n)}
                              for n in before["constraints"]},
              "task_metric": _metric_report(before, after),
              "pairs": audit["pairs"], "zero_variance_prompts": audit["zero_variance_items"],
              "train_items": audit["items"], "eval_prompts": len(eval_recs), "train": train_res,
              "warnings": audit["warnings"], "probes": audit.get("probes"), "timings": run.timings()}
    write_reports(run, report)
    _print_summary(report, run.path)
    return EXIT_OK


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _metric_spec(args: Namespace):
    from act_dsl.training.evaluate import MetricSpec
    return MetricSpec(args.gold, args.metric, args.metric_output)


def _metric_note(res: dict) -> str:
    m = res.get("task_metric")
    return f", {m['metric']} {m['value']:.3f} against `{m['gold']}`" if m else ""


def _metric_report(before: dict, after: dict) -> dict | None:
    b, a = before.get("task_metric"), after.get("task_metric")
    if not b or not a:
        return None
    return {"name": b["metric"], "gold": b["gold"], "before": b["value"], "after": a["value"]}


def _distributed():
    """accelerate's process state when launched on several processes, else None."""
    import os
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch
    from accelerate import PartialState
    return PartialState(cpu=not torch.cuda.is_available())  # gloo across CPU processes when there is no GPU


def _main_stage(run, name: str, fn, dist):
    if dist.is_main_process:
        run.stage(name, fn, _log)
    dist.wait_for_everyone()
    from act_dsl.training.runs import RunDir
    return RunDir(run.path).stages[name]["result"]


def _read_samples(path: Path) -> list[dict]:
    from act_dsl.sampling.hf import read_done
    return [v for _, v in sorted(read_done(path).items())]


def _print_summary(report: dict, path: Path) -> None:
    f = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    print(f"\n{'constraint':<24} {'before':>7} {'after':>7}")
    for n, v in report["constraints"].items():
        print(f"{n:<24} {f(v['before']):>7} {f(v['after']):>7}")
    print(f"{'held-out CSR':<24} {f(report['csr_before']):>7} {f(report['csr_after']):>7}")
    m = report.get("task_metric")
    if m:
        print(f"{m['name'] + ' (gold)':<24} {f(m['before']):>7} {f(m['after']):>7}")
    total = sum(report["timings"].values())
    print(f"\n{report['pairs']} training pairs, {report['train'].get('steps', 0)} steps, {total:.0f} s in all; "
          f"report: {path / 'report.md'}")


def run_eval(args: Namespace) -> int:
    from act_dsl.cli import checked_graph
    from act_dsl.sampling import model as models
    from act_dsl.training.evaluate import evaluate
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    cfg = _config(Namespace(**{**vars(args), "samples": None, "epochs": None, "loss": None, "lora": None,
                               "lr": None, "temperature": None, "eval_limit": None}))
    adapter = None
    model = cfg.model
    if args.run:
        run = Path(args.run)
        saved = json.loads((run / "config.json").read_text())["config"] if (run / "config.json").exists() else None
        if saved is None:
            raise UsageError(f"{run}: not a run directory of `act train` (no config.json)")
        if (run / "adapter").is_dir():
            model, adapter = saved["model"], str(run / "adapter")
        elif (run / "model").is_dir():
            model = str(run / "model")
        else:
            raise UsageError(f"{run}: the run has no trained model yet (finish it with `act train --resume`)")
        cfg.chat, cfg.max_new_tokens, cfg.stop = saved["chat"], saved["max_new_tokens"], saved.get("stop")
    try:
        tok, lm = models.load(model, adapter)
    except models.ModelError as exc:
        raise UsageError(str(exc)) from None
    records = _records(Path(args.data), graph, args, args.limit)
    if args.best_of < 1:
        raise UsageError("--best-of must be at least 1")
    cfg.temperature = args.temperature
    try:
        res = evaluate(graph, records, tok, lm, _gen(cfg), metric=_metric_spec(args), best_of=args.best_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for n, v in res["constraints"].items():
        print(f"{n:<24} pass {_f(v['pass_rate'])}  mean {_f(v['mean'])}")
    how = "greedy" if args.best_of == 1 else f"best of {args.best_of} by CSR"
    print(f"held-out CSR {_f(res['csr'])} over {len(records)} prompts ({how})")
    m = res.get("task_metric")
    if m:
        extra = f", exact_match {m['exact_match']:.3f}" if "exact_match" in m else ""
        print(f"{m['metric']} {m['value']:.3f} against `{m['gold']}` (output `{m['output']}`){extra}")
    if args.out_json:
        Path(args.out_json).write_text(json.dumps(res, indent=2, ensure_ascii=False))
    return EXIT_OK


__all__ = ["run_train", "run_eval", "EXIT_USAGE"]
