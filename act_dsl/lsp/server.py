"""The pygls language server: keeps each open buffer's analysis and answers the editor in LSP terms."""
from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Callable

from lsprotocol import types as L
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from act_dsl.diagnostics.diagnostic import Severity
from act_dsl.lsp.analysis import Analysis, Problem, analyze
from act_dsl.lsp.hover import hover
from act_dsl.lsp.navigate import completions, definition
from act_dsl.source import Source, Span

DEBOUNCE_S = 0.3  # lint this long after the last keystroke, not on every one
_SEVERITY = {Severity.ERROR: L.DiagnosticSeverity.Error, Severity.WARNING: L.DiagnosticSeverity.Warning,
             Severity.HINT: L.DiagnosticSeverity.Hint}
_UNUSED = {"ACT301", "ACT302", "ACT303", "ACT304"}  # editors grey out what these point at
_KINDS = {"variable": L.CompletionItemKind.Variable, "field": L.CompletionItemKind.Field,
          "function": L.CompletionItemKind.Function, "constant": L.CompletionItemKind.Constant,
          "keyword": L.CompletionItemKind.Keyword, "module": L.CompletionItemKind.Module}

Units = Callable[[str], int]  # code units of a string in the encoding agreed with the client (UTF-16 by default)


def position(source: Source, offset: int, units: Units) -> L.Position:
    line, col = source.position(offset)
    return L.Position(line=line - 1, character=units(source.line_text(line)[:col - 1]))


def span_range(source: Source, start: int, end: int, units: Units) -> L.Range:
    return L.Range(start=position(source, start, units), end=position(source, end, units))


def offset_of(text: str, pos: L.Position, units: Units) -> int:
    """The character offset of a client position (lines split at \\n only, as act_dsl.source does)."""
    lines = text.split("\n")
    if pos.line >= len(lines):
        return len(text)
    line = lines[pos.line]
    col = used = 0
    while col < len(line) and used < pos.character:
        used += units(line[col])
        col += 1
    return sum(len(s) + 1 for s in lines[:pos.line]) + col


class ActServer(LanguageServer):
    """Holds, per open document, its latest analysis and the latest one that parsed (for mid-edit requests)."""

    def __init__(self) -> None:
        from act_dsl.version import __version__
        super().__init__("act", __version__)
        self.latest: dict[str, Analysis] = {}
        self.parsed: dict[str, Analysis] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}

    def units(self, doc: TextDocument) -> Units:
        return doc.position_codec.client_num_units

    def check(self, uri: str) -> Analysis:
        """Analyse the buffer now, publish its diagnostics and keep the result."""
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        doc = self.workspace.get_text_document(uri)
        analysis = analyze(doc.source, _path(uri, self))
        self.latest[uri] = analysis
        if analysis.parsed:
            self.parsed[uri] = analysis
        items = [self._diagnostic(p, analysis, self.units(doc)) for p in analysis.problems]
        self.text_document_publish_diagnostics(L.PublishDiagnosticsParams(uri=uri, diagnostics=items,
                                                                          version=doc.version))
        return analysis

    def check_later(self, uri: str) -> None:
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.timers[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_S, self.check, uri)

    def current(self, uri: str) -> tuple[Analysis, str, TextDocument]:
        """The analysis to navigate with (the buffer's own when it parses, else the last that did)."""
        doc = self.workspace.get_text_document(uri)
        analysis = self.latest.get(uri)
        if analysis is None or analysis.text != doc.source.removeprefix("\ufeff"):
            analysis = self.check(uri)
        if not analysis.parsed and uri in self.parsed:
            analysis = self.parsed[uri]
        return analysis, doc.source.removeprefix("\ufeff"), doc

    def at(self, uri: str, position: L.Position) -> tuple[Analysis, str, int, Units]:
        """What a request at `position` works with: the analysis, the text, the offset and the client's units."""
        analysis, text, doc = self.current(uri)
        units = self.units(doc)
        return analysis, text, offset_of(text, position, units), units

    def forget(self, uri: str) -> None:
        self.latest.pop(uri, None)
        self.parsed.pop(uri, None)
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.text_document_publish_diagnostics(L.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _diagnostic(self, p: Problem, analysis: Analysis, units: Units) -> L.Diagnostic:
        related = [L.DiagnosticRelatedInformation(location=_location(span, units), message=note)
                   for note, span in p.related]
        return L.Diagnostic(range=span_range(analysis.source, p.start, p.end, units), message=p.message,
                            severity=_SEVERITY[p.severity], code=p.code, source="act",
                            related_information=related or None,
                            tags=[L.DiagnosticTag.Unnecessary] if p.code in _UNUSED else None)


def _location(span: Span, units: Units) -> L.Location:
    return L.Location(uri=from_fs_path(span.path) or span.path,
                      range=span_range(span.source, span.start, span.end, units))


def _path(uri: str, server: LanguageServer) -> Path:
    """The file a document is saved as; an unsaved one is taken to lie in the workspace folder."""
    fs = to_fs_path(uri)
    if fs and uri.startswith("file:"):
        return Path(fs)
    root = server.workspace.root_path
    return Path(root or Path.cwd()) / (uri.rsplit("/", 1)[-1] or "untitled.act")


def build() -> ActServer:
    server = ActServer()

    @server.feature(L.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ActServer, params: L.DidOpenTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(L.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ActServer, params: L.DidChangeTextDocumentParams) -> None:
        ls.check_later(params.text_document.uri)

    @server.feature(L.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ActServer, params: L.DidSaveTextDocumentParams) -> None:
        # a saved file may be imported by the other open ones: check them all again
        for uri in [params.text_document.uri] + [u for u in ls.latest if u != params.text_document.uri]:
            ls.check(uri)

    @server.feature(L.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ActServer, params: L.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(L.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: ActServer, params: L.HoverParams) -> L.Hover | None:
        analysis, text, offset, units = ls.at(params.text_document.uri, params.position)
        found = hover(analysis, text, offset)
        return None if found is None else L.Hover(
            contents=L.MarkupContent(kind=L.MarkupKind.Markdown, value=found[0]),
            range=span_range(Source.from_text(text), found[1], found[2], units))

    @server.feature(L.TEXT_DOCUMENT_COMPLETION, L.CompletionOptions(trigger_characters=["."]))
    def on_completion(ls: ActServer, params: L.CompletionParams) -> L.CompletionList:
        analysis, text, offset, _ = ls.at(params.text_document.uri, params.position)
        items = [L.CompletionItem(label=c.label, kind=_KINDS[c.kind], detail=c.detail or None,
                                  documentation=c.doc or None)
                 for c in completions(analysis, text, offset)]
        return L.CompletionList(is_incomplete=False, items=items)

    @server.feature(L.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: ActServer, params: L.DefinitionParams) -> L.Location | None:
        analysis, text, offset, units = ls.at(params.text_document.uri, params.position)
        target = definition(analysis, text, offset)
        if target is None:
            return None
        uri = from_fs_path(str(target.path)) or str(target.path)
        if target.source is None:
            return L.Location(uri=uri, range=L.Range(start=L.Position(line=0, character=0),
                                                     end=L.Position(line=0, character=0)))
        return L.Location(uri=uri, range=span_range(target.source, target.start, target.end, units))

    return server


class _OneLine(logging.Formatter):
    """pygls' own log records (a message it cannot read, a handler that failed) as one line each on stderr,
    which editors show in the server's log: the exception's type and message, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        why = f" ({type(exc).__name__}: {exc})".replace("\n", " ")[:300] if exc is not None else ""
        return f"act lsp: {record.getMessage()}{why}"


def _quiet_library_logs() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    log = logging.getLogger("pygls")
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING)
    log.propagate = False


def serve() -> None:
    """Run the server over stdin/stdout until the editor closes it."""
    _quiet_library_logs()
    build().start_io()
