"""LANGUAGE.md version 2, line by line (its §7), and every class of silent wrong answer that issue 9 found.

Each test states the rule it guards in its name; values are what a user sees in `Scores` or on the command line.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

import act_dsl
from act_dsl.scoring.verifier import RunSettings, Verifier
from act_dsl.records import DataError
from conftest import EXAMPLES, run_act


def _score(text: str, rows: list[dict], **kw):
    program = act_dsl.loads(text, strict=True)
    return program.score(rows, **kw)


# ---- signed literals -------------------------------------------------------------------------------
def test_a_negative_weight_is_an_error_not_a_weight_of_one() -> None:
    program = act_dsl.loads('task t { output y: text = strip(response)\n constraint a weight -1 = count(words(y)) >= 1 }')
    assert [d.code for d in program.errors] == ["ACT203"]


def test_signed_numbers_keep_their_sign_in_expressions_and_examples() -> None:
    program = act_dsl.loads('task t {\n input n: number\n output y: text = strip(response)\n'
                            ' constraint neg = n < -2.5\n'
                            ' example "minus three" { n = -3\n response = "x"\n expect neg = true }\n}', strict=True)
    from act_dsl.examples_runner import run_examples
    checked, failures = run_examples(program)
    assert checked == 1 and failures == []
    assert program.score([{"n": -3, "response": "x"}, {"n": 3, "response": "x"}]).values == [{"neg": True},
                                                                                               {"neg": False}]


# ---- names that begin with a keyword ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["allowed", "anything", "shared_ok", "notable", "inside", "android", "order_by"])
def test_names_that_begin_with_a_keyword_parse(name: str) -> None:
    s = _score(f'task t {{ output y: text = strip(response)\n let {name} = words(y)\n'
               f' constraint c = count({name}) >= 2 }}', [{"response": "two words"}, {"response": "one"}])
    assert [v["c"] for v in s.values] == [True, False]


# ---- typed inputs, one reader ---------------------------------------------------------------------------
TYPED = 'task t {\n input flag: bool\n input tags: list<text>\n input n: number\n output y: text = strip(response)\n' \
        ' constraint c = flag and count(tags) == n\n}'


def test_inputs_are_read_by_their_declared_type_in_the_api() -> None:
    s = _score(TYPED, [{"flag": True, "tags": ["a", "b"], "n": 2, "response": "x"},
                       {"flag": False, "tags": [], "n": 0, "response": "x"}])
    assert [v["c"] for v in s.values] == [True, False]
    for bad in ({"flag": "false", "tags": [], "n": 0, "response": "x"},     # a string is not a bool
                {"flag": True, "tags": "a", "n": 1, "response": "x"},       # a string is not a list
                {"flag": True, "tags": [], "n": "0", "response": "x"},      # a string is not a number
                {"flag": True, "tags": [], "response": "x"},                # missing
                {"flag": True, "tags": [], "n": 0},                         # no response
                {"flag": True, "tags": [], "n": 0, "response": 3}):         # a response that is not text
        with pytest.raises(DataError):
            act_dsl.loads(TYPED).score([bad])


def test_the_command_line_reads_records_by_the_same_rules(tmp_path) -> None:
    act = tmp_path / "t.act"
    act.write_text(TYPED)
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"flag": True, "tags": ["a"], "n": 1, "response": "x"}) + "\n"
                    + json.dumps({"flag": "false", "tags": [], "n": 0, "response": "x"}) + "\n")
    r = run_act("score", str(act), "--data", str(data))
    assert r.returncode == 1 and f"{data}:2" in r.stderr and "flag" in r.stderr and "Traceback" not in r.stderr
    r = run_act("score", str(act), "--data", str(data), "--on-error", "skip")
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[0])["csr"] == 1.0


# ---- when with none, and the rules for none --------------------------------------------------------
def test_when_with_none_makes_the_constraint_not_applicable() -> None:
    s = _score('task t { input q: text\n output y: text = strip(response)\n let asked = timespan(q)\n'
               ' constraint c = count(words(y)) >= 1 when overlaps(asked, asked)\n'
               ' constraint d = count(words(y)) >= 1 when asked != none }',
               [{"q": "What happened in 2004?", "response": "x"}, {"q": "What happened?", "response": "x"}])
    assert s.values == [{"c": True, "d": True}, {"c": None, "d": None}]


def test_none_makes_comparisons_and_membership_false_and_scores_zero() -> None:
    s = _score('task t { input q: text\n output y: text = strip(response)\n labels L = {"/a", "/a/b"}\n'
               ' let asked = timespan(q)\n let up = parent(y, L)\n'
               ' constraint is_none = asked == none\n'
               ' constraint lt = year(asked) < 3000\n'
               ' constraint ne = year(asked) != 1\n'
               ' constraint in_ = up in L\n'
               ' constraint not_in = up not in L\n'
               ' constraint quant = all d in dates(q): before(d, asked)\n'
               ' constraint bare = year(asked) / 3000 }',
               [{"q": "What happened?", "response": "/a"}])
    assert s.values[0] == {"is_none": True, "lt": False, "ne": False, "in_": False, "not_in": False, "quant": True,
                           "bare": False}
    assert s.summary["bare"].none == 1 and s.summary["bare"].errors == 0 and s.csr[0] == 2 / 7


def test_a_quantifier_over_none_is_false_and_share_over_none_scores_zero() -> None:
    s = _score('task t { output y: text = strip(response)\n labels L = {"/a", "/a/b"}\n'
               ' let up = ancestors(parent(y, L), L)\n'          # parent of a top-level label is none
               ' constraint all_ = all x in up: x == "/a"\n constraint any_ = any x in up: x == "/a"\n'
               ' constraint share_ = share x in up: x == "/a" }',
               [{"response": "/a"}, {"response": "/a/b/c"}])
    assert s.values[0] == {"all_": False, "any_": False, "share_": False}
    assert s.values[1] == {"all_": True, "any_": True, "share_": 1.0}
    assert s.summary["share_"].none == 1


# ---- errors are reported ---------------------------------------------------------------------------------
def test_a_runtime_pattern_error_is_counted_not_a_plain_false() -> None:
    s = _score('task t { input p: text\n output y: text = strip(response)\n constraint m = matches(y, p) }',
               [{"p": "(unclosed", "response": "x"}, {"p": "^x$", "response": "x"}])
    # v3: a verifier error shows as {"error": message}, never as a plain false (the pattern is an input's)
    assert [v["m"] for v in s.values] == [{"error": s.errors[0][2]}, True] and "(unclosed" in s.errors[0][2]
    assert s.summary["m"].errors == 1 and s.errors[0][0] == 0 and s.invalid == []


def test_an_impossible_date_is_an_error_not_a_silent_drop() -> None:
    s = _score('task t { output y: text = strip(response)\n constraint d = count(dates(y)) >= 1 }',
               [{"response": "born on 31 February 1990"}, {"response": "born on 28 February 1990"}])
    # v3: the date is the response's, so the answer is invalid (false, counted), not a verifier error
    assert s.values[0]["d"] is False and s.summary["d"].invalid == 1 and s.summary["d"].errors == 0
    assert s.values[1]["d"] is True


def test_an_invalid_pattern_literal_fails_lint() -> None:
    program = act_dsl.loads('task t { output y: text = strip(response)\n constraint m = matches(y, "(a") }')
    assert program.errors and "matches" not in [d.code for d in program.errors]


# ---- empty responses ---------------------------------------------------------------------------------
def test_an_empty_response_scores_zero_even_where_vacuous_truth_would_reward_it() -> None:
    program = act_dsl.load(EXAMPLES / "entity_typing" / "task.act")
    rec = {"sentence": "Obama visited Paris .", "mention": "Obama"}
    s = program.score([{**rec, "response": ""}, {**rec, "response": "   \n"}, {**rec, "response": "/person"}])
    assert s.csr[0] == 0.0 and s.csr[1] == 0.0 and s.csr[2] > 0.5
    assert s.empty_responses == 2 and all(v is False for v in s.values[0].values())


# ---- fuzzy direction ------------------------------------------------------------------------------------
def test_an_answer_that_contains_the_context_is_not_in_the_context() -> None:
    ctx = "Maria worked for Banco Central from 1998 to 2004."
    s = _score('task t { input c: text\n output y: text = strip(response)\n constraint in_c = y in c fuzzy 90 }',
               [{"c": ctx, "response": "Banco Central"}, {"c": ctx, "response": "Banco Centrl"},
                {"c": ctx, "response": "Answer: " + ctx + " So the answer is Banco Central, I think."}])
    assert [v["in_c"] for v in s.values] == [True, True, False]


# ---- dates --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("It cost 1500 dollars", 0), ("2,000 people came", 0), ("see page 1200", 0), ("She was born in 1500", 1)])
def test_plain_numbers_are_not_dates(text: str, expected: int) -> None:
    s = _score('task t { input x: text\n output y: text = strip(response)\n let n = count(dates(x))\n'
               ' constraint c = n == 1 }', [{"x": text, "response": "y"}])
    assert s.values[0]["c"] is (expected == 1)


def test_ranges_within_a_month_and_seasons_are_periods() -> None:
    s = _score('task t { input q: text\n output y: text = strip(response)\n let asked = timespan(q)\n'
               ' constraint in_it = any d in dates(y): within(d, asked)\n'
               ' constraint outside = any d in dates(y): overlaps(d, asked) }',
               [{"q": "between 1 and 5 March 2020", "response": "on 3 March 2020"},
                {"q": "between 1 and 5 March 2020", "response": "on 9 March 2020"},
                {"q": "in the summer of 2003", "response": "in July 2003"},
                {"q": "in the summer of 2003", "response": "in October 2003"}])
    assert [v["in_it"] for v in s.values] == [True, False, True, False]


def test_two_reference_dates_in_one_process_stay_independent() -> None:
    graph = act_dsl.loads('task t { output y: text = strip(response)\n'
                          ' constraint recent = any d in dates(y): overlaps(d, timespan("last year")) }',
                          strict=True).graph()
    a, b = Verifier(graph, RunSettings(dt.date(2012, 6, 1))), Verifier(graph, RunSettings(dt.date(2021, 6, 1)))
    rows = [{"response": "in 2011"}, {"response": "in 2020"}]
    for _ in range(2):  # interleaved: neither verifier's date leaks into the other
        assert [v["recent"] for v in a.score(rows).values] == [True, False]
        assert [v["recent"] for v in b.score(rows).values] == [False, True]


# ---- every group by key -------------------------------------------------------------------------------------
GROUPED = '''task t {
  input doc: text
  input who: text
  output y: text = strip(response)
  group by doc, who {
    constraint same = all a, b in group: a.y == b.y
  }
}'''


def test_every_group_by_key_counts_in_scoring() -> None:
    s = _score(GROUPED, [{"doc": "d", "who": "A", "response": "x"}, {"doc": "d", "who": "B", "response": "z"},
                         {"doc": "d", "who": "A", "response": "x"}])
    assert [v["same"] for v in s.values] == [True, True, True]  # A and B are different groups


def test_every_group_by_key_counts_in_training() -> None:
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.training.data import rank
    graph = act_dsl.loads(GROUPED, strict=True).graph()
    samples = [{"index": i, "prompt": "p", "fields": f, "responses": r} for i, (f, r) in enumerate([
        ({"doc": "d", "who": "A"}, ["x", "y"]), ({"doc": "d", "who": "B"}, ["z", "z"]),
        ({"doc": "d", "who": "A"}, ["x", "q"])])]
    ranked = rank(Verifier(graph), samples)
    assert sorted(len(it.members) for it in ranked.items) == [1, 2]
    joint = next(it for it in ranked.items if len(it.members) == 2)
    assert joint.csr == [1.0, 0.0]  # candidate 0: x == x; candidate 1: y != q


# ---- the command line ----------------------------------------------------------------------------------------
def test_trace_evaluates_a_record_inside_its_group_as_score_does(tmp_path) -> None:
    act = tmp_path / "t.act"
    act.write_text(GROUPED)
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in [{"doc": "d", "who": "A", "response": "x"},
                                                      {"doc": "d", "who": "A", "response": "y"}]) + "\n")
    scored = run_act("score", str(act), "--data", str(data))
    assert json.loads(scored.stdout.splitlines()[0])["constraints"]["same"] is False
    r = run_act("trace", str(act), "--data", str(data), "--line", "1")
    assert r.returncode == 0, r.stderr
    assert "constraint same" in r.stdout and "= false" in r.stdout.split("constraint same")[1].splitlines()[0].lower()
    quant_lines = [x for x in r.stdout.splitlines() if x.strip().startswith("all a, b in group")]
    assert len(quant_lines) == 1  # each quantifier block once


def test_act_test_fails_when_it_ran_nothing(tmp_path) -> None:
    act = tmp_path / "t.act"
    act.write_text('task t { output y: text = strip(response)\n constraint c = count(words(y)) >= 1 }')
    r = run_act("test", str(act))
    assert r.returncode == 1 and "no expectation ran" in r.stderr


# ---- the Python API for other trainers ------------------------------------------------------------------
def test_program_renders_prompts_and_gives_its_stop_rule_and_reward() -> None:
    program = act_dsl.load(EXAMPLES / "entity_typing" / "task.act")
    rows = [{"sentence": "Obama visited Paris .", "mention": "Obama"}]
    (prompt,) = program.prompts(rows)
    assert "Obama visited Paris ." in prompt and "/person" in prompt
    assert program.stop() == "newline"
    reward = program.reward_function()
    assert reward(prompts=[prompt, prompt], completions=["/person, /person/politician", ""],
                  sentence=[rows[0]["sentence"]] * 2, mention=[rows[0]["mention"]] * 2)[1] == 0.0
    with pytest.raises(DataError):
        program.prompts([{"sentence": "s"}])  # a missing input is a data error, as in act sample
