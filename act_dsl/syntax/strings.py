"""String literals of .act files: double-quoted with backslash escapes, and triple-quoted blocks dedented."""
from __future__ import annotations

import textwrap


def _unescape(body: str) -> str:
    out, i = [], 0
    table = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(table.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def string_value(token: str) -> str:
    if token.startswith('"""'):
        body = token[3:-3]
        if body.startswith("\n"):
            body = body[1:]
        return textwrap.dedent(body).strip("\n").rstrip()
    return _unescape(token[1:-1])
