"""The laws of the label functions (docs/language.md "Label functions"): `parent`, `ancestors` and `labels_of` on
generated `/`-path label sets agree with plain path arithmetic, whatever the case and spacing of the label."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import act_dsl
from act_dsl.ops.labels import ancestors, labels_of, parent, read_label_file
from act_dsl.ops.values import LabelSet
from conftest import examples

LAWS = settings(max_examples=examples(500), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
STEPS = ["person", "artist", "actor", "location", "city", "org", "company", "a", "b", "Écrivain"]


def spell(r: random.Random, steps: list[str]) -> str:
    """One way to write the path: case, spaces around the steps, a trailing slash."""
    cased = [r.choice([s, s.upper(), s.title(), f" {s} "]) for s in steps]
    return r.choice(["/", " /"]) + "/".join(cased) + r.choice(["", "/", " "])


def a_case(r: random.Random) -> tuple[list[list[str]], list[str], LabelSet, str]:
    """(the paths of a set as steps, the label's steps, the set as written, the label as written)."""
    paths = [[r.choice(STEPS) for _ in range(r.randint(1, 4))] for _ in range(r.randint(0, 12))]
    steps = [r.choice(STEPS) for _ in range(r.randint(1, 5))]
    if paths and r.random() < 0.5:  # often a label below a path of the set
        steps = r.choice(paths) + steps[: r.randint(0, 2)]
    written = [spell(r, p) if r.random() < 0.3 else "/" + "/".join(p) for p in paths]
    return paths, steps, LabelSet("T", tuple(written)), spell(r, steps)


cases = st.integers(0, 2**64 - 1).map(lambda seed: a_case(random.Random(seed)))


def _key(steps: list[str]) -> tuple[str, ...]:
    return tuple(s.strip().casefold() for s in steps)


@LAWS
@given(cases)
def test_ancestors_are_the_proper_prefixes_in_the_set_nearest_first(case) -> None:
    paths, steps, T, label = case
    first: dict[tuple[str, ...], str] = {}
    for p, written in zip(paths, T.labels):
        first.setdefault(_key(p), written)  # the set's own spelling, the first of two spellings of one path
    want = tuple(first[_key(steps[:k])] for k in range(len(steps) - 1, 0, -1) if _key(steps[:k]) in first)
    assert ancestors(label, T) == want, (label, T.labels)
    assert parent(label, T) == (want[0] if want else None)
    assert all(a in T for a in want)


@LAWS
@given(cases)
def test_the_parent_of_the_parent_continues_the_line(case) -> None:
    _, _, T, label = case
    line = ancestors(label, T)
    if line:
        assert ancestors(line[0], T) == line[1:]
        assert parent(line[0], T) == (line[1] if len(line) > 1 else None)


@LAWS
@given(cases)
def test_a_top_level_or_empty_label_has_no_parent(case) -> None:
    _, steps, T, _ = case
    for top in (f"/{steps[0]}", f" {steps[0].upper()}/", "", "/", "  "):
        assert parent(top, T) is None and ancestors(top, T) == ()


@LAWS
@given(st.lists(st.sampled_from(["/a", "/a/b", " /c ", "", "# note", "/a", "/Ä/b"]), max_size=12))
def test_labels_of_a_label_file_are_its_lines_in_order_each_once(lines: list[str]) -> None:
    T = LabelSet("T", read_label_file("\n".join(lines)))
    want: list[str] = []
    for line in lines:
        if line.strip() and not line.strip().startswith("#") and line.strip() not in want:
            want.append(line.strip())
    assert labels_of(T) == tuple(want)
    assert all(lab in T for lab in labels_of(T)) and len(labels_of(T)) == len(T)


def test_a_trailing_slash_or_spaces_in_the_set_name_the_same_path() -> None:
    # a fix: ancestors compared whole normalised texts, so "/person/" in the set was never the parent of
    # "/person/artist", and "/ Person / Artist" never matched "/person/artist"
    T = LabelSet("T", ("/person/", "/ Person / Artist", "/person/artist/painter"))
    assert ancestors("/person/artist/painter/cubist", T) == ("/person/artist/painter", "/ Person / Artist",
                                                              "/person/")
    assert parent("/PERSON/ARTIST", T) == "/person/"


def test_the_laws_hold_in_the_language() -> None:
    program = act_dsl.loads("""
task t {
  input topic: text
  output y: label = first_line(response)
  labels T = {"/person/", "/person/artist", "/location"}
  prompt "{topic}"
  constraint up = parent(y, T) == "/person/artist"
  constraint line = ancestors(y, T) == ["/person/artist", "/person/"]
  constraint size = count(labels_of(T)) == 3
}
""", strict=True)
    s = program.score([{"topic": "x", "response": "/Person/Artist/Painter"}, {"topic": "x", "response": "/location"}])
    assert s.row(0) == {"up": True, "line": True, "size": True, "csr": 1.0}
    assert s.row(1)["up"] is False and s.row(1)["line"] is False
