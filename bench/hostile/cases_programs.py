"""Exponential and deep programs: doubling defines and lets, recursion, deep nesting, long chains, wide
files and long import chains. Checking must stay linear and never hit Python's recursion limit."""
from __future__ import annotations

from spec import Case, Gen, Ref, jl, task

DATA = jl({"response": "a b"}, {"response": "the cat sat"})
LINT = ("lint", "task.act")
SCORE = ("score", "task.act", "--data", "data.jsonl")
# a documented nesting limit is acceptable: a diagnostic that says so, never a crash
NEST = {1: (r"[Nn]est|deep",)}


def gen(fn: str, **p: object) -> dict:
    return {"task.act": Gen.of(fn, **p), "data.jsonl": DATA}


def pair(cid: str, why: str, files: dict, values: dict | None = None, exit: tuple = (0,),
         has_if: dict | None = None, time_s: float = 10) -> list[Case]:
    """The same program through `act lint` and through `act score`."""
    return [Case(f"{cid}-lint", "program", why, LINT, files, exit=exit, has_if=has_if or {}, time_s=time_s),
            Case(f"{cid}-score", "program", why + " (scored)", SCORE, files, exit=exit, has_if=has_if or {},
                 values=values or {}, time_s=time_s)]


MUTUAL = ("define a(x: text) = b(x)\ndefine b(x: text) = a(x)\n\n"
          + task("  constraint c = a(answer)\n"))
CYCLE3 = ("define a(x: text) = b(x) and true\ndefine b(x: text) = c(strip(x))\ndefine c(x: text) = a(x)\n\n"
          + task("  constraint k = a(answer)\n"))

CASES = [
    *pair("prog-doubling-defines-24", "24 defines, each calling the previous one twice",
          gen("doubling_defines", n=24), {1: {"big": True}}),
    *pair("prog-doubling-defines-60", "60 doubling defines (2^60 calls if expanded)",
          gen("doubling_defines", n=60), {1: {"big": True}}),
    *pair("prog-doubling-lets-28", "28 chained lets that double", gen("doubling_lets", n=28), {1: {"big": True}}),
    *pair("prog-doubling-lets-200", "200 chained lets that double", gen("doubling_lets", n=200), exit=(0, 1),
          has_if=NEST),
    Case("prog-doubling-defines-compile", "program", "`act compile` of 40 doubling defines",
         ("compile", "task.act", "--emit", "json"), gen("doubling_defines", n=40)),
    Case("prog-doubling-lets-dot", "program", "`act compile --emit dot` of 40 doubling lets",
         ("compile", "task.act", "--emit", "dot"), gen("doubling_lets", n=40)),
    *pair("prog-mutual-recursion", "two defines that call each other", {"task.act": MUTUAL, "data.jsonl": DATA},
          exit=(1,), has_if={1: (r"ACT214",)}),
    Case("prog-mutual-recursion-unused", "program", "mutually recursive defines that no constraint uses", LINT,
         {"task.act": MUTUAL.replace("a(answer)", "count(words(answer)) >= 1")}, exit=(1,), has=(r"ACT214",)),
    Case("prog-recursion-3-cycle", "program", "three defines in a cycle", LINT, {"task.act": CYCLE3},
         exit=(1,), has=(r"ACT214",)),
    Case("prog-self-recursion", "program", "a define that calls itself", LINT,
         {"task.act": "define f(x: text) = f(strip(x))\n\n" + task("  constraint c = f(answer)\n")},
         exit=(1,), has=(r"ACT214",)),
    Case("prog-recursion-in-import", "program", "an imported file whose defines call each other", LINT,
         {"task.act": 'import "./lib.act"\n\n' + task("  constraint c = a(answer)\n"),
          "lib.act": MUTUAL.split("\n\n")[0] + "\n"}, exit=(1,), has=(r"ACT214",)),
    Case("prog-recursion-test", "program", "`act test` of mutually recursive defines", ("test", "task.act"),
         {"task.act": MUTUAL}, exit=(1,), has=(r"ACT214",)),
    *pair("prog-nested-calls-250", "250 nested calls", gen("nested_calls", n=250), {1: {"c": True}}, exit=(0, 1),
          has_if=NEST),
    *pair("prog-nested-calls-2000", "2,000 nested calls", gen("nested_calls", n=2000), exit=(0, 1),
          has_if=NEST),
    *pair("prog-chained-lets-400", "400 chained lets", gen("chained_lets", n=400), {1: {"c": True}}, exit=(0, 1),
          has_if=NEST),
    *pair("prog-chained-lets-1000", "1,000 chained lets", gen("chained_lets", n=1000), {1: {"c": True}},
          exit=(0, 1), has_if=NEST),
    *pair("prog-chained-defines-300", "300 defines each calling the previous one", gen("chained_defines", n=300),
          {1: {"c": True}}, exit=(0, 1), has_if=NEST),
    *pair("prog-nested-parens-5000", "5,000 nested parentheses", gen("nested_parens", n=5000), exit=(0, 1),
          has_if=NEST),
    *pair("prog-nested-not-5000", "5,000 nested `not`", gen("nested_not", n=5000), exit=(0, 1), has_if=NEST),
    *pair("prog-nested-lists-5000", "a list literal nested 5,000 deep", gen("nested_lists", n=5000),
          exit=(0, 1), has_if={1: (r"ACT0\d\d|ACT2\d\d",)}),
    *pair("prog-and-chain-20000", "20,000 terms joined by `and`", gen("long_chain", n=20_000, op="and"),
          exit=(0, 1), has_if=NEST),
    *pair("prog-plus-chain-20000", "20,000 terms joined by `+`", gen("long_chain", n=20_000, op="+"),
          exit=(0, 1), has_if=NEST),
    *pair("prog-nested-quantifiers-30", "30 nested quantifiers over the answer's words (3^30 bodies)",
          gen("nested_quantifiers", n=30)),
    # a 1.2 MB program: lark alone parses it in about 8 s on an idle core, so the budget leaves room for a busy one
    *pair("prog-constraints-20000", "20,000 constraints in one task", gen("many_constraints", n=20_000),
          {1: {"c5": True}}, time_s=40),
    Case("prog-contradictory-bounds-5000", "program", "5,000 upper and 5,000 lower bounds on one quantity", LINT,
         gen("many_constraints", n=5000, contradict=True)),
    Case("prog-import-chain-500", "program", "500 files, each importing the next", ("lint", "chain/task.act"),
         {"chain": Gen.of("import_chain", n=500)}, exit=(0, 1), has_if={1: (r"ACT10\d|[Nn]est|deep",)}),
    Case("prog-import-chain-500-score", "program", "a 500-file import chain, scored",
         ("score", "chain/task.act", "--data", "data.jsonl"), {"chain": Gen.of("import_chain", n=500),
                                                               "data.jsonl": DATA}, exit=(0, 1),
         has_if={1: (r"ACT10\d|[Nn]est|deep",)}),
    Case("prog-import-fanout-100", "program", "100 files, each importing every later one (4,950 imports)",
         ("lint", "fan/task.act"), {"fan": Gen.of("import_fanout", n=100)}),
    Case("prog-self-import", "program", "a file that imports itself", LINT,
         {"task.act": 'import "./task.act"\n\n' + task("  constraint c = count(words(answer)) >= 1\n")},
         exit=(1,), has=(r"ACT108",)),
    Case("prog-examples-2000", "program", "`act test` of 2,000 example blocks", ("test", "task.act"),
         {"task.act": Gen.of("many_examples", n=2000)}, has=(r"2000 passed",)),
    Case("prog-label-literal-20000", "program", "a label set literal of 20,000 labels", LINT,
         {"task.act": Gen.of("label_literal", n=20_000)}),
    Case("prog-label-hints-2000", "program", "2,000 label literals checked against 100,000 labels (hints)",
         ("lint", "hints/task.act"), {"hints": Gen.of("label_hints", n=2000, labels=100_000)}),
    Case("prog-prompt-1500kb", "program", "a 1.5 MB prompt string", LINT, {"task.act": Gen.of("long_string", kb=1500)}),
    Case("prog-over-2mb", "program", "an .act file over the 2 MB limit", LINT,
         {"task.act": Gen.of("over_limit_act", mb=2.5)}, exit=(2,), has=(r"ACT002",)),
    Case("prog-stdlib-everything", "program", "every stdlib module imported at once (control)", LINT,
         {"task.act": 'import "std/labels"\nimport "std/spans"\nimport "std/temporal"\nimport "std/format"\n\n'
          + task("  constraint c = nonempty(answer)\n")}),
    Case("prog-ctx-control", "program", "the plain ctx task (control: the harness itself works)",
         SCORE, {"task.act": Ref("ctx.act"), "data.jsonl": Ref("ctx.jsonl")},
         values={1: {"csr": 1.0}, 2: {"csr": 1.0}, 3: {"in_context": False}}),
]
