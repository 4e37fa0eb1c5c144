"""The `act` command. Training commands import torch lazily, so `act lint` and `act test` start fast."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Sequence

EXIT_OK = 0
EXIT_FAILED = 1   # lint errors, failed expectations, bad data under --on-error fail
EXIT_USAGE = 2    # bad arguments or unreadable input


class UsageError(Exception):
    pass


def _act_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    files, missing = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(f for f in path.rglob("*.act") if ".venv" not in f.parts))
        elif path.exists():
            files.append(path)
        else:
            missing.append(p)
    return files, missing


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
    from act_dsl.program import load
    files, missing = _act_files(args.paths)
    diags: list[Diagnostic] = []
    unreadable = bool(missing)
    for m in missing:
        print(f"act lint: {m}: no such file or folder", file=sys.stderr)
    for f in files:
        program = load(f)
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
    from act_dsl.graph.compiler import emit_dot, emit_json, emit_text
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
    from act_dsl.program import load
    files, missing = _act_files(args.paths)
    if missing:
        raise UsageError(", ".join(missing) + ": no such file or folder")
    total = failed = 0
    status = EXIT_OK
    for f in files:
        program = load(f)
        if not program.ok:
            print(render_text(program.errors))
            status = EXIT_FAILED
            continue
        checked, failures = run_examples(program)
        total += checked
        failed += len(failures)
        for fail in failures:
            print(fail.render())
    print(f"{total - failed} passed, {failed} failed")
    return EXIT_FAILED if failed or status else EXIT_OK


# ---- score / trace -----------------------------------------------------------------------------
def _reference_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--reference-date must be YYYY-MM-DD, got {text!r}") from None


def _read(args, graph, need_response: bool):
    from act_dsl.records import read_records
    ds = read_records(args.data, graph.inputs, need_response, args.on_error, args.max_chars,
                      graph.date_inputs)
    for p in ds.problems:
        print(f"skipped {p}", file=sys.stderr)
    return ds


def cmd_score(args: argparse.Namespace) -> int:
    from act_dsl.scoring.report import score_dataset, summary_table
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    ds = _read(args, graph, need_response=True)
    rows, scores = score_dataset(graph, ds.records, _reference_date(args.reference_date))
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    try:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if args.out:
            out.close()
    summary_out = sys.stdout if args.out else sys.stderr
    if args.format == "json":
        print(json.dumps({"records": len(ds.records), "responses": len(scores), "skipped": len(ds.problems),
                          "mean_csr": scores.mean_csr, "errors": len(scores.errors),
                          "constraints": {k: v.as_dict() for k, v in scores.summary.items()}}, indent=2),
              file=summary_out)
    else:
        print(summary_table(scores, skipped=len(ds.problems)), file=summary_out)
        for row, name, msg in scores.errors[:10]:
            print(f"  error in `{name}` on response {row + 1}: {msg}", file=summary_out)
    return EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    from act_dsl.scoring.report import trace_record
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    args.on_error = "skip"
    ds = _read(args, graph, need_response=True)
    match = [r for r in ds.records if r.line == args.line]
    if not match:
        bad = [p for p in ds.problems if p.line == args.line]
        raise UsageError(str(bad[0]) if bad else f"{args.data} has no record on line {args.line} "
                         f"(it has {ds.lines} lines)")
    print(trace_record(graph, match[0], ds.records, _reference_date(args.reference_date)))
    return EXIT_OK


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


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", help="the task to use when the file has several")
    p.add_argument("--on-error", choices=["fail", "skip"], default="fail",
                   help="on a bad data line: stop with a message (default) or skip it and list it")
    p.add_argument("--max-chars", type=int, default=1_000_000, help="longest response accepted (characters)")
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
    _data_options(p)
    p.set_defaults(fn=cmd_score)

    p = sub.add_parser("trace", help="show every node's value for one record")
    p.add_argument("file")
    p.add_argument("--data", required=True)
    p.add_argument("--line", type=int, required=True, help="line number of the record in --data")
    _data_options(p)
    p.set_defaults(fn=cmd_trace)

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
