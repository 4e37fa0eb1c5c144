"""Run directories: the stages of `act train`, each finished once, and the reports people read."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from act_dsl.scoring.csr import shown_number

if TYPE_CHECKING:
    from act_dsl.training.results import TrainReport


RUN_MARK = ".act-run"   # written into every folder `act train` creates: the folder is a run and may be written
RUN_FILES = ("config.json", "stages.json", "samples.jsonl", "ranked.jsonl", "audit.json", "greedy.json",
             "eval_before.json", "eval_after.json", "train_log.jsonl", "report.json", "report.md", "log.txt")


class RunDirError(ValueError):
    """A --run-dir that is not a run folder of `act train` (a user's folder, a file, a dangling link)."""


def is_run_dir(path: Path) -> bool:
    """Whether `path` is a folder `act train` made: its mark, a config.json of a run (runs made before the
    mark), or a seed-K/round-R folder that is one (the top of --seeds and --rounds)."""
    if (path / RUN_MARK).is_file():
        return True
    try:
        saved = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if isinstance(saved, dict) and isinstance(saved.get("config"), dict) and "task" in saved:
            return True
    except (OSError, ValueError):
        pass
    return any(re.fullmatch(r"(seed|round)-\d+", p.name) and p.is_dir() and is_run_dir(p) for p in path.iterdir())


def check_run_dir(path: Path) -> None:
    """RunDirError unless `path` can be a run folder: missing (it is created), empty, or a run of `act train`.
    A file, a dangling link and a folder holding anything else (a user's own files) are refused."""
    if os.path.islink(path) and not os.path.exists(path):
        raise RunDirError(f"--run-dir {path}: a symbolic link to a missing {os.readlink(path)}; give a folder")
    if os.path.lexists(path) and not os.path.isdir(path):
        raise RunDirError(f"--run-dir {path}: is a file, not a folder; give a new or empty folder")
    if not os.path.isdir(path):
        return
    try:
        if not any(path.iterdir()) or is_run_dir(path):
            return
    except OSError as exc:
        raise RunDirError(f"--run-dir {path}: cannot read: {exc.strerror or exc}") from None
    raise RunDirError(f"--run-dir {path}: holds files that are not a run of `act train` (no config.json or "
                      f"{RUN_MARK}); nothing written there: give a new or empty folder")


def claim_run_dir(path: Path) -> None:
    """Create the run folder (and its parents) and mark it as a run of `act train`."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        mark = path / RUN_MARK
        if not mark.exists():
            from act_dsl.safe_files import write_text_atomic
            write_text_atomic(mark, '{"format": "act-run/1"}\n')
    except OSError as exc:
        raise RunDirError(f"--run-dir {path}: cannot create the run folder: {exc.strerror or exc}") from None


def check_resume(path: Path, task: str, about: dict[str, Any], changes: dict[str, Any]) -> None:
    """RunDirError unless run `path` (resumed) is of `task`, was trained on the same data files (`about`) and
    has the settings `changes` (the flags given now, by flag name) already: a resume never mixes two runs."""
    from act_dsl.training.config import TrainConfig
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        return  # nothing finished yet: the run starts with the settings given now
    try:
        saved = json.loads(cfg_file.read_text(encoding="utf-8"))
        old = TrainConfig.from_dict(saved["config"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunDirError(f"{cfg_file}: unreadable ({exc}); not a run to resume") from None
    if saved.get("task") != task:
        raise RunDirError(f"--run-dir {path}: a run of task `{saved.get('task')}`, not `{task}`; give another --run-dir")
    for key, flag in (("file", "the .act file"), ("data", "--data"), ("eval_data", "--eval-data")):
        if key in saved and key in about and saved[key] != about[key]:
            raise RunDirError(f"--run-dir {path}: the run used {flag} {saved[key]}, not {about[key]}; resume it "
                              "with the same files or give another --run-dir")
    try:
        now = old.override(**changes).to_dict()
    except ValueError as exc:
        raise RunDirError(str(exc)) from None
    was = old.to_dict()
    diff = [f"{k} {was[k]!r} there, {now[k]!r} now" for k in was if k != "gen" and was[k] != now[k]]
    diff += [f"{k} {was['gen'][k]!r} there, {now['gen'][k]!r} now" for k in was["gen"] if was["gen"][k] != now["gen"][k]]
    if diff:
        raise RunDirError(f"--run-dir {path}: the run has other settings ({'; '.join(diff)}); resume it with its "
                          "own settings (or none) or give another --run-dir")


class RunDir:
    """RUN_DIR/stages.json records finished stages; --resume skips them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        claim_run_dir(path)
        self._stages_file = path / "stages.json"
        self.stages: dict[str, Any] = json.loads(self._stages_file.read_text()) if self._stages_file.exists() \
            else {}

    def done(self, name: str) -> bool:
        return name in self.stages

    def stage(self, name: str, fn: Callable[[], Any], log=print) -> Any:
        """Run a stage unless finished; its result and wall time are kept in stages.json. The result is the
        stage's type (training.results) whether it ran now or was read back."""
        from act_dsl import progress
        if self.done(name):
            log(f"[{name}] already done, skipped")
            progress.current().stage_end(name, 0.0, skipped=True)
            return self.result(name)
        t = time.perf_counter()
        with progress.stage(name):
            result = fn()
        self.record(name, result, time.perf_counter() - t)
        return result

    def result(self, name: str) -> Any:
        """The kept result of finished stage `name`, as its type (a ResultError names stages.json if it is not)."""
        return stage_result(name, self.stages[name]["result"], str(self._stages_file))

    def record(self, name: str, result: Any, seconds: float) -> None:
        """Mark stage `name` finished with its result (a value with to_json(), or JSON) and wall time."""
        self.stages[name] = {"result": result.to_json() if hasattr(result, "to_json") else result,
                             "seconds": round(seconds, 2)}
        self.write_json("stages.json", self.stages)  # atomic: a kill leaves the old or the new file, never half

    def timings(self) -> dict[str, float]:
        return {k: v["seconds"] for k, v in self.stages.items()}

    def write_json(self, name: str, obj: Any) -> None:
        """RUN_DIR/name, written whole or not at all (a value with to_json() is written as that)."""
        from act_dsl.safe_files import write_json
        write_json(self.path / name, obj.to_json() if hasattr(obj, "to_json") else obj)


def new_run_dir(base: Path) -> Path:
    nums = [int(m.group(1)) for p in base.glob("run-*") if (m := re.fullmatch(r"run-(\d+)", p.name))]
    return base / f"run-{max(nums, default=0) + 1}"


def latest_run_dir(base: Path) -> Path | None:
    nums = [int(m.group(1)) for p in base.glob("run-*") if (m := re.fullmatch(r"run-(\d+)", p.name))]
    return base / f"run-{max(nums)}" if nums else None



def write_reports(run: RunDir, report: TrainReport) -> None:
    run.write_json("report.json", report)
    plot = _plot(run, report)
    cfg = report.config
    lines = [f"# act train: task `{report.task}`", "",
             f"Model: `{report.model}`; loss `{cfg.loss}`, K = {cfg.gen.k}, "
             f"{report.train.steps} steps, LoRA {'on' if cfg.lora else 'off'}.", "",
             f"**Held-out CSR: {shown_number(report.csr_before)} before, {shown_number(report.csr_after)} after** "
             f"({report.eval_prompts} prompts, greedy decoding).", ""]
    if report.intervals:
        lines += evidence_lines(report.intervals)
    else:  # a report written before intervals
        lines += ["| constraint | pass rate before | pass rate after |", "|---|---|---|"]
        for name, v in report.constraints.items():
            lines.append(f"| {name} | {shown_number(v.before)} | {shown_number(v.after)} |")
    lines += ["", f"Training signal: {report.pairs} ranked pairs; {report.zero_variance_prompts} of "
              f"{report.train_items} items had all candidates at the same CSR.", ""]
    if report.candidates:
        lines += [f"Candidates: {report.distinct_candidates} distinct of {report.candidates} sampled (exact "
                  "duplicates merged before ranking).", ""]
    bg = report.beats_greedy
    if bg:
        lines += [f"The best sampled candidate beats the greedy answer by CSR on {bg.better} of {bg.items} "
                  f"training prompts ({shown_number(bg.share)}; tied {bg.tied}, worse {bg.worse}): training can move "
                  "greedy decoding only there.", ""]
    if report.forced_past_probes:
        lines += ["**Trained with --force past the verifier card's gate** (an attack scores within 0.05 of the gold "
                  "answers or, without gold, above the mean sample; see the probes below)"
                  + (f": {report.forced_refusal}" if report.forced_refusal else "") + ".", ""]
    if report.warnings:
        lines += ["Warnings:", ""] + [f"- {w}" for w in report.warnings] + [""]
    if report.probes:
        from act_dsl.scoring.probes import render_markdown
        lines += render_markdown(report.probes)
    lines += ["| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in report.timings.items()]
    if plot:
        lines += ["", f"![pass rates and loss]({plot})"]
    from act_dsl.safe_files import write_text_atomic
    write_text_atomic(run.path / "report.md", "\n".join(lines) + "\n")


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


def _plot(run: RunDir, report: TrainReport) -> str | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(report.constraints)
    before = [report.constraints[n].before or 0 for n in names]
    after = [report.constraints[n].after or 0 for n in names]
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


def stage_result(name: str, value: Any, source: str) -> Any:
    """A stage's result as its type (read from stages.json, or already typed); stages without one stay JSON."""
    from act_dsl.training.results import AuditResult, EvalSummary, RankAudit, TrainResult
    kind: Any = {"eval_before": EvalSummary, "eval_after": EvalSummary, "rank": RankAudit, "audit": AuditResult,
                 "train": TrainResult}.get(name)
    if kind is None or not isinstance(value, dict):
        return value
    return kind.from_json(value, f"{source}, stage `{name}`")
