"""`act lsp`: the language server for editors, over stdio (needs the `lsp` extra: pygls)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from act_dsl.cli.common import EXIT_OK, EXIT_USAGE

INSTALL_HINT = "act lsp: the language server needs pygls; install it with: pip install 'act-dsl[lsp]'"


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
    try:
        from act_dsl.lsp.server import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        print(INSTALL_HINT, file=sys.stderr)
        return EXIT_USAGE
    serve()
    return EXIT_OK
