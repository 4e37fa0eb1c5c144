"""`act merge`: the outputs of `act score --shard I/N` joined into what one unsharded run writes, with one
summary (act_dsl/scoring/scale.py). No torch here."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import EXIT_FAILED, EXIT_OK, UsageError
from act_dsl.cli.summary import print_summary


def register(sub: Any) -> None:
    p = sub.add_parser("merge", help="join the outputs of `act score --shard` into one, with one summary")
    p.add_argument("shards", nargs="+", metavar="SHARD_FILE", help="the --out files of every shard I/N")
    p.add_argument("--out", help="write the joined lines here (default: stdout, summary on stderr)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="format of the summary")
    p.set_defaults(fn=run_merge)


def run_merge(args: argparse.Namespace) -> int:
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
