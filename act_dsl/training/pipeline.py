"""`act train` as a library function: a TrainJob taken through named stages in a resumable run directory.

Stages, in order: eval_before (the base model on the held-out prompts), sample (K responses per training
prompt), rank (score the candidates, form ranked items), audit (the signal summary and the reward-hacking
probes), train, eval_after. Each stage's result is kept in RUN_DIR/stages.json, so a rerun with resume
skips finished stages. Under `accelerate launch` the main process runs every stage but `train` while the
others wait and read its result (`main_then_all`); every process trains its shard of the items.
`act train`, `act_dsl.train()` and bench/real_tasks.py all run jobs through `run_job`.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, TypeVar

from act_dsl.graph.graph import Graph
from act_dsl.records import Record
from act_dsl.scoring.csr import shown_number
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.config import TrainConfig
from act_dsl.training.evaluate import MetricSpec
from act_dsl.training.results import (AuditResult, BeatsGreedy, BeforeAfter, EvalSummary, MetricChange, RankAudit,
                                      TaskMetric, TrainReport, TrainResult)
from act_dsl.training.runs import RunDir, check_run_dir, write_reports

T = TypeVar("T")
STAGES = ("eval_before", "sample", "rank", "audit", "train", "eval_after")
STAGE_FILES = {"eval_before": "eval_before.json", "sample": "samples.jsonl", "rank": "ranked.jsonl",
               "audit": "audit.json", "eval_after": "eval_after.json"}


class JobError(ValueError):
    """A job that cannot run as given: a task without a prompt, a run directory already in use, a bad model."""


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class TrainJob:
    """Everything one training run needs; `about` is recorded in config.json beside the config (source paths)."""

    graph: Graph
    train_records: list[Record]
    eval_records: list[Record]
    run_dir: Path
    config: TrainConfig = field(default_factory=TrainConfig)
    metric: MetricSpec = field(default_factory=MetricSpec)
    resume: bool = False             # finish the run in run_dir (its saved config wins) instead of refusing it
    engine: Any = None               # act_dsl.sampling.backends.EngineConfig; None: the hf backend
    about: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = _stderr
    init_adapter: Path | None = None  # continue from this LoRA adapter (the previous round of --rounds)
    force: bool = False               # train even when a degenerate probe outranks the mean sample
    shared: dict[str, Any] = field(default_factory=dict)  # kept across the rounds of one job: a started engine


def several_processes() -> bool:
    """Whether this process is one of several (`accelerate launch --num_processes N`, torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def distributed() -> Any:
    """accelerate's process state when launched on several processes, else None."""
    if not several_processes():
        return None
    import torch
    from accelerate import PartialState
    return PartialState(cpu=not torch.cuda.is_available())  # gloo across CPU processes when there is no GPU


def main_then_all(dist: Any, main: Callable[[], Any], then: Callable[[], T]) -> T:
    """The main process runs `main` (which leaves its result on disk); the others wait for it; then every
    process runs `then`, which reads that result. With one process it is simply main() then then()."""
    if dist is None or dist.is_main_process:
        main()
    if dist is not None:
        dist.wait_for_everyone()
    return then()


def start_run(job: TrainJob, dist: Any = None) -> TrainConfig:
    """Create the run directory and its config.json (main process), or on resume read the saved config."""
    path, cfg_file = job.run_dir, job.run_dir / "config.json"
    if dist is not None:
        dist.wait_for_everyone()  # all processes have chosen the same run directory before it is created

    def write() -> None:
        check_run_dir(path)  # never a user's own folder, a file or a dangling link
        if path.exists() and any(path.iterdir()) and not job.resume:
            raise JobError(f"{path} already holds a run; pass --resume to finish it, or another --run-dir")
        if job.resume and cfg_file.exists():
            job.log(f"resuming {path} with its saved configuration")
            return
        RunDir(path).write_json("config.json", {**job.about, "task": job.graph.name, "config": job.config.to_dict()})

    return main_then_all(dist, write, lambda: TrainConfig.from_dict(json.loads(cfg_file.read_text())["config"]))


def share_stages(src: Path, dst: Path, names: tuple[str, ...] = ("eval_before", "sample", "rank", "audit")) -> None:
    """Start run `dst` with the finished stages `names` of run `src` (their files and results), so that runs
    differing only in training settings sample and rank once; run `dst` with resume=True."""
    done = RunDir(src).stages
    target = RunDir(dst)
    for name in names:
        if name not in done:
            continue
        if name in STAGE_FILES:
            shutil.copyfile(src / STAGE_FILES[name], dst / STAGE_FILES[name])
        target.stages[name] = done[name]
    target.write_json("stages.json", target.stages)


def check_graph(graph: Graph) -> None:
    """JobError unless the task can be trained (it needs a prompt to sample responses from)."""
    if graph.prompt is None:
        raise JobError(f"task `{graph.name}` has no `prompt`; `act train` needs one to sample responses")


def check_favourite(graph: Graph) -> None:
    """JobError unless the task has label answers or names for --add-favourite to add."""
    from act_dsl.training.favourite import NoLabelAnswer, check_answers
    try:
        check_answers(graph)
    except NoLabelAnswer as exc:
        raise JobError(str(exc)) from None


class Pipeline:
    """The stages of one job, each a method; `run()` takes them in order and returns the report."""

    def __init__(self, job: TrainJob, dist: Any = None) -> None:
        from act_dsl.sampling import model as models
        check_graph(job.graph)
        if job.config.add_favourite:  # refused before the run directory is made, not after sampling
            check_favourite(job.graph)
        self.job, self.dist, self.log = job, dist, job.log
        self.cfg = start_run(job, dist)
        self.run_dir = RunDir(job.run_dir)
        self.verifier = Verifier(job.graph, self.cfg.run_settings())
        self.train_records = job.train_records[:self.cfg.limit] if self.cfg.limit else job.train_records
        self.eval_records = job.eval_records[:self.cfg.eval_limit] if self.cfg.eval_limit else job.eval_records
        self.is_main = dist is None or dist.is_main_process
        if self.is_main:
            self.log(f"act train: task `{job.graph.name}`, {len(self.train_records)} training and "
                     f"{len(self.eval_records)} held-out prompts, run directory {self.path}")
        try:
            self.model_ref = models.resolve(self.cfg.model)
        except models.ModelError as exc:
            raise JobError(str(exc)) from None
        self._base: tuple[Any, Any] | None = None
        if self.cfg.add_favourite and not job.config.add_favourite:  # a resumed run's saved setting
            check_favourite(job.graph)

    @property
    def path(self) -> Path:
        return self.run_dir.path

    def base_model(self) -> tuple[Any, Any]:
        if self._base is None:
            from act_dsl.sampling import model as models
            adapter = str(self.job.init_adapter) if self.job.init_adapter else None
            self._base = models.load(self.model_ref, adapter)  # the policy trained so far, with --rounds
        return self._base

    def sampler(self, adapter: str | None = None) -> Any:
        """The backend that samples from the base model (or from LoRA `adapter`): hf unless the job's engine
        says vllm, whose one engine serves the base weights and, by LoRA request, the trained adapter."""
        from act_dsl.sampling.backends.hf import HFBackend
        engine = self.job.engine
        if engine is None or engine.backend == "hf":
            return HFBackend(*self.base_model())
        from act_dsl.sampling.backends import BackendError, make_backend
        if adapter is None and self.job.init_adapter:  # --rounds: the policy so far, as base_model() loads it
            adapter = str(self.job.init_adapter)
        try:  # one engine for every stage and every round of the job (a start costs half a minute or more)
            if self.job.shared.get("engine") is None:
                self.job.shared["engine"] = make_backend(engine, self.model_ref, adapter, for_training=True)
            else:
                self.job.shared["engine"].use_adapter(adapter)
        except BackendError as exc:
            raise JobError(str(exc)) from None
        return self.job.shared["engine"]

    # ---- the stages ------------------------------------------------------------------------------
    def eval_before(self) -> EvalSummary:
        return self._evaluate("eval_before", "eval before", self.sampler())

    def sample(self) -> dict[str, Any]:
        from act_dsl.sampling.backends import sample_to_file
        from act_dsl.sampling.samples import prompt_samples
        prompts = prompt_samples(self.verifier, self.train_records)
        gen = self.cfg.gen.for_task(self.job.graph.stop)
        backend = self.sampler()
        stats = sample_to_file(backend, prompts, self.path / "samples.jsonl", gen, task=self.job.graph.name,
                               model=self.cfg.model)
        self.log(f"[sample] {len(prompts)} prompts x {self.cfg.gen.k}: {stats['tokens_per_s']:.0f} tokens/s")
        samples = self.samples()
        if self.cfg.add_favourite:
            from act_dsl.training.favourite import add_to_file, favourite_answers
            stats["favourite"] = fav = add_to_file(self.path / "samples.jsonl", samples,
                                                   favourite_answers(self.verifier, samples))
            self.log(f"[sample] --add-favourite: the verifier's favourite answer added to {fav['added']} of "
                     f"{fav['prompts']} prompts ({fav['distinct']} distinct answers; {fav['tied']} prompts have "
                     "several tied and get none)")
        from act_dsl.training.signal import GREEDY_FILE, greedy_to_file
        stats["greedy"] = greedy_to_file(backend, samples, self.path / GREEDY_FILE, gen)  # prompts only
        return stats

    def samples(self) -> list[Any]:
        """The run's samples file, each prompt's fields read against the task's input types again."""
        from act_dsl.sampling.samples import read_samples
        return read_samples(self.path / "samples.jsonl", self.job.graph.input_types, self.verifier.settings.reader())

    def rank(self) -> RankAudit:
        from act_dsl.training.data import item_row, rank
        from act_dsl.safe_files import write_text_atomic
        ranked = rank(self.verifier, self.samples())
        write_text_atomic(self.path / "ranked.jsonl", "".join(json.dumps(item_row(it)) + "\n" for it in ranked.items))
        return ranked.audit()

    def audit(self) -> AuditResult:
        """The signal audit and the reward-hacking probes, scored against the mean CSR of the samples."""
        from act_dsl.scoring.probes import run_probes
        from act_dsl.training.data import audit_table
        from act_dsl.training.signal import GREEDY_FILE, beats_greedy, card_gate
        ranked: RankAudit = self.run_dir.result("rank")
        samples = self.samples()
        probes = run_probes(self.verifier, [dict(s.fields) for s in samples], ranked.mean_csr,
                            "the training samples").as_dict()
        greedy = self.path / GREEDY_FILE
        bg = BeatsGreedy.from_json(beats_greedy(self.verifier, samples, json.loads(greedy.read_text()))
                                   if greedy.exists() else None, "the beats-greedy count")
        self.log(audit_table(ranked, probes, bg))
        card, refusal = card_gate(self.verifier, self.train_records, self.job.metric, ranked.mean_csr, self.log)
        self.log(f"verifier card: {card['verdict']}")
        ch = card.get("choice")
        if ch:  # what training toward the verifier's favourite answers would reach, whatever the candidates
            self.log(f"verifier card: its favourite among {ch['about']} scores "
                     f"{card['metric']} {ch['metric']:.3f} on the training records (gold {ch['gold_metric']:.3f}; "
                     f"wrong on {ch['wrong']} of {ch['records']})"
                     + ("" if self.cfg.add_favourite else "; --add-favourite adds it to each prompt's candidates"))
        self.run_dir.write_json("audit.json", {**ranked.to_json(), "beats_greedy": None if bg is None else bg.to_json(),
                                               "probes": probes, "card": card})
        if refusal and not self.job.force:
            raise JobError(refusal)
        if refusal:
            self.log("warning: " + refusal.replace("training refused", "training anyway (--force)", 1))
        return AuditResult(probes, bg, bool(refusal), card["verdict"], refusal)

    def train(self) -> TrainResult:
        from act_dsl.training.data import item_from_row
        from act_dsl.training.loop import train
        self._base = None  # the trainer loads its own copy; free the sampler's
        samples = {s.index: s for s in self.samples()}
        rows = [json.loads(x) for x in (self.path / "ranked.jsonl").read_text().splitlines()]
        items = [item_from_row(samples, row) for row in rows]
        note = None
        if self.cfg.loss != "grpo":  # grpo shapes its signal at every step (training.advantages.step_advantages)
            from act_dsl.training.advantages import prepare_items
            items, note = prepare_items(items, self.cfg, self.verifier)
        result = train(self.cfg, self.model_ref, items, self.path, log=self.log, init_adapter=self.job.init_adapter,
                       verifier=self.verifier)
        return replace(result, signal=note) if note else result

    def eval_after(self) -> EvalSummary:
        from act_dsl.sampling import model as models
        from act_dsl.sampling.backends.hf import HFBackend
        if self.cfg.lora and self.job.engine is not None and self.job.engine.backend != "hf":
            return self._evaluate("eval_after", "eval after", self.sampler(str(self.path / "adapter")))
        if self.cfg.lora:
            tok, lm = models.load(self.model_ref, str(self.path / "adapter"))
        else:
            tok, lm = models.load(str(self.path / "model"))
        return self._evaluate("eval_after", "eval after", HFBackend(tok, lm))

    def _evaluate(self, name: str, label: str, backend: Any) -> EvalSummary:
        from act_dsl.training.evaluate import evaluate
        res = evaluate(self.verifier, self.eval_records, None, None, self.cfg.gen, metric=self.job.metric, backend=backend)
        self.run_dir.write_json(f"{name}.json", res)
        self.log(f"[{label}] held-out CSR {shown_number(res.csr)}{_metric_note(res.task_metric)}")
        return EvalSummary.of(res)

    # ---- running them ----------------------------------------------------------------------------
    def stage(self, name: str) -> Any:
        """Run stage `name` unless finished; the main process runs it and every process gets its result."""
        fn = getattr(self, name)
        if self.dist is None:
            return self.run_dir.stage(name, fn, self.log)
        if name == "train":  # every process trains; the main one records it
            if self.run_dir.done("train"):
                return self.run_dir.result("train")
            result = fn()
            main_then_all(self.dist, lambda: self.run_dir.record("train", result, result.seconds), lambda: None)
            return result
        return main_then_all(self.dist, lambda: self.run_dir.stage(name, fn, self.log),
                             lambda: RunDir(self.path).result(name))

    def run(self) -> TrainReport | None:
        """Every stage in order; the report (also written as report.json and report.md), or None on the
        processes other than the main one."""
        results = {name: self.stage(name) for name in STAGES}
        if not self.is_main:
            return None
        report = build_report(self, results)
        write_reports(self.run_dir, report)
        return report


def build_report(p: Pipeline, results: dict[str, Any]) -> TrainReport:
    from act_dsl.sampling.model import DEFAULT_MODEL
    from act_dsl.scoring.evidence import run_evidence
    before: EvalSummary = results["eval_before"]
    after: EvalSummary = results["eval_after"]
    ranked: RankAudit = results["rank"]
    audit: AuditResult = results["audit"]
    return TrainReport(
        p.job.graph.name, p.cfg.model or DEFAULT_MODEL, p.cfg, before.csr, after.csr,
        {n: BeforeAfter(before.constraints.get(n), after.constraints.get(n)) for n in before.constraints},
        _metric_report(before, after), ranked.pairs, ranked.zero_variance_items, ranked.items, len(p.eval_records),
        results["train"], ranked.warnings, audit.probes, audit.beats_greedy, audit.forced, audit.card_verdict,
        audit.refusal, ranked.distinct_candidates, ranked.candidates, p.run_dir.timings(), run_evidence(p.path))


def run_job(job: TrainJob) -> TrainReport | None:
    """Run a job to the end (finishing it when job.resume); the report, or None on non-main processes."""
    dist = distributed()
    try:
        report = Pipeline(job, dist).run()
    except BaseException:
        close_group(dist, wait=False)
        raise
    close_group(dist)
    return report


def close_group(dist: Any, wait: bool = True) -> None:
    """Close the process group before the interpreter exits: a gloo group left open then can abort a process
    that had finished its work. With `wait`, every process first waits for the others (the main one writes
    the report last); after an error it does not, since the others may never come."""
    if dist is None:
        return
    import torch.distributed as tdist
    if tdist.is_available() and tdist.is_initialized():
        if wait:
            dist.wait_for_everyone()
        tdist.destroy_process_group()


def _metric_note(m: TaskMetric | None) -> str:
    return f", {m.metric} {shown_number(m.value)} against `{m.gold}`" if m else ""


def _metric_report(before: EvalSummary, after: EvalSummary) -> MetricChange | None:
    b, a = before.task_metric, after.task_metric
    if not b or not a:
        return None
    return MetricChange(b.metric, b.gold, b.value, a.value)
