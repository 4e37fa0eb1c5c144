"""Hypothesis strategies for well-typed (program text, records) cases, built bottom-up from the type system."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from hypothesis import strategies as st

# ---- value pools: short texts (dates and spaCy stay cheap), unicode, and the values that make errors ----------
WORDS = ["Paris", "paris", "PARIS ", "Obama", "the", "café", "cafe\u0301", "Straße", "STRASSE", "ﬁle", "İstanbul",
         "/a", "/a/b", "c", "/A/B", "a / b", "x", "日本", "🙂", "Ünï", "-3", "0.5", "a,b", ";", ",", ".", "?",
         "1,500", "24.99", "SKU-123", "A4", "1.2.3"]
DATEISH = ["1999", "2004", "May 2010", "from 2004 to 2005", "between 1 and 5 March 2020", "the summer of 2003",
           "since 2001", "until 1999", "1500 dollars", "31 February 1990", "last year", "2004-05-12"]
BREAKERS = ["(", "[a-", "\\d+", "a|b", ""]
SENTENCES = ["Obama visited Paris.", "Angela Merkel met Toyota in Berlin.", "It rained in May 2010."]
KEYS = ["Paris", "paris ", "Obama", "", "café", "CAFÉ"]
NUMBERS = [-3.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 10.0, 100.0, 1e6]
SEPARATORS = [" ", ", ", "; ", "\n", ". ", ""]
LABEL_POOL = ["/a", "/a/b", "c", "/a/b/c", "/person", "/person/politician", "Ünï", "x y"]

# ---- program pools --------------------------------------------------------------------------------------
TEXT_LITS = ["a", "Paris", "paris", "café", "ﬁ", "/a", "/a/b", "c", "x y", "", " ", "Ünï", "🙂", "2004", "a\\nb",
             "\\\"q\\\"", "Person / A"]
DATE_LITS = ["2004", "from 2004 to 2005", "May 2010", "the summer of 2003", "between 1 and 5 March 2020",
             "since 2001", "until 1999", "2004-05-12", "in the 1990s"]
PATTERNS = ["^a", "b$", "\\\\d", "[a-c]+", "é", "^$", "(a|b)", "^/a", "[0-9]+", "SKU-([0-9]+)", "(x)|a"]
SEPS = [",", ";", " ", "/", "é"]
NUM_LITS = ["0", "1", "2", "3", "0.5", "10", "100", "-1", "-3", "-0.5"]
FUZZ_LITS = ["0", "50", "80", "85", "90", "99.5", "100"]
WEIGHTS = ["0.25", "0.5", "1", "2", "3.5"]
CMP = ["<", "<=", ">", ">=", "==", "!="]
TEXTUAL = ("text", "label", "span")
# structured answers (LANGUAGE.md §6): one record output and one list-of-records output in every program
SUB = "{b: bool, m: number}"
REC = "{a: text, n: number, ts: list<text>, sub: " + SUB + "}"
ITEM = "{a: text, n: number}"
RECS = f"list<{ITEM}>"
FIELDS = {  # typed paths into the two JSON outputs
    "text": ["o3.a", "o4[0].a", "o4[-1].a", "o3.ts[0]", "o3.ts[-1]"],
    "number": ["o3.n", "o3.sub.m", "o4[1].n", "o4[-2].n"],
    "bool": ["o3.sub.b"],
    "list<text>": ["o3.ts", "o4.a"],
}
INDEXES = ["0", "1", "-1", "2", "-3", "10"]
INPUTS = {"f0": "text", "f1": "text", "f2": "number", "f3": "bool", "f4": "list<text>"}
OUTPUTS = {"o0": ("text", ["strip(response)", "first_line(response)", "lower(response)", "response"]),
           "o1": ("list<text>", ['split(response, ",")', "lines(response)", "words(response)",
                                 'split(response, ";")']),
           "o2": ("list<label>", ['split(first_line(response), ",")', 'split(response, ";")']),
           "o3": (REC, ["json(response)", "json(first_line(response))"]),
           "o4": (RECS, ["json(response)", "json(strip(response))"])}
STD = {  # stdlib defines: (module, parameter types)
    "consistent_hierarchy": ("labels", ("list<label>", "labelset")), "in_label_set": ("labels", ("list<label>", "labelset")),
    "no_repeats": ("labels", ("list<label>",)), "at_most": ("labels", ("list<label>", "number")),
    "single_label": ("labels", ("list<label>", "labelset")), "nonempty": ("format", ("text",)),
    "max_words": ("format", ("text", "number")), "single_line": ("format", ("text",)),
    "matches_pattern": ("format", ("text", "pattern")), "no_preamble": ("format", ("text",)),
    "is_span_of": ("spans", ("text", "text")), "mostly_extractive": ("spans", ("text", "text", "number")),
    "all_spans_of": ("spans", ("list<text>", "text")), "answer_in_period": ("temporal", ("text", "text", "text")),
    "one_of": ("format", ("text", "list<text>")), "between": ("format", ("number", "number", "number")),
    "is_email": ("format", ("text",)), "is_url": ("format", ("text",)), "is_iso_date": ("format", ("text",)),
    "dates_within": ("temporal", ("text", "date")), "mentions_a_date": ("temporal", ("text",)),
    "all_before": ("temporal", ("text", "date")), "all_after": ("temporal", ("text", "date")),
}
# defines written by every generated program that uses them: literal `none` through a parameter, `share` at the root
FIXED_DEFINES = {
    "isnone": ("define isnone(p: text) = p == none", ("text",), "bool"),
    "frac": ("define frac(xs: list<text>, y: text) = share x in xs: x in y", ("list<text>", "text"), "number"),
    "both": ("define both(u: bool, v: bool) = u and v", ("bool", "bool"), "bool"),
}


@lru_cache(maxsize=None)
def _below(n: int) -> st.SearchStrategy[int]:
    """One cached strategy per size: building a strategy on every draw costs more than the draw."""
    return st.integers(0, n - 1)


def _texts(seed: int, n: int, pool: list[str]) -> list[str]:
    """A fixed pool of short texts joined from `pool` (index 0, the simplest, is the empty text)."""
    rnd = random.Random(seed)
    out = [""]
    while len(out) < n:
        parts = [rnd.choice(pool) for _ in range(rnd.randint(1, 4))]
        text = parts[0]
        for p in parts[1:]:
            text += rnd.choice(SEPARATORS) + p
        out.append(text)
    return out


TEXTS = _texts(1, 400, WORDS + DATEISH + BREAKERS)
TEXTS_NER = _texts(2, 100, WORDS + DATEISH + SENTENCES)
LISTS_OF_LABELS = [[]] + [random.Random(i).sample(LABEL_POOL, random.Random(-i).randint(1, 3)) for i in range(1, 30)]
LISTS = [[]] + [random.Random(i).sample(WORDS + DATEISH + BREAKERS, random.Random(-i).randint(1, 3))
                for i in range(1, 60)]


def _json_responses(seed: int, n: int) -> list[str]:
    """Answers holding JSON (the shapes of REC and RECS, right, wrong and broken), bare, fenced or in prose."""
    rnd = random.Random(seed)
    values = ["Paris", "24.99", 24.99, -3, 1500, 0, True, False, None, [], ["a", "Paris"], ["x", 1], {"b": True},
              {"b": False, "m": 2}, {"b": "true", "m": "2"}, "1,500", "", "café"]
    out = ['{}', '[]', '{"a": "x"', '{"a": "x"}}', '{a: 1}', '[{"a": "Paris", "n": 1}, {"a": 2}]', '"just text"',
           '42', 'null', '{"a": NaN}', '{"n": 1e999}', '[' * 300 + ']' * 300, '{"a": ' * 250 + '1' + '}' * 250,
           'Sure! ```json\n{"a": "Paris", "n": 24.99, "ts": ["a"], "sub": {"b": true, "m": 1}}\n```']
    while len(out) < n:
        keys = rnd.sample(["a", "n", "ts", "sub", "extra"], rnd.randint(0, 5))
        obj = {k: rnd.choice(values) for k in keys}
        body = json.dumps(obj, ensure_ascii=rnd.random() < 0.5)
        if rnd.random() < 0.3:
            items = [{"a": rnd.choice(values), "n": rnd.choice(values)} for _ in range(rnd.randint(0, 3))]
            body = json.dumps(items)
        wrap = rnd.choice(["{}", "Here: {} thanks", "```json\n{}\n```", "{} {}", "x {{ {}", "[1] {}"])
        out.append(wrap.replace("{}", body, 1).replace("{}", body))
    return out


JSON_RESPONSES = _json_responses(3, 120)


@dataclass
class Case:
    """One generated program with the records it is scored on."""

    text: str
    batches: list[list[dict]]
    entities: bool = False

    def __repr__(self) -> str:
        recs = "\n--- records ---\n".join("\n".join(json.dumps(r, ensure_ascii=False) for r in b)
                                           for b in self.batches)
        return f"Case(\n{self.text}\n--- records ---\n{recs}\n)"


@dataclass
class Ctx:
    """What an expression may read: names with their types, and which costly ops are allowed."""

    names: dict[str, str]
    record_fields: dict[str, str]
    entities: bool
    counter: list[int] = field(default_factory=lambda: [0])
    std: set[str] = field(default_factory=set)
    fixed: set[str] = field(default_factory=set)

    def with_names(self, **more: str) -> "Ctx":
        return Ctx({**self.names, **more}, self.record_fields, self.entities, self.counter, self.std, self.fixed)

    def fresh(self) -> str:
        self.counter[0] += 1
        return f"q{self.counter[0]}"


def _q(s: str) -> str:
    """An .act string literal of an already escaped body."""
    return f'"{s}"'


def _fits(have: str, want: str) -> bool:
    """Is a name of type `have` usable where `want` is asked for (the checker's assignability, simplified)?"""
    if have == want or (want in TEXTUAL and have in TEXTUAL):
        return True
    if want.startswith("list<") and have.startswith("list<"):
        return _fits(have[5:-1], want[5:-1]) or want == "list<any>"
    return want == "list<any>" and have == "labelset"


Choose = Callable[[int], int]  # choose(n) -> a number in [0, n): hypothesis draws or a seeded random


class Gen:
    """Draws expressions of a requested type; `none` only where the checker takes it."""

    def __init__(self, choose: Choose, ctx: Ctx) -> None:
        self.choose, self.ctx = choose, ctx

    def pick(self, options: list):
        return options[self.choose(len(options))]

    def chance(self, p: float) -> bool:
        return self.choose(100) < p * 100

    def names_of(self, t: str) -> list[str]:
        out = [n for n, ty in self.ctx.names.items() if _fits(ty, t)]
        for v, ty in self.ctx.names.items():  # a.field on group members
            if ty == "record":
                out += [f"{v}.{f}" for f, fty in self.ctx.record_fields.items() if _fits(fty, t)]
        return out

    def spans(self) -> list[str]:
        return [n for n, ty in self.ctx.names.items() if ty == "span"]

    def expr(self, t: str, depth: int, nonable: bool = True) -> str:
        if nonable and t in ("text", "label", "number", "date", "bool", "list<text>", "list<number>") \
                and self.chance(0.04):
            return "none"
        names = self.names_of(t)
        if depth <= 0 or self.chance(0.25):
            leaf = self.leaf(t, names)
            if leaf is not None:
                return leaf
        return getattr(self, "g_" + t.replace("<", "_").replace(">", ""))(max(depth - 1, 0))

    def leaf(self, t: str, names: list[str]) -> str | None:
        if names and self.chance(0.7):
            return self.pick(names)
        if t in ("text", "label"):
            return _q(self.pick(TEXT_LITS + LABEL_POOL[:3]))
        if t == "number":
            return self.pick(NUM_LITS)
        if t == "bool":
            return self.pick(["true", "false"])
        if t == "labelset":
            return "L"
        return self.pick(names) if names else None

    def text_arg(self, d: int) -> str:
        return self.expr("text", d)

    def text_call(self, f: str, n: int, d: int) -> str:
        """`f` applied to n text arguments."""
        return f"{f}({', '.join(self.text_arg(d) for _ in range(n))})"

    # ---- one method per type ----
    def g_text(self, d: int) -> str:
        opts = ["first_line", "strip", "lower", "upper", "text", "parent", "join", "concat", "index", "field", "doc"]
        if self.spans():
            opts += ["span_attr"]
        k = self.pick(opts)
        if k == "doc":  # the document functions (act_dsl/ops/document.py)
            f = self.pick(["first_word", "replace", "drop_first_line", "drop_last_line", "trim", "language_of"])
            return self.text_call(f, {"replace": 3, "trim": 2}.get(f, 1), d)
        if k == "join":
            return f"join({self.any_list(d)}, {_q(self.pick(SEPS + ['', ', ']))})"
        if k == "concat":  # one side is text: `none + none` has no type to be text by (the checker reads a number)
            return f"({self.text_arg(d)} + {self.expr('text', d, nonable=False)})"
        if k == "index":
            return f"{self.expr('list<text>', d, nonable=False)}[{self.index(d)}]"
        if k == "field":
            if "o3" in self.ctx.names:  # not inside a group block, where outputs differ between members
                return self.pick(FIELDS["text"])
            k = "strip"
        if k == "parent":
            return f"parent({self.expr('label', d)}, L)"
        if k == "span_attr":
            return f"{self.pick(self.spans())}.{self.pick(['text', 'label'])}"
        return f"{k}({self.text_arg(d)})"

    def g_label(self, d: int) -> str:
        return self.g_text(d)

    def g_number(self, d: int) -> str:
        k = self.pick(["count", "length", "overlap", "year", "arith", "arith", "neg", "share", "span", "frac",
                       "number", "field", "nth", "doc", "sum", "abs", "coverage"])
        if k == "sum":
            return f"sum({self.expr('list<number>', d)})"
        if k == "abs":
            return f"abs({self.expr('number', d)})"
        if k == "doc":
            f = self.pick(["count_words", "count_sentences", "occurrences", "word_occurrences", "index_of"])
            if f == "index_of":
                return f"index_of({self.expr('list<text>', d)}, {self.text_arg(d)})"
            return self.text_call(f, 2 if "occurrences" in f else 1, d)
        if k == "number":
            return f"number({self.text_arg(d)})"
        if k == "field" and "o3" in self.ctx.names:
            return self.pick(FIELDS["number"])
        if k == "nth":
            return f"{self.expr('list<number>', d, nonable=False)}[{self.index(d)}]"
        if k == "frac":
            self.ctx.fixed.add("frac")
            return f"frac({self.expr('list<text>', d)}, {self.text_arg(d)})"
        if k == "count":
            return f"count({self.any_list(d)})"
        if k == "length":
            return f"length({self.text_arg(d)})"
        if k == "overlap":
            return f"overlap({self.any_list(d)}, {self.any_list(d)})"
        if k == "year":
            return f"year({self.expr('date', d)})"
        if k == "coverage":
            return f"coverage({self.expr('date', d)}, {self.expr('date', d)})"
        if k == "arith":
            return f"({self.expr('number', d)} {self.pick(['+', '-', '*', '/'])} {self.expr('number', d)})"
        if k == "neg":
            return f"-({self.expr('number', d, nonable=False)})"
        if k == "span" and self.spans():
            return f"{self.pick(self.spans())}.{self.pick(['start', 'end'])}"
        return self.quant("share", d)

    def g_bool(self, d: int) -> str:
        k = self.pick(["cmp", "cmp", "eq", "isnone", "in_text", "in_list", "in_labels", "in_labels", "matches",
                       "affix", "disjoint", "temporal", "andor", "andor", "not", "quant", "quant", "define",
                       "datecmp", "listeq", "conforms", "field", "in_numbers", "doc"])
        if k == "doc":
            f = self.pick(["contains", "is_upper", "is_lower", "wrapped", "has_postscript", "is_json"])
            n = {"contains": 2, "wrapped": 3, "has_postscript": 2}.get(f, 1)
            return f"{f}({', '.join(self.text_arg(d) for _ in range(n))})"
        if k == "conforms":
            inside = ['o3', 'o4', 'o3.sub', 'o4[0]', 'o3.ts', 'none'] if "o3" in self.ctx.names else ['none']
            return f"conforms({self.pick(inside + [self.expr('list<text>', d)])})"
        if k == "field" and "o3" in self.ctx.names:
            return self.pick(FIELDS["bool"])
        if k == "in_numbers":
            return f"({self.expr('number', d)} in {self.expr('list<number>', d)})"
        if k == "cmp":
            return f"({self.expr('number', d)} {self.pick(CMP)} {self.expr('number', d)})"
        if k == "eq":
            t = self.pick(["text", "label", "bool", "number"])
            return f"({self.expr(t, d)} {self.pick(['==', '!='])} {self.expr(t, d)})"
        if k == "isnone":
            t = self.pick(["text", "number", "date", "list<text>"])
            x, op = self.expr(t, d), self.pick(["==", "!="])
            return f"({x} {op} none)" if self.chance(0.5) else f"(none {op} {x})"
        if k.startswith("in_"):
            coll = {"in_text": lambda: self.expr("text", d), "in_list": lambda: self.expr("list<text>", d),
                    "in_labels": lambda: "L"}[k]()
            neg = " not" if self.chance(0.25) else ""
            return f"({self.expr('label', d)}{neg} in {coll}{self.fuzzy(d)})"
        if k == "matches":
            pat = _q(self.pick(PATTERNS)) if self.chance(0.8) else self.expr("text", 0)
            return f"matches({self.text_arg(d)}, {pat})"
        if k == "affix":
            return f"{self.pick(['starts_with', 'ends_with'])}({self.text_arg(d)}, {self.text_arg(d)})"
        if k == "disjoint":
            return f"disjoint({self.any_list(d)}, {self.any_list(d)})"
        if k == "temporal":
            return f"{self.pick(['before', 'after', 'overlaps', 'within'])}({self.expr('date', d)}, " \
                   f"{self.expr('date', d)})"
        if k == "andor":
            return f"({self.expr('bool', d)} {self.pick(['and', 'or'])} {self.expr('bool', d)})"
        if k == "not":
            return f"(not ({self.expr('bool', d)}))"
        if k == "define":
            return self.define_call(d)
        if k == "datecmp":
            return f"({self.expr('date', d, False)} {self.pick(CMP)} {self.expr('date', d, False)})"
        if k == "listeq":
            return f"({self.expr('list<text>', d)} {self.pick(['==', '!='])} {self.expr('list<text>', d)})"
        return self.quant(self.pick(["all", "any"]), d)

    def g_date(self, d: int) -> str:
        k = self.pick(["timespan", "timespan", "attr", "period_of"])
        if k == "attr":
            return f"{self.expr('date', d, nonable=False)}.{self.pick(['start', 'end'])}"
        if k == "period_of":
            return f"period_of({self.text_arg(d)}, {self.date_text(d)})"
        return f"timespan({self.date_text(d)})"

    def date_text(self, d: int) -> str:
        """A text argument of a date function: literals must name a date (`act lint` checks them)."""
        e = self.text_arg(d)
        return _q(self.pick(DATE_LITS)) if e.startswith('"') or self.chance(0.4) else e

    def g_list_text(self, d: int) -> str:
        k = self.pick(["split", "lines", "words", "sentences", "ngrams", "unique", "literal", "empty", "extract",
                       "field", "doc"])
        if k == "doc":
            f = self.pick(["word_tokens", "capital_words", "pieces", "parts", "sections", "bullets", "highlights",
                           "placeholders", "titles"])
            if f in ("pieces", "parts"):
                return f"{f}({self.text_arg(d)}, {_q(self.pick(SEPS))})"
            if f == "sections":
                return f"sections({self.text_arg(d)}, {self.text_arg(d)})"
            return f"{f}({self.text_arg(d)})"
        if k == "extract":
            pat = _q(self.pick(PATTERNS)) if self.chance(0.85) else self.expr("text", 0)
            return f"extract({self.text_arg(d)}, {pat})"
        if k == "field":
            if "o3" in self.ctx.names:
                return self.pick(FIELDS["list<text>"])
            k = "words"
        if k == "split":
            sep = _q(self.pick(SEPS)) if self.chance(0.85) else self.expr("text", 0)
            return f"split({self.text_arg(d)}, {sep})"
        if k == "ngrams":
            n = self.pick(["1", "2", "3", "0", "-1", "1.5"]) if self.chance(0.8) else self.expr("number", d)
            return f"ngrams({self.text_arg(d)}, {n})"
        if k == "unique":
            return f"unique({self.expr('list<text>', d, nonable=False)})"
        if k == "literal":
            return "[" + ", ".join(self.expr("text", d, nonable=False) for _ in range(1 + self.choose(3))) + "]"
        if k == "empty":
            return "[]"
        return f"{k}({self.text_arg(d)})"

    def g_list_number(self, d: int) -> str:
        k = self.pick(["numbers", "numbers", "literal", "indices", "project"])
        if k == "project" and "o4" in self.ctx.names:  # `o4.n`: the field of every record of a list
            return "o4.n"
        if k == "indices":
            return f"indices_of({self.expr('list<text>', d)}, {self.text_arg(d)})"
        if k == "literal":
            return "[" + ", ".join(self.expr("number", d, nonable=False) for _ in range(1 + self.choose(3))) + "]"
        return f"numbers({self.text_arg(d)})"

    def index(self, d: int) -> str:
        """A list position: a whole-number literal (a fraction literal is ACT209), or a computed number."""
        if self.chance(0.8):
            return self.pick(INDEXES)
        return self.pick([f"count({self.any_list(d)})", f"number({self.text_arg(d)})", f"-({self.pick(INDEXES)})"])

    def g_list_label(self, d: int) -> str:
        k = self.pick(["ancestors", "labels_of", "text"])
        if k == "ancestors":
            return f"ancestors({self.expr('label', d)}, L)"
        if k == "labels_of":
            return "labels_of(L)"
        return self.g_list_text(d)

    def g_list_date(self, d: int) -> str:
        k = self.pick(["dates", "dates_near", "dates_ref"])
        if k == "dates_near":
            return f"dates_near({self.date_text(d)}, {self.date_text(d)})"
        if k == "dates_ref":
            return f"dates({self.date_text(d)}, reference: timespan({_q(self.pick(DATE_LITS[:3]))}))"
        return f"dates({self.date_text(d)})"

    def g_list_span(self, d: int) -> str:
        if self.chance(0.3):
            return f'entities({self.text_arg(d)}, types: ["PERSON", "GPE"])'
        return f"entities({self.text_arg(d)})"

    def g_labelset(self, d: int) -> str:
        return "L"

    def g_list_record(self, d: int) -> str:
        return "group"

    def any_list(self, d: int) -> str:
        t = self.pick(["list<text>", "list<text>", "list<label>", "list<date>", "labelset", "list<number>"]
                      + (["list<span>"] if self.ctx.entities else []))
        return self.expr(t, d)

    def fuzzy(self, d: int) -> str:
        if self.chance(0.45):
            return ""
        if self.chance(0.85):
            return " fuzzy " + self.pick(FUZZ_LITS)
        return f" fuzzy ({self.expr('number', d, nonable=False)} * 30)"

    def quant(self, kind: str, d: int) -> str:
        colls = ["list<text>", "list<text>", "list<label>", "list<date>", "labelset", "list<number>"]
        if self.ctx.entities:
            colls.append("list<span>")
        if "group" in self.ctx.names:
            colls += ["list<record>"] * 3
        ct = self.pick(colls)
        et = "label" if ct == "labelset" else ct[5:-1]
        # a list<span> is drawn from `entities` itself: a list<text> name fits where spans are asked for, but its
        # items have no `.text`, which the body may read
        coll = self.g_list_span(d) if ct == "list<span>" else self.expr(ct, d, nonable=False)
        pair = self.chance(0.35)
        vs = [self.ctx.fresh() for _ in range(2 if pair else 1)]
        inner = Gen(self.choose, self.ctx.with_names(**{v: et for v in vs}))
        where = f" where {inner.expr('bool', d)}" if self.chance(0.4) else ""
        return f"({kind} {', '.join(vs)} in {coll}{where}: {inner.expr('bool', d)})"

    def define_call(self, d: int) -> str:
        options = [n for n, (_, _, ty) in FIXED_DEFINES.items() if ty == "bool"] + sorted(self.ctx.std)
        name = self.pick(options)
        if name in FIXED_DEFINES:
            self.ctx.fixed.add(name)
            params = FIXED_DEFINES[name][1]
        else:
            params = STD[name][1]
        args = []
        for p in params:
            if p == "pattern":
                args.append(_q(self.pick(PATTERNS)))
            elif p == "labelset":
                args.append("L")
            else:
                args.append(self.expr(p, d))
        return f"{name}({', '.join(args)})"


def make_records(choose: Choose, n_min: int = 1, n_max: int = 6, entities: bool = False) -> list[dict]:
    """Records carrying every input of the generated programs (text, number, bool, list<text>) and a response."""
    texts = TEXTS + TEXTS_NER if entities else TEXTS

    def one(options: list):
        return options[choose(len(options))]

    out = []
    for _ in range(n_min + choose(n_max - n_min + 1)):
        rec = {"f0": one(KEYS), "f1": one(texts), "f2": one(NUMBERS), "f3": one([False, True]), "f4": one(LISTS)}
        kind = one(["text", "text", "labels", "empty", "blank", "copy", "json", "json"])
        if kind == "json":
            resp = one(JSON_RESPONSES)
        elif kind == "labels":
            resp = one([", ", "; ", ","]).join(one(LISTS_OF_LABELS))
        elif kind == "empty":
            resp = ""
        elif kind == "blank":
            resp = one([" ", "\n\t ", "\u3000"])
        elif kind == "copy":
            resp = rec["f1"] + one(["", " extra words", "\nsecond line"])
        else:
            resp = one(texts)
        rec["response"] = resp
        out.append(rec)
    return out


def _pick(choose: Choose, options: list):
    return options[choose(len(options))]


# stdlib imports are parsed again by every load(): most programs go without
STD_CHOICES = [(), (), (), (), (), ("labels",), ("format",), ("spans",), ("temporal",), ("labels", "spans")]
LABEL_SETS = [LABEL_POOL[:1], LABEL_POOL[:3], LABEL_POOL[1:4], LABEL_POOL[3:6], LABEL_POOL, ["/a", "c", "Ünï"]]
GROUP_KEYS = [("f0",), ("f0", "f3"), ("f0", "f2"), ("f3",), ("f4",)]


def make_case(choose: Choose, entities_share: float = 0.05, batches: int = 1) -> Case:
    """A well-typed program (inputs, outputs, labels, defines, lets, constraints, groups) and its record batches."""
    use_entities = choose(1000) < entities_share * 1000
    std_modules = _pick(choose, STD_CHOICES)
    std = {n for n, (m, _) in STD.items() if m in std_modules}
    labels = _pick(choose, LABEL_SETS)
    outputs = {name: (t, _pick(choose, exprs)) for name, (t, exprs) in OUTPUTS.items()}
    names = dict(INPUTS) | {n: t for n, (t, _) in outputs.items()} | {"response": "text", "L": "labelset"}
    ctx = Ctx(names, {}, use_entities, std=std)
    depth = 1 + choose(3)
    lets = []
    for i in range(choose(3)):
        t = _pick(choose, ["text", "number", "bool", "list<text>", "date", "list<date>"])
        lets.append((f"l{i}", t, Gen(choose, ctx).expr(t, depth, nonable=False)))
        ctx.names[f"l{i}"] = t
    ctx.record_fields = {n: t for n, t in ctx.names.items() if n != "L"}
    lines = [_constraint(choose, Gen(choose, ctx), f"c{i}", depth) for i in range(1 + choose(3))]
    groups = []
    for gi in range(_pick(choose, [0, 0, 1, 1, 2])):
        keys = _pick(choose, GROUP_KEYS)
        gctx = Ctx({k: INPUTS[k] for k in keys} | {"L": "labelset", "group": "list<record>"}, ctx.record_fields,
                   use_entities, ctx.counter, std, ctx.fixed)
        body = []
        if choose(2):
            t = _pick(choose, ["number", "bool", "list<text>"])
            body.append(f"    let k{gi} = {Gen(choose, gctx).expr(t, depth, nonable=False)}")
            gctx.names[f"k{gi}"] = t
        for ci in range(1 + choose(2)):
            body.append("  " + _constraint(choose, Gen(choose, gctx), f"g{gi}_{ci}", depth, group=True))
        groups.append(f"  group by {', '.join(keys)} {{\n" + "\n".join(body) + "\n  }")
    head = [f'import "std/{m}"' for m in sorted(std_modules)]
    head += [FIXED_DEFINES[n][0] for n in sorted(ctx.fixed)]
    task = ["task t {"] + [f"  input {n}: {t}" for n, t in INPUTS.items()]
    task += [f"  output {n}: {t} = {e}" for n, (t, e) in outputs.items()]
    task += ["  labels L = {" + ", ".join(_q(lab) for lab in labels) + "}"]
    task += [f"  let {n} = {e}" for n, _, e in lets]
    task += lines + groups + ["}"]
    batches_ = [make_records(choose, entities=use_entities) for _ in range(batches)]
    return Case("\n".join(head + task) + "\n", batches_, use_entities)


@st.composite
def cases(draw, entities_share: float = 0.05, batches: int = 1) -> Case:
    """Every choice a hypothesis draw: slower, but failures shrink to a small program and few records."""
    return make_case(lambda n: draw(_below(n)), entities_share, batches)


def seeded_cases(entities_share: float = 0.05, batches: int = 3) -> st.SearchStrategy[Case]:
    """One hypothesis draw (a seed) per case, every choice then made by random.Random: about 20 times faster."""
    return st.integers(0, 2**64 - 1).map(lambda seed: make_case(random.Random(seed).randrange, entities_share,
                                                                 batches))


def _constraint(choose: Choose, gen: Gen, name: str, depth: int, group: bool = False) -> str:
    weight = f" weight {_pick(choose, WEIGHTS)}" if choose(4) == 0 else ""
    if group and choose(2):
        expr = gen.quant(_pick(choose, ["all", "any", "share"]), depth)
    elif choose(4) == 0:
        expr = gen.expr("number", depth, nonable=False)
    else:
        expr = gen.expr("bool", depth)
    when = f" when {gen.expr('bool', max(depth - 1, 0))}" if choose(5) == 0 else ""
    return f"  constraint {name}{weight} = {expr}{when}"
