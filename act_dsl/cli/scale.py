"""`act score --shard I/N` and `--cache DIR`: scoring one data file across processes or machines
(act_dsl/scoring/scale.py; `act merge` joins the shards in merge.py). No torch here."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import EXIT_FAILED, EXIT_OK, UsageError, verifier
from act_dsl.cli.summary import print_summary


def _shard_arg(text: str) -> str:
    """--shard I/N checked as the command line is read: `--shard=` (an unset shell variable) is a usage error."""
    from act_dsl.scoring.scale import parse_shard
    try:
        parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--shard ", "")) from None
    return text


def _folder_arg(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name (an unset variable?); give a folder")
    return text


def scale_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shard", metavar="I/N", default=None, type=_shard_arg,
                   help="score only shard I of N (every N-th line from line I+1; whole groups for a task with "
                   "`group by`) into --out, for `act merge` to join (default: the whole file)")
    p.add_argument("--cache", metavar="DIR", default=None, type=_folder_arg,
                   help="keep each response's constraint values in DIR, keyed by the task, the record's inputs "
                   "and the response: a rerun or a killed run reads them back instead of scoring again "
                   "(default: no cache)")


def run_scaled(args: argparse.Namespace, graph: Any, target: Path | None) -> int:
    from act_dsl.records import read_records
    from act_dsl.safe_files import OutputError, check_output
    from act_dsl.scoring import scale
    from act_dsl.scoring.cache import CacheError, ValueCache
    from act_dsl.scoring.report import first_errors, score_dataset, with_skipped
    ver = verifier(args, graph)
    try:
        shard = scale.parse_shard(args.shard) if args.shard is not None else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if shard is not None and target is None:
        raise UsageError("--shard needs --out: each shard writes its own file, and `act merge` joins them")
    if args.cache is not None and graph.group_keys:
        raise UsageError(f"--cache: task `{graph.name}` compares records in `group by` blocks, so a response's "
                         "values depend on other records and cannot be cached alone; score without --cache")
    if shard is not None and target is not None:  # the sidecar is an output too: never an input
        try:
            check_output(scale.sidecar(target), [args.data, args.file], "--out's sidecar", "choose another --out")
        except OutputError as exc:
            raise UsageError(str(exc)) from None
    try:  # before any scoring: a cache folder that is a file, a dangling link or cannot be made
        cache = ValueCache(args.cache, [c.name for c in graph.constraints]) if args.cache is not None else None
    except CacheError as exc:
        raise UsageError(str(exc)) from None
    keep = scale.line_keeper(*shard) if shard is not None and not graph.group_keys else None
    ds = read_records(args.data, graph.input_types, True, args.on_error, args.max_chars,
                      reference_date=ver.settings.reference_date, keep=keep)
    records, problems = ds.records, ds.problems
    if shard is not None and graph.group_keys:  # whole groups to a shard; bad lines by their line number
        comps = scale.group_components(graph, records)
        records = [r for r, c in zip(records, comps) if c % shard[1] == shard[0]]
        problems = [p for p in problems if scale.line_keeper(*shard)(p.line)]
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    where = [(rec.line, j + 1 if rec.many else 0) for rec in records for j in range(len(rec.responses or [""]))]
    if cache is not None:
        rows, scores = scale.score_cached(ver, records, cache)
    else:
        rows, scores, where = score_dataset(ver, records)
    text = _rows_text(with_skipped(rows, problems))  # one output line per input line, as without --shard
    if target is None:
        sys.stdout.write(text)
    elif not _write_text(target, text):
        return EXIT_FAILED
    if shard is not None and target is not None:
        import json
        try:
            identity = scale.data_identity(args.data)
        except OSError as exc:
            raise UsageError(f"{args.data}: cannot read: {exc.strerror or exc}") from None
        settings = {"max_chars": args.max_chars, "on_error": args.on_error, **ver.settings.to_json()}
        info = scale.shard_info(graph, ver.fingerprint(), str(args.data), shard, records, len(problems), scores, where,
                                identity=identity, settings=settings, rows_text=text)
        if not _write_text(scale.sidecar(target), json.dumps(info, ensure_ascii=False) + "\n"):
            return EXIT_FAILED
    extra = {"cache": cache.summary()} if cache is not None else None
    print_summary(args, len(records), len(problems), scores, first_errors(scores, where), len(scores.errors), extra)
    if args.strict and scores.errors:
        print(f"act score: {len(scores.errors)} verifier error(s); failing because of --strict", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _rows_text(rows: list[dict]) -> str:
    from act_dsl.safe_files import json_line
    return "".join(json_line(row) + "\n" for row in rows)


def _write_text(target: Path, text: str) -> bool:
    from act_dsl.safe_files import AtomicWriter
    try:
        with AtomicWriter(target) as out:  # a kill leaves the old file or the complete new one
            out.write(text)
    except OSError as exc:
        print(f"act: cannot write {target}: {exc.strerror or exc}; any earlier {target} is unchanged", file=sys.stderr)
        return False
    return True
