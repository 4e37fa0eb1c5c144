"""Run directories: the stages of `act train`, each finished once, and the reports people read."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, Callable


class RunDir:
    """RUN_DIR/stages.json records finished stages; --resume skips them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._stages_file = path / "stages.json"
        self.stages: dict[str, Any] = json.loads(self._stages_file.read_text()) if self._stages_file.exists() \
            else {}

    def done(self, name: str) -> bool:
        return name in self.stages

    def stage(self, name: str, fn: Callable[[], Any], log=print) -> Any:
        """Run a stage unless finished; its result (JSON) and wall time are kept in stages.json."""
        from act_dsl import progress
        if self.done(name):
            log(f"[{name}] already done, skipped")
            progress.current().stage_end(name, 0.0, skipped=True)
            return self.stages[name]["result"]
        t = time.perf_counter()
        with progress.stage(name):
            result = fn()
        self.record(name, result, time.perf_counter() - t)
        return result

    def record(self, name: str, result: Any, seconds: float) -> None:
        """Mark stage `name` finished with its result (JSON) and wall time."""
        self.stages[name] = {"result": result, "seconds": round(seconds, 2)}
        tmp = self._stages_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.stages, indent=2))
        tmp.replace(self._stages_file)  # atomic: a kill leaves the old or the new file, never half of one

    def timings(self) -> dict[str, float]:
        return {k: v["seconds"] for k, v in self.stages.items()}

    def write_json(self, name: str, obj: Any) -> None:
        (self.path / name).write_text(json.dumps(obj, indent=2, ensure_ascii=False))


def new_run_dir(base: Path) -> Path:
    nums = [int(m.group(1)) for p in base.glob("run-*") if (m := re.fullmatch(r"run-(\d+)", p.name))]
    return base / f"run-{max(nums, default=0) + 1}"


def latest_run_dir(base: Path) -> Path | None:
    nums = [int(m.group(1)) for p in base.glob("run-*") if (m := re.fullmatch(r"run-(\d+)", p.name))]
    return base / f"run-{max(nums)}" if nums else None


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def write_reports(run: RunDir, report: dict[str, Any]) -> None:
    run.write_json("report.json", report)
    plot = _plot(run, report)
    lines = [f"# act train: task `{report['task']}`", "",
             f"Model: `{report['model']}`; loss `{report['config']['loss']}`, K = {report['config']['gen']['k']}, "
             f"{report['train'].get('steps', 0)} steps, LoRA {'on' if report['config']['lora'] else 'off'}.", "",
             f"**Held-out CSR: {_pct(report['csr_before'])} before, {_pct(report['csr_after'])} after** "
             f"({report['eval_prompts']} prompts, greedy decoding).", ""]
    if report.get("intervals"):
        lines += evidence_lines(report["intervals"])
    else:  # a report written before intervals
        lines += ["| constraint | pass rate before | pass rate after |", "|---|---|---|"]
        for name, v in report["constraints"].items():
            lines.append(f"| {name} | {_pct(v['before'])} | {_pct(v['after'])} |")
    lines += ["", f"Training signal: {report['pairs']} ranked pairs; {report['zero_variance_prompts']} of "
              f"{report['train_items']} items had all candidates at the same CSR.", ""]
    if report.get("candidates"):
        lines += [f"Candidates: {report['distinct_candidates']} distinct of {report['candidates']} sampled (exact "
                  "duplicates merged before ranking).", ""]
    bg = report.get("beats_greedy")
    if bg:
        lines += [f"The best sampled candidate beats the greedy answer by CSR on {bg['better']} of {bg['items']} "
                  f"training prompts ({bg['share']:.3f}; tied {bg['tied']}, worse {bg['worse']}): training can move "
                  "greedy decoding only there.", ""]
    if report.get("forced_past_probes"):
        lines += ["**Trained with --force although a degenerate probe response outranks the mean sample** (see "
                  "the probes below)" + (f": {report['forced_refusal']}" if report.get("forced_refusal") else "") + ".",
                  ""]
    if report.get("warnings"):
        lines += ["Warnings:", ""] + [f"- {w}" for w in report["warnings"]] + [""]
    if report.get("probes"):
        from act_dsl.scoring.probes import render_markdown
        lines += render_markdown(report["probes"])
    lines += ["| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in report["timings"].items()]
    if plot:
        lines += ["", f"![pass rates and loss]({plot})"]
    (run.path / "report.md").write_text("\n".join(lines) + "\n")


def evidence_lines(iv: dict[str, Any]) -> list[str]:
    """The held-out table of report.md: each measure before and after with 95 % intervals, and the paired
    difference (bootstrap over prompts)."""
    from act_dsl.scoring.evidence import interval_text
    before, after, diff = iv["before"], iv["after"], iv["difference"]
    rows = [("CSR", before["csr"], after["csr"], diff.get("CSR"))]
    rows += [(f"{n} (pass rate)", v, after["constraints"].get(n), diff.get(f"{n} (pass)"))
             for n, v in before["constraints"].items()]
    if before.get("task_metric") and after.get("task_metric"):
        name = before["task_metric"]["name"]
        rows.append((f"{name} (against gold)", before["task_metric"], after["task_metric"], diff.get(name)))
    lines = ["| held-out measure | n | before [95 % CI] | after [95 % CI] | after - before, paired [95 % CI] |",
             "|---|---|---|---|---|"]
    for name, b, a, d in rows:
        n = (d or a or b or {}).get("n", "-")
        lines.append(f"| {name} | {n} | {interval_text(b)} | {interval_text(a)} | {interval_text(d, signed=True)} |")
    return lines + ["", "Intervals: 95 % percentile bootstrap over the held-out prompts (2,000 resamples, seed 0); "
                    "the paired difference resamples the same prompts before and after.", ""]


def _plot(run: RunDir, report: dict[str, Any]) -> str | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(report["constraints"])
    before = [report["constraints"][n]["before"] or 0 for n in names]
    after = [report["constraints"][n]["after"] or 0 for n in names]
    log = run.path / "train_log.jsonl"
    losses = [json.loads(x)["loss"] for x in log.read_text().splitlines()] if log.exists() else []
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    xs = range(len(names))
    a.bar([x - 0.2 for x in xs], before, width=0.4, label="before")
    a.bar([x + 0.2 for x in xs], after, width=0.4, label="after")
    a.set_xticks(list(xs), names, rotation=20, ha="right")
    a.set_ylim(0, 1.05)
    a.set_title("held-out pass rate per constraint")
    a.legend()
    b.plot(range(1, len(losses) + 1), losses)
    b.set_title("training loss")
    b.set_xlabel("step")
    fig.tight_layout()
    fig.savefig(run.path / "report.png", dpi=100)
    plt.close(fig)
    return "report.png"
