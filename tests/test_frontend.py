"""Front end (issues 9 and 10): signed literals, keyword-prefixed names, RE2 patterns, literal checks, linear
checking of shared work, and nesting limits that give a diagnostic instead of a traceback or a hang."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import act_dsl
from act_dsl.ops.text import matches, pattern_error
from act_dsl.syntax.parser import MAX_NESTING

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
DESCRIBED = [p for p in sorted(FIXTURES.glob("ACT*.act")) if "# message:" in p.read_text()]
HEAD = "task t {\n  output y: text = strip(response)\n"


def _codes(program) -> list[str]:
    return [d.code for d in program.diagnostics]


def _errors(text: str) -> list[str]:
    return [str(d) for d in act_dsl.loads(text, folder=FIXTURES).errors]


def _timed_load(text: str, limit_s: float = 60.0):
    """Load, failing if it takes longer than `limit_s`: a guard against exponential blow-up (2**60 steps never
    end), not a speed target, so the limit is far above the time on a loaded 2-core machine (speed: bench/)."""
    start = time.perf_counter()
    program = act_dsl.loads(text, folder=FIXTURES)
    elapsed = time.perf_counter() - start
    assert elapsed < limit_s, f"checking took {elapsed:.1f} s"
    return program


# ---- fixtures that also state their message and the text they underline -----------------------
@pytest.mark.parametrize("path", DESCRIBED, ids=[p.stem for p in DESCRIBED])
def test_fixture_message_and_underlined_text(path: Path) -> None:
    lines = path.read_text().splitlines()
    code = re.match(r"# expect: (ACT\d+)", lines[0]).group(1)
    message = next(x.split("# message:", 1)[1].strip() for x in lines if x.startswith("# message:"))
    span = next((x.split("# span:", 1)[1].strip() for x in lines if x.startswith("# span:")), None)
    hits = [d for d in act_dsl.load(path).diagnostics if d.code == code and d.message == message]
    assert hits, [f"{d.code} {d.message}" for d in act_dsl.load(path).diagnostics]
    if span is not None:
        assert span in [d.span.text for d in hits if d.span is not None]


# ---- 1. signed literals -----------------------------------------------------------------------
def test_negative_weight_is_act203_and_the_sign_is_kept() -> None:
    program = act_dsl.loads(HEAD + "  constraint c weight -1 = count(words(y)) >= 1\n}\n")
    hit = next(d for d in program.diagnostics if d.code == "ACT203")
    assert hit.message == "weight of `c` must be positive, got -1"
    assert hit.span.text == "weight -1"


def test_negative_example_field_reads_negative() -> None:
    text = ("task t {\n  input n: number\n  output y: text = strip(response)\n"
            "  constraint c = n < 0 and count(words(y)) >= 1\n"
            '  example "negative" {\n    n = -3\n    response = "word"\n    expect c = true\n  }\n'
            '  example "fraction" {\n    n = -0.5\n    response = "word"\n    expect c = true\n  }\n}\n')
    program = act_dsl.loads(text)
    assert program.ok, program.errors
    fields = [f.value for ex in program.tasks["t"].task.examples for f in ex.fields if f.name == "n"]
    assert fields == [-3.0, -0.5]


def test_negative_numbers_in_expressions_are_literals() -> None:
    program = act_dsl.loads(HEAD + "  constraint c = count(words(y)) - 2 > -0.5 and -3 < count(words(y))\n}\n")
    assert program.ok, program.errors
    consts = {n.params[0] for n in program.tasks["t"].builder.nodes if n.op == "const"}
    assert {-0.5, -3.0} <= consts
    assert not [n for n in program.tasks["t"].builder.nodes if n.op == "neg"]


def test_negative_fuzzy_is_act202() -> None:
    program = act_dsl.loads("task t {\n  input context: text\n  output a: text = strip(response)\n"
                            "  constraint c = a in context fuzzy -5\n}\n")
    hit = next(d for d in program.diagnostics if d.code == "ACT202")
    assert hit.message == "`fuzzy -5` is outside 0-100" and hit.span.text == "-5"


# ---- 2. names that begin with a keyword ----------------------------------------------------------
def _keywords() -> list[str]:
    grammar = (ROOT / "grammar" / "act.lark").read_text()
    words = set(re.findall(r'"([a-z]+)"', grammar))
    quant = re.search(r"QUANT\.2: /\(\?:([a-z|]+)\)", grammar).group(1).split("|")
    return sorted(words | set(quant))


def test_the_grammar_keywords_are_found() -> None:
    kws = _keywords()
    assert {"all", "any", "share", "in", "not", "let", "group", "example", "where", "fuzzy", "none"} <= set(kws)


@pytest.mark.parametrize("kw", _keywords())
def test_names_that_begin_with_a_keyword_parse(kw: str) -> None:
    for name in (kw + "x", kw + "_ok", kw + "2"):
        text = f'''define {name}(x: text, {name}_p: text) = count(words(x)) >= 1 and {name}_p != ""
task {name}_t {{
  input {name}: text
  output {name}_o: text = strip(response)
  let {name}_l = {name}
  constraint {name}_c = {name}({name}_o, {name}_l) and all {name}_v in words({name}_o): {name}_v in {name}_l
  group by {name} {{
    let {name}_g = count(group)
    constraint {name}_k = all a, b in group: a.{name} == b.{name} or {name}_g > 1
  }}
  example "e" {{
    {name} = "a"
    response = "a"
    expect {name}_c = true
  }}
}}
'''
        assert _errors(text) == [], name


@pytest.mark.parametrize("name", ["allowed", "anything", "shared_ok", "notable", "index", "within_x", "grouped",
                                  "examples", "order", "andante", "nonempty", "truely", "weighted", "whenever"])
def test_named_prefix_cases(name: str) -> None:
    text = HEAD + f"  let {name} = words(y)\n  constraint c = all w in {name}: w in {name}\n}}\n"
    assert _errors(text) == []


def test_a_keyword_alone_is_still_a_keyword() -> None:
    program = act_dsl.loads(HEAD + "  let all = words(y)\n  constraint c = count(all) >= 1\n}\n")
    assert _codes(program)[:1] == ["ACT001"]


# ---- 3. regular expressions on RE2 ----------------------------------------------------------------
def test_backtracking_pattern_on_a_long_answer_returns_at_once() -> None:
    start = time.perf_counter()
    assert matches("word " * 2000 + "!", r"^(\w+\s?)*$") is False
    assert matches("a" * 64 + "!", r"^(\w+\s?)*$") is False
    assert matches("many words here", r"^(\w+\s?)*$") is True
    assert time.perf_counter() - start < 1.0


def test_scoring_a_backtracking_pattern_is_fast() -> None:
    program = act_dsl.loads(HEAD + '  constraint c = matches(y, "^(\\\\w+\\\\s?)*$")\n}\n', strict=True)
    start = time.perf_counter()
    scores = program.score([{"response": "a" * 65 + "!"}, {"response": "plain words"}])
    assert time.perf_counter() - start < 2.0
    assert [row["c"] for row in scores.values] == [False, True] and not scores.errors


def test_runtime_pattern_errors_raise_value_error_naming_the_cause() -> None:
    with pytest.raises(ValueError, match=r"invalid regular expression '\(': missing \)"):
        matches("x", "(")
    with pytest.raises(ValueError, match="lookaround is not supported by RE2"):
        matches("x", "(?=x)")
    with pytest.raises(ValueError, match="longer than"):
        matches("x", "a" * 501)
    assert pattern_error(r"\d{4}-\d{2}") is None


def test_patterns_are_compiled_once_in_a_bounded_cache() -> None:
    from act_dsl.ops.text import _compiled
    _compiled.cache_clear()
    for i in range(200):
        matches(f"row {i}", r"row \d+")
    assert _compiled.cache_info().misses == 1 and _compiled.cache_info().maxsize is not None


def test_a_pattern_from_a_let_is_checked() -> None:
    program = act_dsl.loads(HEAD + '  let p = "(a)\\\\1"\n  constraint c = matches(y, p)\n}\n')
    hit = next(d for d in program.diagnostics if d.code == "ACT215")
    assert "backreferences are not supported" in hit.message and hit.span.text == "p" and hit.is_error


def test_a_define_with_a_pattern_parameter_and_a_valid_pattern_is_clean() -> None:
    text = 'define has(x: text, p: text) = matches(x, p)\n' + HEAD + '  constraint c = has(y, "^[A-Z]\\\\w+")\n}\n'
    assert _errors(text) == []


def _imports_after_lint(path: Path) -> set[str]:
    code = ("import sys, act_dsl; act_dsl.load(sys.argv[1]); "
            "print(' '.join(m for m in ('re2', 'dateparser') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_lint_imports_re2_and_dateparser_only_for_literals(tmp_path: Path) -> None:
    plain = tmp_path / "plain.act"
    plain.write_text(HEAD + "  constraint c = count(words(y)) >= 1\n}\n")
    assert _imports_after_lint(plain) == set()
    assert "re2" in _imports_after_lint(FIXTURES / "ACT215_lookaround.act")
    assert "dateparser" not in _imports_after_lint(FIXTURES / "ACT215_lookaround.act")


# ---- 4. date literals ----------------------------------------------------------------------------
def test_an_impossible_date_literal_is_a_warning_and_a_valid_one_is_not() -> None:
    program = act_dsl.loads(HEAD + '  constraint c = any d in dates(y): overlaps(d, timespan("31 February 1990"))'
                                   '\n  constraint e = any d in dates(y): overlaps(d, timespan("from 2004 to 2005"))'
                                   "\n}\n")
    hits = [d for d in program.diagnostics if d.code == "ACT308"]
    assert len(hits) == 1 and not hits[0].is_error and hits[0].span.text == '"31 February 1990"'
    assert program.ok


# ---- 5. shared work stays linear -----------------------------------------------------------------
def test_sixty_defines_each_calling_the_previous_twice() -> None:
    defines = ["define f0(x: text) = count(words(x)) >= 1"] + \
        [f"define f{i}(x: text) = f{i - 1}(x) and f{i - 1}(x)" for i in range(1, 61)]
    program = _timed_load("\n".join(defines) + "\n" + HEAD + "  constraint c = f60(y)\n}\n")
    assert program.ok, program.errors[:3]
    assert len(program.tasks["t"].builder.nodes) < 200


def test_sixty_doubling_lets_with_and_without_data() -> None:
    for first in ("count(words(y))", "1"):
        lets = [f"  let a1 = {first}"] + [f"  let a{i} = a{i - 1} + a{i - 1}" for i in range(2, 61)]
        program = _timed_load(HEAD + "\n".join(lets) + "\n  constraint c = a60 >= 1\n}\n")
        assert program.ok and "ACT301" not in _codes(program)  # each let is used by the next
        assert ("ACT306" in _codes(program)) == (first == "1")  # constant: the lint rule walked the whole DAG


def test_a_failing_let_under_doubling_lets_is_reported_once() -> None:
    lets = ["  let a1 = count(wordz(y))"] + [f"  let a{i} = a{i - 1} + a{i - 1}" for i in range(2, 61)]
    program = _timed_load(HEAD + "\n".join(lets) + "\n  constraint c = a60 >= 1\n}\n")
    assert _codes(program).count("ACT102") == 1


def test_a_let_used_only_by_a_used_let_is_not_unused() -> None:
    program = act_dsl.loads(HEAD + "  let n = count(words(y))\n  let m = n + 1\n  let unused = n * 2\n"
                                   "  constraint c = m >= 2\n}\n")
    assert [d.message for d in program.diagnostics if d.code == "ACT301"] == ["`let unused` is never used"]


# ---- 6. recursion and nesting limits ----------------------------------------------------------------
def test_three_defines_in_a_cycle_are_reported() -> None:
    text = ("define a(x: text) = b(x)\ndefine b(x: text) = c(x) or count(words(x)) > 1\n"
            "define c(x: text) = a(x)\n" + HEAD + "  constraint k = a(y)\n}\n")
    program = act_dsl.loads(text)
    hit = [d for d in program.diagnostics if d.code == "ACT214"]
    assert [d.message for d in hit] == ["defines call each other in a cycle: `a` -> `b` -> `c` -> `a`"]
    assert hit[0].span.line == 3 and hit[0].span.text == "a(x)"


def test_a_define_calling_itself() -> None:
    program = act_dsl.loads("define loop(x: text) = count(words(x)) > 1 and loop(x)\n" + HEAD +
                            "  constraint c = loop(y)\n}\n")
    assert [d.message for d in program.errors] == ["define `loop` calls itself"]


def test_nested_calls_past_the_limit() -> None:
    for depth, ok in ((MAX_NESTING - 10, True), (250, False)):
        body = "lower(" * depth + "y" + ")" * depth
        program = _timed_load("define f(x: text) = lower(x)\n" + HEAD + f"  constraint c = count(words({body})) >= 1"
                              "\n}\n")
        assert program.ok == ok, [str(d) for d in program.errors][:2]
        if not ok:
            assert _codes(program) == ["ACT003"]
    body = "f(" * 250 + "y" + ")" * 250
    assert _codes(act_dsl.loads("define f(x: text) = lower(x)\n" + HEAD + f"  constraint c = {body} == y\n}}\n")) \
        == ["ACT003"]


@pytest.mark.parametrize("order", ["forward", "reversed"])
def test_four_hundred_chained_lets(order: str) -> None:
    lets = ["  let a1 = count(words(y))"] + [f"  let a{i} = a{i - 1} + 1" for i in range(2, 401)]
    if order == "reversed":
        lets.reverse()
    program = _timed_load(HEAD + "\n".join(lets) + "\n  constraint c = a400 >= 1\n}\n")
    errors = program.errors
    assert [d.code for d in errors] == ["ACT003"], [str(d) for d in errors][:3]
    assert "(with the lets and defines it uses) is nested more than 200 levels deep" in errors[0].message


def test_defines_that_nest_past_the_limit_only_when_expanded() -> None:
    # g3 expands to 180 levels, which is fine alone; 30 more levels around it in a task are not
    deep = "lower(" * 60 + "x" + ")" * 60
    defines = [f"define g1(x: text) = {deep}"] + [f"define g{i}(x: text) = g{i - 1}({deep})" for i in (2, 3)]
    arg = "lower(" * 30 + "y" + ")" * 30
    program = act_dsl.loads("\n".join(defines) + "\n" + HEAD + f"  constraint c = count(words(g3({arg}))) >= 1\n}}\n")
    hits = [d for d in program.errors if d.code == "ACT003"]
    assert len(hits) == 1 and hits[0].span.text == f"g3({arg})", [str(d) for d in program.errors]


def test_a_group_let_defined_through_itself() -> None:
    text = ("task t {\n  input k: text\n  output y: text = strip(response)\n  group by k {\n"
            "    let p = q\n    let q = p\n    constraint c = all a, b in group: p == q\n  }\n}\n")
    assert "ACT101" in _codes(act_dsl.loads(text))


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    HEAD + "  constraint c = " + "(" * 5000 + "count(words(y)) >= 1" + ")" * 5000 + "\n}\n",
    HEAD + "  constraint c = " + "not (" * 5000 + "count(words(y)) >= 1" + ")" * 5000 + "\n}\n",
    HEAD + "  constraint c = count(words(y)) >= 1" + " and count(words(y)) >= 1" * 12_000 + "\n}\n",
    HEAD + "  constraint c = count(" + "[" * 300 + "y" + "]" * 300 + ") >= 1\n}\n",
    "task t {\n  input x: " + "list<" * 300 + "text" + ">" * 300 + "\n  output y: text = strip(response)\n}\n",
    HEAD + "  constraint c = count(words(y)) >= 1\n" + '  example "e" {\n    response = ' + "[" * 300 + "]" * 300
    + "\n  }\n}\n",
], ids=["5000-parens", "5000-nots", "300kB-and-chain", "nested-lists", "nested-types", "nested-example-list"])
def test_deep_or_huge_programs_give_a_diagnostic_not_a_traceback(text: str) -> None:
    program = _timed_load(text)
    assert all(d.code == "ACT003" for d in program.errors), [str(d) for d in program.errors][:3]


def test_lint_cli_reports_nesting_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "deep.act"
    path.write_text(HEAD + "  constraint c = " + "not " * 300 + "count(words(y)) >= 1\n}\n")
    out = subprocess.run([sys.executable, "-m", "act_dsl", "lint", str(path)], capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "deep.act:3:" in out.stdout and "ACT003" in out.stdout


# ---- 7. numbers ----------------------------------------------------------------------------------
def test_weights_must_be_finite_and_at_most_a_million() -> None:
    program = act_dsl.loads(HEAD + "  constraint c weight 1000001 = count(words(y)) >= 1\n"
                                   "  constraint d weight 1000000 = count(words(y)) <= 9\n}\n")
    assert [d.message for d in program.errors] == ["weight of `c` must be at most 1e+06, got 1e+06"]
    huge = act_dsl.loads(HEAD + "  constraint c weight 1" + "0" * 400 + " = count(words(y)) >= 1\n}\n")
    assert sorted(_codes(huge)) == ["ACT004", "ACT203"]


def test_a_huge_number_in_an_example_is_act004() -> None:
    text = ("task t {\n  input n: number\n  output y: text = strip(response)\n  constraint c = n > 1\n"
            '  example "e" {\n    n = -9' + "9" * 400 + '\n    response = "a"\n  }\n}\n')
    hit = next(d for d in act_dsl.loads(text).diagnostics if d.code == "ACT004")
    assert hit.span.line == 6 and "(401 digits)" in hit.message


def test_a_task_without_constraints_is_a_warning() -> None:
    program = act_dsl.loads('task t {\n  output y: text = strip(response)\n  prompt "Say a word."\n}\n')
    assert program.ok and [d.message for d in program.diagnostics if d.code == "ACT401"] == \
        ["task `t` has no constraints"]


def test_a_define_s_own_bad_pattern_is_reported_once_in_its_body() -> None:
    text = ('define a(x: text) = matches(x, "(?=z)")\ndefine c(x: text, p: text) = matches(x, p) or a(x)\n' + HEAD
            + '  let bad = "(a)\\\\1"\n  constraint k1 = a(y)\n  constraint k2 = c(y, bad)\n'
            '  constraint k3 = c(y, "^ok$")\n}\n')
    hits = [d for d in act_dsl.loads(text).diagnostics if d.code == "ACT215"]
    assert [(d.span.line, d.span.text) for d in hits] == [(1, '"(?=z)"'), (7, "c(y, bad)")]


@pytest.mark.slow
def test_label_hints_against_a_large_set_stay_fast(tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text("".join(f"/type{i % 1000}/sub{i}\n" for i in range(100_000)))
    checks = "\n".join(f'  constraint k{i} = "/tipe{i}/sub{i}" in L' for i in range(2000))
    path = tmp_path / "task.act"
    path.write_text('task t {\n  output types: list<label> = split(response, ",")\n  labels L = load("labels.txt")\n'
                    + checks + "\n}\n")
    start = time.perf_counter()
    program = act_dsl.load(path)
    assert time.perf_counter() - start < 8.0
    hits = [d for d in program.diagnostics if d.code == "ACT305"]
    assert len(hits) == 2000 and hits[0].hint == "did you mean `/type0/sub0`?"


def test_every_lint_rule_module_is_listed_and_every_lint_code_has_a_source() -> None:
    import pkgutil
    import re

    import act_dsl.semantics.lint as lint
    from act_dsl.diagnostics.codes import CODES
    modules = {m.name for m in pkgutil.iter_modules(lint.__path__)}
    assert set(lint.RULE_MODULES) == modules
    checker = "".join(p.read_text() for p in (ROOT / "act_dsl" / "semantics").glob("*.py"))  # the checker's parts
    emitted = set(re.findall(r'"(ACT[34]\d\d)"', checker))
    lint_codes = {c for c in CODES if c[3] in "34"}
    assert lint_codes == {r.code for r in lint.rules()} | emitted


def test_importing_one_rule_module_first_keeps_every_rule() -> None:
    import subprocess
    import sys
    code = ("import act_dsl.semantics.lint.bounds\nimport act_dsl\n"
            "p = act_dsl.loads('task t { output y: text = strip(response)\\n let unused_let = words(y)\\n"
            " constraint c = count(words(y)) >= 1 }')\nprint(sorted({d.code for d in p.diagnostics}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout
    assert "ACT301" in out  # the unused-let rule still runs
