"""`act score --shard I/N` and `--cache DIR`, and `act merge`: scoring one data file across processes or
machines (act_dsl/scoring/scale.py). No torch here."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import EXIT_FAILED, EXIT_OK, UsageError, limits, reference_date


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


def register(sub: Any) -> None:
    p = sub.add_parser("merge", help="join the outputs of `act score --shard` into one, with one summary")
    p.add_argument("shards", nargs="+", metavar="SHARD_FILE", help="the --out files of every shard I/N")
    p.add_argument("--out", help="write the joined lines here (default: stdout, summary on stderr)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="format of the summary")
    p.set_defaults(fn=run_merge)


def run_scaled(args: argparse.Namespace, graph: Any, target: Path | None) -> int:
    from act_dsl.cli.score import print_summary
    from act_dsl.records import read_records
    from act_dsl.safe_files import OutputError, check_output
    from act_dsl.scoring import scale
    from act_dsl.scoring.cache import CacheError, ValueCache, fingerprint
    from act_dsl.scoring.report import score_dataset, with_skipped
    ref, lim = reference_date(args.reference_date), limits(args)
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
    fp = fingerprint(graph, ref, lim)
    try:  # before any scoring: a cache folder that is a file, a dangling link or cannot be made
        cache = ValueCache(args.cache, [c.name for c in graph.constraints]) if args.cache is not None else None
    except CacheError as exc:
        raise UsageError(str(exc)) from None
    keep = scale.line_keeper(*shard) if shard is not None and not graph.group_keys else None
    ds = read_records(args.data, graph.input_types, True, args.on_error, args.max_chars, reference_date=ref,
                      keep=keep)
    records, problems = ds.records, ds.problems
    if shard is not None and graph.group_keys:  # whole groups to a shard; bad lines by their line number
        comps = scale.group_components(graph, records)
        records = [r for r, c in zip(records, comps) if c % shard[1] == shard[0]]
        problems = [p for p in problems if scale.line_keeper(*shard)(p.line)]
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    if cache is not None:
        rows, scores = scale.score_cached(graph, records, cache, fp, ref, lim)
    else:
        rows, scores = score_dataset(graph, records, ref, lim)
    text = _rows_text(with_skipped(rows, problems))  # one output line per input line, as without --shard
    if target is None:
        sys.stdout.write(text)
    elif not _write_text(target, text):
        return EXIT_FAILED
    where = [(rec.line, j + 1 if rec.many else 0) for rec in records for j in range(len(rec.responses or [""]))]
    if shard is not None and target is not None:
        import json
        try:
            identity = scale.data_identity(args.data)
        except OSError as exc:
            raise UsageError(f"{args.data}: cannot read: {exc.strerror or exc}") from None
        settings = {"max_chars": args.max_chars, "on_error": args.on_error, "reference_date": str(ref),
                    "limits": vars(lim)}
        info = scale.shard_info(graph, fp, str(args.data), shard, records, len(problems), scores, where,
                                identity=identity, settings=settings, rows_text=text)
        if not _write_text(scale.sidecar(target), json.dumps(info, ensure_ascii=False) + "\n"):
            return EXIT_FAILED
    first = [{"line": where[r][0], **({"response": where[r][1]} if where[r][1] else {}), "constraint": name,
              "message": msg} for r, name, msg in scores.errors[:10]]
    extra = {"cache": cache.summary()} if cache is not None else None
    print_summary(args, len(records), len(problems), scores, first, len(scores.errors), extra)
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


def run_merge(args: argparse.Namespace) -> int:
    from act_dsl.cli.score import print_summary
    from act_dsl.safe_files import AtomicWriter, OutputError, check_output
    from act_dsl.scoring.scale import MergeError, merge, read_infos, sidecar
    paths = [Path(p) for p in args.shards]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")
    try:
        infos = read_infos(paths)
        if args.out:  # never a shard, a sidecar or the data file; checked before any line is read
            inputs = [*paths, *(sidecar(p) for p in paths), infos[0]["data"]]
            target = check_output(args.out, inputs)
            with AtomicWriter(target) as out:  # a kill or a bad shard leaves any earlier --out as it was
                merged = merge(paths, out.write, infos)
        else:
            merged = merge(paths, sys.stdout.write, infos)
    except (MergeError, OutputError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        print(f"act merge: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    args.data = merged.data
    print_summary(args, merged.records, merged.skipped, merged.scores, merged.first, merged.errors)
    return EXIT_OK
