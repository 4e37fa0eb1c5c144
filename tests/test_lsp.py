"""`act lsp` as an editor meets it: pygls' own client starts `python -m act_dsl lsp` over stdio, opens buffers and
asks for diagnostics, hovers, completions and definitions."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import ROOT, run_act

pytest.importorskip("pygls", reason="pygls (the `lsp` extra, also in `dev`) is needed to test `act lsp`")
from lsprotocol import types as L  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path, to_fs_path  # noqa: E402

HELPERS = """\
# Every item of xs is short.
define short(xs: list<text>) = all x in xs: length(x) <= 20
"""

BROKEN = """\
import "./helpers.act"

task broken {
  input question: text
  output answer: text = first_line(response)
  constraint grounded = answr in question
}
"""

GOOD = """\
import "./helpers.act"

# The answer is a yes or a no.
define yes_no(y: text) = lower(y) in ["yes", "no"]

task product {
  input page: text
  output item: {name: text, price: number} = json(response)
  labels COLOURS = {"red", "green", "blue"}
  let names = split(page, ",")
  constraint cheap = item.price < 100
  constraint named = item.name in names
  constraint short_names = short(names)
  constraint answered = yes_no(response)
  constraint coloured = any c in COLOURS: c in page
}
"""


class Session:
    """One server process and the diagnostics it has published, by document URI."""

    def __init__(self, loop: asyncio.AbstractEventLoop, client: LanguageClient) -> None:
        self.loop, self.client = loop, client
        self.published: dict[str, list[L.Diagnostic]] = {}
        self.arrived: dict[str, asyncio.Event] = {}

    def run(self, coro: Any, timeout: float = 20) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def open(self, path: Path, text: str) -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        self.arrived[uri] = asyncio.Event()
        self.client.text_document_did_open(L.DidOpenTextDocumentParams(
            text_document=L.TextDocumentItem(uri=uri, language_id="act", version=1, text=text)))
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.arrived[uri] = asyncio.Event()
        self.client.text_document_did_change(L.DidChangeTextDocumentParams(
            text_document=L.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[L.TextDocumentContentChangeWholeDocument(text=text)]))

    def diagnostics(self, uri: str) -> list[L.Diagnostic]:
        """The next diagnostics published for `uri` after it was opened or changed."""
        self.run(self.arrived[uri].wait())
        return self.published[uri]


@pytest.fixture(scope="module")
def lsp() -> Iterator[Session]:
    loop = asyncio.new_event_loop()
    client = LanguageClient("act-tests", "1")
    session = Session(loop, client)

    @client.feature(L.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: L.PublishDiagnosticsParams) -> None:
        session.published[params.uri] = params.diagnostics
        session.arrived.setdefault(params.uri, asyncio.Event()).set()

    session.run(client.start_io(sys.executable, "-m", "act_dsl", "lsp", cwd=str(ROOT)))
    session.run(client.initialize_async(L.InitializeParams(capabilities=L.ClientCapabilities())), timeout=60)
    client.initialized(L.InitializedParams())
    yield session
    session.run(client.shutdown_async(None))
    client.exit(None)
    session.run(client.stop())
    loop.close()


def _at(text: str, marker: str, after: int = 0) -> L.Position:
    """The position of `marker` in `text` (plus `after` characters), for one-line markers."""
    offset = text.index(marker) + after
    line = text.count("\n", 0, offset)
    return L.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def _doc(uri: str) -> L.TextDocumentIdentifier:
    return L.TextDocumentIdentifier(uri=uri)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "helpers.act").write_text(HELPERS, encoding="utf-8")
    return tmp_path


@pytest.mark.slow
def test_open_publishes_the_diagnostics_of_act_lint(lsp: Session, folder: Path) -> None:
    path = folder / "broken.act"
    path.write_text(BROKEN, encoding="utf-8")
    linted = json.loads(run_act("lint", "--format", "json", str(path)).stdout)["diagnostics"]
    want = {(d["code"], d["message"], d["location"]["line"] - 1, d["location"]["column"] - 1,
             d["location"]["end_line"] - 1, d["location"]["end_column"] - 1) for d in linted}
    assert ("ACT101", "unknown name `answr`", 5, 24, 5, 29) in want
    got = lsp.diagnostics(lsp.open(path, BROKEN))
    assert {(d.code, d.message.split("\nhelp: ")[0], d.range.start.line, d.range.start.character,
             d.range.end.line, d.range.end.character) for d in got} == want
    unknown = next(d for d in got if d.code == "ACT101")
    assert unknown.severity == L.DiagnosticSeverity.Error and "help: did you mean `answer`?" in unknown.message


def test_an_edited_buffer_is_linted_before_it_is_saved(lsp: Session, folder: Path) -> None:
    path = folder / "edited.act"
    path.write_text(BROKEN, encoding="utf-8")
    uri = lsp.open(path, BROKEN)
    assert any(d.code == "ACT101" for d in lsp.diagnostics(uri))
    lsp.change(uri, BROKEN.replace("answr in", "answer in"), version=2)
    assert not [d for d in lsp.diagnostics(uri) if d.severity == L.DiagnosticSeverity.Error]
    lsp.change(uri, BROKEN.replace('"./helpers.act"', '"./missing.act"'), version=3)
    missing = next(d for d in lsp.diagnostics(uri) if d.code == "ACT107")
    assert missing.message.startswith("cannot find `./missing.act`") and missing.range.start.line == 0


def test_an_error_in_an_imported_file_shows_on_its_import_and_saving_it_rechecks(lsp: Session, folder: Path) -> None:
    helpers = folder / "helpers.act"
    uri = lsp.open(folder / "importer.act", BROKEN.replace("answr in", "answer in"))
    assert not [d for d in lsp.diagnostics(uri) if d.severity == L.DiagnosticSeverity.Error]
    helpers_uri = lsp.open(helpers, HELPERS)
    lsp.diagnostics(helpers_uri)
    broken = HELPERS.replace("length(x)", "lenth(x)")
    helpers.write_text(broken, encoding="utf-8")
    lsp.arrived[uri] = asyncio.Event()
    lsp.change(helpers_uri, broken, version=2)
    lsp.client.text_document_did_save(L.DidSaveTextDocumentParams(text_document=_doc(helpers_uri)))
    found = next(d for d in lsp.diagnostics(uri) if d.code == "ACT102")
    assert found.range.start.line == 0 and found.range.end == L.Position(line=0, character=22)
    assert found.message.startswith(f"in {helpers.resolve()}:2:") and "unknown function `lenth`" in found.message
    assert found.related_information[0].location.uri == helpers_uri


def test_hover_on_a_function_shows_its_section_of_the_language_reference(lsp: Session, folder: Path) -> None:
    from act_dsl.explain import sections
    path = folder / "good.act"
    uri = lsp.open(path, GOOD)
    hover = lsp.run(lsp.client.text_document_hover_async(L.HoverParams(_doc(uri), _at(GOOD, "split(page", 2))))
    assert hover is not None and isinstance(hover.contents, L.MarkupContent)
    assert "`split(x, sep)`" in hover.contents.value
    assert sections()["split"][0].body.splitlines()[0] in hover.contents.value
    assert hover.range == L.Range(start=_at(GOOD, "split(page"), end=_at(GOOD, "split(page", 5))


def test_hover_on_a_label_set_and_a_stdlib_style_define(lsp: Session, folder: Path) -> None:
    uri = lsp.open(folder / "good.act", GOOD)
    labels = lsp.run(lsp.client.text_document_hover_async(L.HoverParams(_doc(uri), _at(GOOD, "COLOURS:", 1))))
    assert "label set of 3 labels" in labels.contents.value and "`green`" in labels.contents.value
    define = lsp.run(lsp.client.text_document_hover_async(L.HoverParams(_doc(uri), _at(GOOD, "short(names", 1))))
    assert "define short(xs: list<text>)" in define.contents.value
    assert "Every item of xs is short." in define.contents.value


def test_completion_after_a_dot_lists_the_record_fields(lsp: Session, folder: Path) -> None:
    uri = lsp.open(folder / "typing.act", GOOD)
    lsp.diagnostics(uri)
    typing = GOOD.replace("constraint cheap = item.price < 100", "constraint cheap = item.")  # mid-edit
    lsp.change(uri, typing, version=2)
    assert any(d.code == "ACT001" for d in lsp.diagnostics(uri))  # it does not parse, yet fields complete
    result = lsp.run(lsp.client.text_document_completion_async(
        L.CompletionParams(_doc(uri), _at(typing, "item.\n", 5))))
    fields = {item.label: item.detail for item in result.items}
    assert fields == {"name": "text", "price": "number"}


def test_completion_after_a_quantifier_variable_lists_its_item_fields(lsp: Session, folder: Path) -> None:
    text = ('task offers {\n  input page: text\n  output offers: list<{sku: text, qty: number}> = json(response)\n'
            '  constraint stocked = all o in offers: o.qty > 0\n}\n')
    uri = lsp.open(folder / "offers.act", text)
    result = lsp.run(lsp.client.text_document_completion_async(
        L.CompletionParams(_doc(uri), _at(text, "o.qty", 2))))
    assert [item.label for item in result.items] == ["sku", "qty"]


def test_completion_of_names_lists_declarations_defines_and_functions(lsp: Session, folder: Path) -> None:
    uri = lsp.open(folder / "names.act", GOOD)
    result = lsp.run(lsp.client.text_document_completion_async(
        L.CompletionParams(_doc(uri), _at(GOOD, "yes_no(response)"))))
    labels = {item.label: item.kind for item in result.items}
    for name in ("page", "item", "names", "COLOURS", "response"):
        assert name in labels
    assert labels["short"] == labels["yes_no"] == labels["split"] == L.CompletionItemKind.Function
    assert labels["constraint"] == L.CompletionItemKind.Keyword


def test_definition_of_a_define_and_a_let_jumps_to_its_line(lsp: Session, folder: Path) -> None:
    path = folder / "jump.act"
    uri = lsp.open(path, GOOD)
    define = lsp.run(lsp.client.text_document_definition_async(
        L.DefinitionParams(_doc(uri), _at(GOOD, "yes_no(response)", 2))))
    assert define.uri == uri and define.range.start == _at(GOOD, "yes_no(y")
    let = lsp.run(lsp.client.text_document_definition_async(
        L.DefinitionParams(_doc(uri), _at(GOOD, "names)", 1))))
    assert let.range.start == _at(GOOD, "names = split") and let.range.start.line == GOOD.splitlines().index(
        '  let names = split(page, ",")')
    imported = lsp.run(lsp.client.text_document_definition_async(
        L.DefinitionParams(_doc(uri), _at(GOOD, "short(names", 1))))
    assert to_fs_path(imported.uri) == str((folder / "helpers.act").resolve())
    assert imported.range.start == L.Position(line=1, character=7)


def test_definition_of_an_import_opens_the_imported_file(lsp: Session, folder: Path) -> None:
    uri = lsp.open(folder / "imports.act", GOOD)
    target = lsp.run(lsp.client.text_document_definition_async(
        L.DefinitionParams(_doc(uri), _at(GOOD, "./helpers", 3))))
    assert to_fs_path(target.uri) == str((folder / "helpers.act").resolve())
    assert target.range.start == L.Position(line=0, character=0)


def test_cli_doc_lists_the_lsp_command_and_its_flags() -> None:
    import re
    cli_doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    helped = run_act("lsp", "--help")
    assert helped.returncode == 0 and "## `act lsp`" in cli_doc
    for flag in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", helped.stdout)) - {"--help"}:
        assert f"`{flag}" in cli_doc, f"act lsp {flag} is not in docs/cli.md"


@pytest.mark.slow
def test_act_lsp_without_pygls_says_which_extra_to_install() -> None:
    code = ("import sys; sys.modules['pygls'] = None\n"  # as if pygls were not installed
            "from act_dsl.cli import main; sys.exit(main(['lsp']))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "act lsp: needs the `lsp` extra (pygls not installed): pip install 'act-dsl[lsp]'"
    assert "Traceback" not in r.stderr
