"""Runs made of runs: `--rounds R` (iterated ACT) and `--seeds N` (the same run repeated), with their reports.

Iterated ACT: round 1 is an ordinary run; round r > 1 samples from the policy round r-1 trained (its LoRA
adapter, or its saved model without LoRA), scores, ranks and trains on those new samples, going on from that
policy; its "before" is round r-1's "after", so the base model is evaluated once. Seeds: RUN/seed-K for
K = s..s+N-1, each a whole run (all its rounds); the greedy base evaluation is the same for every seed and is
done once. The parent folder gets report.json and report.md with every round's and seed's numbers.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from act_dsl.safe_files import write_text_atomic
from act_dsl.scoring.csr import shown_number
from act_dsl.training.pipeline import TrainJob, run_job, share_stages
from act_dsl.training.results import Evaluation, TrainReport
from act_dsl.training.runs import RunDir


def _eval(path: Path, name: str) -> Evaluation:
    return Evaluation.load(path / name)


def run_rounds(job: TrainJob, rounds: int) -> TrainReport | None:
    """R rounds of sample-rank-train, each in job.run_dir/round-r; the combined report (None off the main process)."""
    if rounds == 1:
        return run_job(job)
    from act_dsl.training.pipeline import several_processes
    if several_processes():
        raise ValueError("--rounds runs one process; under accelerate launch run one round at a time")
    from act_dsl.training.rounds import RoundGate, carry_eval
    RunDir(job.run_dir)
    gate = RoundGate(job)  # holds out the validation prompts; judges every round (training.rounds)
    job = dataclasses.replace(job, train_records=gate.train_records)
    reports = []
    prev: Path | None = None  # the last round taken; None: the base model
    for r in range(1, rounds + 1):
        path = job.run_dir / f"round-{r}"
        cfg, init, resume = job.config, None, job.resume
        if r > 1:
            if not (path / "eval_before.json").exists():
                if prev is not None:
                    carry_eval(prev, "eval_after", path)
                else:
                    carry_eval(job.run_dir / "round-1", "eval_before", path)
            resume = True  # the folder holds the carried evaluation
            if prev is not None and cfg.lora:
                init = prev / "adapter"
            elif prev is not None:
                cfg = cfg.override(model=str(prev / "model"))
            if not gate.decisions[str(r - 1)]["kept"]:  # starting again from the same policy: draw other samples
                cfg = cfg.override(seed=cfg.seed + r - 1)
        job.log(f"round {r} of {rounds}: {path}")
        report = run_job(dataclasses.replace(job, run_dir=path, config=cfg, init_adapter=init, resume=resume))
        if report is None:
            return None
        if gate.judge(r, path, report):
            reports.append(report)
            prev = path
    summary = rounds_report(job.run_dir, rounds)
    RunDir(job.run_dir).write_json("report.json", summary)
    write_text_atomic(job.run_dir / "report.md", rounds_markdown(summary))
    # no round taken: the base model stands (the report says so)
    last = reports[-1] if reports else TrainReport.load(job.run_dir / "round-1" / "report.json")
    return dataclasses.replace(last, rounds=summary["rounds"],
                               kept=[row["round"] for row in summary["rounds"] if row.get("kept")])


def rounds_report(path: Path, rounds: int) -> dict[str, Any]:
    """Per round: CSR and the task metric after it, with intervals and the paired difference to the base."""
    from act_dsl.scoring.evidence import compare
    from act_dsl.training.rounds import decisions
    judged = decisions(path)
    base = _eval(path / "round-1", "eval_before.json")
    rows = [{"round": 0, "after": base.intervals, "difference": {}, "pairs": None, "steps": None}]
    for r in range(1, rounds + 1):
        run = path / f"round-{r}"
        after = _eval(run, "eval_after.json")
        rep = TrainReport.load(run / "report.json")
        diff = {row["measure"]: row["diff"] for row in compare(base.to_json(), after.to_json())["rows"]}
        rows.append({"round": r, "after": after.intervals, "difference": diff, "pairs": rep.pairs,
                     "steps": rep.train.steps, "beats_greedy": rep.beats_greedy and rep.beats_greedy.to_json(),
                     "kept": judged.get(str(r), {}).get("kept", True), "why": judged.get(str(r), {}).get("why", ""),
                     "started_from": judged.get(str(r), {}).get("started_from")})
    return {"task": rep.task, "model": rep.model, "config": rep.config.to_dict(), "eval_prompts": rep.eval_prompts,
            "rounds": rows}


def rounds_markdown(summary: dict[str, Any]) -> str:
    from act_dsl.scoring.evidence import interval_text
    first = summary["rounds"][0]["after"]
    metric = first.get("task_metric", {}).get("name") if first.get("task_metric") else None
    head = ["round", "held-out CSR [95 % CI]", "CSR - base, paired"]
    if metric:
        head += [f"{metric} [95 % CI]", f"{metric} - base, paired"]
    head += ["pairs", "steps", "taken"]
    lines = [f"# act train --rounds: task `{summary['task']}`", "",
             f"Model `{summary['model']}`, loss `{summary['config']['loss']}`, K = {summary['config']['gen']['k']}; "
             f"{summary['eval_prompts']} held-out prompts, greedy decoding. Round 0 is the base model; each round "
             "samples from the policy trained so far. Each round's own report is in its folder.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary["rounds"]:
        a, d = row["after"], row["difference"]
        cells = [str(row["round"]), interval_text(a["csr"]), interval_text(d.get("CSR"), signed=True)]
        if metric:
            cells += [interval_text(a.get("task_metric")), interval_text(d.get(metric), signed=True)]
        cells += ["-" if row["pairs"] is None else str(row["pairs"]), "-" if row["steps"] is None else str(row["steps"])]
        cells.append("-" if row["round"] == 0 else ("yes" if row.get("kept", True) else "no") +
                     (f" (from {row['started_from']}): {row['why']}" if row.get("why") else ""))
        lines.append("| " + " | ".join(cells) + " |")
    kept = [str(row["round"]) for row in summary["rounds"][1:] if row.get("kept", True)]
    lines += ["", f"Rounds taken: {', '.join(kept) or 'none (the base model stands)'}. A round is not taken when it "
              "has fewer ranked pairs than --min-pairs or lowers the greedy CSR on the validation prompts held out "
              "from training (rounds.json); the next round starts from the last round taken.", "",
              "Intervals: 95 % percentile bootstrap over the held-out prompts (2,000 resamples); differences "
              "are paired on the same prompts.", ""]
    return "\n".join(lines)


def run_seeds(job: TrainJob, seeds: int, rounds: int = 1) -> dict[str, Any] | None:
    """The run repeated with seeds s..s+N-1 in job.run_dir/seed-K; mean and spread of every number."""
    from act_dsl.training.pipeline import several_processes
    if several_processes():
        raise ValueError("--seeds runs one process; launch each seed on its own under accelerate")
    start = job.config.seed
    reports: list[TrainReport] = []
    first: Path | None = None
    for k in range(start, start + seeds):
        path = job.run_dir / f"seed-{k}"
        resume = job.resume
        target = path / "round-1" if rounds > 1 else path
        if first is not None and not (target / "eval_before.json").exists():
            target.mkdir(parents=True, exist_ok=True)
            share_stages(first, target, ("eval_before",))  # greedy: the same for every seed
            resume = True
        job.log(f"seed {k} ({k - start + 1} of {seeds}): {path}")
        cfg = job.config.override(seed=k)
        rep = run_rounds(dataclasses.replace(job, run_dir=path, config=cfg, resume=resume), rounds)
        if rep is None:
            return None
        reports.append(rep)
        first = first or target
    summary = seeds_report(job.run_dir, reports, list(range(start, start + seeds)))
    RunDir(job.run_dir).write_json("report.json", summary)
    write_text_atomic(job.run_dir / "report.md", seeds_markdown(summary))
    return summary


def _final_dirs(seed_dir: Path) -> tuple[Path, Path]:
    """(the folder with the base evaluation, the folder with the final one) of one seed's run."""
    rounds = sorted((p for p in seed_dir.glob("round-*") if p.name[6:].isdigit()), key=lambda p: int(p.name[6:]))
    return (rounds[0], rounds[-1]) if rounds else (seed_dir, seed_dir)


def seed_numbers(seed_dir: Path) -> dict[str, float | None]:
    """The numbers of one seed's run that the seeds report spreads: base and final CSR, the paired difference
    (with its interval's ends), the task metric likewise, and each constraint's final pass rate."""
    from act_dsl.scoring.evidence import compare
    first, last = _final_dirs(seed_dir)
    before, after = _eval(first, "eval_before.json"), _eval(last, "eval_after.json")
    rows = {row["measure"]: row for row in compare(before.to_json(), after.to_json())["rows"]}
    out: dict[str, float | None] = {"CSR before": before.csr, "CSR after": after.csr,
                                    "CSR after - before": rows["CSR"]["diff"]["value"],
                                    "CSR difference, CI low": rows["CSR"]["diff"]["lo"],
                                    "CSR difference, CI high": rows["CSR"]["diff"]["hi"]}
    m, b = after.task_metric, before.task_metric
    if m and b and m.metric in rows:
        name = m.metric
        out.update({f"{name} before": b.value, f"{name} after": m.value,
                    f"{name} after - before": rows[name]["diff"]["value"],
                    f"{name} difference, CI low": rows[name]["diff"]["lo"],
                    f"{name} difference, CI high": rows[name]["diff"]["hi"]})
    for n in after.constraints:
        out[f"{n} pass rate after"] = after.intervals["constraints"][n]["value"]
    return out


def seeds_report(path: Path, reports: list[TrainReport], seeds: list[int]) -> dict[str, Any]:
    from act_dsl.scoring.stats import spread
    per_seed = {k: seed_numbers(path / f"seed-{k}") for k in seeds}
    names = list(per_seed[seeds[0]])
    rep = reports[-1]
    return {"task": rep.task, "model": rep.model, "config": rep.config.to_dict(), "eval_prompts": rep.eval_prompts,
            "seeds": seeds, "per_seed": per_seed,
            "spread": {n: spread([per_seed[k].get(n) for k in seeds]) for n in names}}


def seeds_markdown(summary: dict[str, Any]) -> str:
    seeds = summary["seeds"]

    f = shown_number
    lines = [f"# act train --seeds {len(seeds)}: task `{summary['task']}`", "",
             f"Model `{summary['model']}`, loss `{summary['config']['loss']}`, K = {summary['config']['gen']['k']}; "
             f"seeds {seeds[0]}..{seeds[-1]} (sampling and training order), {summary['eval_prompts']} held-out prompts. "
             "Each seed's run and report are in seed-K/. Within a seed the CI is the paired bootstrap over prompts; "
             "across seeds: mean, sample sd, min and max.", "",
             "| measure | " + " | ".join(f"seed {k}" for k in seeds) + " | mean | sd | min | max |",
             "|---|" + "---|" * (len(seeds) + 4)]
    for name, s in summary["spread"].items():
        cells = [f(summary["per_seed"][k].get(name)) for k in seeds]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {f(s['mean'])} | {f(s['sd'])} | {f(s['min'])} | "
                     f"{f(s['max'])} |")
    return "\n".join(lines) + "\n"
