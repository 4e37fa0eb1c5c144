"""examples/ifeval/train.jsonl: the project-written IFEval training prompts that bench/ifeval_prompts.py writes.

The committed file must be what the generator writes, cover all 25 instruction types, read and score through the
training verifier, and stay clear of IFEval's own 541 prompts (which are held out)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

import act_dsl

sys.path.insert(0, str(ROOT / "bench"))
import ifeval_prompts as gen  # noqa: E402  (bench/ifeval_prompts.py)

TRAIN = EXAMPLES / "ifeval" / "train.jsonl"
SCRIPT = ROOT / "bench" / "ifeval_prompts.py"

# the value type of every kwargs key, as ifeval_train.act declares it
KEY_TYPES = {"num_highlights": int, "relation": str, "num_words": int, "num_placeholders": int,
             "prompt_to_repeat": str, "num_bullets": int, "section_spliter": str, "num_sections": int,
             "capital_relation": str, "capital_frequency": int, "keywords": list, "num_paragraphs": int,
             "language": str, "let_relation": str, "letter": str, "let_frequency": int, "end_phrase": str,
             "forbidden_words": list, "keyword": str, "frequency": int, "num_sentences": int,
             "postscript_marker": str, "first_word": str, "nth_paragraph": int}


def rows() -> list[dict]:
    return [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()]


def test_the_committed_file_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "train.jsonl"
    r = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "wrote 320 records" in r.stdout
    assert out.read_bytes() == TRAIN.read_bytes(), "regenerate with: python bench/ifeval_prompts.py"


def test_another_seed_gives_other_prompts_and_the_same_seed_the_same() -> None:
    assert gen.make_prompts(40, seed=1) == gen.make_prompts(40, seed=1)
    assert gen.make_prompts(40, seed=1) != gen.make_prompts(40, seed=2)


def test_every_type_appears_at_least_8_times_with_one_to_three_per_prompt() -> None:
    data = rows()
    assert len(data) >= 300
    assert len({r["prompt"] for r in data}) == len(data)
    counts = Counter(i for r in data for i in r["instruction_id_list"])
    assert set(counts) == set(gen.TYPES) and len(gen.TYPES) == 25
    assert min(counts.values()) >= 8, counts
    assert {len(r["instruction_id_list"]) for r in data} == {1, 2, 3}


def test_kwargs_have_the_types_the_verifier_declares_and_no_record_pairs_clashing_instructions() -> None:
    for n, r in enumerate(rows(), 1):
        assert set(r) == {"prompt", "instruction_id_list", "kwargs"}, n
        assert len(r["kwargs"]) == len(r["instruction_id_list"]), n
        for kw in r["kwargs"]:
            for key, value in kw.items():
                assert isinstance(value, KEY_TYPES[key]) and not isinstance(value, bool), (n, key, value)
                if isinstance(value, list):
                    assert value and all(isinstance(w, str) for w in value), (n, key)
        assert gen.consistent(r["instruction_id_list"], r["kwargs"]), n
        ids = set(r["instruction_id_list"])
        assert not ({"change_case:english_lowercase", "change_case:english_capital"} <= ids)
        assert not ({"detectable_format:json_format", "detectable_format:title"} <= ids)


def test_a_repeated_request_is_the_prompts_own_first_sentence() -> None:
    seen = 0
    for r in rows():
        for i, kw in zip(r["instruction_id_list"], r["kwargs"]):
            if i == "combination:repeat_prompt":
                assert r["prompt"].startswith(kw["prompt_to_repeat"] + " ")
                seen += 1
    assert seen >= 8


@pytest.mark.slow   # about 1.5 s on 2 shared cores: scores every record
def test_every_record_reads_and_scores_through_the_training_verifier() -> None:
    from act_dsl.records import read_records
    program = act_dsl.load(EXAMPLES / "ifeval" / "ifeval_train.act")
    ds = read_records(TRAIN, program.graph().input_types, need_response=False)
    assert len(ds.records) == len(rows()) and not ds.problems
    data = rows()
    scores = program.score([{**r, "response": "A plain answer of a few words."} for r in data])
    assert not scores.errors
    for n, r in enumerate(data):
        values = scores.row(n)
        for i in r["instruction_id_list"]:      # each listed instruction is checked, and only those
            assert values[i.replace(":", "__")] is not None, (n, i)
        listed = {i.replace(":", "__") for i in r["instruction_id_list"]} | {"not_an_echo", "csr"}
        assert all(v is None for k, v in values.items() if k not in listed), n


def test_an_answer_that_repeats_the_request_and_then_answers_is_no_echo() -> None:
    program = act_dsl.load(EXAMPLES / "ifeval" / "ifeval_train.act")
    answers = []
    for r in rows():
        for i, kw in zip(r["instruction_id_list"], r["kwargs"]):
            if i == "combination:repeat_prompt":
                answers.append({**r, "response": kw["prompt_to_repeat"].lower() + " here is my answer."})
    scores = program.score(answers)
    assert all(scores.row(n)["combination__repeat_prompt"] == 1.0 and scores.row(n)["not_an_echo"]
               for n in range(len(answers)))


# plain sentences for a witness answer: no comma, no capital word, none of the generator's banned or counted
# words (not even inside a longer word) and none of the letters it caps (q, z, x, j)
FILLER = ["The path runs down to the old pier.", "People meet there on calm evenings.",
          "Birds rest on the roof of the shed.", "One boat waits by the wall for the tide.",
          "The air smells of salt and bread.", "Children count the gulls above the dock.",
          "One baker opens the door at five.", "Nets dry in the sun beside the steps."]


def witness(ids: list[str], kwargs: list[dict]) -> str:
    """An answer built to follow every instruction of a record (not in another language): if one exists for
    each record, no record asks for two things that exclude each other."""
    k = dict(zip(ids, kwargs))
    filler = iter(FILLER * 200)
    head: list[str] = []
    body = [next(filler)]                           # plain text first: a quoted answer cannot open with a bullet
    tail: list[str] = []
    if "combination:repeat_prompt" in k:
        head.append(k["combination:repeat_prompt"]["prompt_to_repeat"])
    if "detectable_format:title" in k:
        head.append("<<Notes from the pier>>")
    for i, kw in k.items():
        if i == "keywords:existence":
            body.append("We spoke of " + " and ".join(kw["keywords"]) + " there.")
        elif i == "keywords:frequency" and kw["relation"] == "at least":
            body.append("We said " + " and ".join([kw["keyword"]] * kw["frequency"]) + " there.")
        elif i == "keywords:letter_frequency" and kw["let_relation"] == "at least":
            body.append("We wrote " + kw["letter"] * kw["let_frequency"] + " on the sand.")
        elif i == "change_case:capital_word_frequency" and kw["capital_relation"] == "at least":
            body.append("We said " + " ".join(["NO"] * kw["capital_frequency"]) + " to the wind.")
        elif i == "detectable_content:number_placeholders":
            body.append("Meet us at " + " ".join(["[place]"] * kw["num_placeholders"]) + " soon.")
        elif i == "detectable_format:number_highlighted_sections":
            body.append("We saw " + " and ".join(["*calm*"] * kw["num_highlights"]) + " waves.")
        elif i == "detectable_format:number_bullet_lists":
            body.append("\n".join(f"* {next(filler)}" for _ in range(kw["num_bullets"])))
        elif i == "detectable_format:multiple_sections":
            body += [f"{kw['section_spliter']} {n}\n{next(filler)}" for n in range(1, kw["num_sections"] + 1)]
        elif i == "detectable_format:constrained_response":
            body.append("My answer is yes.")
        elif i == "detectable_content:postscript":
            tail.append(f"{kw['postscript_marker']} {next(filler)}")
    if "startend:end_checker" in k:
        tail.append(k["startend:end_checker"]["end_phrase"])
    sentences = k.get("length_constraints:number_sentences", {})
    words = k.get("length_constraints:number_words", {})
    want_sentences = sentences.get("num_sentences", 0) if sentences.get("relation") == "at least" else 0
    want_words = words.get("num_words", 0) if words.get("relation") == "at least" else 0
    while len(body) < want_sentences:
        body.append(next(filler))
    missing = want_words + 5 - len(re.findall(r"\w+", " ".join(head + body + tail)))
    if missing > 0:                                 # one long sentence: a cap on sentences may apply too
        body.append("We watched " + " and ".join(["the boats"] * (missing // 3 + 1)) + ".")
    paragraphs = k.get("length_constraints:number_paragraphs") or k.get("length_constraints:nth_paragraph_first_word")
    if paragraphs:                      # exactly n paragraphs: the head in the first, the tail in the last
        n = paragraphs["num_paragraphs"]
        parts: list[list[str]] = [[] for _ in range(n)]
        for j, block in enumerate(body):
            parts[j % n].append(block)
        parts[0] = head + parts[0]
        parts[-1] += tail
        for part in parts:
            if not part:
                part.append(next(filler))
        nth = k.get("length_constraints:nth_paragraph_first_word")
        if nth:
            parts[nth["nth_paragraph"] - 1].insert(0, nth["first_word"] + " " + next(filler))
        glue = "\n***\n" if "length_constraints:number_paragraphs" in k else "\n\n"
        text = glue.join("\n".join(part) for part in parts)
    else:
        text = "\n".join(head + body)
        if "combination:two_responses" in k:
            text += "\n******\n" + next(filler) + " " + next(filler)
        text = "\n".join([text] + tail)
    if "change_case:english_capital" in k:
        text = text.upper()
    if "change_case:english_lowercase" in k:
        text = text.lower()
    if "detectable_format:json_format" in k:
        text = json.dumps({"answer": text})
    if "startend:quotation" in k:
        text = f'"{text}"'
    return text


@pytest.mark.slow   # about 1.5 s on 2 shared cores: scores every record
def test_every_record_not_in_another_language_has_an_answer_that_follows_all_its_instructions() -> None:
    program = act_dsl.load(EXAMPLES / "ifeval" / "ifeval_train.act")
    data = [r for r in rows() if "language:response_language" not in r["instruction_id_list"]]
    answers = [{**r, "response": witness(r["instruction_id_list"], r["kwargs"])} for r in data]
    scores = program.score(answers)
    failed = [(n, {c: v for c, v in scores.row(n).items() if v not in (None, True, 1.0)}, answers[n]["response"])
              for n in range(len(answers)) if scores.row(n)["csr"] != 1.0]
    assert not failed, failed[:3]
    assert len(data) >= 280


def test_no_prompt_is_one_of_ifevals_541_or_close_to_one(shared_data: Path) -> None:
    theirs = [json.loads(line)["prompt"] for line in
              (shared_data / "ifeval" / "input_data.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(theirs) == 541
    ours = [r["prompt"] for r in rows()]
    assert not set(ours) & set(theirs)
    score, mine, match = gen.closest(ours, theirs)
    assert score < 80, (score, mine, match)


def test_check_names_an_unreadable_file_without_a_traceback(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(SCRIPT), "--check", str(tmp_path / "none.jsonl")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "none.jsonl" in r.stderr and "Traceback" not in r.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
