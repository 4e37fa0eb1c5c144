"""`act lint`, `act explain`, `act test` and `act compile`: the commands that read .act files only (no torch,
no spaCy unless an example needs it)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, _act_files, limit_option, load_checked,
                                load_file, run_settings, short_path, task_name)


def register(sub: Any) -> None:
    p = sub.add_parser("lint", help="parse, resolve, type-check and lint .act files")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".act files or folders")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--min-severity", choices=["hint", "warning", "error"], default="hint")
    p.add_argument("--explain-enforcement", action="store_true",
                   help="also say, per constraint, whether a decoding grammar enforces it (and how) or only "
                   "verification can (and why)")
    p.set_defaults(fn=run_lint)

    p = sub.add_parser("explain", help="explain a diagnostic code, e.g. `act explain ACT201`")
    p.add_argument("code")
    p.set_defaults(fn=run_explain)

    p = sub.add_parser("test", help="run the `example` blocks of .act files")
    p.add_argument("paths", nargs="+", metavar="PATH")
    limit_option(p)
    p.set_defaults(fn=run_test)

    p = sub.add_parser("compile", help="print the verifier graph, or the decode-time grammar (--emit grammar)")
    p.add_argument("file")
    p.add_argument("--emit", choices=["text", "json", "dot", "grammar"], default="text",
                   help="the graph as text, JSON or dot, or `grammar`: the decode-time grammar of each task "
                   "(regex, choice, JSON Schema, GBNF, Lark) and a note per constraint")
    p.add_argument("--format", choices=["text", "json"], default="text", help="with --emit grammar: text or JSON")
    p.add_argument("--task")
    p.set_defaults(fn=run_compile)


def run_lint(args: argparse.Namespace) -> int:
    from act_dsl.version import __version__
    from act_dsl.diagnostics.diagnostic import Diagnostic, Severity
    from act_dsl.diagnostics.render import render_json, render_sarif, render_text, summary_line
    files, missing, notes = _act_files(args.paths)
    diags: list[Diagnostic] = []
    unreadable = bool(missing)
    for m in missing:
        print(f"act lint: {short_path(m)}: no such file or folder", file=sys.stderr)
    for note in notes:
        print(f"act lint: {note}", file=sys.stderr)
    for f, root in files:
        program = load_file(f, root, "lint")
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
        if args.explain_enforcement:
            print(_enforcement(files))
        print(summary_line(diags, len(files)))
    if unreadable:
        return EXIT_USAGE
    return EXIT_FAILED if any(d.is_error for d in diags) else EXIT_OK


def _enforcement(files: list) -> str:
    """Per task of each valid file, which constraints a decoding grammar enforces (`act compile --emit grammar`)."""
    from act_dsl.grammars.compile import notes_text
    from act_dsl.grammars.derive import derive
    from act_dsl.program import load
    out = []
    for f, _root in files:
        program = load(f)
        if not program.ok:
            continue
        for name in program.tasks:
            tg = derive(program.graph(name))
            out.append(f"{f}: task {name}: " + (f"grammar: {tg.shape.kind}" if tg.shape else "no grammar"))
            out.extend(notes_text(tg))
    return "\n".join(out)


def run_explain(args: argparse.Namespace) -> int:
    from act_dsl.explain import explain  # codes, functions, stdlib defines and statements (docs/language.md)
    return explain(args.code)


def run_compile(args: argparse.Namespace) -> int:
    from act_dsl.graph.emit import emit_dot, emit_json, emit_text
    program = load_checked(args.file)
    if program is None:
        return EXIT_FAILED
    names = [args.task] if args.task else list(program.tasks)
    if args.emit == "grammar":
        from act_dsl.grammars.compile import emit as emit_grammar
        print(emit_grammar([program.graph(task_name(program, n)) for n in names], args.format))
        return EXIT_OK
    if args.format != "text":
        raise UsageError("--format applies to --emit grammar only (use --emit json for the graph as JSON)")
    emit = {"text": emit_text, "json": emit_json, "dot": emit_dot}[args.emit]
    for name in names:
        task_name(program, name)
        print(emit(program.graph(name)))
    return EXIT_OK


def run_test(args: argparse.Namespace) -> int:
    from act_dsl.diagnostics.render import render_text
    from act_dsl.examples_runner import run_examples
    files, missing, notes = _act_files(args.paths)
    if missing:
        raise UsageError(", ".join(map(short_path, missing)) + ": no such file or folder")
    for note in notes:
        print(f"act test: {note}", file=sys.stderr)
    total = failed = 0
    status = EXIT_OK
    for f, root in files:
        program = load_file(f, root, "test")
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
        checked, failures = run_examples(program, run_settings(args))
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
