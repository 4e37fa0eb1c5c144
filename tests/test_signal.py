"""Sampling that yields signal: duplicates merged before ranking, the best-vs-greedy share, and the probe gate."""
from __future__ import annotations

import json

import pytest

import act_dsl
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.data import Item, item_from_row, item_row, rank
from act_dsl.training.signal import beats_greedy, gate_message
from conftest import run_act

TASK = """
task slash {
  input topic: text
  output y: text = strip(response)
  prompt "Types for {topic}:"
  constraint c = matches(y, "^/")
  constraint short = length(y) <= 8
}
"""

GROUPED = TASK.replace("  constraint short", "  group by topic {\n    constraint same = count(distinct(y)) == 1\n  }\n"
                       "  constraint short")


def test_exact_duplicates_are_merged_before_ranking_and_their_count_kept() -> None:
    graph = act_dsl.loads(TASK, strict=True).graph()
    samples = [{"index": 0, "fields": {"topic": "a"}, "responses": ["/x", "not a type here", "/x", "/x", "not a type here", "/long answer"]},
               {"index": 1, "fields": {"topic": "b"}, "responses": ["/y"] * 4 + ["/y", "/y"]}]
    ranked = rank(Verifier(graph), samples)
    a, b = ranked.items
    assert [m.responses for m in a.members] == [("/x", "not a type here", "/long answer")]
    assert a.csr == [1.0, 0.0, 0.5] and a.counts == [3, 2, 1] and a.kept == [0, 1, 5]
    assert a.pairs() == 3  # not 3 x 2 x ... pairs of copies
    assert b.k == 1 and b.counts == [6] and b.pairs() == 0
    audit = ranked.audit()
    assert (audit.candidates, audit.distinct_candidates) == (12, 4) and audit.zero_variance_items == 1
    # ranked.jsonl keeps what training needs to rebuild the merged item from the full samples file
    row = json.loads(json.dumps(item_row(a)))
    full = {0: act_dsl.sampling.samples.Sample.from_row(samples[0])}  # type: ignore[attr-defined]
    again = item_from_row(full, row)
    assert again.members[0].responses == a.members[0].responses and again.csr == a.csr and again.counts == a.counts


def test_joint_candidates_of_a_group_merge_only_when_every_member_repeats() -> None:
    item = Item([{"index": 0, "responses": ["/a", "/a", "/a"]}, {"index": 1, "responses": ["/b", "/c", "/b"]}],
                [0.5, 1.0, 0.5])
    merged = item.merged()
    assert merged.kept == [0, 1] and merged.counts == [2, 1]
    assert [m.responses for m in merged.members] == [("/a", "/a"), ("/b", "/c")]


def test_share_of_prompts_whose_best_candidate_beats_the_greedy_answer() -> None:
    graph = act_dsl.loads(TASK, strict=True).graph()
    from act_dsl.sampling.samples import as_samples
    samples = as_samples([{"index": i, "fields": {"topic": t}, "responses": rs} for i, (t, rs) in enumerate(
        [("a", ["/x", "no"]), ("b", ["no", "no"]), ("c", ["/x", "/y"]), ("d", ["nah", "/long answer"])])])
    greedy = {"0": "no", "1": "/z", "2": "/q", "3": "not a type at all"}
    bg = beats_greedy(Verifier(graph), samples, greedy)
    # a: 1.0 > 0.5; b: 0.5 < 1.0; c: 1.0 == 1.0; d: 0.5 > 0.0
    assert bg == {"items": 4, "better": 2, "tied": 1, "worse": 1, "share": 0.5}
    assert beats_greedy(Verifier(graph), samples, {}) is None


def test_the_gate_names_the_probe_that_outranks_the_mean_sample() -> None:
    probes = {"reference": {"mean_csr": 0.5, "source": "the training samples"},
              "probes": [{"name": "empty", "mean_csr": 0.0, "rewarding": []},
                         {"name": "first_label:TYPES", "mean_csr": 0.9, "rewarding": ["in_label_set"]},
                         {"name": "copy:mention", "mean_csr": 0.5, "rewarding": []}]}
    msg = gate_message(probes)
    assert msg is not None and "`first_label:TYPES`" in msg and "0.900, above the mean sample's 0.500" in msg
    assert "`in_label_set`" in msg and "--force" in msg and "copy:mention" not in msg  # equal is not above
    probes["probes"][1]["mean_csr"] = 0.5
    assert gate_message(probes) is None


@pytest.mark.slow
def test_training_refuses_to_start_when_a_probe_outranks_the_samples(small_task, tiny_model) -> None:  # noqa: F811
    out = small_task / "run"
    r = run_act("train", str(small_task / "task.act"), "--model", str(tiny_model), "--run-dir", str(out), "--samples", "3",
                "--epochs", "1", "--max-new-tokens", "6")
    assert r.returncode == 2, r.stderr[-2000:]
    assert "act train: training refused: the attack `copy:topic`" in r.stderr and "--force" in r.stderr
    assert "Traceback" not in r.stderr
    audit = json.loads((out / "audit.json").read_text())  # kept for the user to read
    assert audit["beats_greedy"]["items"] == 8 and not (out / "adapter").exists()
    stages = json.loads((out / "stages.json").read_text())
    assert "audit" not in stages and "train" not in stages
    # --force on the same run goes on from the audit and trains
    r = run_act("train", str(small_task / "task.act"), "--model", str(tiny_model), "--run-dir", str(out), "--samples", "3",
                "--epochs", "1", "--max-new-tokens", "6", "--resume", "--force")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "training anyway (--force)" in r.stderr and (out / "adapter").is_dir()
    assert "Trained with --force" in (out / "report.md").read_text()
