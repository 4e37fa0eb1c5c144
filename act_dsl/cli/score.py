"""`act score`, `act trace` and `act probe`: the verifier on records of a JSONL file (no torch)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, checked_graph, data_file, data_options, limit_option,
                                read_candidates, read_data, verifier)
from act_dsl.cli.scale import scale_options
from act_dsl.cli.summary import print_summary


def register(sub: Any) -> None:
    p = sub.add_parser("score", help="score responses in a JSONL file")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs and `response`/`responses`")
    p.add_argument("--out", metavar="FILE", help="write the scored lines to this file (default: stdout, summary on stderr)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="format of the summary")
    p.add_argument("--strict", action="store_true", help="exit 1 when any verifier error occurred")
    data_options(p)
    limit_option(p)
    scale_options(p)
    p.set_defaults(fn=run_score)

    p = sub.add_parser("trace", help="show every node's value for one record")
    p.add_argument("file")
    p.add_argument("--data", required=True)
    p.add_argument("--line", type=int, required=True, help="line number of the record in --data")
    data_options(p)
    limit_option(p)
    p.set_defaults(fn=run_trace)

    p = sub.add_parser("probe", help="score degenerate responses to find what the verifier rewards for free")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs (the prompts)")
    p.add_argument("--samples", help="sampled responses (`act sample` output, or records with `response`) "
                   "whose mean CSR is the reference; default: responses in --data, else the task's examples")
    p.add_argument("--gold", metavar="FIELD", default=None,
                   help="also score each record's gold answer (this field: a text, or a list of texts joined with "
                   "', ') and warn where a degenerate answer scores within 0.05 of it")
    p.add_argument("--format", choices=["table", "json"], default="table")
    data_options(p)
    limit_option(p)
    p.set_defaults(fn=run_probe)


def run_score(args: argparse.Namespace) -> int:
    from act_dsl.safe_files import AtomicWriter, OutputError, check_output, json_line
    from act_dsl.scoring.report import first_errors, score_dataset, with_skipped
    target = None
    if args.out:  # checked before any work: never the input, and a folder we can write in
        try:
            target = check_output(args.out, [args.data, args.file])
        except OutputError as exc:
            raise UsageError(str(exc)) from None
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    data_file(args.data)
    if args.shard or args.cache:
        from act_dsl.cli.scale import run_scaled
        return run_scaled(args, graph, target)
    ds = read_data(args, graph, need_response=True)
    rows, scores, where = score_dataset(verifier(args, graph), ds.records)
    rows = with_skipped(rows, ds.problems)  # one output line per input line: a skipped one carries its error
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
    print_summary(args, len(ds.records), len(ds.problems), scores, first_errors(scores, where), len(scores.errors))
    if args.strict and scores.errors:
        print(f"act score: {len(scores.errors)} verifier error(s); failing because of --strict", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def run_trace(args: argparse.Namespace) -> int:
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    # other lines only matter as group members: a bad one is skipped (and counted), never fatal here
    args.on_error = "skip"
    ds = read_data(args, graph, need_response=True, quiet=True)
    match = [r for r in ds.records if r.line == args.line]
    if not match:
        bad = [p for p in ds.problems if p.line == args.line]
        raise UsageError(str(bad[0]) if bad else f"{args.data} has no record on line {args.line} "
                         f"(it has {ds.lines} lines)")
    if ds.problems:
        print(f"note: {len(ds.problems)} other bad line(s) in {args.data} skipped (first: {ds.problems[0]})",
              file=sys.stderr)
    print(verifier(args, graph).trace(match[0], ds.records))
    return EXIT_OK


def run_probe(args: argparse.Namespace) -> int:
    """Score degenerate responses (empty, the prompt, a copied input, a first label, ...) on every prompt."""
    from act_dsl.scoring.probes import GoldError, example_reference, render_table, responses_reference, run_probes
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    ver = verifier(args, graph)
    ds = read_data(args, graph, need_response=False)
    if not ds.records:
        raise UsageError(f"{args.data}: no usable records")
    if args.samples:
        data_file(args.samples)  # missing, a folder or unreadable: exit 2, as for --data
        got = read_candidates(args, ver, args.samples)  # an `act sample` file, or records with responses
        reference = responses_reference(ver, *got, args.samples)
    elif any(r.responses for r in ds.records):
        have = [r for r in ds.records if r.responses]
        reference = responses_reference(ver, [r.fields for r in have], [r.responses or [] for r in have], args.data)
    else:
        reference = example_reference(ver)
    try:
        report = run_probes(ver, [r.fields for r in ds.records], *reference, gold=args.gold).as_dict()
    except GoldError as exc:  # a record without a usable gold answer, named by its line
        raise UsageError(f"{args.data}:{ds.records[exc.index].line}: {exc.reason}") from None
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.format == "json" else render_table(report))
    return EXIT_OK  # warnings are advice, not failure
