"""The public face of act_dsl: load and check .act files, score records, train."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from act_dsl.diagnostics.diagnostic import ActError, Diagnostic, Severity
from act_dsl.program import Program, load, loads
from act_dsl.scoring.verifier import parse_day

if TYPE_CHECKING:
    from act_dsl.graph.graph import Graph
    from act_dsl.records import Record
    from act_dsl.training.config import TrainConfig
    from act_dsl.training.results import TrainReport

__all__ = ["ActError", "Diagnostic", "Program", "Severity", "load", "loads", "train"]

Data = str | Path | Sequence[Mapping[str, Any]]


def _records(data: Data, graph: "Graph", what: str, ref: dt.date | None) -> "list[Record]":
    """Records from a JSONL path or from in-memory rows, checked by the rules `act train` applies to files."""
    from act_dsl.records import check_rows, read_records
    if isinstance(data, (str, Path)):
        return read_records(data, graph.input_types, need_response=False, reference_date=ref).records
    return check_rows(data, graph.input_types, need_response=False, reference_date=ref, label=what)


def train(program: str | Path | Program, data: Data | None = None, *, eval_data: Data | None = None,
          task: str | None = None, out: str | Path | None = None, resume: bool = False,
          config: "TrainConfig | None" = None, metric: Any = None, log: Callable[[str], None] | None = None,
          force: bool = False, **settings: Any) -> "TrainReport | None":
    """Train a model against a task's constraints, as `act train` does, and return the run's report (a
    training.results.TrainReport: `report.csr_after`, `report.train.steps`; `report.to_json()` is report.json).

    `program` is an .act path or a loaded Program; `data` and `eval_data` are JSONL paths or lists of records
    (default: train.jsonl and eval.jsonl beside the .act file). Settings are named as `act train`'s flags
    (`samples=8, max_new_tokens=16, lr=0.01, model="..."`) over `config` (default TrainConfig());
    `reference_date` is a datetime.date or a text "YYYY-MM-DD" (anything else raises ValueError/TypeError). The run
    directory `out` defaults to runs/<task>/run-N; `resume=True` finishes the run there. Bad settings raise
    ValueError; bad records raise act_dsl.records.DataError; an invalid program raises ActError. Under
    `accelerate launch` the processes other than the main one return None. A degenerate probe response that
    outranks the mean sample stops the run with ValueError (JobError) unless `force=True`.
    """
    from act_dsl.extras import require
    if settings.get("reference_date") is not None:  # checked before anything loads; kept as its ISO text
        settings["reference_date"] = parse_day(settings["reference_date"]).isoformat()
    require("train", "act_dsl.train()")  # MissingExtra (an ImportError) naming `pip install 'act-dsl[train]'`
    from act_dsl.training.config import TrainConfig
    from act_dsl.training.evaluate import MetricSpec
    from act_dsl.training.pipeline import TrainJob, check_graph, run_job
    from act_dsl.training.runs import latest_run_dir, new_run_dir
    prog = program if isinstance(program, Program) else load(program, strict=True)
    graph = prog.graph(task)
    check_graph(graph)
    cfg = (config or TrainConfig()).override(**settings)
    folder = Path(prog.path).resolve().parent
    ref = parse_day(cfg.reference_date)  # a TrainConfig given a date object is read the same way
    if cfg.reference_date is not None:
        cfg = cfg.override(reference_date=ref.isoformat())
    about: dict[str, Any] = {"file": str(Path(prog.path).resolve())}
    sources = {}
    for name, given, default in (("data", data, "train.jsonl"), ("eval_data", eval_data, "eval.jsonl")):
        given = folder / default if given is None else given
        if isinstance(given, (str, Path)):
            about[name] = str(Path(given).resolve())
        sources[name] = _records(given, graph, name, ref)
    base = Path("runs") / graph.name
    run_dir = Path(out) if out is not None else (latest_run_dir(base) if resume else None) or new_run_dir(base)
    job = TrainJob(graph, sources["data"], sources["eval_data"], run_dir, cfg, metric or MetricSpec(),
                   resume=resume, about=about, force=force)
    if log is not None:
        job.log = log
    return run_job(job)
