"""Correctness on real public data from ../shared/data (FIGER gold types, TimeQA gold answers)."""
from __future__ import annotations

import json
import shutil

import pytest

import act_dsl
from conftest import EXAMPLES


def _jsonl(path):
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


@pytest.mark.slow
def test_figer_gold_types_are_in_the_label_set_and_hierarchy_flags_exactly_missing_parents(tmp_path,
                                                                                            shared_data) -> None:
    # the example's .act file with the full 113-type FIGER hierarchy as its label file
    shutil.copy(EXAMPLES / "entity_typing" / "task.act", tmp_path / "task.act")
    shutil.copy(EXAMPLES / "entity_typing" / "evidence.act", tmp_path / "evidence.act")
    shutil.copy(shared_data / "figer" / "types.txt", tmp_path / "figer_types.txt")
    types = {t.strip() for t in (shared_data / "figer" / "types.txt").read_text().splitlines() if t.strip()}
    records = _jsonl(shared_data / "figer" / "dev.jsonl")
    program = act_dsl.load(tmp_path / "task.act", strict=True)
    rows = [{"sentence": r["sentence"], "mention": r["mention"], "response": ", ".join(r["gold_types"])}
            for r in records]
    scores = program.score(rows)
    assert all(v["in_label_set"] is True for v in scores.values)

    def parent_missing(gold: list[str]) -> bool:  # counted independently of the verifier
        for t in gold:
            parts = t.strip("/").split("/")
            for k in range(len(parts) - 1, 0, -1):
                p = "/" + "/".join(parts[:k])
                if p in types:
                    if p not in gold:
                        return True
                    break
        return False

    expected = [not parent_missing(r["gold_types"]) for r in records]
    assert [v["hierarchy"] for v in scores.values] == expected
    flagged = expected.count(False)
    print(f"\nFIGER dev: {len(records)} gold sets, in_label_set 1.0, hierarchy flags {flagged}")
    assert 0 < flagged < len(records)  # the data has both kinds, so the check can fail either way


@pytest.mark.slow
def test_timeqa_gold_answers_are_found_in_their_contexts(shared_data) -> None:
    """The example's verifier on whole TimeQA documents (bench/real_tasks.py cuts them to a paragraph, and
    test_timeqa_periods.py checks all 410 of those): the first 160 questions with a gold answer, since spaCy on
    every whole document took a minute and a half of the suite's ten."""
    program = act_dsl.load(EXAMPLES / "temporal_qa" / "task.act", strict=True)
    records = [r for r in _jsonl(shared_data / "timeqa" / "dev.jsonl") if r["gold_answers"]][:160]
    rows = [{"context": r["context"], "question": r["question"], "subject": r["subject"],
             "response": r["gold_answers"][0]} for r in records]
    scores = program.score(rows)
    s = scores.summary
    in_context = s["in_context"].pass_rate
    in_period = s["in_period"]
    print(f"\nTimeQA dev: {len(rows)} gold answers; in_context {in_context:.3f}; "
          f"in_period {in_period.pass_rate:.3f} over {in_period.applicable} questions with a period "
          f"({in_period.not_applicable} without)")
    assert in_context >= 0.95
    assert in_period.applicable > 0.9 * len(rows)  # nearly every TimeQA question names its period
    assert scores.errors == []


def test_summarization_uses_real_spacy_entities() -> None:
    program = act_dsl.load(EXAMPLES / "summarization" / "task.act", strict=True)
    doc = ("Apple opened a new office in Berlin on Monday. Tim Cook said the company would hire 500 engineers "
           "in Germany over the next three years.")
    s = program.score([
        {"document": doc, "response": "Tim Cook said Apple would hire 500 engineers in Germany."},
        {"document": doc, "response": "Satya Nadella said Microsoft would hire 500 engineers in France."},
        {"document": doc, "response": "they will hire people"},
    ])
    assert s.values[0]["grounded"] == 1.0
    assert s.values[1]["grounded"] < 0.5
    assert s.values[2]["grounded"] is None  # no entities: not applicable
    assert s.values[0]["extractive"] is True and s.values[2]["extractive"] is False


@pytest.mark.slow
def test_ner_in_worker_processes_gives_the_same_scores(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from conftest import ROOT
    docs = ["Apple opened an office in Berlin. Tim Cook visited Germany.",
            "The Nile flows through Egypt and Sudan.", "Marie Curie worked in Paris with Pierre Curie."]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"document": d, "responses": [d.split(".")[0], "Bob went to Rome."]}) + "\n"
                            for d in docs))
    outs = []
    for procs in ("1", "2"):
        r = subprocess.run([sys.executable, "-m", "act_dsl", "score", str(EXAMPLES / "summarization" / "task.act"),
                            "--data", str(data)], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "ACT_NER_PROCESSES": procs}, timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] and '"grounded": 1.0' in outs[0]


def test_timeqa_kinds_counts_spacys_label_of_each_training_side_gold_answer(shared_data) -> None:
    """bench/timeqa_kinds.py (bench/RESULTS.md: why an answer-kind constraint cannot read kinds from spaCy's small
    pipeline): every one of the 203 training-side questions is counted once, and among those asking for an
    organisation spaCy labels some gold answers PERSON."""
    import re
    import subprocess
    import sys
    from conftest import ROOT
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "timeqa_kinds.py"), "--data", str(shared_data)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = {m.group(1): (int(m.group(2)), m.group(3)) for m in re.finditer(r"^  (\w+) +(\d+): (.*)$", r.stdout, re.M)}
    assert set(rows) == {"organisation", "who", "other"} and sum(n for n, _ in rows.values()) == 203
    assert re.search(r"\bPERSON [1-9]", rows["organisation"][1])
