"""Issue 22's newcomer gaps outside the op laws: `act explain ACT102`, `entities_grounded`'s direction, ACT309."""
from __future__ import annotations

import re

import act_dsl
from act_dsl.explain import render


def test_explain_act102_lists_keyword_arguments_and_load() -> None:
    text = render("ACT102") or ""
    rows = {m.group(1): line for line in text.splitlines() if (m := re.match(r"  (\S.*?\)): ", line))}
    assert "entities(x, types: list<text>)" in rows
    assert "dates(x, reference: date)" in rows and "timespan(x, reference: date)" in rows
    assert "starts_with(x, p, strict: bool)" in rows
    assert 'load("file")' in rows and "label" in rows['load("file")']


def test_entities_grounded_looks_for_each_entity_within_the_source_text() -> None:
    program = act_dsl.loads('import "std/spans"\ntask t {\n  input source: text\n  output summary: text = response\n'
                            "  constraint grounded = entities_grounded(summary, source)\n}\n", strict=True)
    source = "Barack Obama met Angela Merkel in Berlin."
    scores = program.score([{"source": source, "response": "Obama met Merkel in Berlin."},
                            {"source": source, "response": "Obama met Macron in Paris."}])
    assert scores.values[0]["grounded"] == 1
    assert 0 < scores.values[1]["grounded"] < 1   # Obama is in the source; Macron and Paris are not


def _act309(constraint: str, labels: str = '{"/person", "/location", "/event"}') -> list[str]:
    program = act_dsl.loads("task t {\n  output types: list<label> = split(response, \",\")\n"
                            f"  labels FIGER = {labels}\n  constraint in_set = all t in types: t in FIGER fuzzy 90\n"
                            f"  constraint c = {constraint}\n}}\n")
    return [d.span.text for d in program.diagnostics if d.code == "ACT309"]


def test_act309_warns_where_a_pattern_matches_no_label_of_the_set_its_labels_come_from() -> None:
    assert _act309('any t in types: matches(t, "^/time")') == ['"^/time"']
    assert _act309('any t in types: matches(upper(t), "^/time")') == ['"^/time"']
    assert _act309('any t in FIGER: matches(t, "^/time")') == ['"^/time"']      # over the set itself
    # through a define, as examples/entity_typing/task.act writes it: the pattern is underlined at the call
    program = act_dsl.loads('define says(ts: list<label>, p: text) = any t in ts: matches(lower(t), p)\n'
                            "task t {\n  output types: list<label> = split(response, \",\")\n"
                            '  labels FIGER = {"/Person", "/location"}\n'
                            "  constraint in_set = all t in types: t in FIGER\n"
                            '  constraint a = says(types, "^/time")\n  constraint b = says(types, "^/person")\n}\n')
    assert [d.span.text for d in program.diagnostics if d.code == "ACT309"] == ['"^/time"']


def test_act309_is_quiet_where_some_label_matches_or_the_test_is_negated() -> None:
    assert _act309('any t in types: matches(t, "^/loc")') == []
    assert _act309('any t in types: matches(lower(t), "^/person")', '{"/Person"}') == []
    assert _act309('all t in types: not matches(t, "[A-Z]")') == []
    assert _act309('not (any t in types: matches(t, "^/time"))') == []
    assert _act309('any w in split(response, ";"): matches(w, "^/time")') == []   # not drawn from a set


def test_the_entity_typing_example_can_name_every_type_it_asks_for() -> None:
    from conftest import EXAMPLES
    program = act_dsl.load(EXAMPLES / "entity_typing" / "task.act")
    assert not [str(d) for d in program.diagnostics if d.code == "ACT309"]
