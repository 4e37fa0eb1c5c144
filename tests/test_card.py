"""`act card`: gold acceptance, mutants by declared type, derived attacks, the search adversary, proxy quality,
and the CARD.md committed beside every example and starter (regenerate: ACT_REGEN_CARDS=1)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import act_dsl
from act_dsl.graph.executor import Executor
from act_dsl.scoring.attacks import parse
from act_dsl.scoring.card import build_card, spearman
from act_dsl.scoring.mutants import Context, mutate, output_shape
from conftest import ROOT, run_act

TAGS = """
task tagging {
  input sentence: text
  output tags: list<label> = split(first_line(response), ",")
  labels L = ["/animal", "/animal/cat", "/animal/dog", "/place", "/place/city", "/thing"]
  prompt "Tag the sentence with labels from {L}.\\nSentence: {sentence}\\nTags:"
  constraint in_set = all t in tags: t in L
  constraint some   = count(tags) >= 1
}
"""

GROUNDED = """
task qa {
  input context: text
  input question: text
  output answer: text = first_line(response)
  prompt "Answer from the context.\\nContext: {context}\\nQuestion: {question}\\nAnswer:"
  constraint grounded = answer in context
  constraint short weight 0.5 = count(words(answer)) <= 10
}
"""


def _graph(tmp: Path, program: str):
    (tmp / "task.act").write_text(program)
    prog = act_dsl.load(str(tmp / "task.act"))
    return prog.graph()


def _records(tmp: Path, rows: list[dict]) -> Path:
    path = tmp / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


TAG_ROWS = [{"sentence": "The cat slept", "gold": ["/animal", "/animal/cat"]},
            {"sentence": "Paris is busy", "gold": ["/place", "/place/city"]},
            {"sentence": "A dog barked", "gold": ["/animal", "/animal/dog"]}]


def test_label_task_card_shows_what_the_set_alone_cannot_tell(tmp_path: Path) -> None:
    """A verifier that only checks set membership accepts every gold answer, catches no sibling or parent
    mutant, and any constant label of the set scores as well as gold: the card says so, line by line."""
    graph = _graph(tmp_path, TAGS)
    card = build_card(graph, TAG_ROWS, ["d:1", "d:2", "d:3"], "gold", progress=False).as_dict()
    assert card["gold"]["csr"] == 1.0 and card["gold"]["rejected_count"] == 0
    kinds = card["mutants"]["kinds"]
    assert {"label_sibling", "label_parent", "label_unrelated", "label_drop", "label_add"} <= set(kinds)
    assert kinds["label_sibling"]["killed"] == 0.0 and kinds["label_parent"]["killed"] == 0.0
    best = max(card["attacks"], key=lambda a: a["mean_csr"])
    assert best["mean_csr"] == 1.0 and best["name"].startswith(("first_label:", "best_label:", "all_labels:"))
    assert card["checks"] == {"gold_csr": True, "attacks": False, "adversary": False, "mutants": False}
    assert card["verdict"].startswith("fails its card")
    assert any("label_sibling" in f for f in card["fixes"])


def test_rejected_gold_answers_are_named_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "task.act").write_text(TAGS)
    data = _records(tmp_path, TAG_ROWS + [{"sentence": "A fish swam", "gold": ["/fish"]}])
    got = run_act("card", str(tmp_path / "task.act"), "--data", str(data), "--gold", "gold", "--search", "0")
    assert got.returncode == 0, got.stderr
    assert f"rejected: {data}:4 (CSR 0.500, fails `in_set`)" in got.stdout
    assert "`in_set` rejects 25% of gold answers" in got.stdout


def test_a_record_without_gold_stops_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "task.act").write_text(TAGS)
    data = _records(tmp_path, TAG_ROWS + [{"sentence": "No gold here"}])
    got = run_act("card", str(tmp_path / "task.act"), "--data", str(data), "--gold", "gold")
    assert got.returncode == 2
    assert f"{data}:4: the gold field `gold` is missing" in got.stderr and "Traceback" not in got.stderr


def test_text_answers_mutate_by_entities_and_sentences_and_stay_wrong(tmp_path: Path) -> None:
    """An answer checked only for being in the context: another person of the same context and another sentence
    of the context both pass, so the card reports those mutants as not killed, and the search adversary finds a wrong
    answer scoring as well as gold."""
    rows = [{"context": "Ruth Blake edited the Gazette from 1972 to 1980. Ken Moss edited it from 1981 to 1994.",
             "question": "Who edited the Gazette in 1985?", "gold": "Ken Moss"},
            {"context": "Maria Costa led the orchestra from 1990 to 1998. Jan Berg led it from 1999 to 2012.",
             "question": "Who led the orchestra in 1995?", "gold": "Maria Costa"}]
    graph = _graph(tmp_path, GROUNDED)
    card = build_card(graph, rows, ["d:1", "d:2"], "gold", progress=False).as_dict()
    kinds = card["mutants"]["kinds"]
    assert kinds["entity_swap"]["killed"] == 0.0
    # the sentences of the context pass `grounded`; the question, the other input's sentence, does not
    assert kinds["sentence_swap"] == {"n": 4, "killed": 0.5, "by_constraint": {"grounded": 0.5, "short": 0.0}}
    assert card["adversary"]["found"] == 2 and card["adversary"]["mean_csr"] == 1.0
    assert card["checks"]["adversary"] is False


def test_proxy_quality_from_samples(tmp_path: Path) -> None:
    """Samples where the verifier ranks the right answer first on one prompt and a wrong one first on the other:
    half the prompts agree, and the rank correlation is computed over every sample."""
    graph = _graph(tmp_path, GROUNDED)
    rows = [{"context": "Ken Moss edited the Gazette in 1985.", "question": "Who edited it?", "gold": "Ken Moss"},
            {"context": "Jan Berg led the band in 1999.", "question": "Who led it?", "gold": "Jan Berg"}]
    samples = (rows, [["Ken Moss", "Bob Smith"],
                      ["band", "Jan Berg was the leader of a band that played in the year 1999 a lot"]])
    proxy = build_card(graph, rows, ["d:1", "d:2"], "gold", samples, search_records=0, progress=False).proxy
    assert proxy is not None
    assert proxy["responses"] == 4 and proxy["prompts"] == 2 and proxy["best_agrees"] == 0.5


def test_spearman() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["/animal", "/animal/cat", "/animal/dog", "/place", "/place/city", "/thing"]),
                min_size=1, max_size=3, unique=True))
def test_list_mutants_read_back_as_written(tmp_path_factory: pytest.TempPathFactory, gold: list[str]) -> None:
    """Every label mutant, rendered as a response, is read by the task's own output reader as the mutated list."""
    graph = _graph(tmp_path_factory.mktemp("m"), TAGS)
    shape = output_shape(graph)
    assert shape is not None and shape.joiner == ", "
    muts = mutate(shape, graph, [gold], [Context([], [], [])], per_record=50)
    assert muts
    back = parse(Executor(graph), shape, [{"sentence": "x"}] * len(muts), [shape.render(m.value) for m in muts])
    assert all(shape.same(b, m.value) and not shape.same(b, gold) for b, m in zip(back, muts))
