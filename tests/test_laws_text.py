"""The laws of the text and list functions (docs/language.md, "Text functions" and "List functions"), checked over
generated texts: round trips, idempotence, counts and the invariants a user relies on."""
from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import act_dsl
from act_dsl.ops.document import replace
from act_dsl.ops.structured import join
from act_dsl.ops.text import (as_text, count, disjoint, ends_with, first_line, length, lines, lower, ngrams, overlap,
                              sentences, split, starts_with, strip, unique, upper, words)
from act_dsl.ops.values import TextSpan, normalize
from conftest import examples

LAWS = settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(st.characters(exclude_categories=("Cn", "Cs")), max_size=40)  # characters this Python knows
# letters, digits, punctuation, symbols and spaces of every script, without what joins onto its neighbour when a
# text is normalised (combining marks, conjoining Hangul jamo): the texts people concatenate
PLAIN = st.text(st.characters(categories=("L", "N", "P", "S", "Zs"),
                              exclude_characters="".join(map(chr, [*range(0x1100, 0x1200), *range(0xA960, 0xA980),
                                                                   *range(0xD7B0, 0xD800)]))), max_size=20)
BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines breaks at
SEPS = st.sampled_from([",", ";", " | ", "\n", "--", "é"])


# ---- split / join ---------------------------------------------------------------------------------------------
@LAWS
@given(TEXT, SEPS)
def test_split_gives_stripped_non_empty_pieces_without_the_separator(x: str, sep: str) -> None:
    pieces = split(x, sep)
    assert all(p and p == p.strip() and sep not in p for p in pieces)
    assert split(join(pieces, sep), sep) == pieces          # splitting the joined pieces gives them back
    assert "".join(pieces) == "".join(p.strip() for p in x.split(sep))


@LAWS
@given(st.lists(TEXT.map(str.strip).filter(bool), max_size=6), SEPS, st.sampled_from(["", " ", "  \t"]))
def test_split_undoes_join_with_any_spacing(items: list, sep: str, pad: str) -> None:
    # an item holding a character of the separator can run into it ("-" + "--" reads as "--" + "-")
    items = [i for i in items if not set(i) & set(sep)]
    assert split(join(tuple(items), pad + sep + pad), sep) == tuple(items)


# ---- lines / first_line ------------------------------------------------------------------------------------------
@LAWS
@given(TEXT)
def test_lines_are_the_stripped_non_blank_lines_and_first_line_is_the_first(x: str) -> None:
    ls = lines(x)
    assert all(line and line == line.strip() and not any(b in line for b in BREAKS) for line in ls)
    assert first_line(x) == (ls[0] if ls else "")
    assert lines(join(ls, "\n")) == ls
    assert "".join(ls) == "".join(s.strip() for s in x.splitlines())


# ---- strip / lower / upper -------------------------------------------------------------------------------------------
@LAWS
@given(TEXT)
def test_strip_lower_upper_are_idempotent(x: str) -> None:
    assert strip(strip(x)) == strip(x) and strip(x) == x.strip()
    assert not strip(x) or not (strip(x)[0].isspace() or strip(x)[-1].isspace())
    assert lower(lower(x)) == lower(x)
    assert upper(upper(x)) == upper(x)
    assert normalize(lower(x)) == normalize(x)  # lower-casing never changes a comparison (upper can: ı is I)


@LAWS
@given(TEXT, TEXT)
def test_length_counts_characters_and_adds_up(a: str, b: str) -> None:
    assert length(a) == len(a) and length(a + b) == length(a) + length(b)
    assert length(strip(a)) <= length(a)


# ---- words / sentences / ngrams --------------------------------------------------------------------------------------
def _wordlike(w: str) -> bool:
    """Letters and digits (with their combining marks), an apostrophe only between two of them."""
    cats = [unicodedata.category(c)[0] for c in w]
    return bool(w) and cats[0] in "LN" and cats[-1] in "LNM" and all(
        cat in "LNM" or (c in "'’" and cats[i - 1] in "LNM" and cats[i + 1] in "LN")
        for i, (c, cat) in enumerate(zip(w, cats)))


@LAWS
@given(TEXT)
def test_words_are_lower_case_tokens_without_punctuation(x: str) -> None:
    ws = words(x)
    assert all(w == w.lower() and _wordlike(w) for w in ws), ws
    assert words(" ".join(ws)) == ws                         # reading the words again gives them back
    assert words(x) == words(x + " ...!") == words("(" + x)  # punctuation around a text adds no word


@LAWS
@given(st.lists(st.sampled_from(["it's", "don't", "rock'n'roll", "o’clock", "3rd", "café", "naïve", "x"]),
                min_size=1, max_size=5), st.sampled_from([" ", ", ", "! ", " - ", "'"]))
def test_an_apostrophe_inside_a_word_is_kept(ws: list, sep: str) -> None:
    assert words(sep.join(ws)) == tuple(ws) or sep == "'"
    assert words("'" + " ".join(ws) + "'") == tuple(ws)


@LAWS
@given(TEXT)
def test_sentences_are_stripped_and_split_again_to_themselves(x: str) -> None:
    ss = sentences(x)
    assert all(s and s == s.strip() and "\n" not in s for s in ss)
    assert sentences(join(ss, "\n")) == ss
    assert words(join(ss, " ")) == words(x)                 # splitting into sentences loses no word


@LAWS
@given(TEXT, st.integers(1, 5))
def test_ngrams_are_the_runs_of_n_words(x: str, n: int) -> None:
    ws, grams = words(x), ngrams(x, n)
    assert count(grams) == max(len(ws) - n + 1, 0)
    assert all(len(g.split(" ")) == n for g in grams)
    assert ngrams(x, 1) == ws
    assert " ".join(g.split(" ")[0] for g in grams) == " ".join(ws[:len(grams)])


# ---- starts_with / ends_with / text ------------------------------------------------------------------------------------
@LAWS
@given(PLAIN, PLAIN)
def test_a_text_starts_with_its_start_and_ends_with_its_end(p: str, x: str) -> None:
    assert starts_with(p + x, p) and ends_with(x + p, p)
    assert starts_with(p + x, p, strict=True) and ends_with(x + p, p, strict=True)
    assert starts_with(x, "") and ends_with(x, "")
    q = p.swapcase()
    assume(normalize(q) == normalize(p))  # the same text to a comparison (not so for ı, whose upper case is I)
    assert starts_with(q + x, p) and ends_with(x + q, p) and starts_with(q + x, p, strict=True)


@LAWS
@given(TEXT)
def test_text_of_a_span_is_its_text(x: str) -> None:
    assert as_text(TextSpan(x, 0, len(x), "PERSON")) == x and as_text(x) == x


# ---- count / overlap / disjoint / unique ---------------------------------------------------------------------------------
ITEMS = st.lists(st.sampled_from(["a", "A", " a ", "b", "B", "c", "é", "É", "e\u0301", "ß", "SS", ""]), max_size=6)


@LAWS
@given(ITEMS, ITEMS)
def test_overlap_disjoint_and_count(a: list, b: list) -> None:
    ta, tb = tuple(a), tuple(b)
    assert count(ta) == len(a)
    assert 0 <= overlap(ta, tb) <= 1
    assert overlap(ta, ta) == (1 if a else 0) and overlap((), tb) == 0
    assert disjoint(ta, tb) == disjoint(tb, ta)
    assert disjoint(ta, ()) and disjoint((), tb)
    assert disjoint(ta, tb) == (overlap(ta, tb) == 0) or not a
    assert overlap(ta, tb + ta) == (1 if a else 0)
    assert (overlap(ta, tb) == 1) == (bool(a) and all(normalize(x) in {normalize(y) for y in b} for x in a))


@LAWS
@given(ITEMS)
def test_unique_keeps_the_first_of_each_in_order(xs: list) -> None:
    once = unique(tuple(xs))
    assert unique(once) == once
    assert len({normalize(x) for x in once}) == len(once) == len({normalize(x) for x in xs})
    assert list(once) == [x for i, x in enumerate(xs) if normalize(x) not in {normalize(y) for y in xs[:i]}]
    assert overlap(tuple(xs), once) == (1 if xs else 0)


# ---- replace -----------------------------------------------------------------------------------------------------------
@LAWS
@given(TEXT, st.text(min_size=1, max_size=3), TEXT)
def test_replace_changes_every_occurrence_and_nothing_else(x: str, old: str, new: str) -> None:
    out = replace(x, old, new)
    assert len(out) == len(x) + x.count(old) * (len(new) - len(old))
    assert replace(x, old, old) == x
    assert split(out, new) == split(x, old) if new and new not in x and not any(new in p for p in x.split(old)) \
        and new.strip() == new else True


# ---- the same laws through a program (the path a user takes) ----------------------------------------------------
def test_a_program_reads_the_same_values() -> None:
    program = act_dsl.loads("""
task t {
  output parts: list<text> = split(response, ",")
  constraint round_trip = split(join(parts, ","), ",") == parts
  constraint first = first_line(response) == strip(first_line(response))
  constraint self = overlap(words(response), words(response)) == 1
  constraint grams = count(ngrams(response, 2)) == count(words(response)) - 1
  constraint lower_again = lower(lower(response)) == lower(response)
}""", strict=True)
    s = program.score([{"response": "It's one, two,, three"}, {"response": "  Café au lait,  naïve "}])
    assert all(all(v is True for v in row.values()) for row in s.values), s.values
