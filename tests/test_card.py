"""`act card`: gold acceptance, mutants by declared type, derived attacks, the search adversary, proxy quality,
and the CARD.md committed beside every example and starter (regenerate: ACT_REGEN_CARDS=1)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import act_dsl
from act_dsl.scoring.attacks import parse
from act_dsl.scoring.card import build_card
from act_dsl.scoring.gold import spearman
from act_dsl.scoring.mutants import Context, mutate, output_shape
from act_dsl.scoring.verifier import Verifier
from conftest import ROOT, run_act
from test_probes import GROUNDED

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
    card = build_card(Verifier(graph), TAG_ROWS, ["d:1", "d:2", "d:3"], "gold", progress=False).as_dict()
    assert card["gold"]["csr"] == 1.0 and card["gold"]["rejected_count"] == 0
    kinds = card["mutants"]["kinds"]
    assert {"label_sibling", "label_parent", "label_unrelated", "label_drop", "label_add"} <= set(kinds)
    assert kinds["label_sibling"]["killed"] == 0.0 and kinds["label_parent"]["killed"] == 0.0
    best = max(card["attacks"], key=lambda a: a["mean_csr"])
    assert best["mean_csr"] == 1.0 and best["name"].startswith(("first_label:", "best_label:", "all_labels:"))
    assert card["checks"] == {"gold_csr": True, "attacks": False, "adversary": False, "mutants": False}
    assert card["verdict"].startswith("fails its card")
    assert any("label_sibling" in f for f in card["fixes"])


GROUNDED_TAGS = TAGS.replace("constraint some   = count(tags) >= 1\n", """constraint some   = count(tags) >= 1
  constraint kind weight 3 = any t in tags: (t == "/animal" and matches(sentence, "cat|dog")) or (t == "/place" and matches(sentence, "Paris"))
  constraint fine weight 2 = any t in tags: (t == "/animal/cat" and matches(sentence, "cat")) or (t == "/animal/dog" and matches(sentence, "dog")) or (t == "/place/city" and matches(sentence, "Paris"))
""")


def test_the_verifiers_own_choice_is_what_a_trainer_reaching_every_label_would_learn(tmp_path: Path) -> None:
    """The card takes every top-level label alone and with one child (/animal, /animal/cat, ...), finds the
    answers the verifier likes best on each record and scores them by the task metric, ties averaged. A verifier
    that checks only the label set likes every answer equally; one that reads the sentence picks the gold."""
    loose = build_card(Verifier(_graph(tmp_path, TAGS)), TAG_ROWS, ["d:1", "d:2", "d:3"], "gold",
                       progress=False).as_dict()["choice"]
    assert loose["answers"] == 6  # /animal, /animal + cat, /animal + dog, /place, /place + city, /thing
    assert loose["ties"] == 6.0 and loose["metric"] < 0.5 and loose["wrong"] >= 2
    first = loose["examples"][0]  # named by the worst of its tied answers: one with nothing of the gold's
    assert first["where"] == "d:1" and first["response"] in ("/place", "/place, /place/city", "/thing")
    tight = build_card(Verifier(_graph(tmp_path, GROUNDED_TAGS)), TAG_ROWS, ["d:1", "d:2", "d:3"], "gold",
                       progress=False).as_dict()["choice"]
    assert tight["metric"] > loose["metric"] and tight["wrong"] == 0 and tight["ties"] == 1.0
    out = run_act("card", str(tmp_path / "task.act"), "--data", str(_records(tmp_path, TAG_ROWS)), "--gold", "gold")
    assert out.returncode == 0, out.stderr
    assert "the verifier's own choice among 6 answers" in out.stdout and "micro_f1 1.000 on average" in out.stdout


VACUOUS = TAGS.replace("constraint in_set = all t in tags: t in L\n", """constraint in_set = all t in tags: t in L
  constraint animal_ok weight 3 = all t in tags where t in L: not starts_with(t, "/animal") or matches(sentence, "cat|dog")
""")


def test_invented_labels_show_a_constraint_that_passes_them_vacuously(tmp_path: Path) -> None:
    """`animal_ok` looks only at the labels of the set, so an answer made of labels the set does not hold passes it
    vacuously: the card's `invented:L` attack (labels in the set's style, in none of it) scores 0.8 on every
    record, above the 0.4 of the first label (a wrong animal type), and is named with the constraints that reward it."""
    from act_dsl.scoring.attacks import invented_labels
    assert invented_labels(["/animal", "/animal/cat"]) == ["/unlisted", "/unlisted/kind"]
    assert invented_labels(["sports", "unlisted"]) == ["unlistedx"]
    graph = _graph(tmp_path, VACUOUS)
    rows = [{"sentence": "Paris is busy", "gold": ["/place", "/place/city"]}]
    card = build_card(Verifier(graph), rows, ["d:1"], "gold", progress=False, search_records=0).as_dict()
    attacks = {a["name"]: a for a in card["attacks"]}
    assert attacks["invented:L"]["mean_csr"] == pytest.approx(4 / 5)
    assert set(attacks["invented:L"]["rewarding"]) == {"animal_ok", "some"}
    assert attacks["first_label:L"]["mean_csr"] == pytest.approx(2 / 5)


@pytest.mark.slow
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
    card = build_card(Verifier(graph), rows, ["d:1", "d:2"], "gold", progress=False).as_dict()
    kinds = card["mutants"]["kinds"]
    assert kinds["entity_swap"]["killed"] == 0.0
    # the sentences of the context pass `grounded`; the question, the other input's sentence, does not
    survivors = kinds["sentence_swap"].pop("survivors")
    assert kinds["sentence_swap"] == {"n": 4, "killed": 0.5, "by_constraint": {"grounded": 0.5, "short": 0.0}}
    # the card shows what survived: the two context sentences kept their CSR of 1, as the gold answers did
    assert len(survivors) == 2 and all(s["csr"] == s["gold_csr"] == 1.0 for s in survivors)
    assert {s["mutant"] for s in survivors} <= {x.strip() + "." for r in rows for x in r["context"].split(".") if x}
    assert {(s["where"], s["gold"]) for s in kinds["entity_swap"]["survivors"]} == {("d:1", "Ken Moss"),
                                                                                 ("d:2", "Maria Costa")}
    text = run_act("card", str(tmp_path / "task.act"), "--data", str(_records(tmp_path, rows)), "--gold", "gold",
                   "--search", "0").stdout
    assert "survived `entity_swap`: " in text and "'Ken Moss' -> 'Ruth Blake' (CSR 1.000, gold 1.000)" in text
    assert card["adversary"]["found"] == 2 and card["adversary"]["mean_csr"] == 1.0
    assert card["checks"]["adversary"] is False



DATED = GROUNDED.replace("}\n", """  constraint in_period = coverage(period_of(answer, context), timespan(question)) >= 0.2
  constraint no_date = count(dates(answer)) == 0
}
""")


def test_a_text_answers_own_choice_is_taken_among_the_entities_of_its_inputs(tmp_path: Path) -> None:
    """For a text answer the card's own choice is taken among the entities spaCy finds in each record's text
    inputs, as a span-extracting model answers. A verifier that only asks for a span of the context likes every
    name and date of it equally (no unique favourite, mostly wrong); one that reads the asked period picks the
    editor of 1985, not the one of 1972-1980."""
    rows = [{"context": "Ruth Blake edited the Gazette from 1972 to 1980. Ken Moss edited it from 1981 to 1994.",
             "question": "Who edited the Gazette in 1985?", "gold": "Ken Moss"},
            {"context": "Maria Costa led the orchestra from 1990 to 1998. Jan Berg led it from 1999 to 2012.",
             "question": "Who led the orchestra in 1995?", "gold": "Maria Costa"}]
    loose = build_card(Verifier(_graph(tmp_path, GROUNDED)), rows, ["d:1", "d:2"], "gold",
                       progress=False).as_dict()["choice"]
    assert loose["space"] == "entities" and loose["records"] == 2 and loose["unique"] == 0
    assert loose["ties"] >= 4 and loose["metric"] < 0.5 and loose["wrong"] == 2
    assert {e["response"] for e in loose["examples"]} & {"Ruth Blake", "Jan Berg", "1990", "1972 to 1980"}
    tight = build_card(Verifier(_graph(tmp_path, DATED)), rows, ["d:1", "d:2"], "gold",
                       progress=False).as_dict()["choice"]
    assert tight["unique"] == 2 and tight["ties"] == 1.0 and tight["metric"] == 1.0 and tight["wrong"] == 0
    out = run_act("card", str(tmp_path / "task.act"), "--data", str(_records(tmp_path, rows)), "--gold", "gold",
                  "--search", "0")
    assert out.returncode == 0, out.stderr
    assert "the verifier's own choice among the entities spaCy finds in each record's text inputs" in out.stdout
    assert "token_f1 1.000 on average" in out.stdout and "one favourite alone on 2" in out.stdout
    # an answer that is no entity of the inputs (a sentence) leaves the choice out, and says why
    said = [dict(r, gold=r["context"].split(". ")[1]) for r in rows]
    card = build_card(Verifier(_graph(tmp_path, DATED)), said, ["d:1", "d:2"], "gold", progress=False).as_dict()
    assert card["choice"] is None and any("only 0 of 2 gold answers are one of them" in n for n in card["notes"])

SUBSET = TAGS.replace("input sentence: text", "input sentence: text\n  input allowed: text").replace(
    "constraint some", 'constraint allowed_only = all t in tags: t in split(allowed, " ")\n  constraint some')


def test_the_adversary_counts_only_answers_that_lose_half_the_metric_as_wrong(tmp_path: Path) -> None:
    """A verifier that accepts exactly the subsets of the gold labels: `/animal` alone for `/animal, /animal/cat`
    keeps most of the answer (micro F1 0.667), so the search adversary may not count it as wrong; its wrong answers
    (F1 at most half of gold's) all fail a constraint, and the card's adversary check passes. A mutant still
    counts any drop: the dropped label is a `label_drop` mutant the verifier does not kill."""
    from act_dsl.scoring.card import WRONG_AT
    from act_dsl.scoring.gold import record_metric
    graph = _graph(tmp_path, SUBSET)
    rows = [{**r, "allowed": " ".join(r["gold"])} for r in TAG_ROWS]
    card = build_card(Verifier(graph), rows, ["d:1", "d:2", "d:3"], "gold", progress=False).as_dict()
    adv = card["adversary"]
    assert WRONG_AT == 0.5 and adv["wrong_at"] == 0.5 and adv["found"] == 3
    assert adv["mean_csr"] == pytest.approx(2 / 3) and card["checks"]["adversary"] is True
    shape = output_shape(graph)
    assert shape is not None
    for e in adv["examples"]:
        got = [x.strip() for x in e["response"].split(",")]
        assert record_metric(shape, got, rows[int(e["where"][2:]) - 1]["gold"]) <= 0.5
    assert card["mutants"]["kinds"]["label_drop"]["killed"] == 0.0
    from act_dsl.cli.card import render_markdown, render_text
    assert "search adversary: wrong answers (task metric at most 0.5 of the gold answer's)" in render_text(card)
    assert "a partly right answer is not wrong" in render_markdown(card)


def test_proxy_quality_from_samples(tmp_path: Path) -> None:
    """Samples where the verifier ranks the right answer first on one prompt and a wrong one first on the other:
    half the prompts agree, and the rank correlation is computed over every sample."""
    graph = _graph(tmp_path, GROUNDED)
    rows = [{"context": "Ken Moss edited the Gazette in 1985.", "question": "Who edited it?", "gold": "Ken Moss"},
            {"context": "Jan Berg led the band in 1999.", "question": "Who led it?", "gold": "Jan Berg"}]
    samples = (rows, [["Ken Moss", "Bob Smith"],
                      ["band", "Jan Berg was the leader of a band that played in the year 1999 a lot"]])
    proxy = build_card(Verifier(graph), rows, ["d:1", "d:2"], "gold", samples, search_records=0, progress=False).proxy
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
    back = parse(Verifier(graph).executor(), shape, [{"sentence": "x"}] * len(muts), [shape.render(m.value) for m in muts])
    assert all(shape.same(b, m.value) and not shape.same(b, gold) for b, m in zip(back, muts))


ITEM = """
task item {
  input listing: text
  output item: {name: text, price: number} = json(response)
  constraint parses = item != none
}
"""
CHOICE = """
task pick {
  input question: text
  labels OPTIONS = ["yes", "no", "unsure"]
  output choice: label = strip(response)
  constraint known = choice in OPTIONS
}
"""


def test_json_and_choice_answers_mutate_by_their_declared_types(tmp_path: Path) -> None:
    """A JSON answer: a field dropped, given another field's value or the wrong type, its number shifted, a text
    field swapped for another entity or sentence of the input; a `label` answer: every other option."""
    graph = _graph(tmp_path, ITEM)
    shape = output_shape(graph)
    assert shape is not None and shape.kind == "json"
    gold = {"name": "Acme kettle", "price": 24.99}
    ctx = Context(["Acme kettle sells for 24.99 today.", "Bolt toaster is sold out this week."],
                  [("Acme kettle", "PRODUCT"), ("Bolt toaster", "PRODUCT")], ["24.99"])
    by_kind: dict[str, list] = {}
    for m in mutate(shape, graph, [gold], [ctx], per_record=50):
        by_kind.setdefault(m.kind, []).append(m.value)
    assert {"json_drop", "json_swap", "json_type", "number_shift", "entity_swap", "sentence_swap"} <= set(by_kind)
    assert {"name": "Acme kettle"} in by_kind["json_drop"] and {"price": 24.99} in by_kind["json_drop"]
    assert {"name": 24.99, "price": 24.99} in by_kind["json_swap"]
    assert {"name": ["Acme kettle"], "price": 24.99} in by_kind["json_type"]
    assert all(v["name"] == "Acme kettle" and v["price"] != 24.99 for v in by_kind["number_shift"])
    assert {"name": "Bolt toaster", "price": 24.99} in by_kind["entity_swap"]
    choice = _graph(tmp_path, CHOICE)
    cshape = output_shape(choice)
    assert cshape is not None and cshape.kind == "label"
    got = mutate(cshape, choice, ["yes"], [Context([], [], [])])
    assert sorted((m.kind, m.value) for m in got) == [("choice_other", "no"), ("choice_other", "unsure")]


def test_the_training_gate_refuses_an_attack_within_0_05_of_gold(tmp_path: Path) -> None:
    """`act train`'s gate: with gold answers in the training records, a constant label scoring as well as gold
    refuses training with the card's verdict; without gold, an attack above the mean sample does."""
    from act_dsl.records import Record
    from act_dsl.training.evaluate import MetricSpec
    from act_dsl.training.signal import card_gate
    graph = _graph(tmp_path, TAGS)
    records = [Record(i + 1, r, None, False) for i, r in enumerate(TAG_ROWS)]
    card, refusal = card_gate(Verifier(graph), records, MetricSpec(), 0.3, log=lambda m: None)
    assert card["gold"]["csr"] == 1.0
    assert refusal is not None and refusal.startswith("training refused: the attack `")
    assert "within 0.05 of the gold answers' 1.000" in refusal and "fails its card" in refusal and "--force" in refusal
    bare = [Record(r.line, {"sentence": r.fields["sentence"]}, None, False) for r in records]
    card, refusal = card_gate(Verifier(graph), bare, MetricSpec(), 0.3, log=lambda m: None)
    assert card["gold"] is None and refusal is not None and "above the mean sample's 0.300" in refusal
    assert card_gate(Verifier(graph), bare, MetricSpec(), 1.0, log=lambda m: None)[1] is None  # equal is not above


# Every shipped example and `act init` starter with its card: (folder, task file, data, gold field or None).
# Held-out data where a folder has it; no gold where the folder has none (the card then compares attacks with
# the data's own responses or the task's example responses).
CARDS = [("examples/entity_typing", "task.act", "eval.jsonl", "gold_types"),
         ("examples/product_extraction", "task.act", "eval.jsonl", "gold_name,gold_price"),
         ("examples/temporal_qa", "task.act", "data.jsonl", "gold_answers"),
         ("examples/event_ordering", "task.act", "data.jsonl", "gold_events"),
         ("examples/summarization", "task.act", "eval.jsonl", "gold_summary"),
         ("examples/ifeval", "ifeval.act", "eval.jsonl", "gold_answer"),
         ("act_dsl/starters/json", "task.act", "eval.jsonl", "gold_card"),
         ("act_dsl/starters/label", "task.act", "eval.jsonl", "gold_topics"),
         ("act_dsl/starters/span", "task.act", "eval.jsonl", "gold"),
         ("act_dsl/starters/temporal", "task.act", "eval.jsonl", "gold")]
# IFEval's task metric is its published definition, not token F1 against one right answer among many: the card
# judges the strict verifier's mutants by the loose definition (a renumbered `Part N` header stays right).
METRIC_TASK = {"examples/ifeval": "ifeval_loose.act"}


def test_every_example_and_starter_folder_has_a_card_entry() -> None:
    folders = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "examples").glob("*/README.md")}
    folders |= {str(p.parent.relative_to(ROOT)) for p in (ROOT / "act_dsl" / "starters").glob("*/task.act")}
    assert folders == {c[0] for c in CARDS}


@pytest.mark.slow
@pytest.mark.parametrize("folder,task,data,gold", CARDS, ids=[c[0].split("/")[-1] for c in CARDS])
def test_committed_card_is_what_act_card_writes(folder: str, task: str, data: str, gold: str | None,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """CARD.md beside each example and starter is exactly `act card ... --format markdown` run in its folder.
    After a change to a verifier, its data or act card: `ACT_REGEN_CARDS=1 python -m pytest tests/test_card.py`."""
    from act_dsl.cli import main
    monkeypatch.chdir(ROOT / folder)
    extra = ["--metric-task", METRIC_TASK[folder]] if folder in METRIC_TASK else []
    assert main(["card", task, "--data", data, *(["--gold", gold] if gold else []), *extra, "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    path = ROOT / folder / "CARD.md"
    if os.environ.get("ACT_REGEN_CARDS") == "1":
        path.write_text(text)
    assert path.exists() and path.read_text() == text, \
        f"{path} is out of date: regenerate with ACT_REGEN_CARDS=1 python -m pytest tests/test_card.py"


# Folders whose card still fails (issue 23 asks every one to pass): each is an expected failure with its reason,
# strict, so a folder that starts passing turns this list into a failure until its entry is removed.
FAILING: dict[str, str] = {
    "entity_typing": "gold CSR 0.941 < 0.95 on the 60 held-out mentions since the cue phrases taken from their "
                     "sentences left evidence.act (2026-12-07): `fine_grounded` rejects 18 % of their gold answers; "
                     "the card on the 40 training mentions passes (gold 0.958)",
}


@pytest.mark.parametrize("folder", [pytest.param(c[0], id=c[0].split("/")[-1], marks=[pytest.mark.xfail(
    strict=True, reason=FAILING[c[0].split("/")[-1]])] if c[0].split("/")[-1] in FAILING else []) for c in CARDS])
def test_every_example_and_starter_passes_its_card(folder: str) -> None:
    """The committed CARD.md (kept current by the test above) says the folder passes: gold CSR >= 0.95, the best
    attack and the search adversary 0.15 below gold, 80 % of every mutation kind killed."""
    text = (ROOT / folder / "CARD.md").read_text()
    verdict = next(line for line in text.splitlines() if line.startswith("- verdict: "))
    assert verdict.startswith("- verdict: passes its card"), f"{folder}/CARD.md: {verdict[2:]}"


SECTIONS = """
task sections {
  input request: text
  output answer: text = response
  constraint three_parts = count(split(answer, "Part ")) >= 4
  constraint short       = count(words(answer)) <= 40
}
"""
SECTION_ROWS = [{"request": "Write about rain in 3 parts, each starting with Part X.",
                 "gold": "Part 1 The rain starts. Part 2 The streets shine. Part 3 The rain stops."},
                {"request": "Write about snow in 3 parts, each starting with Part X.",
                 "gold": "Part 1 Snow falls at night. Part 2 Children build a fort. Part 3 It melts by noon."}]


@pytest.mark.slow
def test_a_metric_task_leaves_out_the_mutants_it_cannot_tell_from_gold(tmp_path: Path) -> None:
    """Against the gold text (token F1) a renumbered `Part 2` header is a wrong answer that the verifier misses;
    with the task's published definition as the metric (`--metric-task`) that mutant is equivalent to the gold
    answer and left out, while a mutant the definition rejects still counts."""
    (tmp_path / "task.act").write_text(SECTIONS)
    (tmp_path / "definition.act").write_text(SECTIONS.replace("task sections", "task published"))
    data = _records(tmp_path, SECTION_ROWS)
    base = ["card", str(tmp_path / "task.act"), "--data", str(data), "--gold", "gold", "--format", "json"]
    plain = json.loads(run_act(*base).stdout)
    assert plain["metric"] == "token_f1" and plain["mutants"]["kinds"]["number_shift"]["killed"] == 0.0
    got = run_act(*base, "--metric-task", str(tmp_path / "definition.act"))
    assert got.returncode == 0, got.stderr
    card = json.loads(got.stdout)
    assert card["metric"] == "CSR of `published`" and "number_shift" not in card["mutants"]["kinds"]
    assert card["mutants"]["total"] < plain["mutants"]["total"]
    assert all(k["killed"] == 1.0 for k in card["mutants"]["kinds"].values())
    assert "--metric-task" in card["command"]


def test_a_metric_task_needs_gold_and_the_records_inputs(tmp_path: Path) -> None:
    (tmp_path / "task.act").write_text(SECTIONS)
    (tmp_path / "other.act").write_text(SECTIONS.replace("input request", "input topic"))
    data = _records(tmp_path, SECTION_ROWS)
    got = run_act("card", str(tmp_path / "task.act"), "--data", str(data), "--metric-task", str(tmp_path / "other.act"))
    assert got.returncode == 2 and "--metric-task needs --gold" in got.stderr
    got = run_act("card", str(tmp_path / "task.act"), "--data", str(data), "--gold", "gold",
                  "--metric-task", str(tmp_path / "other.act"))
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert "task `sections` reads the input `topic`, which records of" in got.stderr


@pytest.mark.parametrize("weight, fixed", [("1", True), ("0.01", False)])
def test_a_light_tie_breaker_that_rejects_gold_gets_no_fix(tmp_path: Path, weight: str, fixed: bool) -> None:
    """`short` rejects every gold answer: with full weight the card says to loosen it; as a tie-breaker (0.01 of
    the weight, so each gold answer loses under 0.01 of CSR to it) the card shows the weight and asks nothing."""
    program = TAGS.replace("  constraint some ", f"  constraint short weight {weight} = count(tags) <= 1\n  constraint some ")
    card = build_card(Verifier(_graph(tmp_path, program)), TAG_ROWS, ["d:1", "d:2", "d:3"], "gold", progress=False)
    assert card.as_dict()["gold"]["pass_rates"]["short"] == 0.0
    assert any(f.startswith("`short` rejects 100% of gold answers") for f in card.fixes()) is fixed
    path = _records(tmp_path, TAG_ROWS)
    r = run_act("card", str(tmp_path / "task.act"), "--data", str(path), "--gold", "gold", "--format", "markdown")
    assert ("| `short` | 0.000 |" in r.stdout) is fixed and (f"| `short` (weight {weight}) | 0.000 |" in r.stdout) is not fixed
