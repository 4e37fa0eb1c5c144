"""`act lsp` fed a recorded editor session on stdin (issue 27): initialize, open a hostile buffer, ask for a hover,
shut down. What must hold: the hostile buffer gets its diagnostic quickly (a buffer over the 2 MB size of an
.act file is refused with ACT002, not parsed for minutes), the server answers every later request (the hover
and the shutdown, ids 2 and 3), and nothing reaches its stderr but one-line log records: no traceback."""
from __future__ import annotations

import json

from spec import Case, Gen, generator

SMALL = "task t {\n  output a: text = strip(response)\n  constraint short = length(a) < 9\n}\n"
ANSWERED = (r'"id": 2\b', r'"id": 3\b')      # the hover and the shutdown got answers


def _frame(obj: object) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _long_task(chars: int, filler: str) -> str:
    head = "task huge {\n  output answer: text = strip(response)\n"
    line = "  # " + filler * 40 + "\n"
    return head + line * (chars // len(line) + 1) + "}\n"


@generator
def lsp_session(kind: str) -> bytes:
    """The bytes an editor sends for one session around a hostile buffer."""
    uri = "file:///hostile/doc.act"
    text = {"huge": lambda: _long_task(17_500_000, "comment "),
            "over-2mb-wide": lambda: _long_task(1_100_000, "é"),   # 1.1 M characters, 2.1 MB of UTF-8
            "nul": lambda: SMALL.replace("strip", "st\x00rip"),
            "deep": lambda: SMALL.replace("length(a) < 9", "not " * 5_000 + "true"),
            }.get(kind, lambda: SMALL)()
    extra = b"Content-Length: 12\r\n\r\n{not json!!}Content-Length: 5\r\n\r\n[1,2]" if kind == "garbage" else b""
    hover = {"line": 10 ** 9, "character": 2 ** 31 - 1} if kind == "far" else {"line": 1, "character": 25}
    return b"".join([
        _frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"capabilities": {}, "processId": None, "rootUri": None}}),
        _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        _frame({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "act", "version": 1, "text": text}}}),
        extra,
        _frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": hover}}),
        _frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}),
        _frame({"jsonrpc": "2.0", "method": "exit"}),
    ])


def session(cid: str, kind: str, why: str, *has: str, time_s: float = 10.0) -> Case:
    return Case(cid, "lsp", why, ("lsp",), {"session.in": Gen.of("lsp_session", kind=kind)}, exit=(0,),
                has=(*ANSWERED, *has), lacks=(r"Traceback",), stdin="session.in", time_s=time_s)


CASES = [
    session("lsp-17-mb-buffer", "huge", "a 17.5 MB buffer (it stopped the server answering)",
            r'"code": "ACT002"', r"is more than 2\.0 MB, the limit for an \.act file", time_s=20),
    session("lsp-2-mb-of-utf8", "over-2mb-wide", "a buffer of 1.1 M characters but 2.1 MB of UTF-8 (é)",
            r'"code": "ACT002"', r"is more than 2\.0 MB"),
    session("lsp-nul-buffer", "nul", "a buffer holding a NUL byte", r'"code": "ACT002"', r"NUL"),
    session("lsp-5000-nested-not", "deep", "a buffer with 5,000 nested `not`", r'"code": "ACT003"'),
    session("lsp-garbage-frames", "garbage", "frames that are not JSON-RPC between the requests",
            r"act lsp: Unable to handle message"),
    session("lsp-hover-beyond-the-buffer", "far", "a hover at line 10^9, character 2^31 - 1"),
]
