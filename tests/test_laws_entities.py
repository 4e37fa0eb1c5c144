"""The laws of `entities` (docs/language.md "Entity functions"), checked with hypothesis over generated short texts
read by the real small spaCy pipeline: every span is the text at its offsets, and `types:` keeps exactly the
entities of those labels."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("spacy")
from act_dsl.ops.spans import MissingPipeline, entities, nlp  # noqa: E402
from conftest import examples  # noqa: E402

# spaCy reads a short text in about 5 ms, so 500 cases cost a few seconds after the pipeline loads
LAWS = settings(max_examples=examples(500), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
PEOPLE = ["Barack Obama", "Angela Merkel", "Marie Curie", "José Martí", "Zhang Wei", "O'Brien"]
ORGS = ["Google", "the United Nations", "Banco Central", "Siemens AG", "MIT"]
PLACES = ["Paris", "New York", "Zürich", "Lagos", "the Rhine", "São Paulo"]
WORDS = ("met visited in on the and said that a report from of with about 2004 last May 12 percent $5 "
         "— « » 🙂 naïve e\u0301 東京 \t \n").split(" ")
LABELS = ["PERSON", "ORG", "GPE", "LOC", "DATE", "MONEY", "PERCENT", "CARDINAL", "NORP", "FAC"]


def a_text(r: random.Random) -> str:
    parts = [r.choice(PEOPLE + ORGS + PLACES + WORDS * 2) for _ in range(r.randint(0, 14))]
    return r.choice(["", " ", "\n"]) + " ".join(parts) + r.choice(["", ".", "!", " "])


def a_types(r: random.Random) -> tuple[str, ...]:
    return tuple(r.choice([t, t.lower(), t.title()]) for t in r.sample(LABELS, r.randint(0, 3)))


texts = st.integers(0, 2**64 - 1).map(lambda seed: a_text(random.Random(seed)))
types = st.integers(0, 2**64 - 1).map(lambda seed: a_types(random.Random(seed)))


@pytest.fixture(scope="module", autouse=True)
def pipeline() -> None:
    try:
        nlp()
    except MissingPipeline as exc:
        pytest.skip(str(exc))


@LAWS
@given(texts, types)
def test_spans_are_the_text_at_their_offsets_and_types_keeps_exactly_those_labels(x: str, want: tuple) -> None:
    every, kept = entities([(x, None), (x, want)])
    for e in every:
        assert 0 <= e.start < e.end <= len(x) and x[e.start:e.end] == e.text, (x, e)
        assert e.label and e.label == e.label.upper()
    assert all(a.end <= b.start for a, b in zip(every, every[1:]))  # in order, never overlapping
    wanted = {t.upper() for t in want}
    assert kept == tuple(e for e in every if e.label in wanted), (x, want)


@settings(max_examples=examples(100), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(texts, min_size=2, max_size=6))
def test_a_text_has_the_same_entities_alone_or_in_a_batch(xs: list[str]) -> None:
    batched = entities([(x, None) for x in xs])
    assert batched == [entities([(x, None)])[0] for x in xs]


@pytest.mark.parametrize("x", ["", "   ", "\n\n"])
def test_an_empty_text_has_no_entities(x: str) -> None:
    assert entities([(x, None), (x, ("PERSON",))]) == [(), ()]


def test_an_empty_types_list_keeps_no_entity() -> None:
    # a fix: `types: []` was read as "no filter" and kept every entity
    every, kept = entities([("Barack Obama visited Paris.", None), ("Barack Obama visited Paris.", ())])
    assert every and kept == ()
