"""Property test: random and mutated programs only ever give diagnostics, with spans inside the file."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import act_dsl
from conftest import EXAMPLES, ROOT, examples

SEEDS = [p.read_text() for p in sorted(EXAMPLES.glob("*/task.act"))] + \
        [p.read_text() for p in sorted((ROOT / "stdlib_constraints").glob("*.act"))]
TOKENS = ["task", "t", "{", "}", "(", ")", "[", "]", "input", "output", "let", "labels", "constraint", "weight",
          "when", "group", "by", "example", "expect", "all", "any", "share", "in", "not", "and", "or", "fuzzy",
          "where", ":", ",", "=", "==", "<=", ">", "+", "-", "*", "/", ".", '"x"', '"""a\nb"""', "1", "0.5",
          "150", "true", "none", "response", "count", "words", "entities", "dates", "overlaps", "import",
          '"std/labels"', '"./nope.act"', "define", "text", "list<label>", "\n", "#c\n", "x", "a.b", "load"]


def _check(text: str) -> None:
    program = act_dsl.loads(text, folder=EXAMPLES / "entity_typing")
    for d in program.diagnostics:
        if d.span is not None:
            assert 0 <= d.span.start <= d.span.end <= len(text), (d, len(text))
            assert d.span.source.text == text or d.span.path != "<string>"


mutation = st.tuples(st.sampled_from(SEEDS), st.integers(0, 10_000), st.integers(0, 40),
                     st.sampled_from(TOKENS + [""]))


@settings(max_examples=examples(3000), deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(mutation)
def test_mutated_programs_never_raise(m) -> None:
    seed, pos, cut, insert = m
    pos %= len(seed) + 1
    _check(seed[:pos] + insert + seed[pos + cut:])


@settings(max_examples=examples(4000), deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_programs_never_raise(tokens) -> None:
    _check(" ".join(tokens))


@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.text(max_size=200))
def test_random_text_never_raises(text) -> None:
    _check(text)
