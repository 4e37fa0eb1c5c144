"""Arms beside an `act train` run, so that its gain can be read: a shuffled-reward control, a gold-supervised
fine-tune and a held-out capability check.

- `--control shuffled`: RUN_DIR/control/ trains on the run's own samples and ranking (shared, not redone) with
  each prompt's scores shuffled across its candidates (training.control); the report gives real - control.
- `--sft-gold FIELD`: RUN_DIR/sft/ fine-tunes the same model with the same LoRA settings, learning rate and
  epochs on the training prompts' gold answers (the `sft` loss of the built-in loop: one candidate, the gold
  answer, and its cross-entropy); the report gives ACT's gain as a share of that supervised gain.
- `--capability TASK.act --capability-data FILE`: the base model and every trained arm on a task none was
  trained on (RUN_DIR/capability_before.json, ARM/capability_after.json); the report gives the delta.
The arms' sections are added to RUN_DIR/report.md and report.json under `arms`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.records import Record
from act_dsl.training.config import SFT_LOSS
from act_dsl.training.pipeline import JobError, Pipeline, TrainJob, run_job, share_stages
from act_dsl.training.results import Evaluation, TrainReport
from act_dsl.training.runs import RunDir


@dataclass(frozen=True)
class Capability:
    """A task the run was not trained on, with its records (and their gold answers, for its metric)."""

    graph: Graph
    records: list[Record]
    source: str = ""


@dataclass(frozen=True)
class Arms:
    control: str | None = None         # "shuffled"
    sft_gold: str | None = None        # the training records' gold field
    capability: Capability | None = None

    def any(self) -> bool:
        return bool(self.control or self.sft_gold or self.capability)


def gold_text(graph: Graph, gold: Any, prompt: str) -> str | None:
    """The gold answer written as the model should answer: a list joined with ", " for a list output (the first
    answer of several for a text output), after a space when the prompt ends in a word; None when empty."""
    output = next(iter(graph.outputs.values()), None)
    if isinstance(gold, (list, tuple)):
        if not gold:
            return None
        is_list = output is not None and str(output.type).startswith("list")
        gold = ", ".join(str(g) for g in gold) if is_list else str(gold[0])
    text = str(gold).strip()
    if not text:
        return None
    return text if not prompt or prompt[-1].isspace() else " " + text


def run_control(job: TrainJob, kind: str) -> TrainReport:
    """The control arm in RUN_DIR/control: the run's finished stages shared, the training on shuffled scores."""
    path = job.run_dir / "control"
    if not (path / "stages.json").exists():
        RunDir(path)
        share_stages(job.run_dir, path)
    cfg = dataclasses.replace(job.config, reward_control=kind)
    report = run_job(dataclasses.replace(job, run_dir=path, config=cfg, resume=True, force=True))
    if report is None:
        raise JobError("--control runs one process")
    return report


def run_sft(job: TrainJob, field: str) -> Evaluation:
    """The gold-supervised arm in RUN_DIR/sft: the same prompts (the run's samples file), each with its gold
    answer as the one candidate; trained by the built-in loop with the `sft` loss, then evaluated."""
    from act_dsl.sampling.samples import read_samples
    from act_dsl.training.data import Item
    from act_dsl.training.loop import train
    path = job.run_dir / "sft"
    if not (path / "stages.json").exists():
        RunDir(path)
        share_stages(job.run_dir, path, ("eval_before",))
    cfg = dataclasses.replace(job.config, loss=SFT_LOSS)
    p = Pipeline(dataclasses.replace(job, run_dir=path, config=cfg, resume=True))
    records = p.train_records
    items = []
    for s in read_samples(job.run_dir / "samples.jsonl", job.graph.input_types, p.verifier.settings.reader()):
        gold = records[s.index].fields.get(field) if s.index < len(records) else None
        text = gold_text(job.graph, gold, s.model_prompt) if gold is not None else None
        if text is not None:
            items.append(Item([s.with_responses(s.model_prompt, (text,))], [1.0]))
    if not items:
        raise JobError(f"--sft-gold `{field}`: no training record has a gold answer in that field")
    job.log(f"[sft] {len(items)} training prompts with gold `{field}`")
    p.run_dir.stage("train", lambda: dataclasses.replace(train(cfg, p.model_ref, items, path, log=job.log),
                                                         gold_prompts=len(items)), job.log)
    p.stage("eval_after")
    return Evaluation.load(path / "eval_after.json")


def capability_result(job: TrainJob, cap: Capability, arm: Path | None) -> Evaluation:
    """The capability task's held-out result of the base model (arm None) or of arm `arm`'s trained model,
    kept in a file so that a rerun does not redo it."""
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends.hf import HFBackend
    from act_dsl.training.evaluate import MetricSpec, evaluate
    target = job.run_dir / "capability_before.json" if arm is None else arm / "capability_after.json"
    if target.exists():
        return Evaluation.load(target)
    ref = models.resolve(job.config.model)
    adapter = None if arm is None else str(arm / "adapter")
    tok, lm = models.load(ref, adapter) if job.config.lora or arm is None else models.load(str(arm / "model"))
    from act_dsl.scoring.verifier import Verifier
    # the run's reference date and work limits; the task metric where the records carry gold answers (MetricSpec():
    # the one field named gold or gold_*), so a capability lost shows in the task's own measure, not only its CSR
    res = evaluate(Verifier(cap.graph, job.config.run_settings()), cap.records, None, None, job.config.gen,
                   progress=False, metric=MetricSpec(), backend=HFBackend(tok, lm))
    RunDir(target.parent).write_json(target.name, res)
    return res


def _diff_rows(before: Evaluation, after: Evaluation) -> dict[str, Any]:
    from act_dsl.scoring.evidence import compare
    return {r["measure"]: {"before": r["a"], "after": r["b"], "diff": r["diff"]}
            for r in compare(before.to_json(), after.to_json())["rows"] if "(pass)" not in r["measure"]}


def _metric_gain(before: Evaluation, after: Evaluation) -> tuple[str, float] | None:
    rows = _diff_rows(before, after)
    m = after.task_metric.metric if after.task_metric else None
    return (m, rows[m]["diff"]["value"]) if m and m in rows else None


def run_arms(job: TrainJob, arms: Arms) -> dict[str, Any]:
    """Run the arms beside the finished run in job.run_dir; their numbers (also added to its reports)."""
    from act_dsl.training.control import real_minus_control
    run = job.run_dir
    before = Evaluation.load(run / "eval_before.json")
    after = Evaluation.load(run / "eval_after.json")
    out: dict[str, Any] = {}
    trained = {"run": run}
    if arms.control:
        job.log(f"control arm ({arms.control} rewards): {run / 'control'}")
        run_control(job, arms.control)
        out["control"] = {"kind": arms.control, **real_minus_control(run, run / "control")}
        trained["control"] = run / "control"
    if arms.sft_gold:
        job.log(f"gold-supervised arm (`{arms.sft_gold}`): {run / 'sft'}")
        sft_after = run_sft(job, arms.sft_gold)
        act_gain, sft_gain = _metric_gain(before, after), _metric_gain(before, sft_after)
        share = act_gain[1] / sft_gain[1] if act_gain and sft_gain and sft_gain[1] > 0 else None
        out["sft"] = {"gold": arms.sft_gold, "difference": _diff_rows(before, sft_after),
                      "act_gain": act_gain and act_gain[1], "sft_gain": sft_gain and sft_gain[1], "share": share}
        trained["sft"] = run / "sft"
    if arms.capability:
        cap = arms.capability
        job.log(f"capability check on `{cap.graph.name}` ({len(cap.records)} records)")
        base = capability_result(job, cap, None)
        out["capability"] = {"task": cap.graph.name, "source": cap.source, "n": len(cap.records),
                             "arms": {name: _diff_rows(base, capability_result(job, cap, path))
                                      for name, path in trained.items()}}
    add_to_reports(run, out)
    return out


def add_to_reports(run: Path, arms: dict[str, Any]) -> None:
    """RUN_DIR/report.json gains `arms`; report.md gains a section per arm."""
    from act_dsl.safe_files import write_text_atomic
    report = TrainReport.load(run / "report.json")
    RunDir(run).write_json("report.json", dataclasses.replace(report, arms=arms))
    md = (run / "report.md").read_text().split("\n## Arms\n")[0].rstrip("\n")
    write_text_atomic(run / "report.md", md + "\n\n" + "\n".join(arms_markdown(arms)) + "\n")


def arms_markdown(arms: dict[str, Any]) -> list[str]:
    from act_dsl.scoring.evidence import interval_text
    from act_dsl.training.control import control_lines
    lines = ["## Arms", ""]
    if "control" in arms:
        c = arms["control"]
        lines += [f"**Control** (`control/`): the same samples, ranking and number of steps, each prompt's scores "
                  f"{c['kind']} across its candidates. Real - control on the {c['n']} held-out prompts:", ""]
        lines += control_lines(c) + [""]
    if "sft" in arms:
        s = arms["sft"]
        lines += [f"**Gold-supervised** (`sft/`): the same model and LoRA settings trained on the gold answers "
                  f"(`{s['gold']}`) of the training prompts. After - before (base), paired:", "",
                  "| held-out measure | after [95 % CI] | after - before, paired [95 % CI] |", "|---|---|---|"]
        lines += [f"| {m} | {interval_text(r['after'])} | {interval_text(r['diff'], signed=True)} |"
                  for m, r in s["difference"].items()]
        share = "-" if s["share"] is None else f"{s['share']:.2f}"
        lines += ["", f"ACT's task-metric gain as a share of the supervised gain: {share} (ACT "
                  f"{_signed(s['act_gain'])}, supervised {_signed(s['sft_gain'])}; none when the supervised gain "
                  "is not above 0).", ""]
    if "capability" in arms:
        c = arms["capability"]
        lines += [f"**Capability check** on task `{c['task']}` ({c['n']} records{', ' + c['source'] if c['source'] else ''}; "
                  "never trained on): each trained model minus the base model, paired.", "",
                  "| arm | measure | trained [95 % CI] | trained - base, paired [95 % CI] |", "|---|---|---|---|"]
        for arm, rows in c["arms"].items():
            lines += [f"| {arm} | {m} | {interval_text(r['after'])} | {interval_text(r['diff'], signed=True)} |"
                      for m, r in rows.items()]
        lines.append("")
    return lines


def _signed(x: float | None) -> str:
    return "-" if x is None else f"{x:+.3f}"
