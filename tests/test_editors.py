"""editors/act.tmLanguage.json: valid, covering every keyword of grammar/act.lark, and highlighting a real file
as an editor would (a small TextMate scanner: leftmost match wins, earlier patterns break ties)."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from act_dsl.lsp.navigate import grammar_keywords
from tests.conftest import EXAMPLES, ROOT

TM = ROOT / "editors" / "act.tmLanguage.json"


@pytest.fixture(scope="module")
def grammar() -> dict[str, Any]:
    return json.loads(TM.read_text(encoding="utf-8"))


def _rules(grammar: dict[str, Any], rule: dict[str, Any]) -> list[dict[str, Any]]:
    """A rule with its includes and nested pattern lists expanded, in order."""
    if "include" in rule:
        return _rules(grammar, grammar["repository"][rule["include"].lstrip("#")])
    if "patterns" in rule and "begin" not in rule:
        return [r for sub in rule["patterns"] for r in _rules(grammar, sub)]
    return [rule]


def test_the_grammar_is_valid_json_naming_the_act_scope(grammar: dict[str, Any]) -> None:
    assert grammar["scopeName"] == "source.act" and grammar["fileTypes"] == ["act"]
    for rule in _rules(grammar, {"patterns": grammar["patterns"]}):
        for key in ("match", "begin", "end"):
            if key in rule:
                re.compile(rule[key])  # the patterns stay within what Python's re and Oniguruma share


def test_every_keyword_of_the_lark_grammar_is_highlighted(grammar: dict[str, Any]) -> None:
    words = grammar_keywords()
    assert {"task", "constraint", "fuzzy", "share", "where", "none"} <= set(words)  # read from act.lark
    keyword_rules = [r for r in _rules(grammar, {"patterns": grammar["patterns"]})
                     if r.get("name", "").startswith(("keyword.", "constant.language."))]
    missing = [w for w in words if not any((m := re.search(r["match"], f" {w} ")) and m.group(0) == w
                                           for r in keyword_rules)]
    assert not missing, f"keywords of grammar/act.lark without a keyword pattern in {TM.name}: {missing}"


def _scan(grammar: dict[str, Any], text: str) -> list[tuple[str, str]]:
    """(text, scope) for every token a TextMate editor would colour, strings spanning lines included."""
    top = _rules(grammar, {"patterns": grammar["patterns"]})
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        best: tuple[int, int, dict[str, Any], re.Match[str]] | None = None
        for order, rule in enumerate(top):
            m = re.compile(rule.get("match") or rule["begin"], re.M).search(text, pos)
            if m and m.end() > m.start() and (best is None or m.start() < best[0]):
                best = (m.start(), order, rule, m)
        if best is None:
            break
        _, _, rule, m = best
        if "begin" in rule:
            end = re.compile(rule["end"], re.M).search(text, m.end())
            stop = end.end() if end else len(text)
            out.append((text[m.start():stop], rule["name"]))
            pos = stop
            continue
        if "name" in rule:
            out.append((m.group(0), rule["name"]))
        for group, capture in rule.get("captures", {}).items():
            out.append((m.group(int(group)), capture["name"]))
        pos = m.end()
    return out


def test_a_real_file_is_highlighted_as_its_parts(grammar: dict[str, Any]) -> None:
    text = (EXAMPLES / "entity_typing" / "task.act").read_text(encoding="utf-8")
    tokens = _scan(grammar, text)
    scopes: dict[str, set[str]] = {}
    for token, scope in tokens:
        scopes.setdefault(token, set()).add(scope)
    assert scopes["task"] == {"keyword.other.declaration.act"}
    assert scopes["entity_typing"] == {"entity.name.type.act"}
    assert scopes['"std/labels"'] == {"string.quoted.double.act"}
    assert scopes["consistent_hierarchy"] == {"entity.name.function.call.act"}
    assert scopes["says"] >= {"entity.name.function.act", "entity.name.function.call.act"}
    assert scopes["90"] == {"constant.numeric.act"} and scopes["fuzzy"] == {"keyword.operator.word.act"}
    assert scopes["all"] == {"keyword.control.quantifier.act"} and scopes["true"] == {"constant.language.act"}
    assert "storage.type.act" in scopes["label"] and "storage.type.act" in scopes["text"]
    prompt = next(t for t, s in tokens if s == "string.quoted.triple.act")
    assert "Types: /person, /person/artist" in prompt  # a keyword-looking word inside the prompt stays string
    comments = [t for t, s in tokens if s.startswith("comment.")]
    assert any("shipped with the package" in c for c in comments)
    assert not any(s.startswith("keyword.") and t in ("the", "types") for t, s in tokens)


def test_the_editor_page_covers_the_command_and_every_keyword_for_vim() -> None:
    page = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    assert "act lsp" in page and "editors/act.tmLanguage.json" in page
    vim_words = {w for line in page.splitlines() if line.startswith("syntax keyword ")
                 for w in line.split()[3:]}
    assert not set(grammar_keywords()) - vim_words, "keywords missing from the Neovim syntax in docs/editors.md"


def test_the_vscode_extension_names_the_grammar_and_files_it_uses(grammar: dict[str, Any]) -> None:
    folder = ROOT / "editors" / "vscode"
    manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    json.loads((folder / "language-configuration.json").read_text(encoding="utf-8"))
    contributes = manifest["contributes"]
    assert contributes["languages"][0]["extensions"] == [".act"]
    assert contributes["grammars"][0]["scopeName"] == grammar["scopeName"]
    assert (folder / manifest["main"]).is_file()
    assert contributes["configuration"]["properties"]["act.server.command"]["default"] == ["act", "lsp"]
    assert '"server.command"' in (folder / manifest["main"]).read_text(encoding="utf-8")
    # the grammar is copied in at install time (docs/editors.md), so the path it names is the copy's
    assert contributes["grammars"][0]["path"] == "./syntaxes/" + TM.name
