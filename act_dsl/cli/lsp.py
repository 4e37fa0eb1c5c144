"""`act lsp`: the language server for editors, over stdio (needs the `lsp` extra: pygls)."""
from __future__ import annotations

import argparse
from typing import Any

from act_dsl.cli.common import EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("lsp", help="run the language server for editors (stdio; see docs/editors.md)",
                       description="Speak the Language Server Protocol on stdin/stdout: the diagnostics of "
                       "`act lint` as you type, hover docs, completion and go-to-definition. An editor starts "
                       "it; see docs/editors.md.")
    p.add_argument("--stdio", action="store_true",
                   help="talk over stdin/stdout (the only transport, and the default; accepted because "
                   "many editor clients pass it)")
    p.set_defaults(fn=run_lsp)


def run_lsp(args: argparse.Namespace) -> int:
    from act_dsl.lsp.server import serve  # pygls: the command line checked the `lsp` extra (act_dsl.extras)
    serve()
    return EXIT_OK
