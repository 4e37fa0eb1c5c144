"""The training signal: GDPO's per-constraint advantages, the ranking losses' constraint tie-break and the
shuffled-reward control, on groups whose values can be worked out by hand."""
from __future__ import annotations

import pytest

import act_dsl
from act_dsl.sampling.samples import Sample
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.advantages import constraint_weights, gdpo_advantages, prepare_items, step_advantages, tie_break
from act_dsl.training.config import TrainConfig
from act_dsl.training.control import permutation, real_minus_control, shuffle_items
from act_dsl.training.data import Item
from conftest import TRAIN_TASK

Z = 0.5 / (0.5 + 1e-4)  # a 0/1 constraint passed by half the group: (1 - 0.5) / (sd 0.5 + eps)


def _graph():
    return act_dsl.loads(TRAIN_TASK).graph()


def _item(responses: list[str], csr: list[float], index: int = 0) -> Item:
    return Item([Sample(index, "Types for x:", {"topic": "x"}, tuple(responses))], csr)


def test_gdpo_normalises_each_constraint_then_takes_the_weighted_mean() -> None:
    # constraint A (weight 1) passed by candidates 0 and 2; B (weight 3) by 1 and 2
    values = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
    assert gdpo_advantages(values, [1, 3]) == pytest.approx([(Z - 3 * Z) / 4, (-Z + 3 * Z) / 4, Z, -Z])


def test_gdpo_leaves_out_where_a_constraint_does_not_apply_and_where_it_does_not_vary() -> None:
    # A applies everywhere (1, 0, 1, 0); B applies to candidates 1 and 2 only (1, 0); C is 1 everywhere
    values = [[1.0, None, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, None, 1.0]]
    assert gdpo_advantages(values, [1, 1, 2]) == pytest.approx([Z / 4, 0.0, 0.0, -Z / 4])
    assert gdpo_advantages([[1.0], [1.0], [1.0]], [1]) == [0.0, 0.0, 0.0]  # no spread: no signal


def test_tie_break_orders_equal_csr_by_the_heaviest_constraint_passed() -> None:
    # candidates 0 and 1 tie at 0.5; 1 passes the heavier constraint (weight 3), so it ranks above 0
    assert tie_break([0.5, 0.5, 1.0, 0.0], [[1, 0], [0, 1], [1, 1], [0, 0]], [1, 3]) == [0.5, 0.75, 1.0, 0.0]
    # three tied candidates, two with the same pass vector: those two stay tied; the gap is 0.3
    out = tie_break([0.7, 0.7, 0.7, 0.4], [[1, 0], [0, 1], [0, 1], [0, 0]], [2, 1])
    assert out == pytest.approx([0.7 + 0.3 / 2, 0.7, 0.7, 0.4])


def test_prepare_items_breaks_ties_with_the_task_and_counts_the_new_pairs() -> None:
    graph = _graph()  # brief (1), slash (1), words (0.5)
    assert constraint_weights(graph) == [1.0, 1.0, 0.5]
    # "/a" passes all three (CSR 1); "short" fails slash and "a long one with /" fails brief (both 0.6); "" is
    # no answer (0). Equal weights: declaration order, so passing `brief` wins the tie; the gap is 0.4.
    item = _item(["/a", "a long one with /", "short", ""], [1.0, 0.6, 0.6, 0.0])
    cfg = TrainConfig().override(advantage="gdpo")
    (out,), note = prepare_items([item], cfg, Verifier(graph))
    assert out.csr == pytest.approx([1.0, 0.6, 0.8, 0.0])
    assert out.pairs() == item.pairs() + 1 and note["pairs_from_ties"] == 1
    (same,), _ = prepare_items([item], TrainConfig(), Verifier(graph))
    assert same.csr == item.csr  # --advantage csr leaves the CSRs alone


def test_shuffled_control_permutes_scores_within_each_prompt_only() -> None:
    items = [_item(["a", "b", "c", "d"], [0.1 * i, 0.2 + 0.1 * i, 0.5, 0.9 - 0.1 * i], i) for i in range(12)]
    shuffled, moved = shuffle_items(items, seed=3)
    for real, ctl in zip(items, shuffled):
        assert sorted(ctl.csr) == sorted(real.csr) and ctl.pairs() == real.pairs()
        assert ctl.members == real.members  # the same samples: only their scores moved
    assert moved == sum(a.csr != b.csr for a, b in zip(items, shuffled)) and moved >= 6
    assert [it.csr for it in shuffle_items(items, seed=3)[0]] == [it.csr for it in shuffled]  # seeded
    assert [it.csr for it in shuffle_items(items, seed=4)[0]] != [it.csr for it in shuffled]
    cfg = TrainConfig(reward_control="shuffled").override(seed=3)  # the run's seed seeds the shuffle
    prepared, note = prepare_items(items, cfg, Verifier(_graph()))
    assert [it.csr for it in prepared] == [it.csr for it in shuffled] and note["items_reordered"] == moved


@pytest.mark.torch   # the GRPO control permutes torch tensors
def test_grpo_control_advantages_are_the_real_ones_permuted() -> None:
    torch = pytest.importorskip("torch")
    graph = _graph()
    item = _item(["/a", "a long one with /", "short", "abc"], [1.0, 0.6, 0.6, 0.6])
    real = step_advantages(item, TrainConfig(), Verifier(graph), seed=5)
    ctl = step_advantages(item, TrainConfig(reward_control="shuffled"), Verifier(graph), seed=5)
    perm = permutation(4, 5)
    assert torch.allclose(ctl, real[perm]) and perm != [0, 1, 2, 3]
    gdpo = step_advantages(item, TrainConfig().override(advantage="gdpo"), Verifier(graph), seed=5)
    # brief 1,0,1,1 (sd 0.433), slash 1,1,0,0 (sd 0.5), words 1,1,1,1 (no spread): failing the rarely failed
    # `brief` costs more than failing `slash`, though all three 0.6 candidates share one scalar advantage
    s3 = 0.75 ** 0.5 / 2  # sd of brief
    expect = [(0.25 / s3 + 1) / 2.5, (-0.75 / s3 + 1) / 2.5, (0.25 / s3 - 1) / 2.5, (0.25 / s3 - 1) / 2.5]
    assert gdpo.tolist() == pytest.approx(expect, rel=1e-3) and float(real[1]) == float(real[2])


def test_real_minus_control_is_paired_over_the_prompts() -> None:
    def result(csrs: list[float]) -> dict:
        rows = [{"line": i + 1, "key": f"k{i}", "csr": c, "pass": {"c": float(c >= 1)}} for i, c in enumerate(csrs)]
        return {"responses": rows, "constraints": {"c": {}}}
    real, control = result([1.0] * 15 + [0.5] * 5), result([0.5] * 20)
    diff = real_minus_control(real, control)
    csr = next(r for r in diff["rows"] if r["measure"] == "CSR")
    assert diff["n"] == 20 and csr["real_minus_control"]["value"] == pytest.approx(0.375)
    assert 0 < csr["real_minus_control"]["lo"] <= 0.375 <= csr["real_minus_control"]["hi"]
