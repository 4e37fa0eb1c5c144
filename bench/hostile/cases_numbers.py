"""Unchecked numbers (fuzzy thresholds, weights, constraint values, limits, dates at the calendar's ends)
and tasks with no constraints at all."""
from __future__ import annotations

from spec import ERROR, OUT_JSON, SKIP, Case, Ref, jl, score, task

CTX_DATA = jl({"context": "the cat sat on the mat", "response": "the cat"})
LINT = ("lint", "task.act")
BIG = "1" + "0" * 308           # 1e308: two of them overflow a float sum
HUGE = "1" + "0" * 400          # beyond any float
TINY = "0." + "0" * 400 + "1"   # below any float


def ctx_task(body: str) -> str:
    return task(body, ["context"])


def fuzzy_rows(f_bad: object, raw: str | None = None) -> dict:
    good = {"context": "the cat sat on the mat", "f": 90, "response": "the cat"}
    bad = raw if raw is not None else jl({**good, "f": f_bad})
    return {"task.act": Ref("fuzzy_field.act"), "data.jsonl": jl(good) + bad + jl(good)}


ROWS_OK = {1: {"near": True, "csr": 1.0}, 3: {"near": True, "csr": 1.0}}


def weights(w: str) -> str:
    return ctx_task(f"  constraint a weight {w} = answer in context\n"
                    f"  constraint b weight {w} = count(words(answer)) >= 1\n")


def lint_error(cid: str, why: str, body: str, code: str) -> Case:
    return Case(cid, "number", why, LINT, {"task.act": ctx_task(body)}, exit=(1,), has=(code,))


def row_error(cid: str, why: str, body: str, data: str = CTX_DATA, invalid: bool = False) -> Case:
    """A constraint that fails on a row, the run going on: a verifier error shown as {"error": ...} and counted,
    or (`invalid`: the failing node reads the response) an invalid answer, false and counted as invalid."""
    return Case(cid, "number", why, score(*OUT_JSON), {"task.act": ctx_task(body), "data.jsonl": data},
                values={1: {"c": False if invalid else ERROR}}, errors_counted=not invalid, invalid_counted=invalid)


def weight_case(cid: str, why: str, w: str) -> Case:
    """A weight no float holds: refused by lint (naming the weight), or a CSR that is still in [0, 1]."""
    return Case(cid, "number", why, score(*OUT_JSON), {"task.act": weights(w), "data.jsonl": CTX_DATA},
                exit=(0, 1), has_if={1: (r"(?i)weight|ACT203",)}, values={1: {"csr": 1.0}})


EMPTY = Ref("empty_task.act")
EMPTY_DATA = Ref("ctx.jsonl")

CASES = [
    lint_error("num-fuzzy-negative", "`fuzzy -5` lints clean today", "  constraint c = answer in context fuzzy -5\n",
               "ACT202"),
    lint_error("num-fuzzy-101", "`fuzzy 101`", "  constraint c = answer in context fuzzy 101\n", "ACT202"),
    lint_error("num-fuzzy-500", "`fuzzy 500`", "  constraint c = answer in context fuzzy 500\n", "ACT202"),
    lint_error("num-fuzzy-negative-fraction", "`fuzzy -0.5`", "  constraint c = answer in context fuzzy -0.5\n",
               "ACT202"),
    Case("num-fuzzy-negative-score", "number", "`act score` with `fuzzy -5`", score(),
         {"task.act": ctx_task("  constraint c = answer in context fuzzy -5\n"), "data.jsonl": CTX_DATA},
         exit=(1,), has=(r"ACT202",)),
    Case("num-fuzzy-constant-500", "number", "`fuzzy 50 * 10`, computable before any data", score(*OUT_JSON),
         {"task.act": ctx_task("  constraint c = answer in context fuzzy 50 * 10\n"), "data.jsonl": CTX_DATA},
         exit=(0, 1), has_if={1: (r"ACT202",)}, values={1: {"c": ERROR}}),
    Case("num-fuzzy-field-500", "number", "a fuzzy threshold of 500 from one row's data", score(*OUT_JSON),
         fuzzy_rows(500), values={**ROWS_OK, 2: {"near": ERROR, "present": True}}, errors_counted=True),
    Case("num-fuzzy-field-negative", "number", "a fuzzy threshold of -5 from one row's data", score(*OUT_JSON),
         fuzzy_rows(-5), values={**ROWS_OK, 2: {"near": ERROR, "present": True}}, errors_counted=True),
    Case("num-fuzzy-field-1e308", "number", "a fuzzy threshold of 1e308", score(*OUT_JSON), fuzzy_rows(1e308),
         values={**ROWS_OK, 2: {"near": ERROR}}, errors_counted=True),
    Case("num-fuzzy-field-nan", "number", "a fuzzy threshold written NaN (not JSON)", score(*OUT_JSON, *SKIP),
         fuzzy_rows(0, '{"context": "the cat sat on the mat", "f": NaN, "response": "the cat"}\n'),
         values=ROWS_OK),
    Case("num-fuzzy-field-infinity", "number", "a fuzzy threshold written -Infinity", score(*OUT_JSON, *SKIP),
         fuzzy_rows(0, '{"context": "the cat sat on the mat", "f": -Infinity, "response": "the cat"}\n'),
         values=ROWS_OK),
    row_error("num-fuzzy-computed-200", "a fuzzy threshold computed as 200 on the row",
              "  constraint c = answer in context fuzzy count(words(answer)) * 100\n", invalid=True),
    weight_case("num-weight-1e308", "two weights of 1e308 (their sum overflows)", BIG),
    weight_case("num-weight-beyond-float", "a weight of 10^400", HUGE),
    weight_case("num-weight-below-float", "a weight of 10^-401 (zero as a float)", TINY),
    lint_error("num-weight-negative", "`weight -1`", "  constraint c weight -1 = answer in context\n", "ACT203"),
    lint_error("num-weight-zero", "`weight 0`", "  constraint c weight 0 = answer in context\n", "ACT203"),
    Case("num-weight-json-summary", "number", "the JSON summary with weights of 1e308", score(*OUT_JSON),
         {"task.act": weights(BIG), "data.jsonl": CTX_DATA}, exit=(0, 1), has_if={1: (r"(?i)weight|ACT203",)}),
    row_error("num-constraint-value-2", "a numeric constraint whose value is 2",
              "  constraint c = count(words(answer))\n"),
    row_error("num-division-by-zero", "a division by zero on the row",
              "  constraint c = 1 / (length(answer) - length(answer)) >= 0\n", invalid=True),
    row_error("num-ngrams-negative", "ngrams(x, n) with n computed as -1",
              "  constraint c = count(ngrams(answer, 1 - count(words(answer)))) >= 0\n", invalid=True),
    Case("num-ngrams-billion", "number", "ngrams(x, 1000000000)", score(),
         {"task.act": ctx_task("  constraint c = count(ngrams(answer, 1000000000)) == 0\n"), "data.jsonl": CTX_DATA},
         values={1: {"c": True}}),
    Case("num-literal-5000-digits", "number", "a 5,000-digit number literal in a constraint", score(),
         {"task.act": ctx_task(f"  constraint c = count(words(answer)) <= 1{'0' * 5000}\n"), "data.jsonl": CTX_DATA},
         exit=(0, 1), has_if={1: (r"(?i)number",)}, values={1: {"c": True}}),
    Case("num-example-5000-digits", "number", "a 5,000-digit number in an example block", ("test", "task.act"),
         {"task.act": ("task hostile_n {\n  input n: number\n  output answer: text = strip(response)\n"
                       f'  constraint small = n <= 10\n  example "big" {{\n    n = 1{"0" * 5000}\n'
                       '    response = "x"\n    expect small = false\n  }\n}\n')},
         exit=(0, 1), has_if={0: (r"1 passed",), 1: (r"(?i)number",)}),
    Case("num-nan-from-infinite-input", "number", "1e999 - 1e999 from the data as a constraint value",
         score(*OUT_JSON, *SKIP), {"task.act": "task hostile_inf {\n  input n: number\n"
                                   "  output answer: text = strip(response)\n  constraint c = n - n\n}\n",
                                   "data.jsonl": '{"n": 0.5, "response": "a"}\n{"n": 1e999, "response": "a"}\n'},
         values={1: {"c": 0.0}}),
    Case("num-max-chars-negative", "number", "--max-chars -1", score("--max-chars", "-1"),
         {"task.act": Ref("ctx.act"), "data.jsonl": CTX_DATA}, exit=(2,)),
    Case("num-reference-date-9999", "number", "--reference-date 9999-12-31 and \"next year\"",
         score("--reference-date", "9999-12-31"), {"task.act": Ref("temporal.act"), "data.jsonl": jl(
             {"question": "What will she do next year?", "response": "She will retire next year"},
             {"question": "What did she do in 2001?", "response": "She moved in 2001"})},
         values={2: {"in_period": True}}, time_s=20),
    Case("num-reference-date-0001", "number", "--reference-date 0001-01-01 and \"last year\"",
         score("--reference-date", "0001-01-01"), {"task.act": Ref("temporal.act"), "data.jsonl": jl(
             {"question": "What did she do last year?", "response": "She retired last year"},
             {"question": "What did she do in 2001?", "response": "She moved in 2001"})},
         values={2: {"in_period": True}}, time_s=20),
    Case("num-reference-date-invalid", "number", "--reference-date 2026-02-30",
         score("--reference-date", "2026-02-30"), {"task.act": Ref("ctx.act"), "data.jsonl": CTX_DATA}, exit=(2,)),
    # ---- tasks with no constraints --------------------------------------------------------------------
    Case("empty-score", "no-constraints", "`act score` of a task with no constraints", score(),
         {"task.act": EMPTY, "data.jsonl": EMPTY_DATA}, values={1: {"csr": None}, 3: {"csr": None}}),
    Case("empty-score-json-summary", "no-constraints", "the JSON summary of a task with no constraints",
         score(*OUT_JSON), {"task.act": EMPTY, "data.jsonl": EMPTY_DATA}, values={2: {"csr": None}}),
    Case("empty-score-responses", "no-constraints", "several responses per record, no constraints", score(),
         {"task.act": EMPTY, "data.jsonl": jl({"context": "a", "responses": ["x", "", "y"]})}),
    Case("empty-lint", "no-constraints", "`act lint` of a task with no constraints", LINT, {"task.act": EMPTY},
         has=(r"ACT401",)),
    Case("empty-trace", "no-constraints", "`act trace` of a task with no constraints",
         ("trace", "task.act", "--data", "data.jsonl", "--line", "1"), {"task.act": EMPTY, "data.jsonl": EMPTY_DATA}),
    Case("empty-compile", "no-constraints", "`act compile --emit dot` of a task with no constraints",
         ("compile", "task.act", "--emit", "dot"), {"task.act": EMPTY}),
    Case("empty-task-body", "no-constraints", "`task t { }` scored", score(),
         {"task.act": "task t { }\n", "data.jsonl": jl({"response": "x"}, {"response": ""})},
         values={1: {"csr": None}}),
    Case("empty-only-defines", "no-constraints", "`act score` of a file with defines and no task", score(),
         {"task.act": "define f(x: text) = count(words(x)) >= 1\n", "data.jsonl": EMPTY_DATA}, exit=(2,),
         has=(r"(?i)task",)),
    Case("empty-never-applicable", "no-constraints", "every constraint `when` false on every row", score(),
         {"task.act": ctx_task("  constraint c = answer in context when count(words(answer)) > 1000\n"),
          "data.jsonl": EMPTY_DATA}, values={1: {"csr": None, "c": None}}),
    Case("empty-group-block", "no-constraints", "an empty `group by` block and no other constraint", score(),
         {"task.act": ctx_task("  group by context {\n  }\n"), "data.jsonl": EMPTY_DATA},
         values={1: {"csr": None}}),
]
