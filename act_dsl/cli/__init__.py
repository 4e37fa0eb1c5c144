"""The `act` command: one module per command group (lint, score, sample, train), each registering its
subcommands; this module builds the parser and runs the chosen command. Library packages never import it.

Commands that need torch import it when they run, so `act lint` and `act test` start fast."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from act_dsl.cli import card, crash, doctor, lint, lsp, merge, sample, score, serve, starter, train
from act_dsl.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

GROUPS = (lint, score, card, merge, serve, sample, train, starter, doctor, lsp)  # the order of `act --help`

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "UsageError"]


class _DefaultsShown(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already says it or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (action.option_strings and default not in (None, False, argparse.SUPPRESS, [], ())
                and "default" not in text):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _DefaultsShown)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    from act_dsl.version import __version__
    ap = argparse.ArgumentParser(prog="act", description="Constraint files for aligning language models.")
    ap.add_argument("--version", action="version", version=f"act {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        group.register(sub)
    return ap


def commands(parser: argparse.ArgumentParser) -> list[str]:
    """The names of the subcommands, in the order of `act --help`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def unknown_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """The message for a mistyped command (`act trian`), with the closest names; None when it is known."""
    import difflib
    first = next((a for a in argv if not a.startswith("-")), None)
    known = commands(parser)
    if first is None or first in known or argv[0].startswith("-"):
        return None
    close = difflib.get_close_matches(first, known, n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(f'`act {c}`' for c in close)}?" if close else ""
    return f"act: unknown command `{first}`{hint} (`act --help` lists them: {', '.join(known)})"


def main(argv: Sequence[str] | None = None) -> int:
    from act_dsl.extras import MissingExtra, require
    from act_dsl.records import DataError
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    mistyped = unknown_command(parser, argv)
    if mistyped:
        print(mistyped, file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        require(args.command)  # a command that needs an extra says which, before any work
        crash.self_test(args.command)
        return args.fn(args)
    except MissingExtra as exc:
        print(f"act {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
    except Exception as exc:  # a bug: one line and a log file with the traceback, never a traceback on screen
        return crash.report(args.command, argv, exc)
