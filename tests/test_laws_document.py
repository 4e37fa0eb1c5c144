"""The laws of the document functions that count and cut (docs/language.md, "Document functions"), checked over
generated values: words, sentences, tokens, occurrences, pieces, parts and sections.

Each law is stated in the function's section of docs/language.md. Where IFEval's reference checkers define the
behaviour, the law compares with that rule (tests/document_laws.py restates them); otherwise it is an invariant a
user relies on (counts add up, round trips reassemble, generated items are found exactly). The other functions'
laws are in test_laws_document_shape.py.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import act_dsl
from act_dsl.ops.registry import REGISTRY
from document_laws import (CAPITAL_WORDS, LAW, LOWER_WORDS, WORD_CHARS, anything, ascii_text, ascii_word,
                           ifeval_paragraphs, ifeval_sections, ifeval_two_responses, markup, non_word, op, random_case)

# ---- counting ------------------------------------------------------------------------------------------------
def _word_runs(x: str) -> int:
    """Runs of word characters, counted by hand: a word character is alphanumeric or `_` (Python's \\w)."""
    n, inside = 0, False
    for ch in x:
        w = ch.isalnum() or ch == "_"
        n += w and not inside
        inside = w
    return n


@LAW
@given(anything, anything, non_word)
def test_count_words_counts_word_runs_and_adds_up(a: str, b: str, sep: str) -> None:
    count_words = op("count_words")
    assert count_words(a) == _word_runs(a) >= 0
    assert count_words(a + sep + b) == count_words(a) + count_words(b)


@LAW
@given(st.lists(ascii_word, max_size=12), st.lists(non_word, min_size=13, max_size=13))
def test_count_words_of_generated_words(words: list[str], seps: list[str]) -> None:
    text = seps[-1] + "".join(w + s for w, s in zip(words, seps))
    assert op("count_words")(text) == len(words)


@st.composite
def sentence(draw: Callable) -> str:
    """A sentence Punkt must end where it ends: words that are not abbreviations, then `.`, `!` or `?`."""
    words = draw(st.lists(st.sampled_from(LOWER_WORDS), min_size=1, max_size=6))
    return " ".join([words[0].capitalize()] + words[1:]) + draw(st.sampled_from([".", "!", "?"]))


@LAW
@given(st.lists(sentence(), max_size=6), st.lists(sentence(), max_size=6), st.sampled_from([" ", "\n", "  "]),
       st.text(alphabet=" \n\t", max_size=3))
def test_count_sentences_of_generated_sentences_adds_up(a: list[str], b: list[str], sep: str, blank: str) -> None:
    count_sentences = op("count_sentences")
    assert count_sentences(blank + sep.join(a) + blank) == len(a)
    joined = " ".join(x for x in (sep.join(a), sep.join(b)) if x)
    assert count_sentences(joined) == count_sentences(sep.join(a)) + count_sentences(sep.join(b))


@LAW
@given(anything)
def test_count_sentences_is_a_whole_number_and_zero_without_text(x: str) -> None:
    n = op("count_sentences")(x)
    assert n >= 0 and n == int(n)
    assert (n == 0) == (not x.strip())


@LAW
@given(anything)
def test_word_tokens_keep_every_character_but_white_space(x: str) -> None:
    """The Treebank rules split, never drop: the tokens are the text without white space (double quotes
    written as `` and '' as nltk does)."""
    assume('"' not in x and "`" not in x and "''" not in x)
    tokens = op("word_tokens")(x)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert "".join(tokens) == "".join(x.split())


@LAW
@given(st.lists(st.sampled_from(LOWER_WORDS + CAPITAL_WORDS), max_size=12), st.sampled_from([".", "!", ""]))
def test_capital_words_of_generated_words(words: list[str], end: str) -> None:
    text = " ".join(words) + end
    assert op("word_tokens")(text) == tuple(words) + ((end,) if end else ())
    assert op("capital_words")(text) == tuple(w for w in words if w in CAPITAL_WORDS)


@LAW
@given(anything)
def test_capital_words_are_the_word_tokens_in_capitals(x: str) -> None:
    assert op("capital_words")(x) == tuple(t for t in op("word_tokens")(x) if t.isupper())


@LAW
@given(ascii_text, st.text(alphabet=string.printable, min_size=1, max_size=4))
def test_occurrences_is_a_plain_count_ignoring_case(x: str, s: str) -> None:
    assert op("occurrences")(x, s) == x.lower().count(s.lower())


@st.composite
def copies(draw: Callable) -> tuple[str, str, int]:
    s = draw(st.text(alphabet=string.ascii_letters + ".,* ", min_size=1, max_size=5))
    k = draw(st.integers(0, 6))
    return s, "".join(random_case(draw, s) for _ in range(k)), k


@LAW
@given(copies(), anything, anything)
def test_occurrences_counts_copies_and_adds_up(c: tuple[str, str, int], a: str, b: str) -> None:
    s, text, k = c
    occurrences = op("occurrences")
    assert occurrences(text, s) == k
    sep = "\x00"  # no needle holds it, so no occurrence crosses it
    assert occurrences(a + sep + b, s) == occurrences(a, s) + occurrences(b, s)


@LAW
@given(anything, st.sampled_from(list("abcqo!#é")))
def test_occurrences_of_a_letter_is_ifevals_letter_frequency(x: str, letter: str) -> None:
    assert op("occurrences")(x, letter) == Counter(x.lower())[letter]


@st.composite
def word_text(draw: Callable) -> tuple[str, str, int]:
    """A word (possibly with punctuation at its edges, `U.S.`), and a text holding it k times as a whole word
    among other words and copies glued to longer words."""
    w = draw(st.text(alphabet=WORD_CHARS + ".-()'", min_size=1, max_size=6))
    items, k = [], 0
    for kind in draw(st.lists(st.sampled_from(["w", "other", "glued_before", "glued_after"]), max_size=8)):
        if kind == "w":
            items.append(random_case(draw, w))
            k += 1
        elif kind == "other":
            other = draw(ascii_word)
            assume(other.lower() != w.lower())
            items.append(other)
        else:
            glue = draw(ascii_word)
            items.append(glue + w if kind == "glued_before" else w + glue)
    seps = draw(st.lists(st.sampled_from([" ", "\n", "  ", "\t"]), min_size=len(items), max_size=len(items)))
    return w, "".join(i + s for i, s in zip(items, seps)), k


@LAW
@given(word_text())
def test_word_occurrences_counts_whole_words_only(c: tuple[str, str, int]) -> None:
    w, text, k = c
    assume(re.search(r"\w", w))  # a word with no word character at all is never glued to a longer word
    assert op("word_occurrences")(text, w) == k


@LAW
@given(ascii_text, st.text(alphabet=WORD_CHARS + ".'- ", min_size=1, max_size=5))
def test_word_occurrences_never_exceed_occurrences(x: str, w: str) -> None:
    assert 0 <= op("word_occurrences")(x, w) <= op("occurrences")(x, w)


@LAW
@given(st.text(alphabet=WORD_CHARS + " .,\n", max_size=60), ascii_word)
def test_word_occurrences_of_a_plain_word_is_ifevals_forbidden_word_rule(x: str, w: str) -> None:
    assert op("word_occurrences")(x, w) == len(re.findall(r"\b" + w + r"\b", x, flags=re.IGNORECASE))


def test_empty_needles_are_errors() -> None:
    for name, args in [("occurrences", ("x", "")), ("word_occurrences", ("x", "")), ("pieces", ("x", "")),
                       ("parts", ("x", "")), ("sections", ("x", "")), ("has_postscript", ("x", ""))]:
        with pytest.raises(ValueError, match="non-empty"):
            op(name)(*args)


# ---- pieces of a text ----------------------------------------------------------------------------------------
SEPARATORS = ["\n\n", "***", "******", "|", "--"]


@LAW
@given(markup, st.sampled_from(SEPARATORS))
def test_pieces_keep_every_piece_and_parts_drop_blank_ends(x: str, sep: str) -> None:
    pieces, parts = op("pieces")(x, sep), op("parts")(x, sep)
    assert pieces == tuple(p.strip() for p in x.split(sep))
    assert len(pieces) == x.count(sep) + 1
    start = 1 if pieces[0] == "" else 0
    end = len(pieces) - 1 if len(pieces) > start and pieces[-1] == "" else len(pieces)
    assert parts == pieces[start:end]


@LAW
@given(st.sampled_from(SEPARATORS), st.booleans(), st.booleans(), st.data())
def test_joined_pieces_come_back(sep: str, lead: bool, trail: bool, data: st.DataObject) -> None:
    """Pieces holding no character of the separator come back, stripped, in order."""
    alphabet = [c for c in "ab Z.*-|\n\t" if c not in sep]
    items = data.draw(st.lists(st.text(alphabet=alphabet, max_size=8), min_size=1, max_size=6))
    text = sep.join(items)
    assert op("pieces")(text, sep) == tuple(p.strip() for p in items)
    framed = (sep if lead else "") + text + (sep if trail else "")
    want = [p.strip() for p in items]
    # a blank first or last piece is dropped once: a framing separator adds one, which is the one dropped
    if not lead and want and want[0] == "":
        want = want[1:]
    if not trail and want and want[-1] == "":
        want = want[:-1]
    assert op("parts")(framed, sep) == tuple(want)


@LAW
@given(st.lists(st.sampled_from(["***", "tea", " ", "\n", "milk\n", "*", "**", "****"]), max_size=12).map("".join))
def test_parts_on_markdown_rules_is_ifevals_paragraph_count(x: str) -> None:
    parts = op("parts")(x, "***")
    want = ifeval_paragraphs(x)
    if want is None:
        assert "" in parts
    else:
        assert "" not in parts and len(parts) == want
    answers, got = ifeval_two_responses(x), op("parts")(x, "******")
    if answers is None:
        assert "" in got
    else:
        assert list(got) == answers


@st.composite
def sectioned(draw: Callable) -> tuple[str, str, list[str]]:
    word = draw(st.sampled_from(["SECTION", "Section", "PARAGRAPH", "Day", "Audience", "PART"]))
    bodies = draw(st.lists(st.text(alphabet="abcxyz .,!\n", max_size=12), max_size=5))
    preamble = draw(st.sampled_from(["", "Plan:\n", "intro "]))
    headers = [word + draw(st.sampled_from([" ", ""])) + str(draw(st.integers(0, 120))) for _ in bodies]
    text = preamble + "".join(h + draw(st.sampled_from(["\n", " ", ": "])) + b + "\n" for h, b in zip(headers, bodies))
    return word, text, bodies


@LAW
@given(sectioned())
def test_sections_of_generated_headers(c: tuple[str, str, list[str]]) -> None:
    word, text, bodies = c
    found = op("sections")(text, word)
    assert len(found) == len(bodies)
    assert [f.removeprefix(":").strip() for f in found] == [b.strip() for b in bodies]
    assert op("sections")(text, word.lower() if word != word.lower() else word.upper()) == ()  # case counts


@LAW
@given(st.lists(st.sampled_from(["SECTION", "Section", " ", "\n", "1", "23", "x", "SECTION1", "\t"]),
                max_size=12).map("".join), st.sampled_from(["SECTION", "Section"]))
def test_sections_are_ifevals_section_split(x: str, word: str) -> None:
    assert list(op("sections")(x, word)) == ifeval_sections(x, word)



def test_the_laws_hold_where_they_once_failed() -> None:
    """Two laws that failed before: a word with punctuation at its edge (`U.S.`) is a whole word, and
    `index_of` finds a list that `==` calls equal (it compared Python's rendering of the lists)."""
    program = act_dsl.loads(
        'task t {\n'
        '  input a: text\n'
        '  output answer: text = response\n'
        '  output rows: list<list<text>> = [["x"], split(a, ",")]\n'
        '  constraint same = rows[1] == ["tea milk", "sugar"]\n'
        '  constraint found = index_of(rows, ["tea milk", "sugar"]) == 1\n'
        '  constraint us = word_occurrences(response, "U.S.") == 2\n'
        '  prompt "{a}"\n'
        '}\n').require_valid()
    scores = program.score([{"a": "Tea\nmilk, sugar", "response": "Made in the U.S., sold in the u.s. (not U.S.A.)"}])
    assert scores.values == [{"same": True, "found": True, "us": True}]


def test_every_document_function_has_laws_here_and_in_the_docs() -> None:
    mine = {name for name, o in REGISTRY.items() if o.impl.startswith("document:")} - {"replace"}
    here = Path(__file__).resolve().parent
    source = (here / "test_laws_document.py").read_text() + (here / "test_laws_document_shape.py").read_text()
    docs = (here.parent / "docs" / "language.md").read_text()
    for name in sorted(mine):
        assert f'op("{name}")' in source, f"no law test calls `{name}`"
        section = docs.split(f"#### `{name}(")[1].split("\n#")[0]
        assert "Laws:" in section, f"docs/language.md states no laws for `{name}`"
