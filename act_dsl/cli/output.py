"""What the long commands (`act sample`, `act eval`, `act train`) print, and where: `--quiet`, `--json`, progress
bars and the library-warning log. The machinery lives in act_dsl/progress.py; this module picks a reporter for
the flags given and prints the command's own lines through it."""
from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from act_dsl import progress


def output_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print only errors and the final line (no progress, no tables) (default: off)")
    g.add_argument("--json", action="store_true",
                   help="write machine-readable events to stdout, one JSON object a line: stage_start, stage_end, "
                   "progress, message, warnings, result (default: off)")


def reporter_for(args: argparse.Namespace) -> progress.Reporter:
    if getattr(args, "json", False):
        return progress.JsonReporter()
    if getattr(args, "quiet", False):
        return progress.QuietReporter()
    return progress.TextReporter()


def default_log_path(command: str) -> Path:
    """Where the library warnings of a command without a run directory go (created only if there are any)."""
    from act_dsl.sampling.model import cache_dir
    return cache_dir() / "logs" / f"{command}-{time.strftime('%Y%m%d-%H%M%S')}.txt"


class Output:
    """The command's own lines: `say` for tables and notes (hidden by --quiet and --json), `final` for the
    closing line (a `result` event under --json)."""

    def __init__(self, args: argparse.Namespace, reporter: progress.Reporter) -> None:
        self.json = bool(getattr(args, "json", False))
        self.quiet = bool(getattr(args, "quiet", False))
        self.reporter = reporter
        self.result: dict[str, Any] | None = None  # under --json, written last, after the warnings count

    def say(self, text: str = "", err: bool = False) -> None:
        if not (self.json or self.quiet):
            print(text, file=sys.stderr if err else sys.stdout)

    def log(self, text: str) -> None:
        """A library's news line (stage results, notes): stderr, a message event, or nothing."""
        self.reporter.message(text)

    def final(self, text: str, **result: Any) -> None:
        if self.json:
            self.result = result
        else:
            print(text)


@contextlib.contextmanager
def session(args: argparse.Namespace, log_path: Path) -> Iterator[Output]:
    """Run a command with the reporter its flags ask for and library warnings sent to `log_path`; the number
    of warnings is said once at the end (as a `warnings` event under --json)."""
    reporter = reporter_for(args)
    out = Output(args, reporter)
    with progress.use(reporter), progress.capture_warnings(log_path) as warned:
        try:
            yield out
        finally:  # said even when the command fails: the log may explain why
            line = warned.summary()
            if line is not None and isinstance(reporter, progress.JsonReporter):
                reporter.event("warnings", count=warned.count, log=str(warned.path))
            elif line is not None and not out.quiet:
                print(line, file=sys.stderr)
            if out.result is not None:
                reporter.result(**out.result)
