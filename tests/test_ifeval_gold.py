"""examples/ifeval/eval.jsonl's gold answers follow every instruction of their record three ways: by ifeval.act (CSR 1),
by bench/ifeval.py's prompt-level verdict, and by IFEval's published checks restated here in plain Python."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import act_dsl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ifeval"
sys.path.insert(0, str(ROOT / "bench"))
import ifeval as bench  # noqa: E402


def _rows() -> list[dict]:
    return [json.loads(line) for line in (EXAMPLE / "eval.jsonl").read_text().splitlines() if line.strip()]


def _highlights(y: str) -> int:
    single = [m for m in re.findall(r"\*[^\n\*]*\*", y) if m.strip("*").strip()]
    double = [m for m in re.findall(r"\*\*[^\n\*]*\*\*", y) if m.removeprefix("**").removesuffix("**").strip()]
    return len(single) + len(double)


def _paragraphs(y: str) -> int | None:
    """IFEval's paragraph count (pieces between `***` dividers), or None where a blank piece sits in the middle."""
    parts = re.split(r"\s?\*\*\*\s?", y)
    count = len(parts)
    for i, p in enumerate(parts):
        if not p.strip():
            if 0 < i < len(parts) - 1:
                return None
            count -= 1
    return count


def _postscript(y: str, marker: str) -> bool:
    pattern = {"P.S.": r"\s*p\.\s?s\..*$", "P.P.S": r"\s*p\.\s?p\.\s?s.*$"}[marker]
    return bool(re.findall(pattern, y.lower(), flags=re.MULTILINE))


def _json(y: str) -> bool:
    body = y.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):
        body = body.removeprefix(fence)
    try:
        json.loads(body.removesuffix("```").strip())
    except ValueError:
        return False
    return True


def _followed(iid: str, kw: dict, y: str, prompt: str) -> bool:
    """One instruction of IFEval (strict), as its published checker decides it, for the ids eval.jsonl uses."""
    from langdetect import DetectorFactory, detect
    DetectorFactory.seed = 0
    checks = {
        "detectable_format:number_bullet_lists": lambda: len(re.findall(r"^\s*\*[^\*].*$", y, flags=re.M))
        + len(re.findall(r"^\s*-.*$", y, flags=re.M)) == kw["num_bullets"],
        "detectable_content:postscript": lambda: _postscript(y, kw["postscript_marker"]),
        "detectable_format:multiple_sections": lambda: len(re.split(r"\s?" + kw["section_spliter"] + r"\s?\d+\s?", y))
        - 1 >= kw["num_sections"],
        "combination:repeat_prompt": lambda: y.strip().lower().startswith(kw["prompt_to_repeat"].strip().lower()),
        "length_constraints:number_paragraphs": lambda: _paragraphs(y) == kw["num_paragraphs"],
        "detectable_format:title": lambda: any(t.strip("<>").strip() for t in re.findall(r"<<[^\n]+>>", y)),
        "startend:end_checker": lambda: y.strip().lower().endswith(kw["end_phrase"].strip().lower()),
        "detectable_format:number_highlighted_sections": lambda: _highlights(y) >= kw["num_highlights"],
        "keywords:forbidden_words": lambda: not any(re.search(r"\b" + w + r"\b", y, flags=re.I)
                                                    for w in kw["forbidden_words"]),
        "change_case:english_lowercase": lambda: y.islower() and detect(y) == "en",
        "punctuation:no_comma": lambda: "," not in y,
        "keywords:frequency": lambda: (len(re.findall(kw["keyword"], y, flags=re.I)) < kw["frequency"]
                                       if kw["relation"] == "less than"
                                       else len(re.findall(kw["keyword"], y, flags=re.I)) >= kw["frequency"]),
        "keywords:existence": lambda: all(re.search(k, y, flags=re.I) for k in kw["keywords"]),
        "detectable_format:json_format": lambda: _json(y),
    }
    assert iid in checks, f"no plain-Python check for {iid}: add one"
    return bool(checks[iid]())


def test_every_gold_answer_scores_1_and_follows_every_instruction() -> None:
    rows = _rows()
    assert len(rows) == 11 and all(r["gold_answer"].strip() for r in rows)
    program = act_dsl.load(EXAMPLE / "ifeval.act")
    scores = program.score([{**r, "response": r["gold_answer"]} for r in rows])
    assert scores.csr == [1.0] * len(rows)
    for i, r in enumerate(rows):
        followed, n_followed, n = bench.record_verdicts(r, scores.values[i])
        assert followed and n_followed == n == len(r["instruction_id_list"]), (i + 1, scores.values[i])
        for iid, kw in zip(r["instruction_id_list"], r["kwargs"]):
            assert _followed(iid, kw, r["gold_answer"], r["prompt"]), f"eval.jsonl:{i + 1}: {iid}"


@pytest.mark.parametrize("response,iid,kw", [
    ("A ***\n******\nB ***", "length_constraints:number_paragraphs", {"num_paragraphs": 3}),
    ("```json\n{\"a\": 1}\n```", "startend:end_checker", {"end_phrase": "Thanks for reading."}),
])
def test_the_plain_checks_fail_what_ifeval_fails(response: str, iid: str, kw: dict) -> None:
    """The restated checks are not vacuous: six asterisks hold a blank paragraph between two dividers (so two
    responses and a paragraph count never meet), and a JSON answer cannot end with a sentence."""
    assert not _followed(iid, kw, response, "")
    rec = {"prompt": "p", "instruction_id_list": [iid], "kwargs": [kw], "response": response}
    assert act_dsl.load(EXAMPLE / "ifeval.act").score([rec]).csr == [0.0]
