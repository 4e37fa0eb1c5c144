"""The canonical programs of LANGUAGE.md parse, check, lint clean and score as their comments say."""
from __future__ import annotations

import pytest

import act_dsl
from act_dsl.diagnostics.diagnostic import Severity
from conftest import EXAMPLES, ROOT

CANONICAL = ["entity_typing", "summarization", "temporal_qa", "event_ordering"]


@pytest.mark.parametrize("name", CANONICAL)
def test_canonical_example_lints_clean(name: str) -> None:
    program = act_dsl.load(EXAMPLES / name / "task.act")
    assert program.ok
    assert [str(d) for d in program.diagnostics if d.severity >= Severity.WARNING] == []


def test_language_md_entity_typing_verbatim_lints_clean_and_passes_its_examples() -> None:
    # examples/entity_typing tunes the prompt for small models; this copy is LANGUAGE.md's text as written
    from act_dsl.examples_runner import run_examples
    program = act_dsl.load(ROOT / "tests" / "canonical" / "entity_typing.act")
    assert program.ok and not [d for d in program.diagnostics if d.severity >= Severity.WARNING]
    checked, failures = run_examples(program)
    assert checked == 5 and failures == []


def test_stdlib_lints_clean() -> None:
    for path in sorted((ROOT / "stdlib_constraints").glob("*.act")):
        program = act_dsl.load(path)
        assert [str(d) for d in program.diagnostics if d.severity >= Severity.WARNING] == [], path.name


def test_entity_typing_contract_values() -> None:
    program = act_dsl.load(ROOT / "tests" / "canonical" / "entity_typing.act")
    scores = program.score([
        {"sentence": "Obama visited Paris .", "mention": "Obama", "response": "/person, /person/politician"},
        {"sentence": "Obama visited Paris .", "mention": "Obama", "response": "/person/politician, /person/wizard"},
        {"sentence": "Obama visited Paris .", "mention": "Obama", "response": "Person / Politician, /person"},
    ])
    assert scores.values[0] == {"in_label_set": True, "hierarchy": True, "nonempty": True}
    assert scores.values[1] == {"in_label_set": False, "hierarchy": False, "nonempty": True}
    assert round(scores.csr[1], 3) == 0.2
    assert scores.values[2]["in_label_set"] is True  # fuzzy whole-label match tolerates spacing and case


def test_fuzzy_label_membership_is_whole_label() -> None:
    prog = act_dsl.loads('task t { output ts: list<label> = split(response, ",")\n labels L = {"/person"}\n'
                         ' constraint c = all t in ts: t in L fuzzy 80 }')
    s = prog.score([{"response": "/person/wizard"}, {"response": "/persno"}])
    assert s.values[0]["c"] is False  # a partial-match scorer would say 100
    assert s.values[1]["c"] is True


def test_quantifier_semantics_on_empty_lists() -> None:
    prog = act_dsl.loads('task t { output xs: list<text> = split(response, ",")\n'
                         ' constraint a = all x in xs: x == "k"\n constraint b = any x in xs: x == "k"\n'
                         ' constraint c = share x in xs: x == "k" }')
    s = prog.score([{"response": " , ,"}, {"response": "k, j"}, {"response": "  \n "}])
    assert s.values[0] == {"a": True, "b": False, "c": None}   # split drops empty pieces: an empty list
    assert s.values[1] == {"a": False, "b": True, "c": 0.5}
    assert s.csr[0] == 0.5  # c is not applicable, so it is left out
    # an empty (or whitespace-only) response is never a good answer: 0 on every constraint, not vacuous truth
    assert s.values[2] == {"a": False, "b": False, "c": False} and s.csr[2] == 0.0
    assert s.empty == [False, False, True]


def test_pair_quantifier_sees_ordered_pairs_and_where() -> None:
    program = act_dsl.load(EXAMPLES / "event_ordering" / "task.act")
    passage = "The war ended. Then the treaty was signed. Later the king died."
    rows = [
        {"passage": passage, "event": "treaty", "relation": "before", "response": "The war ended"},
        {"passage": passage, "event": "treaty", "relation": "after", "response": "the king died"},
        {"passage": passage, "event": "king", "relation": "before", "response": "the treaty was signed"},
        {"passage": passage, "event": "king", "relation": "after", "response": "the treaty was signed"},
    ]
    s = program.score(rows)
    assert [v["before_after_disjoint"] for v in s.values] == [True, True, False, False]
    assert all(v["are_spans"] for v in s.values)


def test_errors_inside_a_verifier_count_as_zero_and_never_raise() -> None:
    prog = act_dsl.loads('task t { output y: text = strip(response)\n'
                         ' constraint c = count(ngrams(y, 0)) >= 0 or true\n'
                         ' constraint d = count(words(y)) >= 1 }')
    s = prog.score([{"response": "a b"}])
    assert s.values[0]["c"] == {"error": s.errors[0][2]} and s.summary["c"].errors == 1  # n = 0 is the program's
    assert "ngrams" in s.errors[0][2]
    assert s.csr[0] == 0.5


def test_when_makes_a_constraint_not_applicable() -> None:
    program = act_dsl.load(EXAMPLES / "temporal_qa" / "task.act")
    ctx = "She worked at Acme from 2004 to 2006. She joined Beta in 2010."
    s = program.score([
        {"context": ctx, "question": "Where did she work in 2005?", "subject": "S", "response": "Acme"},
        {"context": ctx, "question": "Where did she work?", "subject": "T", "response": "Acme"},
    ])
    assert s.values[0]["in_period"] is True
    assert s.values[1]["in_period"] is None
    assert s.values[1]["in_context"] is True  # the other constraints still apply


def test_shared_subexpressions_are_one_node() -> None:
    program = act_dsl.loads('task t { input d: text\n output y: text = strip(response)\n'
                            ' constraint a = share e in entities(y): e in entities(d)\n'
                            ' constraint b = count(entities(d)) >= 1 }')
    graph = program.graph()
    ent_d = [n for n in graph.nodes if n.op == "call" and n.params[0] == "entities" and n.args[0].op == "input"]
    assert len(ent_d) == 1


def test_load_reads_only_inside_its_folder(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "secret.txt").write_text("/a\n")
    act = tmp_path / "sub" / "t.act"
    act.write_text('task t { output y: text = strip(response)\n labels L = load("../secret.txt")\n'
                   ' constraint c = y in L }')
    program = act_dsl.load(act)
    assert [d.code for d in program.errors] == ["ACT110"]


REFERENCED = '''task t {
  input asked_on: date
  output when: date = timespan(response)
  reference date = asked_on
  constraint last_year = overlaps(when, timespan("last year"))
  constraint before_asking = before(when, asked_on)
}
'''


def test_reference_date_comes_from_each_records_field() -> None:
    program = act_dsl.loads(REFERENCED)
    assert program.ok and [str(d) for d in program.diagnostics if d.severity >= Severity.WARNING] == []
    s = program.score([
        {"asked_on": "2012-05-03", "response": "It happened last year."},   # 2011
        {"asked_on": "2021-01-10", "response": "It happened last year."},   # 2020
        {"asked_on": "2021-01-10", "response": "It happened in 2011."},
        {"asked_on": 2012, "response": "in 2011"},                          # a number reads as a year
    ])
    assert [v["last_year"] for v in s.values] == [True, True, False, True]
    assert [v["before_asking"] for v in s.values] == [True, True, True, True]
    # without the declaration the same words are read against the run's date (default 2026-01-01)
    plain = act_dsl.loads(REFERENCED.replace("  reference date = asked_on\n", ""))
    assert [v["last_year"] for v in plain.score([{"asked_on": "2012-05-03", "response": "in 2011"}]).values] == [False]


def test_an_explicit_reference_argument_wins_over_the_tasks() -> None:
    program = act_dsl.loads(REFERENCED.replace('timespan("last year")',
                                               'timespan("last year", reference: timespan("1990"))'))
    s = program.score([{"asked_on": "2012-05-03", "response": "in 1989"}])
    assert s.values[0]["last_year"] is True


def test_keywords_of_the_reference_declaration_stay_usable_as_names() -> None:
    program = act_dsl.loads('task date { input reference: text\n output date: text = strip(response)\n'
                            ' constraint c = date == reference }')
    assert program.ok
    assert program.score([{"reference": "a", "response": " a "}]).values[0]["c"] is True
