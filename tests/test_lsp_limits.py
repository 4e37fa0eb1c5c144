"""`act lsp` given a buffer far over the size of an .act file (17.5 MB): one clear diagnostic, quickly, and the
server keeps answering requests on it and on every other buffer."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="pygls (the `lsp` extra, also in `dev`) is needed to test `act lsp`")
from lsprotocol import types as L  # noqa: E402

from tests.test_lsp import GOOD, HELPERS, Session, _at, _doc, lsp  # noqa: E402,F401  (lsp: the server fixture)


def huge(mb: float) -> str:
    line = "  # " + "a comment that makes the buffer long " * 2 + "\n"
    return "task huge {\n  output answer: text = strip(response)\n" + line * int(mb * 1e6 / len(line)) + "}\n"


@pytest.mark.slow
def test_a_17_mb_buffer_gets_a_size_diagnostic_and_the_server_keeps_answering(lsp: Session, tmp_path: Path) -> None:
    (tmp_path / "helpers.act").write_text(HELPERS, encoding="utf-8")
    text = huge(17.5)
    t0 = time.monotonic()
    uri = lsp.open(tmp_path / "huge.act", text)
    got = lsp.diagnostics(uri)
    assert [(d.code, d.range.start.line) for d in got] == [("ACT002", 0)]
    assert "is more than 2.0 MB, the limit for an .act file" in got[0].message
    t1 = time.monotonic()   # a request on the huge buffer is answered (by the word under the cursor), quickly
    lsp.run(lsp.client.text_document_hover_async(L.HoverParams(_doc(uri), L.Position(line=1, character=20))))
    lsp.run(lsp.client.text_document_completion_async(L.CompletionParams(_doc(uri), L.Position(line=5, character=3))))
    assert time.monotonic() - t1 < 5
    lsp.change(uri, text + "# one more line\n", version=2)
    assert lsp.diagnostics(uri)[0].code == "ACT002"
    good = lsp.open(tmp_path / "good.act", GOOD)                   # another buffer is still checked
    assert not [d for d in lsp.diagnostics(good) if d.severity == L.DiagnosticSeverity.Error]
    hover = lsp.run(lsp.client.text_document_hover_async(L.HoverParams(_doc(good), _at(GOOD, "split(page", 2))))
    assert hover is not None and "`split(x, sep)`" in hover.contents.value
    assert time.monotonic() - t0 < 20
    # just under the limit, a buffer is checked as usual
    lsp.change(uri, huge(1.5), version=3)
    assert not [d for d in lsp.diagnostics(uri) if d.code == "ACT002"]
