"""Reward-hacking probes: `act probe` and the probe table in `act train`'s audit and report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, run_act

LABELS_ONLY = """
task tagging {
  input sentence: text
  output tags: list<label> = split(response, ",")
  labels L = ["alpha", "beta", "gamma"]
  prompt "Tag the sentence with labels from {L}.\\nSentence: {sentence}\\nTags:"
  constraint in_set = all t in tags: t in L
  constraint few    = count(tags) <= 3
  example "good" {
    sentence = "one two"
    response = "alpha, beta"
    expect in_set = true
  }
  example "bad" {
    sentence = "one two"
    response = "delta"
    expect in_set = false
  }
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

SENTENCES = ["The cat sat on the mat", "Rain fell over the quiet harbour", "A train left the station at dawn"]


def _write(tmp: Path, program: str, records: list[dict]) -> tuple[Path, Path]:
    (tmp / "task.act").write_text(program)
    with (tmp / "data.jsonl").open("w") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return tmp / "task.act", tmp / "data.jsonl"


def _rows(stdout: str) -> dict[str, list[str]]:
    """Probe name -> the cells of its table row."""
    return {line.split()[0]: line.split() for line in stdout.splitlines()
            if line.split() and line.split()[0] in ("empty", "prompt_echo", "prompt_echo_x2", "repeat_word")
            or line.startswith(("copy:", "first_label:", "best_label:"))}


@pytest.mark.slow
def test_entity_typing_prints_one_row_per_probe_with_a_csr() -> None:
    folder = EXAMPLES / "entity_typing"
    args = ("probe", str(folder / "task.act"), "--data", str(folder / "train.jsonl"))
    r = run_act(*args)
    assert r.returncode == 0, r.stderr
    # no best_label probe: with `named_as_ner` the first label, /person, is the best constant answer too
    names = {"empty", "prompt_echo", "prompt_echo_x2", "copy:sentence", "copy:mention", "first_label:FIGER",
             "repeat_word"}
    probes = json.loads(run_act(*args, "--format", "json").stdout)["probes"]
    assert {p["name"] for p in probes} == names
    assert all(0.0 <= p["mean_csr"] <= 1.0 for p in probes)
    # eleven constraints: the table prints one column per probe, its mean CSR first
    assert all(n in r.stdout for n in names) and r.stdout.count("mean CSR") >= 1
    assert "reference mean CSR" in r.stdout and "example response(s)" in r.stdout


def test_label_set_only_program_flags_first_label_naming_its_constraints(tmp_path) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": s} for s in SENTENCES])
    r = run_act("probe", str(act), "--data", str(data))
    assert r.returncode == 0, r.stderr
    assert float(_rows(r.stdout)["first_label:L"][1]) == 1.0
    warning = [w for w in r.stdout.splitlines() if w.startswith("warning: probe `first_label:L`")]
    assert len(warning) == 1, r.stdout
    assert "`in_set`" in warning[0] and "`few`" in warning[0]
    # the reference is the examples' mean: (1 + 0.5) / 2
    assert "reference mean CSR 0.750 from the task's 2 example response(s)" in r.stdout
    # the copied sentence is one tag that is not a label: it fails `in_set` and is not flagged
    assert not any(w.startswith("warning: probe `copy:sentence`") for w in r.stdout.splitlines())


def test_grounding_program_flags_the_copied_context(tmp_path) -> None:
    records = [{"context": s, "question": "What happened?"} for s in SENTENCES]
    act, data = _write(tmp_path, GROUNDED, records)
    r = run_act("probe", str(act), "--data", str(data), "--format", "json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    probes = {p["name"]: p for p in report["probes"]}
    copy = probes["copy:context"]
    assert copy["pass_rates"]["grounded"] == 1.0 and copy["flagged"] and "grounded" in copy["rewarding"]
    assert any(w.startswith("probe `copy:context`") and "`grounded`" in w for w in report["warnings"])
    # the question is not in the context: that copy fails `grounded`
    assert probes["copy:question"]["pass_rates"]["grounded"] == 0.0
    assert report["reference"]["mean_csr"] is None and report["records"] == 3


def test_samples_give_the_reference_mean(tmp_path) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": s} for s in SENTENCES])
    # an `act sample` file: per prompt its fields and K responses; 3 of the 6 pass both constraints
    with (tmp_path / "samples.jsonl").open("w") as fh:
        for i, s in enumerate(SENTENCES):
            fh.write(json.dumps({"index": i, "line": i + 1, "prompt": "p", "fields": {"sentence": s},
                                 "responses": ["alpha", "zeta"]}) + "\n")
    r = run_act("probe", str(act), "--data", str(data), "--samples", str(tmp_path / "samples.jsonl"),
                "--format", "json")
    assert r.returncode == 0, r.stderr
    ref = json.loads(r.stdout)["reference"]
    assert ref["mean_csr"] == pytest.approx(0.75) and "6 response(s)" in ref["source"]


def test_bad_data_line_is_reported_with_file_and_line(tmp_path) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": "ok"}])
    with data.open("a") as fh:
        fh.write("{not json\n")
    r = run_act("probe", str(act), "--data", str(data))
    assert r.returncode != 0 and f"{data}:2: not valid JSON" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_samples_line_is_reported_with_file_and_line(tmp_path) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": "ok"}])
    samples = tmp_path / "s.jsonl"
    samples.write_text(json.dumps({"fields": {"sentence": "ok"}, "responses": ["alpha"]}) + "\n"
                       + json.dumps({"fields": {}, "responses": ["alpha"]}) + "\n")
    r = run_act("probe", str(act), "--data", str(data), "--samples", str(samples))
    assert r.returncode != 0 and f"{samples}:2: missing input field(s) `sentence`" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_usage_errors_exit_2(tmp_path) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": "ok"}])
    assert run_act("probe", str(act)).returncode == 2                       # --data is required
    r = run_act("probe", str(act), "--data", str(data), "--task", "nope")
    assert r.returncode == 2 and "no task `nope`" in r.stderr


def test_train_shows_probes_in_its_audit_and_report(tmp_path, tiny_model) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": f"{s} {i}"} for i in range(4) for s in SENTENCES])
    (tmp_path / "eval.jsonl").write_text(json.dumps({"sentence": "x y"}) + "\n")
    out = tmp_path / "run"
    r = run_act("train", str(act), "--data", str(data), "--model", str(tiny_model), "--run-dir", str(out),
                "--samples", "2", "--epochs", "1", "--max-new-tokens", "4", "--force")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "training anyway (--force): the attack `first_label:L`" in r.stderr
    audit_part = r.stderr.split("signal audit:")[1]
    assert "reward-hacking probes: 12 prompt(s)" in audit_part and "from the training samples" in audit_part
    assert "warning: probe `first_label:L`" in audit_part
    audit = json.loads((out / "audit.json").read_text())
    first = next(p for p in audit["probes"]["probes"] if p["name"] == "first_label:L")
    assert first["mean_csr"] == 1.0 and first["flagged"]
    report = (out / "report.md").read_text()
    assert "## Reward-hacking probes" in report and "| `first_label:L` **flagged** | 1.000 |" in report


@pytest.mark.slow
def test_a_task_with_many_constraints_gets_a_probe_table_that_fits_a_terminal() -> None:
    """IFEval's 26 constraints made a 700-character-wide table: with many constraints it is printed one row per
    constraint, one column per probe, and the echo probes' failure on `not_an_echo` is readable."""
    r = run_act("probe", str(EXAMPLES / "ifeval" / "ifeval_train.act"), "--data",
                str(EXAMPLES / "ifeval" / "train.jsonl"))
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines) <= 130
    header = next(x for x in lines if "prompt_echo" in x)
    assert header.split()[:2] == ["empty", "prompt_echo"]
    row = next(x for x in lines if x.startswith("not_an_echo "))
    cols = header.split()
    assert row.split()[1 + cols.index("prompt_echo")] == "0.000"


# The entity-typing example before `named_as_ner`: its three span constraints only forbid, so a constant
# answer that names no person, place or organisation passes them on most mentions.
FORBID_ONLY = """
define says(types: list<label>, pattern: text) = any t in types: matches(lower(t), pattern)
define spacy_sees(mention: text, ents: list<span>) = any e in ents: mention in e fuzzy 90
task typing {
  input  sentence: text
  input  mention:  text
  output types: list<label> = split(first_line(response), ",")
  labels FIGER = load("figer_types.txt")
  prompt "Types of {mention} in: {sentence}\\nTypes:"
  constraint in_label_set = all t in types: t in FIGER fuzzy 90
  constraint person_agrees = says(types, "^[/ ]*person") ==
                             spacy_sees(mention, entities(sentence, types: ["PERSON"]))
  constraint place_agrees  = says(types, "^[/ ]*location") ==
                             spacy_sees(mention, entities(sentence, types: ["GPE", "LOC"]))
  constraint org_agrees    = says(types, "^[/ ]*organization") ==
                             spacy_sees(mention, entities(sentence, types: ["ORG"]))
}
"""


def _constant_means(program, records: list[dict], labels: list[str]) -> list[float]:
    """Each label's mean CSR as the constant answer to every record, scored in one call (one NER pass)."""
    csr = program.score([{**rec, "response": lab} for lab in labels for rec in records]).csr
    n = len(records)
    return [sum(csr[k * n:(k + 1) * n]) / n for k in range(len(labels))]


@pytest.mark.slow
def test_the_best_constant_label_is_probed_and_outranks_every_other_constant(tmp_path) -> None:
    """The first label alone missed the constant a trainer found (GRPO answered `/event` for 123 of 150 FIGER
    mentions): the best_label probe is the label whose constant answer scores highest, checked here against
    scoring every label of the set as a constant answer."""
    import act_dsl
    (tmp_path / "figer_types.txt").write_text((EXAMPLES / "entity_typing" / "figer_types.txt").read_text())
    act, data = _write(tmp_path, FORBID_ONLY,
                       [json.loads(x) for x in (EXAMPLES / "entity_typing" / "train.jsonl").read_text().splitlines()])
    program = act_dsl.load(act)
    records = [json.loads(x) for x in data.read_text().splitlines()]
    labels = program.graph().labelsets["FIGER"].labels
    means = _constant_means(program, records, labels)
    best = max(means)
    assert best > means[0]   # here the first label, /person, is not the best constant
    r = run_act("probe", str(act), "--data", str(data), "--format", "json")
    probes = {p["name"]: p for p in json.loads(r.stdout)["probes"]}
    name = next(n for n in probes if n.startswith("best_label:FIGER="))
    assert labels[means.index(best)] == name.split("=", 1)[1]
    assert probes[name]["mean_csr"] == pytest.approx(best) and probes[name]["flagged"]


@pytest.mark.slow
def test_the_shipped_entity_typing_example_gives_no_constant_answer_the_top_score() -> None:
    """With `named_as_ner` the best constant answer is the first label and scores below the gold types."""
    import act_dsl
    program = act_dsl.load(EXAMPLES / "entity_typing" / "task.act")
    records = [json.loads(x) for x in (EXAMPLES / "entity_typing" / "train.jsonl").read_text().splitlines()]
    labels = program.graph().labelsets["FIGER"].labels
    means = _constant_means(program, records, labels)
    gold = program.score([{**rec, "response": ", ".join(rec["gold_types"])} for rec in records]).mean_csr
    assert max(means) == means[0] and labels[0] == "/person"
    assert gold - max(means) > 0.2


@pytest.mark.slow
def test_gold_answers_are_scored_beside_the_probes_for_comparison() -> None:
    import act_dsl
    task, data = EXAMPLES / "entity_typing" / "task.act", EXAMPLES / "entity_typing" / "eval.jsonl"
    r = run_act("probe", str(task), "--data", str(data), "--gold", "gold_types", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    records = [json.loads(x) for x in data.read_text().splitlines()]
    want = act_dsl.load(task).score([{**rec, "response": ", ".join(rec["gold_types"])} for rec in records]).mean_csr
    assert d["gold"]["name"] == "gold:gold_types" and d["gold"]["mean_csr"] == pytest.approx(want)
    assert "gold:gold_types" not in {p["name"] for p in d["probes"]}           # not a degenerate probe
    best = max(p["mean_csr"] for p in d["probes"])
    assert d["gold"]["mean_csr"] - best > 0.2 and not any("gold answers" in w for w in d["warnings"])
    from act_dsl.scoring.probes import render_table
    table = render_table(d)  # what the table format prints for the same report
    assert "gold:gold_types" in table and "the records' own answers" in table


def test_a_degenerate_answer_scoring_like_the_gold_answers_is_warned_about(tmp_path) -> None:
    # label-set constraints only: the first label scores 1.0, as the gold tags do
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": s, "gold": ["beta"]} for s in SENTENCES])
    r = run_act("probe", str(act), "--data", str(data), "--gold", "gold")
    assert r.returncode == 0, r.stderr
    warning = [w for w in r.stdout.splitlines() if "of the gold answers" in w]
    assert warning and warning[0].startswith("warning: probe `first_label:L` scores mean CSR 1.000, within 0.05")


def test_a_record_without_its_gold_answer_is_a_clear_error(tmp_path) -> None:
    act, data = _write(tmp_path, LABELS_ONLY, [{"sentence": "a b", "gold": "alpha"}, {"sentence": "c d"},
                                                {"sentence": "e f", "gold": 3}])
    r = run_act("probe", str(act), "--data", str(data), "--gold", "gold")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{data}:2: the gold field `gold` is missing, not a text or a list of texts" in r.stderr
