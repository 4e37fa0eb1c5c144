"""The `act` command. Training commands import torch lazily, so `act lint` and `act test` start fast."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from act_dsl.program import Program

EXIT_OK = 0
EXIT_FAILED = 1   # lint errors, failed expectations, bad data under --on-error fail
EXIT_USAGE = 2    # bad arguments or unreadable input


class UsageError(Exception):
    pass


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


def _short_path(p: str, limit: int = 160) -> str:
    """A path short enough for one line of a message (an over-long name is cut in the middle)."""
    return p if len(p) <= limit else f"{p[:limit - 50]}...{p[-40:]}"


def _load_file(path: Path, root: Path | None, command: str) -> "Program | None":
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


def _load_checked(path: str):
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


def _task_name(program, name: str | None) -> str:
    try:
        return program.task(name).name
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def checked_graph(args: argparse.Namespace):
    """The verifier graph of `args.file` (task `args.task`), or None after printing its errors."""
    program = _load_checked(args.file)
    return None if program is None else program.graph(_task_name(program, getattr(args, "task", None)))


# ---- lint / explain --------------------------------------------------------------------------
def cmd_lint(args: argparse.Namespace) -> int:
    from act_dsl import __version__
    from act_dsl.diagnostics.diagnostic import Diagnostic, Severity
    from act_dsl.diagnostics.render import render_json, render_sarif, render_text, summary_line
    files, missing, notes = _act_files(args.paths)
    diags: list[Diagnostic] = []
    unreadable = bool(missing)
    for m in missing:
        print(f"act lint: {_short_path(m)}: no such file or folder", file=sys.stderr)
    for note in notes:
        print(f"act lint: {note}", file=sys.stderr)
    for f, root in files:
        program = _load_file(f, root, "lint")
        if program is None:
            continue
        for d in program.diagnostics:
            if d.code == "ACT002":
                unreadable = True
                if args.format == "text":
                    print(f"{f}: ACT002 {d.message} [error]")
                continue
            if d.severity >= Severity[args.min_severity.upper()]:
                diags.append(d)
    if not files and not missing:
        print("act lint: no .act files found in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        print(render_json(diags, len(files)))
    elif args.format == "sarif":
        print(render_sarif(diags, __version__))
    else:
        if diags:
            print(render_text(diags))
        print(summary_line(diags, len(files)))
    if unreadable:
        return EXIT_USAGE
    return EXIT_FAILED if any(d.is_error for d in diags) else EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from act_dsl.diagnostics.codes import CODES
    code = args.code.upper()
    if not code.startswith("ACT"):
        code = "ACT" + code
    if code not in CODES:
        print(f"act explain: unknown code `{args.code}`; codes are " + ", ".join(sorted(CODES)), file=sys.stderr)
        return EXIT_USAGE
    c = CODES[code]
    print(f"{c.code} {c.name} ({c.severity.label})\n\n{c.explanation}")
    if code == "ACT102":
        from act_dsl.ops.registry import REGISTRY
        print("\nBuilt-in functions:")
        for op in REGISTRY.values():
            print(f"  {op.name}({', '.join(op.params)}) -> {op.returns if isinstance(op.returns, str) else 'list'}:"
                  f" {op.doc}")
    return EXIT_OK


# ---- compile / test ----------------------------------------------------------------------------
def cmd_compile(args: argparse.Namespace) -> int:
    from act_dsl.graph.emit import emit_dot, emit_json, emit_text
    program = _load_checked(args.file)
    if program is None:
        return EXIT_FAILED
    names = [args.task] if args.task else list(program.tasks)
    emit = {"text": emit_text, "json": emit_json, "dot": emit_dot}[args.emit]
    for name in names:
        _task_name(program, name)
        print(emit(program.graph(name)))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from act_dsl.diagnostics.render import render_text
    from act_dsl.examples_runner import run_examples
    files, missing, notes = _act_files(args.paths)
    if missing:
        raise UsageError(", ".join(map(_short_path, missing)) + ": no such file or folder")
    for note in notes:
        print(f"act test: {note}", file=sys.stderr)
    total = failed = 0
    status = EXIT_OK
    for f, root in files:
        program = _load_file(f, root, "test")
        if program is None:
            continue
        if not program.ok:
            unplaced = [d for d in program.errors if d.span is None]  # the file itself could not be read
            for d in unplaced:
                print(f"{f}: {d.code} {d.message} [error]")
            if len(unplaced) < len(program.errors):
                print(render_text([d for d in program.errors if d.span is not None]))
            status = EXIT_FAILED
            continue
        checked, failures = run_examples(program)
        total += checked
        failed += len(failures)
        for fail in failures:
            print(fail.render())
    print(f"{total - failed} passed, {failed} failed")
    if total == 0:  # a run that checked nothing must not look like a pass
        found = "" if files else " (no .act files found)"
        print(f"act test: no expectation ran: no `example` block with an `expect` line in {', '.join(args.paths)}"
              f"{found}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED if failed or status else EXIT_OK


# ---- score / trace -----------------------------------------------------------------------------
def _reference_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--reference-date must be YYYY-MM-DD, got {text!r}") from None


def _read(args, graph, need_response: bool, quiet: bool = False):
    from act_dsl.records import read_records
    ds = read_records(args.data, graph.input_types, need_response, args.on_error, args.max_chars,
                      reference_date=_reference_date(args.reference_date))
    for p in ds.problems if not quiet else ():
        print(f"skipped {p}", file=sys.stderr)
    return ds


def cmd_score(args: argparse.Namespace) -> int:
    from act_dsl.safe_files import AtomicWriter, OutputError, check_output, finite, json_line
    from act_dsl.scoring.report import score_dataset, summary_table
    target = None
    if args.out:  # checked before any work: never the input, and a folder we can write in
        try:
            target = check_output(args.out, [args.data, args.file])
        except OutputError as exc:
            raise UsageError(str(exc)) from None
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    ds = _read(args, graph, need_response=True)
    rows, scores = score_dataset(graph, ds.records, _reference_date(args.reference_date), _limits(args))
    if target is not None:
        try:
            with AtomicWriter(target) as out:  # a kill leaves the old file or the complete new one
                for row in rows:
                    out.write(json_line(row) + "\n")
        except OSError as exc:  # a full disk, a quota: the earlier file stays as it was
            print(f"act score: cannot write {args.out}: {exc.strerror or exc}; any earlier {args.out} is unchanged",
                  file=sys.stderr)
            return EXIT_FAILED
    else:
        for row in rows:
            sys.stdout.write(json_line(row) + "\n")
    # where each response came from: one row per response, in record order (as score_dataset expands them)
    where = [(rec.line, j + 1 if rec.many else 0) for rec in ds.records for j in range(len(rec.responses or [""]))]
    first = [{"line": where[r][0], **({"response": where[r][1]} if where[r][1] else {}), "constraint": name,
              "message": msg} for r, name, msg in scores.errors[:10]]
    summary_out = sys.stdout if args.out else sys.stderr
    if args.format == "json":
        print(json.dumps(finite({"records": len(ds.records), "responses": len(scores), "skipped": len(ds.problems),
                                  "mean_csr": scores.mean_csr, "errors": len(scores.errors), "first_errors": first,
                                  "constraints": {k: v.as_dict() for k, v in scores.summary.items()}}),
                         indent=2, allow_nan=False), file=summary_out)
    else:
        print(summary_table(scores, skipped=len(ds.problems)), file=summary_out)
        for e in first:
            resp = f" (response {e['response']})" if "response" in e else ""
            print(f"  error in `{e['constraint']}` on {args.data}:{e['line']}{resp}: {e['message']}", file=summary_out)
        if len(scores.errors) > len(first):
            print(f"  ... and {len(scores.errors) - len(first)} more error(s)", file=summary_out)
    if args.strict and scores.errors:
        print(f"act score: {len(scores.errors)} verifier error(s); failing because of --strict", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    from act_dsl.scoring.report import trace_record
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    # other lines only matter as group members: a bad one is skipped (and counted), never fatal here
    args.on_error = "skip"
    ds = _read(args, graph, need_response=True, quiet=True)
    match = [r for r in ds.records if r.line == args.line]
    if not match:
        bad = [p for p in ds.problems if p.line == args.line]
        raise UsageError(str(bad[0]) if bad else f"{args.data} has no record on line {args.line} "
                         f"(it has {ds.lines} lines)")
    if ds.problems:
        print(f"note: {len(ds.problems)} other bad line(s) in {args.data} skipped (first: {ds.problems[0]})",
              file=sys.stderr)
    print(trace_record(graph, match[0], ds.records, _reference_date(args.reference_date), _limits(args)))
    return EXIT_OK


def cmd_probe(args: argparse.Namespace) -> int:
    """Score degenerate responses (empty, the prompt, a copied input, a first label, ...) on every prompt."""
    from act_dsl.scoring.probes import (example_reference, read_samples, render_table, responses_reference,
                                        run_probes)
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    ref_date = _reference_date(args.reference_date)
    ds = _read(args, graph, need_response=False)
    if not ds.records:
        raise UsageError(f"{args.data}: no usable records")
    if args.samples:
        got = read_samples(graph, args.samples, ref_date)
        if got is None:  # a file of records with `response`/`responses`, as `act score` reads
            sds = _read(argparse.Namespace(**{**vars(args), "data": args.samples}), graph, need_response=True)
            got = [r.fields for r in sds.records], [r.responses or [] for r in sds.records]
        reference = responses_reference(graph, *got, args.samples, ref_date)
    elif any(r.responses for r in ds.records):
        have = [r for r in ds.records if r.responses]
        reference = responses_reference(graph, [r.fields for r in have], [r.responses or [] for r in have],
                                        args.data, ref_date)
    else:
        reference = example_reference(graph, ref_date)
    report = run_probes(graph, [r.fields for r in ds.records], *reference, ref_date).as_dict()
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.format == "json" else render_table(report))
    return EXIT_OK  # warnings are advice, not failure


# ---- sample / train / eval (torch is imported only here) -----------------------------------------
def cmd_sample(args: argparse.Namespace) -> int:
    from act_dsl.sampling.cli import run_sample
    return run_sample(args)


def cmd_train(args: argparse.Namespace) -> int:
    from act_dsl.training.cli import run_train
    return run_train(args)


def cmd_eval(args: argparse.Namespace) -> int:
    from act_dsl.training.cli import run_eval
    return run_eval(args)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _limits(args: argparse.Namespace):
    from act_dsl.ops.limits import Limits
    try:
        return Limits.parse(getattr(args, "limit", None) or ())
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _limit_option(p: argparse.ArgumentParser) -> None:
    from act_dsl.ops.limits import Limits
    defaults = ", ".join(f"{k}={v:,}".replace(",", "_") for k, v in vars(Limits()).items())
    p.add_argument("--limit", action="append", metavar="NAME=VALUE",
                   help=f"raise a per-response work limit (repeatable); defaults: {defaults}")


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", help="the task to use when the file has several")
    p.add_argument("--on-error", choices=["fail", "skip"], default="fail",
                   help="on a bad data line: stop with a message (default) or skip it and list it")
    p.add_argument("--max-chars", type=_positive_int, default=1_000_000,
                   help="longest response accepted (characters)")
    p.add_argument("--reference-date", help="date that relative dates are read against (YYYY-MM-DD; "
                   "default 2026-01-01, never the clock); a task with `reference date = F` uses each record's F")


def build_parser() -> argparse.ArgumentParser:
    from act_dsl import __version__
    ap = argparse.ArgumentParser(prog="act", description="Constraint files for aligning language models.")
    ap.add_argument("--version", action="version", version=f"act {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("lint", help="parse, resolve, type-check and lint .act files")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".act files or folders")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--min-severity", choices=["hint", "warning", "error"], default="hint")
    p.set_defaults(fn=cmd_lint)

    p = sub.add_parser("explain", help="explain a diagnostic code, e.g. `act explain ACT201`")
    p.add_argument("code")
    p.set_defaults(fn=cmd_explain)

    p = sub.add_parser("test", help="run the `example` blocks of .act files")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(fn=cmd_test)

    p = sub.add_parser("compile", help="print the verifier graph")
    p.add_argument("file")
    p.add_argument("--emit", choices=["text", "json", "dot"], default="text")
    p.add_argument("--task")
    p.set_defaults(fn=cmd_compile)

    p = sub.add_parser("score", help="score responses in a JSONL file")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs and `response`/`responses`")
    p.add_argument("--out", help="write the scored lines here (default: stdout, summary on stderr)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="format of the summary")
    p.add_argument("--strict", action="store_true", help="exit 1 when any verifier error occurred")
    _data_options(p)
    _limit_option(p)
    p.set_defaults(fn=cmd_score)

    p = sub.add_parser("trace", help="show every node's value for one record")
    p.add_argument("file")
    p.add_argument("--data", required=True)
    p.add_argument("--line", type=int, required=True, help="line number of the record in --data")
    _data_options(p)
    _limit_option(p)
    p.set_defaults(fn=cmd_trace)

    p = sub.add_parser("probe", help="score degenerate responses to find what the verifier rewards for free")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs (the prompts)")
    p.add_argument("--samples", help="sampled responses (`act sample` output, or records with `response`) "
                   "whose mean CSR is the reference; default: responses in --data, else the task's examples")
    p.add_argument("--format", choices=["table", "json"], default="table")
    _data_options(p)
    p.set_defaults(fn=cmd_probe)

    from act_dsl.training.options import add_eval_args, add_sample_args, add_train_args
    add_sample_args(sub.add_parser("sample", help="sample K responses per prompt from a model"), _data_options)
    sub.choices["sample"].set_defaults(fn=cmd_sample)
    add_train_args(sub.add_parser("train", help="lint, sample, score, rank and train in one step"), _data_options)
    sub.choices["train"].set_defaults(fn=cmd_train)
    add_eval_args(sub.add_parser("eval", help="held-out CSR of a base model or a trained run"), _data_options)
    sub.choices["eval"].set_defaults(fn=cmd_eval)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    from act_dsl.records import DataError
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.fn(args)
    except UsageError as exc:
        print(f"act {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DataError as exc:
        print(f"act {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"act {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
