"""What every `act` command shares: exit codes, UsageError, loading a checked program and its graph, the data
options, --reference-date and --limit parsing, and flags generated from config dataclasses. No torch here."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from act_dsl.graph.graph import Graph
    from act_dsl.ops.limits import Limits
    from act_dsl.program import Program
    from act_dsl.records import Dataset
    from act_dsl.scoring.verifier import RunSettings, Verifier

EXIT_OK = 0
EXIT_FAILED = 1   # lint errors, failed expectations, bad data under --on-error fail
EXIT_USAGE = 2    # bad arguments or unreadable input


class UsageError(Exception):
    """Bad arguments or unusable input: `act CMD: message` on stderr, exit status 2."""


def _act_files(paths: Sequence[str]) -> tuple[list[tuple[Path, Path | None]], list[str], list[str]]:
    """The .act files named or found below folders, each with the folder it was found in (None when named).

    A folder is walked without leaving it: symlinked folders are not entered, a `*.act` symlink out
    of it is passed over (with a note), and symlink loops are noted, never followed.
    Returns (files, missing paths, notes)."""
    from act_dsl.safe_files import walk_files
    files: list[tuple[Path, Path | None]] = []
    missing: list[str] = []
    notes: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found, skipped = walk_files(p, ".act", skip_dirs=(".venv",))
            files.extend((f, Path(p)) for f in found)
            notes.extend(skipped)
        elif os.path.lexists(p):  # a file, or a broken link or loop: reading it gives the precise message
            files.append((Path(p), None))
        else:
            missing.append(p)
    return files, missing, notes


def short_path(p: str, limit: int = 160) -> str:
    """A path short enough for one line of a message (an over-long name is cut in the middle)."""
    return p if len(p) <= limit else f"{p[:limit - 50]}...{p[-40:]}"


def load_file(path: Path, root: Path | None, command: str) -> "Program | None":
    """Load an .act file; one found by walking `root` is read only if the file opened lies inside root.

    A walked file that leads out of root, or is gone, by the time it is opened (a symlink changed since
    the walk) is passed over with a note, as the walk itself would have done: None."""
    from act_dsl.program import load
    if root is None:
        return load(path)
    from act_dsl.diagnostics.diagnostic import Diagnostic
    from act_dsl.program import Program, check_source
    from act_dsl.source import Source, SourceError
    try:
        source, real = Source.open(path, root)
    except SourceError as exc:
        if exc.reason in ("outside", "missing"):
            print(f"act {command}: {path}: {exc.message}; skipped", file=sys.stderr)
            return None
        return Program(str(path), diagnostics=[Diagnostic("ACT002", exc.message, None)])
    return check_source(source, real.parent)


def load_checked(path: str) -> "Program | None":
    """Load a file for commands that need a valid program; print diagnostics as `act lint` does."""
    from act_dsl.diagnostics.render import render_text
    from act_dsl.program import load
    program = load(path)
    if program.diagnostics and any(d.code == "ACT002" for d in program.diagnostics):
        raise UsageError(f"{path}: {program.diagnostics[0].message}")
    if not program.ok:
        print(render_text(program.errors), file=sys.stderr)
        print(f"{path}: {len(program.errors)} error(s); fix them first (`act lint {path}`)", file=sys.stderr)
        return None
    return program


def task_name(program: "Program", name: str | None) -> str:
    try:
        return program.task(name).name
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def checked_graph(args: argparse.Namespace) -> "Graph | None":
    """The verifier graph of `args.file` (task `args.task`), or None after printing its errors."""
    program = load_checked(args.file)
    return None if program is None else program.graph(task_name(program, getattr(args, "task", None)))


def reference_date(text: str | None) -> dt.date:
    """--reference-date read once, at the edge (None: the one default day)."""
    from act_dsl.scoring.verifier import parse_day
    try:
        return parse_day(None if text is None else dt.date.fromisoformat(text))
    except ValueError:
        raise UsageError(f"--reference-date must be YYYY-MM-DD, got {text!r}") from None


def run_settings(args: argparse.Namespace) -> "RunSettings":
    """The settings of this command's verifier run: --reference-date and --limit NAME=VALUE, read once."""
    from act_dsl.scoring.verifier import RunSettings
    return RunSettings(reference_date(getattr(args, "reference_date", None)), limits(args))


def verifier(args: argparse.Namespace, graph: "Graph") -> "Verifier":
    from act_dsl.scoring.verifier import Verifier
    return Verifier(graph, run_settings(args))


def data_file(path: str | Path) -> None:
    """A data file that is missing, a folder or unreadable is a usage error (exit 2), found before any work."""
    if not os.path.lexists(path):
        raise UsageError(f"{short_path(str(path))}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{short_path(str(path))}: is a folder, not a JSONL file")
    if not os.path.exists(path):
        raise UsageError(f"{short_path(str(path))}: a symbolic link to a missing file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{short_path(str(path))}: cannot read the file (permission denied)")


def read_data(args: argparse.Namespace, graph: "Graph", need_response: bool, path: str | Path | None = None,
              quiet: bool = False) -> "Dataset":
    """The records of `path` (default --data) read by the data options; skipped lines listed on stderr. A path
    that is missing, a folder or unreadable is a usage error (exit 2)."""
    from act_dsl.records import read_records
    data_file(path if path is not None else args.data)
    ds = read_records(path if path is not None else args.data, graph.input_types, need_response, args.on_error,
                      args.max_chars, reference_date=reference_date(args.reference_date))
    for p in ds.problems if not quiet else ():
        print(f"skipped {p}", file=sys.stderr)
    return ds


def read_candidates(args: argparse.Namespace, ver: "Verifier", path: str
                    ) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """`--samples FILE` of `act card` and `act probe`: per prompt its fields and responses, from an `act sample`
    file (read_samples' loose lines) or else from records with `response`/`responses`, read by the data options."""
    from act_dsl.sampling.samples import read_samples
    got = read_samples(path, ver.graph.input_types, ver.settings.reader(), loose=True)
    if got is not None:
        return [dict(s.fields) for s in got], [list(s.responses) for s in got]
    sds = read_data(args, ver.graph, need_response=True, path=path)
    return [r.fields for r in sds.records], [r.responses or [] for r in sds.records]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def limits(args: argparse.Namespace) -> "Limits":
    from act_dsl.ops.limits import Limits
    try:
        specs = getattr(args, "limit", None)
        return Limits.parse(specs if isinstance(specs, list) else ())  # a command without the flag: the defaults
    except ValueError as exc:
        raise UsageError(str(exc)) from None


class _LimitAction(argparse.Action):
    """`--limit NAME=VALUE`, repeatable. In a command that also has `--first N` (const True), a bare number is
    that flag's old spelling: it still works for one release, with a one-line warning."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        text = str(values)
        if self.const and text.strip().isdigit():
            try:
                namespace.first = positive_int(text)
            except argparse.ArgumentTypeError as exc:
                raise argparse.ArgumentError(self, str(exc)) from None
            print(f"act: `--limit {text.strip()}` for the number of records is deprecated; write `--first "
                  f"{text.strip()}` (`--limit` is the work limit NAME=VALUE)", file=sys.stderr)
            return
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), text])


class _OldSpelling(argparse.Action):
    """A flag's old name, kept for one release: it sets the new flag's value and says the new name once."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"act: `{option_string}` is deprecated; write `{self.const}`", file=sys.stderr)
        setattr(namespace, self.dest, values)


def old_spelling(p: argparse.ArgumentParser, old: str, new: str, dest: str, kind: Any = str) -> None:
    """`old` (hidden from --help) as a deprecated name of the flag `new`, which stores into `dest`."""
    p.add_argument(old, dest=dest, action=_OldSpelling, const=new, type=kind, default=None, help=argparse.SUPPRESS)


def limit_option(p: argparse.ArgumentParser, first: str | None = None, old_count: bool | None = None) -> None:
    """`--limit NAME=VALUE`, the per-response work limits of every command that scores; with `first` (what the
    records are called), also `--first N`, the number of records used. With `old_count` (default: when `first`
    is given) a bare `--limit N` is still read as `--first N`, with a warning: that flag's old spelling in
    `act sample`, `act eval` and `act train` (whose `--first` is a TrainConfig setting)."""
    from act_dsl.ops.limits import Limits
    defaults = ", ".join(f"{k}={v:,}".replace(",", "_") for k, v in vars(Limits()).items())
    old = first is not None if old_count is None else old_count
    p.add_argument("--limit", action=_LimitAction, const=old, default=None, metavar="NAME=VALUE",
                   help=f"raise a per-response work limit (repeatable); defaults: {defaults}")
    if first is not None:
        p.add_argument("--first", type=positive_int, default=None, metavar="N", help=f"use only the first N {first}")


def data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", help="the task to use when the file has several")
    p.add_argument("--on-error", choices=["fail", "skip"], default="fail",
                   help="on a bad data line: stop with a message (default) or skip it and list it")
    p.add_argument("--max-chars", type=positive_int, default=1_000_000,
                   help="longest response accepted (characters)")
    p.add_argument("--reference-date", help="date that relative dates are read against (YYYY-MM-DD; "
                   "default 2026-01-01, never the clock); a task with `reference date = F` uses each record's F")


def metric_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gold", default=None, help="record field with gold answers, for the task metric "
                   "(default: the one field named gold or gold_*); never read by training")
    p.add_argument("--metric", choices=["micro_f1", "exact_match", "token_f1"], default=None,
                   help="task metric against --gold (default: micro_f1 for list outputs, token_f1 for text)")
    p.add_argument("--metric-output", default=None, help="the output compared with gold (default: the first)")


# ---- flags generated from config dataclasses ---------------------------------------------------------------
_TYPES = {"int": int, "float": float, "str": str}


def _arg_type(f: dataclasses.Field) -> Any:
    if f.default is not None and f.default is not dataclasses.MISSING:
        return type(f.default)
    return _TYPES.get(str(f.type).split("|")[0].strip(), str)


def _dest(f: dataclasses.Field) -> str:
    from act_dsl.sampling.config import flag_name
    return flag_name(f).replace("-", "_")


def add_settings(p: argparse.ArgumentParser, cls: type, skip: Sequence[str] = ()) -> None:
    """One flag per setting of config class `cls` (nested config classes included), defaulting to None so
    that only the settings a user gave override the dataclass defaults. The help shows each default."""
    from act_dsl.sampling.config import flag_name, settings
    for f in dataclasses.fields(cls):
        factory = f.default_factory
        if isinstance(factory, type) and dataclasses.is_dataclass(factory):  # a nested config class
            add_settings(p, factory, skip)
    for f in settings(cls):
        if f.name in skip:
            continue
        meta, flag = f.metadata, flag_name(f)
        shown = "none" if f.default is None else repr(f.default) if isinstance(f.default, str) else f.default
        if isinstance(f.default, bool):
            p.add_argument(f"--{flag}", dest=_dest(f), action="store_true", default=None,
                           help=f"{meta['help']} (default: {'on' if f.default else 'off'})")
            p.add_argument(f"--no-{flag}", dest=_dest(f), action="store_false", help=argparse.SUPPRESS)
            continue
        text = meta["help"] if "(default" in meta["help"] else f"{meta['help']} (default: {shown})"
        p.add_argument(*meta["short"], f"--{flag}", dest=_dest(f), type=_arg_type(f), default=None,
                       choices=meta["choices"], metavar=meta["metavar"], help=text)


def given_settings(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The settings of `cls` (by flag name, with underscores) that the command line gave."""
    from act_dsl.sampling.config import settings
    out = {}
    for f in settings(cls):
        value = getattr(args, _dest(f), None)
        if value is not None:
            out[_dest(f)] = value
    return out


def gen_config(args: argparse.Namespace, **fixed: Any) -> Any:
    """The generation settings given on the command line over GenConfig's defaults (and `fixed`)."""
    from act_dsl.sampling.config import GenConfig, settings
    by_dest = {_dest(f): f.name for f in settings(GenConfig)}
    changes = {by_dest[k]: v for k, v in given_settings(args, GenConfig).items()}
    try:
        return dataclasses.replace(GenConfig(), **{**changes, **fixed})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
