"""A checked program: its tasks, their verifier graphs and every diagnostic found on the way."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from act_dsl.diagnostics.diagnostic import ActError, Diagnostic, Severity
from act_dsl.semantics.check import CheckedTask, TaskChecker, check_define_bodies
from act_dsl.semantics.resolve import Resolver
from act_dsl.source import Source, SourceError

if TYPE_CHECKING:
    from act_dsl.graph.graph import Graph
    from act_dsl.ops.limits import Limits
    from act_dsl.scoring.csr import Scores
    from act_dsl.scoring.verifier import Verifier

_IGNORE = re.compile(r"#\s*act:\s*ignore(?:\[([A-Za-z0-9_,\s]+)\])?")


@dataclass
class Program:
    path: str
    tasks: dict[str, CheckedTask] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def require_valid(self) -> "Program":
        if self.errors:
            raise ActError(self.errors)
        return self

    def task(self, name: str | None = None) -> CheckedTask:
        self.require_valid()
        if name is None:
            if len(self.tasks) != 1:
                raise ValueError(f"{self.path} has {len(self.tasks)} tasks ({', '.join(self.tasks)}); name one")
            return next(iter(self.tasks.values()))
        if name not in self.tasks:
            raise ValueError(f"{self.path} has no task `{name}` (tasks: {', '.join(self.tasks)})")
        return self.tasks[name]

    def graph(self, task: str | None = None) -> "Graph":
        from act_dsl.semantics.lower import lower
        return lower(self.task(task), self.path)

    def verifier(self, task: str | None = None, reference_date: "dt.date | str | None" = None,
                 limits: "Limits | None" = None) -> "Verifier":
        """One task's verifier with a run's settings: `reference_date` a datetime.date or "YYYY-MM-DD" (default
        2026-01-01, never the clock; anything else raises ValueError or TypeError naming it), `limits` the
        per-response work budgets (act_dsl.ops.limits.Limits)."""
        from act_dsl.scoring.verifier import RunSettings, Verifier
        return Verifier(self.graph(task), RunSettings.of(reference_date, limits))

    def score(self, records: Iterable[dict[str, Any]], task: str | None = None,
              reference_date: "dt.date | str | None" = None, limits: "Limits | None" = None) -> "Scores":
        """Score records (input fields plus `response`) with one task's verifier graph.

        Records are checked as `act score` checks a file's lines (declared input types, `response` a
        string); a bad one raises act_dsl.records.DataError naming its index in `records`. `reference_date`
        (a datetime.date or "YYYY-MM-DD"; default 2026-01-01) is the day relative dates are read against.
        A constraint's value in `Scores.values` is a bool, a number, None (not applicable) or, where the
        verifier failed, `{"error": message}` (a VerifierError, scored 0); an invalid answer is False.
        """
        from act_dsl.records import check_rows
        verifier = self.verifier(task, reference_date, limits)
        checked = check_rows(records, verifier.graph.input_types, need_response=True,
                             reference_date=verifier.settings.reference_date, allow_many=False)
        return verifier.score_records(checked, progress=False)[1]

    def prompts(self, records: Iterable[dict[str, Any]], task: str | None = None,
                reference_date: "dt.date | str | None" = None) -> list[str]:
        """The task's prompt rendered for dataset rows (inputs checked as `act sample` checks them), for
        trainers outside act_dsl (TRL, OpenRLHF, ...): pair them with `reward_function()` and `stop()`."""
        from act_dsl.records import check_rows
        verifier = self.verifier(task, reference_date)
        checked = check_rows(records, verifier.graph.input_types, need_response=False,
                             reference_date=verifier.settings.reference_date)
        return verifier.prompts([rec.fields for rec in checked])

    def stop(self, task: str | None = None) -> str:
        """Where the task's responses end: "newline", "json", "end" or a literal string in double quotes (`'"json"'`
        for `stop "json"`: its `stop` statement);
        act_dsl.sampling.stop.cut(rule, text) applies it to text sampled by any engine."""
        return self.graph(task).stop

    def reward_function(self, task: str | None = None, reference_date: "dt.date | str | None" = None,
                        none_value: float = 0.0, limits: "Limits | None" = None):
        """A TRL-style reward: (prompts, completions, **columns) -> list[float], one CSR per completion.

        Keyword arguments: `reference_date` (a datetime.date or "YYYY-MM-DD": relative dates are read against it;
        default 2026-01-01, never the clock), `none_value` (the reward of a completion with no applicable constraint, default 0.0) and
        `limits` (act_dsl.ops.limits.Limits, the per-response work budgets). Columns are the dataset's input
        fields, one value per completion, read by their declared types (an input named `prompt` is filled from
        `prompts`, the last user message of a chat prompt); a verifier error scores 0 and is reported once per call
        as a VerifierErrorWarning with the counts. Given TRL's `log_metric`, it logs each constraint's pass rate as
        `act/NAME`."""
        from act_dsl.scoring.reward import make_reward_function
        return make_reward_function(self.verifier(task, reference_date, limits), none_value)

    def reward_functions(self, task: str | None = None, reference_date: "dt.date | str | None" = None,
                         limits: "Limits | None" = None):
        """One TRL reward function per constraint and their weights: `funcs, weights = program.reward_functions()`,
        then `GRPOTrainer(reward_funcs=funcs, args=GRPOConfig(reward_weights=weights, ...))`, so per-constraint
        aggregation (`multi_objective_aggregation="normalize_then_sum"`, GDPO) sees each constraint. A function
        returns None where its constraint does not apply (TRL leaves it out); the functions of one step share one
        scoring. Keyword arguments as `reward_function`, less `none_value`."""
        from act_dsl.scoring.reward import make_reward_functions
        return make_reward_functions(self.verifier(task, reference_date, limits))


def _suppressed(d: Diagnostic) -> bool:
    if d.span is None or d.severity is Severity.ERROR and d.code == "ACT001":
        return False
    src = d.span.source
    for line in (d.span.line, d.span.line - 1):
        text = src.line_text(line)
        m = _IGNORE.search(text)
        if m is None or (line != d.span.line and text.split("#")[0].strip()):
            continue
        codes = m.group(1)
        if codes is None or d.code in {c.strip().upper() for c in codes.split(",")}:
            return True
    return False


def check_source(source: Source, folder: Path) -> Program:
    from act_dsl.semantics.lint import run_rules
    resolver = Resolver()
    unit = resolver.load(source, folder, folder.resolve() / Path(source.path).name)
    diags = resolver.diagnostics
    program = Program(source.path)
    for u in resolver.units.values():
        check_define_bodies(u, diags)
    if unit.module is not None:
        for task in unit.module.tasks:
            task_diags: list[Diagnostic] = []
            checked = TaskChecker(unit, task, task_diags).run()
            diags.extend(task_diags)
            if task.name in program.tasks:
                first = program.tasks[task.name].task.span
                diags.append(Diagnostic("ACT106", f"task `{task.name}` is declared twice", task.span,
                                        related=(("first declared here", first),) if first is not None else ()))
                continue
            program.tasks[task.name] = checked
        if not any(d.is_error for d in diags):
            diags.extend(run_rules(unit, list(program.tasks.values())))
        if not unit.module.tasks and not unit.module.defines:
            diags.append(Diagnostic("ACT401", "the file declares no task and no define", source.span(0, 0),
                                    Severity.WARNING))
    seen = set()
    for d in diags:
        key = (d.code, d.message, d.span.path if d.span else None, d.span.start if d.span else None)
        if key not in seen and not _suppressed(d):
            seen.add(key)
            program.diagnostics.append(d)
    program.diagnostics.sort(key=lambda d: (d.span.path if d.span else "", d.span.start if d.span else 0))
    return program


def load(path: str | Path, strict: bool = False) -> Program:
    """Read, parse, resolve and check an .act file. strict=True raises ActError on any error."""
    try:
        source = Source.read(path)
    except SourceError as exc:
        program = Program(str(path), diagnostics=[Diagnostic("ACT002", exc.message, None)])
        return program.require_valid() if strict else program
    program = check_source(source, Path(path).resolve().parent)
    return program.require_valid() if strict else program


def loads(text: str, path: str = "<string>", folder: str | Path | None = None, strict: bool = False) -> Program:
    """Check .act text; imports and load() resolve against `folder` (default: the working directory)."""
    program = check_source(Source.from_text(text, path), Path(folder or Path.cwd()))
    return program.require_valid() if strict else program
