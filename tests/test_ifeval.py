"""IFEval in .act: every instruction id of the published data has a constraint, and the verdicts agree with
IFEval's published definitions on edge cases the project wrote (bounds met exactly, a comma inside quotes, a
JSON answer in a fenced block, ...). Each case runs through the real executor via program.score."""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

import act_dsl
from act_dsl.ops import document
from act_dsl.training.evaluate import verdict_accuracies

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ifeval"
sys.path.insert(0, str(ROOT / "bench"))
import ifeval as bench  # noqa: E402  (bench/ifeval.py: IFEval's numbers from constraint values)

AT_LEAST, LESS = "at least", "less than"
QUESTION = "Any other questions?"

# (instruction id, its kwargs, response, IFEval's strict verdict)
CASES = [
    ("length_constraints:number_words", {"relation": AT_LEAST, "num_words": 5}, "one two three four five", True),
    ("length_constraints:number_words", {"relation": AT_LEAST, "num_words": 5}, "one two three four", False),
    ("length_constraints:number_words", {"relation": AT_LEAST, "num_words": 5}, "don't stop me now", True),
    ("length_constraints:number_words", {"relation": LESS, "num_words": 5}, "one two three four five", False),
    ("length_constraints:number_words", {"relation": LESS, "num_words": 5}, "one two three, four!", True),
    ("punctuation:no_comma", {}, 'He said "yes, fine" and left.', False),
    ("punctuation:no_comma", {}, "Tea\uff0c then milk.", True),
    ("punctuation:no_comma", {}, "No commas at all here.", True),
    ("detectable_format:json_format", {}, '```json\n{"tea": "green"}\n```', True),
    ("detectable_format:json_format", {}, '```JSON\n[1, 2]\n```', True),
    ("detectable_format:json_format", {}, '  {"tea": "green"}  ', True),
    ("detectable_format:json_format", {}, "42", True),
    ("detectable_format:json_format", {}, 'Here you go:\n```json\n{"tea": "green"}\n```', False),
    ("detectable_format:json_format", {}, "{'tea': 'green'}", False),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* tea\n* milk", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* tea\n*milk* is good", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "**Tea**\n* milk", False),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "- tea\n---", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "  * tea\n\t- milk\n1. sugar", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* tea\n* milk\n* sugar", False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*tea* and **milk**", True),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "** ** and *tea*", False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 1}, "*tea\nmilk*", False),
    ("detectable_format:title", {}, "<<Green Tea>>\nIt is calm.", True),
    ("detectable_format:title", {}, "<< >> is not a title", False),
    ("detectable_format:title", {}, "<<Green\nTea>>", False),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], at []", True),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], at [place\n]", False),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Bye.\np. s. Bring cups.", True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Bye.\nPS Bring cups.", False),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Bye.\nP. P. S bring cups.", True),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Bye.\nP.S. bring cups.", False),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "SECTION 1\nBoil.\nSECTION2\nSteep.", True),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     "Section 1\nBoil.\nSection 2\nSteep.", False),
    ("detectable_format:multiple_sections", {"section_spliter": "Day", "num_sections": 3},
     "Day 1: Rome. Day 2: Pisa.", False),
    ("detectable_format:constrained_response", {}, "I think so. My answer is yes.", True),
    ("detectable_format:constrained_response", {}, "my answer is yes.", False),
    ("detectable_format:constrained_response", {}, "My answer is maybe", False),
    ("change_case:english_capital", {}, "THIS IS A CALM MORNING WITH GREEN TEA AND TOAST.", True),
    ("change_case:english_capital", {}, "THIS IS A CALM MORNING WITH GREEN TEa AND TOAST.", False),
    ("change_case:english_lowercase", {}, "this is a calm morning with green tea and toast.", True),
    ("change_case:english_lowercase", {}, "this is a calm morning with green tea and Toast.", False),
    ("change_case:english_lowercase", {}, "das ist ein ruhiger morgen mit grünem tee und frischem brot.", False),
    ("change_case:capital_word_frequency", {"capital_relation": AT_LEAST, "capital_frequency": 2}, "I am an AI.", True),
    ("change_case:capital_word_frequency", {"capital_relation": AT_LEAST, "capital_frequency": 2}, "DON'T stop.", True),
    ("change_case:capital_word_frequency", {"capital_relation": AT_LEAST, "capital_frequency": 2}, "NASA's plan.", False),
    ("change_case:capital_word_frequency", {"capital_relation": LESS, "capital_frequency": 2}, "The U.S. and AI.", False),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi to tea."}, "  say HI to tea. Hi, tea!", True),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi to tea."}, "Say  hi to tea. Hi!", False),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi to tea."}, "Sure! Say hi to tea.", False),
    ("combination:two_responses", {}, "Green tea.\n******\nBlack tea.", True),
    ("combination:two_responses", {}, "******\nGreen tea.\n******\nBlack tea.\n******", True),
    ("combination:two_responses", {}, "Green tea.\n******\nGreen tea.", False),
    ("combination:two_responses", {}, "Green tea.\n******\ngreen tea.", True),
    ("combination:two_responses", {}, "Green tea.\n******\n\n******\nBlack tea.", False),
    ("combination:two_responses", {}, "Green tea.\n******\nBlack tea.\n******\nWhite tea.", False),
    ("keywords:existence", {"keywords": ["tea", "cup"]}, "A Teapot and a cupboard.", True),
    ("keywords:existence", {"keywords": ["tea", "cup"]}, "A teapot only.", False),
    ("keywords:forbidden_words", {"forbidden_words": ["tea"]}, "A teapot, steady.", True),
    ("keywords:forbidden_words", {"forbidden_words": ["tea"]}, "Green Tea.", False),
    ("keywords:frequency", {"keyword": "tea", "relation": AT_LEAST, "frequency": 2}, "Tea in a teapot.", True),
    ("keywords:frequency", {"keyword": "tea", "relation": LESS, "frequency": 2}, "Tea in a teapot.", False),
    ("keywords:letter_frequency", {"letter": "a", "let_relation": AT_LEAST, "let_frequency": 3}, "BanAna", True),
    ("keywords:letter_frequency", {"letter": "a", "let_relation": LESS, "let_frequency": 3}, "Banana", False),
    ("language:response_language", {"language": "de"}, "Ich trinke morgens gern eine Tasse grünen Tee.", True),
    ("language:response_language", {"language": "de"}, "I like a cup of green tea in the morning.", False),
    ("language:response_language", {"language": "de"}, "12345 678", True),  # undecided counts as followed
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "steep"},
     'Boil.\n\n"Steep, then pour."', True),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "steep"},
     "\n\nBoil.\n\nSteep.", False),  # the blank first part keeps its place in the numbering
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "steep"},
     "Boil.\n\nSteep.\n\nDrink.", False),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "steep"},
     "Boil.\n\nSteeped leaves.", False),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "Boil.\n***\nSteep.", True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\nBoil.\n***\nSteep.\n***", True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "Boil.\n***\n***\nSteep.", False),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "Boil.\n***\nSteep.\n***\nDrink.", False),
    ("length_constraints:number_sentences", {"relation": LESS, "num_sentences": 2}, "Dr. Smith made tea.", True),
    ("length_constraints:number_sentences", {"relation": LESS, "num_sentences": 2}, "He left. She stayed.", False),
    ("length_constraints:number_sentences", {"relation": AT_LEAST, "num_sentences": 2}, "He left. She stayed.", True),
    ("startend:end_checker", {"end_phrase": QUESTION}, 'Tea is calm. Any other questions?"', True),
    ("startend:end_checker", {"end_phrase": QUESTION}, "Tea is calm. any other QUESTIONS?\n\n", True),
    ("startend:end_checker", {"end_phrase": QUESTION}, "Tea is calm. Any other questions? Bye.", False),
    ("startend:end_checker", {"end_phrase": QUESTION}, "Tea is calm. Any other  questions?", False),
    ("startend:quotation", {}, '  "Tea is calm."\n', True),
    ("startend:quotation", {}, '"', False),
    ("startend:quotation", {}, '"Tea is calm.', False),
    ("startend:quotation", {}, "\u201cTea is calm.\u201d", False),
]

# (instruction id, kwargs, response, strict verdict, loose verdict): the loose variant drops the first or last
# line and strips `*`
LOOSE_CASES = [
    ("change_case:english_lowercase", {}, "Sure! Here it is:\nthis is a calm morning with green tea and toast.",
     False, True),
    ("punctuation:no_comma", {}, "Sure, here it is:\nNo commas below this line.", False, True),
    ("detectable_format:json_format", {}, 'Here is the JSON:\n{"tea": "green"}', False, True),
    ("startend:end_checker", {"end_phrase": QUESTION}, "Tea is calm. Any other questions?\nI hope this helps.",
     False, True),
    ("startend:quotation", {}, '**"Tea is calm."**', False, True),
    ("punctuation:no_comma", {}, "Tea, milk\nand sugar, please.", False, False),
    # the trailing line break makes an empty last line: dropping the first line leaves two words
    ("length_constraints:number_words", {"relation": LESS, "num_words": 3}, "Hello there\nGreen tea\n", False, True),
]


def _record(iid: str, kwargs: dict, response: str) -> dict:
    return {"prompt": "Write about tea.", "instruction_id_list": [iid], "kwargs": [kwargs], "response": response}


def _verdicts(act: Path, cases: list[tuple]) -> list[bool]:
    program = act_dsl.load(act).require_valid()
    scores = program.score([_record(iid, kw, resp) for iid, kw, resp, *_ in cases])
    out = []
    for i, (iid, *_rest) in enumerate(cases):
        v = scores.values[i][bench.constraint_name(iid)]
        assert v is not None, f"{iid} was not applicable"
        out.append(float(v) >= 1.0)
    return out


def _ids_in_examples() -> set[str]:
    return {iid for iid, *_ in CASES}


def test_the_edge_cases_cover_all_25_instruction_types() -> None:
    assert len(_ids_in_examples()) == 25


def test_strict_verdicts_agree_with_ifevals_definitions() -> None:
    got = _verdicts(EXAMPLE / "ifeval.act", CASES)
    wrong = [f"{iid} on {resp!r}: expected {want}, got {g}" for (iid, _, resp, want), g in zip(CASES, got) if g != want]
    assert not wrong, "\n".join(wrong)


def test_loose_verdicts_try_without_first_or_last_line_and_stars() -> None:
    strict = _verdicts(EXAMPLE / "ifeval.act", LOOSE_CASES)
    loose = _verdicts(EXAMPLE / "ifeval_loose.act", LOOSE_CASES)
    assert strict == [c[3] for c in LOOSE_CASES]
    assert loose == [c[4] for c in LOOSE_CASES]
    # loose never fails where strict passes, on every strict case too
    loose_all = _verdicts(EXAMPLE / "ifeval_loose.act", CASES)
    assert all(lv for (_, _, _, sv), lv in zip(CASES, loose_all) if sv)


def test_every_published_instruction_id_has_a_constraint(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "ifeval" / "input_data.jsonl").read_text().splitlines()]
    ids = {iid for r in rows for iid in r["instruction_id_list"]}
    assert len(rows) == 541 and len(ids) == 25
    for act in ("ifeval.act", "ifeval_loose.act"):
        names = {c.name for c in act_dsl.load(EXAMPLE / act).graph().constraints}
        missing = sorted(i for i in ids if bench.constraint_name(i) not in names)
        assert not missing, f"{act}: no constraint for {missing}"
    assert ids == _ids_in_examples()
    # every published record reads by the declared input types (kwargs included) and scores without an error
    program = act_dsl.load(EXAMPLE / "ifeval.act")
    scores = program.score([{**{k: r[k] for k in ("prompt", "instruction_id_list", "kwargs")},
                             "response": "A short answer."} for r in rows])
    assert not scores.errors
    applicable = sum(v is not None for row in scores.values for v in row.values())
    assert applicable == sum(len(set(r["instruction_id_list"])) for r in rows)


def test_an_id_listed_twice_counts_as_two_instructions() -> None:
    program = act_dsl.load(EXAMPLE / "ifeval.act")
    rec = {"prompt": "p", "instruction_id_list": ["length_constraints:number_words"] * 2 + ["punctuation:no_comma"],
           "kwargs": [{"relation": AT_LEAST, "num_words": 2}, {"relation": LESS, "num_words": 3}, {}],
           "response": "one two three"}
    scores = program.score([rec])
    assert scores.values[0]["length_constraints__number_words"] == 0.5
    assert bench.record_verdicts(rec, scores.values[0]) == (False, 2, 3)
    assert verdict_accuracies(scores) == {"prompt_accuracy": 0.0, "constraint_accuracy": 0.5}


def test_eval_accuracies_on_the_example_records() -> None:
    rows = [json.loads(line) for line in (EXAMPLE / "records.jsonl").read_text().splitlines()]
    scores = act_dsl.load(EXAMPLE / "ifeval.act").score(rows)
    acc = verdict_accuracies(scores)
    assert acc["prompt_accuracy"] == pytest.approx(7 / 10)
    verdicts = [bench.record_verdicts(r, scores.values[i]) for i, r in enumerate(rows)]
    assert bench.accuracies(verdicts) == {"prompt": 0.7, "instruction": pytest.approx(15 / 21)}


def test_a_record_input_with_a_field_of_the_wrong_type_is_a_data_error() -> None:
    program = act_dsl.load(EXAMPLE / "ifeval.act")
    bad = _record("length_constraints:number_words", {"relation": AT_LEAST, "num_words": "300"}, "x")
    with pytest.raises(act_dsl.records.DataError, match=r"field `num_words`: got the string \"300\""):
        program.score([bad])


# ---- the hand-walked scans against the reference's regular expressions -----------------------------------
def test_line_and_span_scans_match_the_reference_patterns() -> None:
    rng = random.Random(7)
    alphabet = ["*", "-", " ", "\n", "\t", "a", "[", "]", "<", ">", "\u2003"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        bullets = len(re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE)) + \
            len(re.findall(r"^\s*-.*$", text, flags=re.MULTILINE))
        assert len(document.bullets(text)) == bullets, repr(text)
        assert len(document.placeholders(text)) == len(re.findall(r"\[.*?\]", text)), repr(text)
        titles = [t for t in re.findall(r"<<[^\n]+>>", text) if t.lstrip("<").rstrip(">").strip()]
        assert len(document.titles(text)) == len(titles), repr(text)
        highlights = [h for h in re.findall(r"\*[^\n\*]*\*", text) if h.strip("*").strip()] + \
            [h for h in re.findall(r"\*\*[^\n\*]*\*\*", text) if h.strip("*").strip()]
        assert len(document.highlights(text)) == len(highlights), repr(text)



@pytest.mark.slow
def test_act_eval_prints_prompt_and_constraint_accuracy(tiny_model: Path, tmp_path: Path) -> None:
    from conftest import run_act
    out = tmp_path / "eval.json"
    r = run_act("eval", str(EXAMPLE / "ifeval.act"), "--data", str(EXAMPLE / "records.jsonl"), "--model",
                str(tiny_model), "--max-new-tokens", "12", "--out-json", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(out.read_text())
    # the printed accuracies are those of the generated answers, rescored here from the saved responses
    rows = [json.loads(line) for line in (EXAMPLE / "records.jsonl").read_text().splitlines()]
    answers = [{**row, "response": got["response"]} for row, got in zip(rows, res["responses"])]
    acc = verdict_accuracies(act_dsl.load(EXAMPLE / "ifeval.act").score(answers))
    assert acc == {"prompt_accuracy": res["prompt_accuracy"], "constraint_accuracy": res["constraint_accuracy"]}
    assert f"prompt-level accuracy {acc['prompt_accuracy']:.3f}" in r.stdout
    assert f"constraint-level accuracy {acc['constraint_accuracy']:.3f}" in r.stdout


def test_records_read_once_read_the_same_again() -> None:
    from act_dsl.records import read_records
    program = act_dsl.load(EXAMPLE / "ifeval.act")
    ds = read_records(EXAMPLE / "train.jsonl", program.graph().input_types, need_response=False)
    assert len(ds.records) == 320 and not ds.problems
    again = program.prompts([dict(r.fields) for r in ds.records])
    assert again == program.prompts([json.loads(line) for line in (EXAMPLE / "train.jsonl").read_text().splitlines()])


@pytest.mark.slow
def test_act_sample_writes_record_inputs_as_the_data_had_them(tiny_model: Path, tmp_path: Path) -> None:
    """`kwargs` is a list of records; the samples file must hold it as JSON (a training run on IFEval once
    stopped with a traceback here), and scoring the saved fields gives what scoring the source lines gives."""
    from conftest import run_act
    out = tmp_path / "samples.jsonl"
    r = run_act("sample", str(EXAMPLE / "ifeval.act"), "--data", str(EXAMPLE / "train.jsonl"), "--first", "3",
                "--samples", "2", "--max-new-tokens", "4", "--model", str(tiny_model), "--out", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    source = [json.loads(line) for line in (EXAMPLE / "train.jsonl").read_text().splitlines()[:3]]
    saved = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(saved) == 3
    for src, row in zip(source, saved):
        kept = {k: src[k] for k in ("prompt", "instruction_id_list")}
        kept["kwargs"] = [{k: v for k, v in kw.items() if v is not None} for kw in src["kwargs"]]
        assert row["fields"] == kept
    program = act_dsl.load(EXAMPLE / "ifeval.act")
    answers = ["Hello, world.", "all lower case, no title"]
    from_file = [{**row["fields"], "response": a} for row in saved for a in answers]
    from_source = [{**src, "response": a} for src in source for a in answers]
    assert program.score(from_file).csr == program.score(from_source).csr


@pytest.mark.slow
def test_act_train_runs_on_the_ifeval_task(tiny_model: Path, tmp_path: Path) -> None:
    """Ranking and training read the samples file back: its record inputs must be typed again there (the
    training run on IFEval once stopped with `unhashable type: 'list'` in the verifier)."""
    from conftest import run_act
    run = tmp_path / "run"
    r = run_act("train", str(EXAMPLE / "ifeval.act"), "--first", "3", "--eval-first", "2", "--samples", "2",
                "--max-new-tokens", "6", "--epochs", "1", "--model", str(tiny_model), "--run-dir", str(run),
                "--force")
    assert r.returncode == 0, r.stderr[-2000:]
    ranked = [json.loads(line) for line in (run / "ranked.jsonl").read_text().splitlines()]
    assert len(ranked) == 3 and all(len(row["csr"]) >= 1 for row in ranked)
    assert (run / "adapter").is_dir() and (run / "report.md").exists()


def test_the_training_file_checks_every_instruction_as_the_strict_file_does() -> None:
    """ifeval_train.act is ifeval.act plus `not_an_echo`: its 25 instruction constraints must stay the same text,
    and on the project's scored records they give the same values."""
    strict = (EXAMPLE / "ifeval.act").read_text()
    block = strict[strict.index("  constraint "):strict.index("  example ")].rstrip()
    assert block in (EXAMPLE / "ifeval_train.act").read_text()
    rows = [json.loads(line) for line in (EXAMPLE / "records.jsonl").read_text().splitlines()]
    a = act_dsl.load(EXAMPLE / "ifeval.act").score(rows)
    b = act_dsl.load(EXAMPLE / "ifeval_train.act").score(rows)
    names = [c for c in b.values[0] if c != "not_an_echo"]
    assert [[r[c] for c in names] for r in a.values] == [[r[c] for c in names] for r in b.values]
    assert all(r["not_an_echo"] is True for r in b.values)   # none of the scored answers is the prompt echoed


def test_compare_gives_the_paired_difference_of_two_answer_sets(tmp_path: Path, capsys) -> None:
    """`bench/ifeval.py compare` matches prompts by key; a trained model that answers nothing loses exactly
    the base model's accuracy, and the paired interval lies below 0."""
    rows = [json.loads(line) for line in (EXAMPLE / "records.jsonl").read_text().splitlines()]
    base, trained = tmp_path / "base", tmp_path / "trained"
    base.mkdir()
    trained.mkdir()
    bench.write_jsonl(base / "responses.jsonl", [{**r, "key": i} for i, r in enumerate(rows)])
    bench.write_jsonl(trained / "responses.jsonl", [{**r, "key": i, "response": ""} for i, r in enumerate(rows)][::-1])
    bench.main(["compare", "--base", str(base), "--trained", str(trained)])
    got = json.loads((trained / "compare.json").read_text())
    verdicts, _ = bench.score_file(bench.STRICT, rows)
    expected = bench.accuracies(verdicts)["instruction"]
    assert expected > 0
    d = got["strict_instruction"]
    assert d["base"] == expected and d["trained"] == 0.0
    assert d["difference"]["value"] == pytest.approx(-expected) and d["difference"]["hi"] < 0
    assert "strict   instruction" in capsys.readouterr().out


def test_compare_with_two_seeds_scores_their_mean_on_each_prompt(tmp_path: Path, capsys) -> None:
    """Several --trained folders (seeds) are compared as one model whose answer on a prompt is worth the mean of
    theirs: a seed that answers as the base and one that answers nothing lose half the base's accuracy."""
    rows = [json.loads(line) for line in (EXAMPLE / "records.jsonl").read_text().splitlines()]
    base, same, empty = tmp_path / "base", tmp_path / "s0", tmp_path / "s1"
    for folder, answer in ((base, None), (same, None), (empty, "")):
        folder.mkdir()
        bench.write_jsonl(folder / "responses.jsonl",
                          [{**r, "key": i, **({} if answer is None else {"response": answer})}
                           for i, r in enumerate(rows)])
    bench.main(["compare", "--base", str(base), "--trained", str(same), str(empty)])
    got = json.loads((same / "compare_mean.json").read_text())
    verdicts, _ = bench.score_file(bench.STRICT, rows)
    for level in ("prompt", "instruction"):
        expected = bench.accuracies(verdicts)[level]
        d = got[f"strict_{level}"]
        assert d["base"] == expected and d["trained"] == pytest.approx(expected / 2)
        assert d["difference"]["value"] == pytest.approx(-expected / 2)
    assert f"mean of {same}, {empty}" in capsys.readouterr().out
    assert not (same / "compare.json").exists()
