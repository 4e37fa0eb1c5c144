"""The TRL-style reward function on batches shaped as trainers send them (each prompt's row repeated once
per completion): one reward per completion, `group by` candidates as `act train` forms them, typed
columns, chat formats, clear errors, and no memory growth across calls."""
from __future__ import annotations

import datetime as dt
import gc
import sys
import tracemalloc
import warnings
from pathlib import Path

import pytest

import act_dsl
from act_dsl.scoring.candidates import score_samples
from act_dsl.scoring.reward import VerifierErrorWarning
from act_dsl.scoring.verifier import Verifier

PAIRS = """task pair {
  input doc: text
  input side: label
  output answer: text = strip(response)
  constraint said = count(words(answer)) > 0
  group by doc {
    constraint differ = all a, b in group: a.answer != b.answer
  }
}
"""


def _grpo(prompts: list[dict], completions: list[list[str]]) -> dict:
    """The batch a GRPO trainer passes: each prompt's row repeated once per completion, consecutively."""
    rows = [(p, c) for p, cs in zip(prompts, completions) for c in cs]
    columns = {k: [p[k] for p, _ in rows] for k in prompts[0]}
    return {"prompts": [f"{p['doc']} / {p['side']}" for p, _ in rows], "completions": [c for _, c in rows],
            **columns, "trainer_state": object()}


def test_each_completion_gets_its_own_reward_with_kth_completions_as_one_candidate() -> None:
    reward = act_dsl.loads(PAIRS, strict=True).reward_function()
    prompts = [{"doc": "D", "side": "left"}, {"doc": "D", "side": "right"}, {"doc": "E", "side": "left"}]
    completions = [["x", "y", "x"], ["z", "y", "w"], ["q", "q", ""]]
    out = reward(**_grpo(prompts, completions))
    # candidate 0 of doc D is (x, z): they differ; candidate 1 is (y, y): they do not; candidate 2 (x, w) does.
    # The two "x" completions of the left prompt are never compared with each other. Doc E's completions
    # are each a group of one; its empty completion scores 0.
    assert out == [1.0, 0.5, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.0]
    graph = act_dsl.loads(PAIRS, strict=True).graph()
    samples = [{"fields": p, "responses": cs} for p, cs in zip(prompts, completions)]
    assert out == [c or 0.0 for c in score_samples(Verifier(graph), samples)[3].csr]  # exactly as `act train` ranks them


def test_interleaved_rows_are_matched_by_prompt_not_by_position() -> None:
    reward = act_dsl.loads(PAIRS, strict=True).reward_function()
    out = reward(prompts=["l", "r", "l", "r"], completions=["x", "x", "x", "y"],
                 doc=["D"] * 4, side=["left", "right", "left", "right"])
    assert out == [0.5, 0.5, 1.0, 1.0]  # candidate 0 is (x, x), candidate 1 is (x, y)


def test_chat_formats_and_none_content() -> None:
    reward = act_dsl.loads('task t {\n  input name: text\n  constraint named = name in response\n}\n',
                           strict=True).reward_function()
    completions = [
        "Ada wrote it",
        [{"role": "assistant", "content": "Ada wrote it"}],
        [{"role": "assistant", "content": [{"type": "text", "text": "Ada "}, {"type": "image"},
                                           {"type": "text", "text": "wrote it"}]}],
        [{"role": "assistant", "content": None, "tool_calls": [{"name": "f"}]}],
        [{"role": "tool", "content": "Ada"}, {"role": "assistant", "content": "Bob"}],
        None,
    ]
    out = reward(prompts=["p"] * 6, completions=completions, name=["Ada"] * 6)
    assert out == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]


def test_short_and_missing_columns_are_named() -> None:
    reward = act_dsl.loads(PAIRS, strict=True).reward_function()
    with pytest.raises(ValueError, match=r"column `side` has 2 values for 3 completions"):
        reward(prompts=["p"] * 3, completions=["a", "b", "c"], doc=["D"] * 3, side=["l", "r"])
    with pytest.raises(ValueError, match=r"needs the dataset column\(s\) `side`"):
        reward(prompts=["p"] * 3, completions=["a", "b", "c"], doc=["D"] * 3)
    with pytest.raises(ValueError, match=r"completion 1: expected a string or chat messages, got int"):
        reward(prompts=["p"] * 2, completions=["a", 7], doc=["D"] * 2, side=["l"] * 2)


def test_columns_are_read_by_their_declared_types() -> None:
    program = act_dsl.loads("task t {\n  input flag: bool\n  input n: number\n  input tags: list<text>\n"
                            "  constraint c = flag and n > 1 and all t in tags: t in response\n}\n", strict=True)
    reward = program.reward_function()
    assert reward(prompts=["p", "p"], completions=["red", "blue"], flag=[True, True], n=[2, 2],
                  tags=[["red"], ["red"]]) == [1.0, 0.0]
    with pytest.raises(ValueError, match=r'column `flag`, row 1: input `flag` is declared `bool`, got the string'):
        reward(prompts=["p", "p"], completions=["a", "b"], flag=[True, "false"], n=[2, 2], tags=[[], []])
    with pytest.raises(ValueError, match=r"column `tags`, row 0: input `tags` is declared `list<text>`, item 0"):
        reward(prompts=["p"], completions=["a"], flag=[True], n=[2], tags=[[3]])


def test_verifier_errors_warn_once_per_call_with_counts() -> None:
    reward = act_dsl.loads("task t {\n  input n: number\n  constraint ratio = count(words(response)) / n > 1\n"
                           "  constraint said = count(words(response)) > 0\n}\n", strict=True).reward_function()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = reward(prompts=["p"] * 3, completions=["a b", "a b", "a b"], n=[0, 0, 1])
    assert out == [0.5, 0.5, 1.0]
    mine = [w for w in caught if issubclass(w.category, VerifierErrorWarning)]
    assert len(mine) == 1
    assert "2 verifier error(s) on 2 of 3 completions" in str(mine[0].message) and "`ratio` 2" in str(mine[0].message)


def test_reference_date_is_the_reward_functions_own() -> None:
    program = act_dsl.loads("task t {\n  output when: date = timespan(response)\n"
                            "  constraint in_2019 = year(when) == 2019\n}\n", strict=True)
    early = program.reward_function(reference_date=dt.date(2020, 6, 1))
    late = program.reward_function(reference_date=dt.date(2026, 1, 1))
    for _ in range(2):  # interleaved calls: neither function's date leaks into the other
        assert early(prompts=["p"], completions=["last year"]) == [1.0]
        assert late(prompts=["p"], completions=["last year"]) == [0.0]


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def _clear_bounded_caches() -> None:
    """Empty the size-bounded lru caches of act_dsl modules (normalize(), date parses): they may fill up to
    their bound by design; what this test looks for is state that grows without one."""
    for name, module in list(sys.modules.items()):
        if name.startswith("act_dsl"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()
    gc.collect()


@pytest.mark.slow
def test_no_memory_growth_over_2000_calls() -> None:
    reward = act_dsl.loads(PAIRS, strict=True).reward_function()

    def call(i: int) -> None:
        words = " ".join(f"w{i}x{j}" for j in range(20))  # new completions every call, as in training
        reward(prompts=["l"] * 4 + ["r"] * 4, completions=[f"{words} {k}" for k in range(8)],
               doc=[f"doc {i % 50}"] * 8, side=["left"] * 4 + ["right"] * 4)

    for i in range(300):
        call(i)
    _clear_bounded_caches()
    rss = _rss_kib()
    for i in range(300, 2300):
        call(i)
    _clear_bounded_caches()
    grown = _rss_kib() - rss
    tracemalloc.start()  # exact, but slow: a shorter run
    try:
        traced = tracemalloc.get_traced_memory()[0]
        for i in range(2300, 2600):
            call(i)
        _clear_bounded_caches()
        kept = tracemalloc.get_traced_memory()[0] - traced
    finally:
        tracemalloc.stop()
    print(f"reward calls: RSS +{grown} KiB over 2,000; Python objects kept +{kept} bytes over 300")
    # one executor shared by all calls (the old design) grew RSS by about 36 MB over 2,000 calls here and
    # kept about 4.5 MB of objects over 300; a fresh one per call keeps nothing
    assert kept < 64 * 1024, f"{kept} bytes kept across 300 calls"
    assert grown < 8 * 1024, f"RSS grew {grown} KiB over 2,000 calls"
