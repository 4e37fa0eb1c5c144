"""The grammar `act compile --emit grammar` derives for every shipped example and starter agrees with the
verifier: over generated answers, the grammar accepts an answer exactly when the constraints it claims to
enforce pass (on canonical answers), gold answers are accepted, and `act compile`/`act lint` show it."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from act_dsl.scoring.verifier import Verifier
from act_dsl.grammars.compile import guide_for
from act_dsl.grammars.derive import TaskGrammar, derive
from act_dsl.grammars.forms import guide
from act_dsl.program import load, loads

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*ROOT.glob("examples/*/*.act"), *ROOT.glob("act_dsl/starters/*/*.act")])
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _tasks() -> list[tuple[Path, str]]:
    out = []
    for f in FILES:
        program = load(f)
        if program.ok:
            out.extend((f, t) for t in program.tasks)
    return out


TASKS = _tasks()
SHAPED = [(f, t) for f, t in TASKS if derive(load(f).graph(t)).shape is not None]


def _records(f: Path) -> list[dict[str, Any]]:
    rows = []
    for name in ("eval.jsonl", "data.jsonl", "train.jsonl"):
        p = f.parent / name
        if p.is_file():
            rows += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return rows


class Oracle:
    """The verifier's verdict on the constraints the grammar enforces, and the grammar's own verdict."""

    def __init__(self, f: Path, task: str) -> None:
        graph = load(f).graph(task)
        self.tg: TaskGrammar = derive(graph)
        assert self.tg.shape is not None
        self.shape = self.tg.shape
        self.g = guide(self.shape)
        enforced = set(self.tg.enforced)
        self.graph = dataclasses.replace(graph, constraints=tuple(c for c in graph.constraints if c.name in enforced))
        base = next(iter(_records(f)), {})
        self.inputs = {k: base.get(k, "x") for k in graph.inputs}
        self.records = _records(f)

    def passes(self, response: str) -> bool:
        values = Verifier(self.graph).executor().constraint_values([{**self.inputs, "response": response}])
        return all(v[0] is True or v[0] == 1 for v in values.values())

    def accepts(self, response: str) -> bool:
        if self.shape.kind == "json":
            import jsonschema
            try:
                value = json.loads(response)
            except ValueError:
                return False
            return jsonschema.Draft202012Validator(self.g["json_schema"]).is_valid(value)
        return re.fullmatch(self.g["regex"], response) is not None


def _oracle(f: Path, task: str, cache: dict = {}) -> Oracle:  # noqa: B006 - one oracle per task per session
    key = (f, task)
    if key not in cache:
        cache[key] = Oracle(f, task)
    return cache[key]


@pytest.mark.slow
def test_every_shipped_file_is_covered_and_some_have_grammars() -> None:
    assert len(TASKS) >= 10
    kinds = {derive(load(f).graph(t)).shape.kind for f, t in SHAPED}  # type: ignore[union-attr]
    assert {"labels", "json"} <= kinds, kinds
    for f, t in TASKS:  # every constraint gets exactly one note, enforced or not
        tg = derive(load(f).graph(t))
        assert [n.constraint for n in tg.notes] == [c.name for c in load(f).graph(t).constraints]
        assert all(n.text for n in tg.notes)


def _label_answers(shape: Any) -> st.SearchStrategy[tuple[str, bool]]:
    """(answer, canonical): items from the set or junk, joined by the separator with optional spaces."""
    junk = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=6)
    item = st.one_of(st.sampled_from(shape.items), junk)
    return st.tuples(st.lists(item, min_size=0, max_size=5), st.booleans(), st.booleans()).map(
        lambda t: (( " " if t[1] else "") + (shape.sep + (" " if t[2] else "")).join(t[0]) + ("\n" if t[2] else ""),
                   all(x in shape.items for x in t[0]) and
                   shape.min_count <= len(t[0]) <= (shape.max_count or 99)))


@pytest.mark.parametrize("f,task", [p for p in SHAPED if derive(load(p[0]).graph(p[1])).shape.kind == "labels"],
                         ids=lambda x: str(x)[-40:])
def test_label_grammar_accepts_exactly_the_answers_the_label_constraints_pass(f: Path, task: str) -> None:
    o = _oracle(f, task)

    @FAST
    @given(_label_answers(o.shape))
    def check(case: tuple[str, bool]) -> None:
        answer, canonical = case
        if o.accepts(answer):
            assert o.passes(answer), answer
        if canonical and o.passes(answer):
            assert o.accepts(answer), answer
    check()


@pytest.mark.parametrize("f,task", [p for p in SHAPED if derive(load(p[0]).graph(p[1])).shape.kind == "labels"],
                         ids=lambda x: str(x)[-40:])
def test_gold_label_answers_are_accepted(f: Path, task: str) -> None:
    o = _oracle(f, task)
    golds = [r[f"gold_{o.shape.output}"] for r in o.records if isinstance(r.get(f"gold_{o.shape.output}"), list)]
    if not golds:
        pytest.skip(f"{f.parent.name} has no gold_{o.shape.output} field")
    for gold in golds:
        answer = f"{o.shape.sep} ".join(gold)
        inside = all(x in o.shape.items for x in gold) and len(gold) <= (o.shape.max_count or 99)
        assert o.accepts(answer) == inside, answer
        assert o.passes(answer) or not o.accepts(answer)


def _json_value(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the schema, and near misses: a field dropped, a wrong type, an extra key."""
    kind = schema["type"]
    if isinstance(kind, list):  # [T, "null"]
        return st.one_of(st.none(), _json_value({**schema, "type": kind[0]}, depth))
    wrong = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
    if kind == "string":
        good: st.SearchStrategy[Any] = st.text(max_size=8)
    elif kind == "number":
        good = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False))
    elif kind == "boolean":
        good = st.booleans()
    elif kind == "array":
        good = st.lists(_json_value(schema["items"], depth + 1), max_size=3)
    else:
        props = schema["properties"]
        good = st.fixed_dictionaries({k: _json_value(v, depth + 1) for k, v in props.items()}).flatmap(
            lambda d: st.sets(st.sampled_from(sorted(d) or ["_"]), max_size=1).map(
                lambda drop: {k: v for k, v in d.items() if k not in drop}))
        good = st.one_of(good, good.map(lambda d: {**d, "extra_key": 1}))
    return st.one_of(good, good, good, wrong) if depth else good


@pytest.mark.parametrize("f,task", [p for p in SHAPED if derive(load(p[0]).graph(p[1])).shape.kind == "json"],
                         ids=lambda x: str(x)[-40:])
def test_json_schema_accepts_exactly_the_answers_parses_and_conforms_pass(f: Path, task: str) -> None:
    o = _oracle(f, task)
    # with `conforms` enforced the schema is exact; with only `parses`, every field is optional and may be null
    exact = any(n.enforced and "declared field" in n.text for n in o.tg.notes)

    def has_extra(v: Any) -> bool:
        if isinstance(v, dict):
            return "extra_key" in v or any(has_extra(x) for x in v.values())
        return isinstance(v, list) and any(has_extra(x) for x in v)

    @FAST
    @given(_json_value(o.shape.schema), st.booleans())
    def check(value: Any, spaced: bool) -> None:
        answer = (" " if spaced else "") + json.dumps(value)
        if o.accepts(answer.strip()):
            assert o.passes(answer), answer
        elif exact and not has_extra(value):  # keys beyond the declared ones: the schema is stricter than `conforms`
            assert not o.passes(answer), answer

    check()


@pytest.mark.parametrize("f,task", [p for p in SHAPED if derive(load(p[0]).graph(p[1])).shape.kind == "json"],
                         ids=lambda x: str(x)[-40:])
def test_gold_fields_fill_answers_the_schema_accepts(f: Path, task: str) -> None:
    o = _oracle(f, task)
    props = o.shape.schema.get("properties", {})
    fill = {"string": "x", "number": 1, "boolean": True, "array": [], "object": {}}
    used = 0
    for r in o.records:
        whole = r.get(f"gold_{o.shape.output}")
        if isinstance(whole, (dict, list)):  # the whole gold answer
            used += 1
            assert o.accepts(json.dumps(whole)) and o.passes(json.dumps(whole)), whole
            continue
        gold = {k[5:]: v for k, v in r.items() if k.startswith("gold_") and k[5:] in props}
        if not gold:
            continue
        used += 1
        value = {k: gold.get(k, fill[s["type"] if isinstance(s["type"], str) else s["type"][0]])
                 for k, s in props.items()}
        if all("object" not in s["type"] for s in props.values()):
            assert o.accepts(json.dumps(value)) and o.passes(json.dumps(value)), value
    if not used:
        pytest.skip(f"{f.name} task `{task}`: its data has no gold field of the record")


def _typed_value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of the declared types only, where a field may be left out or null when the schema allows it."""
    kind = schema["type"]
    if isinstance(kind, list):  # [T, "null"]
        return st.one_of(st.none(), _typed_value({**schema, "type": kind[0]}))
    if kind == "string":
        return st.text(max_size=8)
    if kind == "number":
        return st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_typed_value(schema["items"]), max_size=3)
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries({k: _typed_value(v) for k, v in schema["properties"].items() if k in required},
                                 optional={k: _typed_value(v) for k, v in schema["properties"].items()
                                           if k not in required})


@pytest.mark.parametrize("f,task", [p for p in SHAPED if derive(load(p[0]).graph(p[1])).shape.kind == "json"],
                         ids=lambda x: str(x)[-40:])
def test_every_answer_of_the_declared_types_that_parses_is_in_the_grammar(f: Path, task: str) -> None:
    """Complete on right answers: an answer of the declared fields and types passes the enforced constraints and
    the schema accepts it; where only `parses` is enforced, fields left out or null are such answers too."""
    o = _oracle(f, task)
    only_parses = not any(n.enforced and "declared field" in n.text for n in o.tg.notes)

    @FAST
    @given(_typed_value({**o.shape.schema, "required": list(o.shape.schema["properties"])}), st.booleans(),
           st.data())
    def check(value: Any, spaced: bool, data: Any) -> None:
        if only_parses:  # leave out some fields, as a model may
            value = {k: v for k, v in value.items() if not data.draw(st.booleans(), label=f"drop {k}")}
        answer = (" " if spaced else "") + json.dumps(value)
        assert o.passes(answer), answer
        assert o.accepts(answer.strip()), answer
    check()


CHOICE_AND_PATTERN = """
import "std/format"
task pick {
  input q: text
  output answer: text = strip(first_line(response))
  prompt "{q}"
  constraint known = one_of(answer, ["red", "dark blue", "green?"])
}
task dated {
  input q: text
  output answer: text = strip(response)
  prompt "{q}"
  constraint iso = is_iso_date(answer)
  constraint short = count(words(answer)) <= 3
}
"""


def test_choice_and_pattern_grammars_agree_with_the_verifier() -> None:
    program = loads(CHOICE_AND_PATTERN, "shapes.act")
    assert program.ok, program.errors
    for task, kind in (("pick", "choice"), ("dated", "regex")):
        graph = program.graph(task)
        tg = derive(graph)
        assert tg.shape is not None and tg.shape.kind == kind
        g = guide_for(graph)
        sub = dataclasses.replace(graph, constraints=tuple(c for c in graph.constraints if c.name in tg.enforced))

        def passes(r: str) -> bool:
            return all(v[0] is True for v in Verifier(sub).executor().constraint_values([{"q": "", "response": r}]).values())

        inner = g["regex"]
        strat = st.one_of(st.from_regex(inner, fullmatch=True), st.text(max_size=12),
                          st.sampled_from(["red", " dark blue\n", "Green?", "2024-02-30", "2024-02-29", " 1999-12-31"]))

        @FAST
        @given(strat)
        def check(answer: str) -> None:
            if re.fullmatch(inner, answer):
                assert passes(answer), answer
        check()
    assert [n.constraint for n in derive(program.graph("dated")).notes if not n.enforced] == ["short"]


def test_patterns_that_do_not_bind_the_whole_answer_are_verify_only() -> None:
    src = """
task p {
  input q: text
  output a: text = strip(response)
  prompt "{q}"
  constraint part = matches(a, "[0-9]+")
  constraint flags = matches(a, "^(?i)abc$")
  constraint spaced = matches(a, "^a\\\\s+b$")
  constraint grounded = a in q
}
"""
    program = loads(src, "p.act")
    assert program.ok, program.errors
    notes = {n.constraint: n for n in derive(program.graph("p")).notes}
    assert not any(n.enforced for n in notes.values())
    assert "anchored" in notes["part"].text and "white space" in notes["spaced"].text
    assert "inputs" in notes["grounded"].text


def _act(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "act_dsl", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.slow
def test_act_compile_emits_the_grammar_and_lint_explains_enforcement() -> None:
    r = _act("compile", "act_dsl/starters/label/task.act", "--emit", "grammar", "--format", "json")
    assert r.returncode == 0, r.stderr
    (task,) = json.loads(r.stdout)
    assert task["grammar"]["kind"] == "labels" and "gbnf" in task["grammar"]
    verdicts = {c["name"]: c["enforcement"] for c in task["constraints"]}
    assert verdicts["known"] == "decode" and verdicts["distinct"] == "verify"
    r = _act("compile", "act_dsl/starters/json/task.act", "--emit", "grammar")
    assert r.returncode == 0 and "json schema:" in r.stdout and "verify-only (" in r.stdout
    r = _act("lint", "--explain-enforcement", "act_dsl/starters/label/task.act")
    assert r.returncode == 0 and "known: enforceable at decode time" in r.stdout
    r = _act("compile", "no_such.act", "--emit", "grammar")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no_such.act" in r.stderr
    r = _act("compile", "act_dsl/starters/label/task.act", "--format", "json")
    assert r.returncode == 2 and "--format" in r.stderr and "Traceback" not in r.stderr
