"""Pathological regular expressions, in literals (found by `act lint`) and from data (one row's error)."""
from __future__ import annotations

from spec import ERROR, LINE2, OUT_JSON, PATTERN_MSG, SKIP, Case, Gen, Ref, jl, score, task


def lit(pattern: str) -> str:
    """A task whose constraint matches the answer against a literal (written with .act escapes)."""
    return task(f'  constraint shaped = matches(answer, "{pattern}")\n')


def field(*records: dict) -> dict:
    return {"task.act": Ref("regex_field.act"), "data.jsonl": jl(*records)}


GOOD_ROW = {"pattern": "^[a-z ]+$", "response": "plain words"}   # shaped = true

# (id, literal as written in .act, a response it must reject in bounded time, one it accepts)
BACKTRACKERS = [
    ("nested-star", r"^(\\w+\\s?)*$", "a" * 64 + "!", "plain words here"),
    ("nested-plus", r"^(a+)+$", "a" * 40 + "b", "aaaa"),
    ("same-alternatives", r"^(a|a)*$", "a" * 40 + "b", "aaa"),
    ("overlapping-alternatives", r"^(a|aa)+$", "a" * 40 + "b", "aaaaa"),
    ("repeated-dot-star", r"^(.*a){20}$", "a" * 30 + "b", "a" * 25),
    ("split-plus", r"^(x+x+)+y$", "x" * 40, "xxy"),
    ("email-redos", r"^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|"
     r"([a-z]{2,3}[.]{1}[a-z]{2,3}))$", "a" * 40 + "!", "ann@mail.com"),
    ("unanchored-digits", r"(\\d+)*x", "1" * 40 + "!", "12x"),
]

# literals a linear-time engine (RE2) cannot take, or that do not compile at all: `act lint` reports them
REFUSED = [
    ("backreference", r"(a)\\1"),
    ("named-backreference", r"(?P<w>a)(?P=w)"),
    ("lookahead", r"foo(?=bar)"),
    ("negative-lookbehind", r"(?<!a)b"),
    ("possessive", r"a*+b"),
    ("python-end-anchor", r"abc\\Z"),
    ("huge-repeat", r"(a{1000}){1000}"),
    ("unclosed-class", r"[a-"),
    ("unbalanced-paren", r"(abc"),
]

CASES = [
    *[Case(f"regex-literal-{name}", "regex", f"backtracking literal {pat} on {len(bad)} characters",
           score(), {"task.act": lit(pat), "data.jsonl": jl({"response": bad}, {"response": good})},
           values={1: {"shaped": False}, 2: {"shaped": True}})
      for name, pat, bad, good in BACKTRACKERS],
    *[Case(f"regex-field-{name}", "regex", f"backtracking pattern {pat} read from a data field",
           score(), field({"pattern": pat.replace("\\\\", "\\"), "response": bad}, GOOD_ROW),
           values={1: {"shaped": False}, 2: {"shaped": True}})
      for name, pat, bad, good in BACKTRACKERS[:4]],
    Case("regex-literal-issue-example", "regex", "the issue's own file: `^(\\w+\\s?)*$` on 65 characters",
         score(), {"task.act": Ref("regex_literal.act"), "data.jsonl": jl({"response": "a" * 64 + "!"})},
         values={1: {"words_only": False, "nonempty": True}}),
    *[Case(f"regex-lint-{name}", "regex", f"literal {pat} that a linear-time engine cannot take",
           ("lint", "task.act"), {"task.act": lit(pat)}, exit=(1,), has=(PATTERN_MSG,))
      for name, pat in REFUSED],
    Case("regex-score-refuses-bad-literal", "regex", "`act score` on a file whose literal does not compile",
         score(), {"task.act": lit(r"(a)\\1"), "data.jsonl": jl({"response": "aa"})}, exit=(1,),
         has=(PATTERN_MSG,)),
    *[Case(f"regex-field-refused-{name}", "regex", f"pattern {pat} from data: an error for that row alone",
           score(*OUT_JSON), field({"pattern": pat.replace("\\\\", "\\"), "response": "aa"}, GOOD_ROW),
           values={1: {"shaped": ERROR, "nonempty": True}, 2: {"shaped": True}}, errors_counted=True)
      for name, pat in REFUSED[:1] + REFUSED[2:3] + REFUSED[7:9]],
    Case("regex-field-2000-distinct", "regex", "2,000 rows, each with its own backtracking pattern",
         score(), {"task.act": Ref("regex_field.act"), "data.jsonl": Gen.of("regex_many", n=2000)}),
    Case("regex-field-100kb", "regex", "a 100 kB alternation read from data",
         score(), field({"pattern": "a|" * 50_000 + "b", "response": "zzz"}, GOOD_ROW),
         values={2: {"shaped": True}}),
    Case("regex-field-not-text", "regex", "the pattern field holds a number", score(),
         field(GOOD_ROW, {"pattern": 5, "response": "5"}), exit=(1,), has=(LINE2,)),
    Case("regex-field-lone-surrogate", "regex", "a pattern holding a lone surrogate", score(*SKIP),
         field({"pattern": "\ud800+", "response": "a"}, GOOD_ROW), values={2: {"shaped": True}}),
    Case("regex-field-nul", "regex", "a pattern holding a NUL character", score(),
         field({"pattern": "a\u0000b", "response": "a\u0000b"}, GOOD_ROW), values={1: {"shaped": True}}),
    Case("regex-literal-1mb-answer", "regex", "the issue's pattern on a 1 MB answer that fails at its end",
         score(), {"task.act": Ref("regex_literal.act"), "data.jsonl": Gen.of("big_line", mb=1.0, tail="!")},
         values={2: {"words_only": False}}, mem_mb=800),
    Case("regex-in-quantifier-1000-words", "regex", "a backtracking literal run on each of 1,000 words",
         score(), {"task.act": task('  constraint c = all w in words(answer): matches(w, "^(a+)+b$")\n'),
                   "data.jsonl": jl({"response": " ".join(["a" * 30 + str(i % 10) for i in range(1000)])})},
         values={1: {"c": False}}),
    Case("regex-act-test-example", "regex", "`act test` (the pre-commit path) on a backtracking example",
         ("test", "task.act"), {"task.act": lit(r"^(\\w+\\s?)*$")[:-2] + '  example "long" {\n    response = "'
                                + "a" * 64 + '!"\n    expect shaped = false\n  }\n}\n'},
         has=(r"1 passed",)),
    Case("regex-stdlib-matches-pattern", "regex", "std/format's matches_pattern with a backtracking data pattern",
         score(), {"task.act": 'import "std/format"\n\n' + task("  constraint c = matches_pattern(answer, pattern)\n",
                                                               ["pattern"]),
                   "data.jsonl": jl({"pattern": "^(a|aa)+$", "response": "a" * 40 + "b"})},
         values={1: {"c": False}}),
    Case("regex-literal-empty", "regex", "an empty pattern matches everything (control)", score(),
         {"task.act": lit(""), "data.jsonl": jl({"response": "anything"})}, values={1: {"shaped": True}}),
]
