"""The one table of operations: signatures for the checker, implementations for the executor.

Implementations are named as "module:function" and imported on first use, so that reading the table
(as `act lint` does) never imports spaCy, dateparser or rapidfuzz.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from act_dsl.ops.types import ANY, list_of


@dataclass(frozen=True)
class Op:
    name: str
    params: tuple[str, ...]                       # positional parameter types
    returns: str | Callable[[list[str]], str]     # a type, or a function of the argument types
    doc: str
    impl: str                                     # "module:function" under act_dsl.ops
    kwargs: tuple[tuple[str, str, object], ...] = ()  # (name, type, default)
    min_args: int | None = None                   # fewer positional args allowed (defaults follow)
    batch: bool = False                           # impl takes a list of argument tuples (distinct rows)
    none_in: bool = False                         # impl handles `none` arguments itself
    _fn: list = field(default_factory=list, compare=False, repr=False)

    def result_type(self, arg_types: list[str]) -> str:
        return self.returns(arg_types) if callable(self.returns) else self.returns

    @property
    def required(self) -> int:
        return len(self.params) if self.min_args is None else self.min_args

    def function(self) -> Callable:
        if not self._fn:
            module, name = self.impl.split(":")
            self._fn.append(getattr(importlib.import_module(f"act_dsl.ops.{module}"), name))
        return self._fn[0]


def _same_list(types: list[str]) -> str:
    return types[0] if types and types[0].startswith("list<") else list_of(ANY)


# relative dates ("last year", "since 2001") are read against this date; when the call does not give it,
# the task's `reference date = F` does, else the run's --reference-date
_REFERENCE = (("reference", "date", None),)

# starts_with/ends_with compare normalised texts unless `strict: true` asks for the text as written (case aside)
_STRICT = (("strict", "bool", False),)

_OPS = [
    # text
    Op("split", ("text", "text"), list_of("text"), "pieces of x between separators, stripped, empty pieces dropped",
       "text:split"),
    Op("lines", ("text",), list_of("text"), "the non-empty lines of x, stripped", "text:lines"),
    Op("first_line", ("text",), "text", "the first non-empty line of x, stripped", "text:first_line"),
    Op("strip", ("text",), "text", "x without surrounding white space", "text:strip"),
    Op("lower", ("text",), "text", "x in lower case", "text:lower"),
    Op("upper", ("text",), "text", "x in upper case", "text:upper"),
    Op("words", ("text",), list_of("text"), "punctuation-free lower-case word tokens of x", "text:words"),
    Op("sentences", ("text",), list_of("text"), "the sentences of x", "text:sentences"),
    Op("ngrams", ("text", "number"), list_of("text"), "word n-grams of x, each joined by one space", "text:ngrams"),
    Op("length", ("text",), "number", "the number of characters of x", "text:length"),
    Op("matches", ("text", "text"), "bool", "whether the regular expression p (RE2 syntax) matches anywhere in x",
       "text:matches"),
    Op("starts_with", ("text", "text"), "bool", "whether x starts with p (normalised; strict: only case ignored)",
       "text:starts_with", kwargs=_STRICT),
    Op("ends_with", ("text", "text"), "bool", "whether x ends with p (normalised; strict: only case ignored)",
       "text:ends_with", kwargs=_STRICT),
    Op("text", ("text",), "text", "the text of a span or label", "text:as_text"),
    # lists
    Op("count", (list_of(ANY),), "number", "the number of items of a list", "text:count"),
    Op("overlap", (list_of(ANY), list_of(ANY)), "number", "share of the items of a found in b (0 when a is empty)",
       "text:overlap"),
    Op("disjoint", (list_of(ANY), list_of(ANY)), "bool", "no item in common after normalisation", "text:disjoint"),
    Op("unique", (list_of(ANY),), _same_list, "the items of a list without repeats (normalised)", "text:unique"),
    # labels
    Op("parent", ("label", "labelset"), "label", "the nearest proper /-path ancestor of a label that is in the set",
       "labels:parent"),
    Op("ancestors", ("label", "labelset"), list_of("label"), "every proper /-path ancestor in the set, nearest first",
       "labels:ancestors"),
    Op("labels_of", ("labelset",), list_of("label"), "the labels of a label set, as a list", "labels:labels_of"),
    # spans (spaCy)
    Op("entities", ("text",), list_of("span"), "named-entity spans of x found by spaCy's English pipeline",
       "spans:entities", kwargs=(("types", list_of("text"), None),), batch=True),
    # temporal (dateparser)
    Op("dates", ("text",), list_of("date"), "the dates and periods mentioned in x", "temporal:dates",
       kwargs=_REFERENCE),
    Op("timespan", ("text",), "date", "the one period x asks about, or none", "temporal:timespan",
       kwargs=_REFERENCE),
    Op("dates_near", ("text", "text"), list_of("date"), "dates in the sentences of x that contain s",
       "temporal:dates_near", kwargs=_REFERENCE),
    Op("period_of", ("text", "text"), "date", "the period x attaches to the places where s occurs (dates carried "
       "across sentences), or none", "periods:period_of", kwargs=_REFERENCE),
    Op("before", ("date", "date"), "bool", "a ends before b starts", "temporal:before", none_in=True),
    Op("after", ("date", "date"), "bool", "a starts after b ends", "temporal:after", none_in=True),
    Op("overlaps", ("date", "date"), "bool", "a and b share at least one day", "temporal:overlaps", none_in=True),
    Op("within", ("date", "date"), "bool", "a lies inside b", "temporal:within", none_in=True),
    Op("coverage", ("date", "date"), "number", "the share of b's days that a covers, from 0 to 1",
       "temporal:coverage"),
    Op("year", ("date",), "number", "the year a period starts in", "temporal:year"),
    # structured answers (LANGUAGE.md §6); `json` gets the declared type of its output from the checker
    Op("json", ("text",), ANY, "the first complete JSON object in x (an array for a list type), read against the "
       "output's declared type; none when there is none", "structured:read_json"),
    Op("conforms", (ANY,), "bool", "x was read and every declared field is present with its declared type, "
       "recursively", "structured:conforms", none_in=True),
    Op("numbers", ("text",), list_of("number"), "the numbers written in x (24.99, -3, 1,500 = 1500)",
       "structured:numbers"),
    Op("number", ("text",), "number", "the first number written in x, or none", "structured:number"),
    Op("extract", ("text", "text"), list_of("text"), "the matches of a regular expression (RE2) in x, or of its "
       "first group", "structured:extract"),
    Op("join", (list_of(ANY), "text"), "text", "the items of xs as text with sep between them", "structured:join"),
    # arithmetic (act_dsl/ops/numeric.py)
    Op("sum", (list_of("number"),), "number", "the sum of the numbers of xs (0 when empty; none when an item is none)",
       "numeric:total"),
    Op("abs", ("number",), "number", "the absolute value of x", "numeric:absolute"),
]


# the shape of long answers (act_dsl/ops/document.py): the checks verifiable-instruction suites such as IFEval ask for
_TEXT_LIST = list_of("text")
_OPS += [
    Op("count_words", ("text",), "number", "the number of runs of word characters (\\w+) in x", "document:count_words"),
    Op("count_sentences", ("text",), "number", "the number of sentences Punkt's English model finds in x",
       "document:count_sentences"),
    Op("word_tokens", ("text",), _TEXT_LIST, "the word tokens of x as nltk's word_tokenize gives them",
       "document:word_tokens"),
    Op("capital_words", ("text",), _TEXT_LIST, "the word tokens of x written entirely in capitals",
       "document:capital_words"),
    Op("occurrences", ("text", "text"), "number", "non-overlapping occurrences of s in x, ignoring case",
       "document:occurrences"),
    Op("word_occurrences", ("text", "text"), "number", "occurrences of w as a whole word in x, ignoring case",
       "document:word_occurrences"),
    Op("pieces", ("text", "text"), _TEXT_LIST, "every piece of x between separators, stripped, blank ones kept",
       "document:pieces"),
    Op("parts", ("text", "text"), _TEXT_LIST, "the pieces of x between separators; blank first and last dropped, "
       "blank ones between kept", "document:parts"),
    Op("sections", ("text", "text"), _TEXT_LIST, "the text after each header `WORD N` in x", "document:sections"),
    Op("bullets", ("text",), _TEXT_LIST, "the lines of x starting with `*` (not `**`) or `-`", "document:bullets"),
    Op("highlights", ("text",), _TEXT_LIST, "the `*highlighted*` spans of x", "document:highlights"),
    Op("placeholders", ("text",), _TEXT_LIST, "the `[...]` spans of x", "document:placeholders"),
    Op("titles", ("text",), _TEXT_LIST, "the `<<title>>` texts of x", "document:titles"),
    Op("first_word", ("text",), "text", "the first word of x, lower case, without quotes or punctuation",
       "document:first_word"),
    Op("contains", ("text", "text"), "bool", "whether s occurs in x exactly as written", "document:contains"),
    Op("is_upper", ("text",), "bool", "x has a cased letter and no lower-case one", "document:is_upper"),
    Op("is_lower", ("text",), "bool", "x has a cased letter and no upper-case one", "document:is_lower"),
    Op("wrapped", ("text", "text", "text"), "bool", "x (stripped) starts with left and ends with right",
       "document:wrapped"),
    Op("has_postscript", ("text", "text"), "bool", "the marker (P.S., P.P.S) occurs in x, ignoring case",
       "document:has_postscript"),
    Op("is_json", ("text",), "bool", "the whole of x is one JSON value (a code fence allowed)", "document:is_json"),
    Op("replace", ("text", "text", "text"), "text", "x with every `old` replaced by `new`", "document:replace"),
    Op("drop_first_line", ("text",), "text", "x without its first line", "document:drop_first_line"),
    Op("drop_last_line", ("text",), "text", "x without its last line", "document:drop_last_line"),
    Op("trim", ("text", "text"), "text", "x without the given characters at either end", "document:trim"),
    Op("indices_of", (list_of(ANY), ANY), list_of("number"), "the positions of x in xs (0-based)",
       "document:indices_of"),
    Op("index_of", (list_of(ANY), ANY), "number", "the first position of x in xs, or none", "document:index_of"),
    Op("language_of", ("text",), "text", "the ISO 639-1 code of x's language (langdetect), or none",
       "document:language_of"),
]

REGISTRY: dict[str, Op] = {op.name: op for op in _OPS}
TEMPORAL_PREDICATES = {"before", "after", "overlaps", "within"}
