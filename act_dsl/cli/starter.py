"""`act init KIND [FOLDER]`: a starter folder (task.act with comments, data, a README) for a kind of task.

The starters live in act_dsl/starters/KIND/ and ship inside the package; each lints clean and passes
`act test` as written (tests/test_cli_setup.py runs both on every kind)."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from act_dsl.cli.common import EXIT_OK, UsageError

STARTERS = Path(__file__).resolve().parent.parent / "starters"
KINDS = {
    "label": "tag a text with labels from a label file (topics of a headline)",
    "span": "answer with a span copied from a passage (extractive QA)",
    "temporal": "answer about a period of time, checked against the dates in the context",
    "json": "read a text into a JSON record whose fields are checked (a contact card)",
}


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="write a starter folder for a kind of task (label, span, temporal, json)")
    p.add_argument("kind", choices=sorted(KINDS), metavar="KIND",
                   help="the kind of task: " + "; ".join(f"{k}: {v}" for k, v in KINDS.items()))
    p.add_argument("folder", nargs="?", default=None,
                   help="the folder to write, new or empty (default: ./KIND, e.g. ./json)")
    p.set_defaults(fn=run_init)


def run_init(args: argparse.Namespace) -> int:
    source = STARTERS / args.kind
    target = Path(args.folder if args.folder is not None else args.kind)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise UsageError(f"{target} is not empty; nothing was written (give a new or empty folder)")
    names = sorted(p.name for p in source.iterdir() if p.is_file())
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(source / name, target / name)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"wrote a starter {args.kind} task in {target}: {', '.join(names)}")
    task = target / "task.act"
    print(f"next: act lint {task} && act test {task}, then edit it and `act train {task}`", file=sys.stderr)
    return EXIT_OK
