"""How the verifier's scores of K candidates become a training signal: the scalar CSR, or per constraint (GDPO).

`--advantage csr` (the default) ranks and weighs candidates by their CSR alone. `--advantage gdpo` follows
GDPO (arXiv 2601.05242): distinct combinations of passed constraints should not collapse into one scalar.
For `--loss grpo` each constraint's value is normalised within the prompt's group (mean and standard deviation
over the candidates it applies to, the deviation guarded by eps) before the weighted mean over constraints; for
the ranking losses (rrhf, pro, dpo), whose pairs come from an order, candidates with equal CSR are ordered by
the constraints they pass, the heaviest constraint first. The shuffled-reward control (training.control) is
applied after either, to the candidates' whole score vectors.
"""
from __future__ import annotations

import dataclasses
import statistics
from typing import Any, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.scoring.candidates import score_samples
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.data import Item

Values = list[list[float | None]]  # per candidate, each constraint's value (None: it does not apply)


def constraint_weights(graph: Graph) -> list[float]:
    """Each constraint's weight, in the task's order (the order of candidate_values' columns)."""
    return [float(c.weight) for c in graph.constraints]


def candidate_values(verifier: Verifier, item: Item) -> Values:
    """Each candidate's value of every constraint; for a `group by` item's joint candidate, the mean over the
    members where the constraint applies (None where it applies to none)."""
    scored = score_samples(verifier, item.members)
    names = [c.name for c in verifier.graph.constraints]
    got: list[list[list[float]]] = [[[] for _ in names] for _ in range(item.k)]
    for vals, cand in zip(scored.scores.values, scored.candidate):
        for j, name in enumerate(names):
            v = vals.get(name)
            if v is not None and cand < item.k:
                got[cand][j].append(float(v))
    return [[sum(v) / len(v) if v else None for v in cand] for cand in got]


def gdpo_advantages(values: Values, weights: Sequence[float], eps: float = 1e-4) -> list[float]:
    """GDPO's advantage of each candidate: per constraint, (value - mean) / (sd + eps) over the candidates it
    applies to (0 where it does not apply, and for every candidate when fewer than two have a value), then the
    weighted mean over constraints (divided by the sum of all weights)."""
    k = len(values)
    adv = [0.0] * k
    for j, w in enumerate(weights):
        have = [(c, values[c][j]) for c in range(k) if values[c][j] is not None]
        if len(have) < 2:
            continue
        xs = [float(x) for _, x in have]  # type: ignore[arg-type]
        mean, sd = statistics.fmean(xs), statistics.pstdev(xs)
        for (c, _), x in zip(have, xs):
            adv[c] += w * (x - mean) / (sd + eps)
    total = sum(weights)
    return [a / total for a in adv] if total else adv


def tie_break(csr: Sequence[float], values: Values, weights: Sequence[float]) -> list[float]:
    """The candidates' CSRs with ties broken by the constraints they pass: among candidates of equal CSR, the
    pass vectors are compared constraint by constraint, heaviest first (declaration order among equal weights;
    a constraint that does not apply counts as 0). A tied candidate of rank r (0 = lowest) of n distinct vectors
    gets CSR + gap * r / n, gap the smallest difference between two distinct CSRs of the item (1 when all are
    equal): the CSR order is kept, and candidates with the same vector stay tied."""
    order = sorted(range(len(weights)), key=lambda j: -weights[j])

    def vector(c: int) -> tuple[float, ...]:
        return tuple(0.0 if values[c][j] is None else float(values[c][j]) for j in order)  # type: ignore[arg-type]
    levels = sorted(set(csr))
    gaps = [b - a for a, b in zip(levels, levels[1:])]
    gap = min(gaps) if gaps else 1.0
    out = []
    for c, x in enumerate(csr):
        vectors = sorted({vector(i) for i in range(len(csr)) if csr[i] == x})
        out.append(x + gap * vectors.index(vector(c)) / len(vectors))
    return out


def prepare_items(items: list[Item], cfg: Any, verifier: Verifier) -> \
        tuple[list[Item], dict[str, Any]]:
    """The ranked items as the ranking losses will see them: with `--advantage gdpo` CSR ties broken by the
    constraints passed, then, for the control arm, each item's scores shuffled across its candidates; and a
    summary of what changed (for the report)."""
    from act_dsl.training.control import shuffle_items
    note: dict[str, Any] = {"advantage": cfg.advantage, "control": cfg.reward_control}
    if cfg.advantage == "gdpo":
        weights = constraint_weights(verifier.graph)
        before = sum(it.pairs() for it in items)
        items = [dataclasses.replace(it, csr=tie_break(it.csr, candidate_values(verifier, it), weights))
                 for it in items]
        note["pairs_from_ties"] = sum(it.pairs() for it in items) - before
    if cfg.reward_control == "shuffled":
        items, moved = shuffle_items(items, cfg.seed)
        note["items_reordered"] = moved
    return items, note


def step_advantages(item: Item, cfg: Any, verifier: Verifier, seed: int) -> Any:
    """GRPO's advantages (a tensor) of one freshly sampled item: from the CSR, or per constraint with
    `--advantage gdpo`; in the control arm the candidates' score vectors are shuffled first (seeded by `seed`)."""
    import torch

    from act_dsl.training.control import permutation
    from act_dsl.training.losses import group_advantages
    perm = permutation(item.k, seed) if cfg.reward_control == "shuffled" else list(range(item.k))
    if cfg.advantage == "gdpo":
        values = candidate_values(verifier, item)
        return torch.tensor(gdpo_advantages([values[p] for p in perm], constraint_weights(verifier.graph)))
    return group_advantages(torch.tensor([item.csr[p] for p in perm]))
