"""Bootstrap intervals over prompts, paired differences, and `act eval --compare` on saved held-out results."""
from __future__ import annotations

import json

import pytest

from act_dsl.scoring.evidence import compare, intervals, load_result, EvidenceError
from act_dsl.scoring.stats import bootstrap_mean, bootstrap_paired, quantile, spread
from conftest import run_act


def test_a_constant_sample_has_a_zero_width_interval() -> None:
    iv = bootstrap_mean([0.75] * 30)
    assert (iv.value, iv.lo, iv.hi, iv.n) == (0.75, 0.75, 0.75, 30)


def test_a_constant_paired_difference_is_exact_and_none_values_are_left_out() -> None:
    before = [0.1, 0.4, 0.2, 0.9, None]
    after = [0.3, 0.6, 0.4, 1.1, 0.5]
    iv = bootstrap_paired(before, after)
    assert iv.value == pytest.approx(0.2) and iv.lo == pytest.approx(0.2) and iv.hi == pytest.approx(0.2)
    assert iv.n == 4  # the prompt without a CSR before is not a pair
    assert bootstrap_mean([1.0, None, 0.0]).n == 2


def test_a_known_difference_and_its_interval_by_hand() -> None:
    # half the prompts gain 1.0, half gain nothing: the paired mean gain is 0.5; a resample's mean gain is
    # k/20 for k of 20 drawn prompts gaining, so the interval lies on that grid and inside (0, 1)
    before = [0.0] * 20
    after = [1.0] * 10 + [0.0] * 10
    iv = bootstrap_paired(before, after)
    assert iv.value == 0.5
    assert 0.2 <= iv.lo < 0.5 < iv.hi <= 0.8
    # Binomial(20, 0.5)/20 has sd 0.112: the 95 % interval is about 0.5 +- 0.22
    assert iv.hi - iv.lo == pytest.approx(0.45, abs=0.1)
    assert bootstrap_paired(before, after) == iv  # seeded: the same interval every time


def test_quantile_interpolates_and_spread_by_hand() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.0) == 1.0 and quantile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0
    s = spread([0.6, 0.8, 1.0])
    assert s["mean"] == pytest.approx(0.8) and s["sd"] == pytest.approx(0.2) and (s["min"], s["max"]) == (0.6, 1.0)
    assert spread([None])["n"] == 0


def _result(csr: list[float], passes: list[float], preds: list[list[str]], golds: list[list[str]]) -> dict:
    rows = [{"line": i + 1, "key": f"k{i}", "response": ",".join(p), "csr": c, "pass": {"ok": x}}
            for i, (c, x, p) in enumerate(zip(csr, passes, preds))]
    res = {"csr": sum(csr) / len(csr), "constraints": {"ok": {"pass_rate": sum(passes) / len(passes)}},
           "responses": rows, "task_metric": {"metric": "micro_f1", "gold": "gold", "output": "types", "value": 0.0,
                                              "preds": preds, "golds": golds}}
    res["intervals"] = intervals(res)
    return res


def test_intervals_of_a_result_recompute_micro_f1_on_resampled_prompts() -> None:
    golds = [["/person"], ["/location"], ["/person"], ["/organization"]]
    res = _result([1.0, 0.5, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0],
                  [["/person"], ["/person"], ["/person"], []], golds)
    iv = res["intervals"]
    assert iv["csr"]["value"] == 0.625 and iv["csr"]["n"] == 4
    assert iv["constraints"]["ok"]["value"] == 0.5
    # micro-F1 pools counts: tp 2, 3 predicted, 4 gold -> P 2/3, R 1/2, F1 4/7
    assert iv["task_metric"]["value"] == pytest.approx(4 / 7) and iv["task_metric"]["lo"] <= 4 / 7


def test_compare_pairs_prompts_by_key_and_gives_b_minus_a(tmp_path) -> None:
    golds = [["/person"], ["/location"], ["/person"], ["/organization"]]
    a = _result([0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0], [["/person"]] * 4, golds)
    b = _result([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [["/person"], ["/location"], ["/person"], ["/x"]], golds)
    table = compare(a, b)
    rows = {r["measure"]: r for r in table["rows"]}
    assert table["n"] == 4 and set(rows) == {"CSR", "ok (pass)", "micro_f1"}
    assert rows["CSR"]["diff"] == {"value": 0.5, "lo": 0.5, "hi": 0.5, "n": 4}
    assert rows["micro_f1"]["diff"]["value"] == pytest.approx(0.75 - 0.5)
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    r = run_act("eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert r.returncode == 0, r.stderr
    csr_line = next(x for x in r.stdout.splitlines() if x.startswith("CSR"))
    assert "0.500 [0.500, 0.500]" in csr_line and "+0.500 [+0.500, +0.500]" in csr_line
    assert "4 shared held-out prompts" in r.stdout


def test_compare_refuses_what_it_cannot_pair(tmp_path) -> None:
    (tmp_path / "old.json").write_text(json.dumps({"csr": 0.5, "responses": [{"line": 1, "response": "x", "csr": 0.5}]}))
    r = run_act("eval", "--compare", str(tmp_path / "old.json"), str(tmp_path / "missing"))
    assert r.returncode == 2 and "old.json: not a held-out result with per-prompt scores" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_act("eval", "--compare", str(tmp_path), str(tmp_path))
    assert r.returncode == 2 and "a run directory without eval_after.json" in r.stderr
    with pytest.raises(EvidenceError, match="share no held-out prompt"):
        golds = [["/a"]]
        compare(_result([1.0], [1.0], [["/a"]], golds),
                {**_result([1.0], [1.0], [["/a"]], golds),
                 "responses": [{"line": 9, "key": "zz", "csr": 1.0, "pass": {}}]})
    with pytest.raises(EvidenceError, match="no such file"):
        load_result(tmp_path / "nothing.json")


def test_eval_without_a_file_or_data_is_a_usage_error() -> None:
    r = run_act("eval")
    assert r.returncode == 2 and "give the .act file and --data" in r.stderr
