"""The shuffled-reward control arm: the same samples and budget, each prompt's scores shuffled across its candidates.

A gain that survives training on the model's own samples with the verifier's judgements randomly reassigned
within each prompt does not come from the constraints (arXiv 2506.10947 found large gains from random rewards).
`act train --control shuffled` runs such an arm beside the real run (training.arms), sharing its samples and
ranking; the report states the real run's held-out numbers minus the control's, paired over the prompts.
"""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

from act_dsl.training.data import Item

CONTROLS = ("shuffled",)


def permutation(k: int, seed: int | str) -> list[int]:
    """A uniformly random order of k candidates, the same for the same seed."""
    order = list(range(k))
    random.Random(seed).shuffle(order)
    return order


def shuffle_items(items: list[Item], seed: int) -> tuple[list[Item], int]:
    """Each item's scores permuted across its candidates (item i with seed f"{seed}:{i}"), and how many items'
    scores moved. The pairs per item (and so the training steps) are those of the real run."""
    out, moved = [], 0
    for i, it in enumerate(items):
        order = permutation(it.k, f"{seed}:{i}")
        csr = [it.csr[p] for p in order]
        moved += csr != list(it.csr)
        out.append(dataclasses.replace(it, csr=csr))
    return out, moved


def real_minus_control(real: Path | dict[str, Any], control: Path | dict[str, Any]) -> dict[str, Any]:
    """Per held-out measure: the real run's value, the control's, and real - control with its paired 95 %
    interval (bootstrap over the shared prompts); each argument a run folder (its eval_after.json) or a result."""
    from act_dsl.scoring.evidence import compare, load_result
    a = control if isinstance(control, dict) else load_result(control)
    b = real if isinstance(real, dict) else load_result(real)
    table = compare(a, b)
    return {"n": table["n"], "rows": [{"measure": r["measure"], "n": r["n"], "real": r["b"], "control": r["a"],
                                       "real_minus_control": r["diff"]} for r in table["rows"]]}


def control_lines(diff: dict[str, Any], measures: tuple[str, ...] | None = None) -> list[str]:
    """The report's table of real - control (CSR and the task metric unless `measures` names others)."""
    from act_dsl.scoring.evidence import interval_text
    rows = [r for r in diff["rows"] if measures is None and "(pass)" not in r["measure"]
            or measures is not None and r["measure"] in measures]
    lines = ["| held-out measure | n | real run [95 % CI] | shuffled control [95 % CI] | real - control, paired [95 % CI] |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['measure']} | {r['n']} | {interval_text(r['real'])} | {interval_text(r['control'])} | "
                     f"{interval_text(r['real_minus_control'], signed=True)} |")
    return lines
