"""Issue 22's newcomer gaps outside the op laws: `act explain ACT102`, `entities_grounded`'s direction, ACT309."""
from __future__ import annotations

import re

from act_dsl.explain import render


def test_explain_act102_lists_keyword_arguments_and_load() -> None:
    text = render("ACT102") or ""
    rows = {m.group(1): line for line in text.splitlines() if (m := re.match(r"  (\S.*?\)): ", line))}
    assert "entities(x, types: list<text>)" in rows
    assert "dates(x, reference: date)" in rows and "timespan(x, reference: date)" in rows
    assert "starts_with(x, p, strict: bool)" in rows
    assert 'load("file")' in rows and "label" in rows['load("file")']


def test_entities_grounded_looks_for_each_entity_within_the_source_text() -> None:
    import act_dsl
    program = act_dsl.loads('import "std/spans"\ntask t {\n  input source: text\n  output summary: text = response\n'
                            "  constraint grounded = entities_grounded(summary, source)\n}\n", strict=True)
    source = "Barack Obama met Angela Merkel in Berlin."
    scores = program.score([{"source": source, "response": "Obama met Merkel in Berlin."},
                            {"source": source, "response": "Obama met Macron in Paris."}])
    assert scores.values[0]["grounded"] == 1
    assert 0 < scores.values[1]["grounded"] < 1   # Obama is in the source; Macron and Paris are not
