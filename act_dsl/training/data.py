"""Samples and their scores -> ranked training items, and the signal audit printed before training."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.ops.values import as_text, normalize
from act_dsl.scoring.report import score_rows


@dataclass
class Item:
    """One ranked unit: a prompt, or a group of prompts whose k-th responses form the k-th joint candidate."""

    members: list[dict]              # sample rows: {index, prompt, fields, responses}
    csr: list[float]                 # one CSR per candidate

    @property
    def k(self) -> int:
        return len(self.csr)

    def pairs(self) -> int:
        return sum(1 for a in self.csr for b in self.csr if a > b)


@dataclass
class Ranked:
    items: list[Item]
    per_constraint: dict[str, dict[str, Any]]
    zero_variance: int
    prompts: int
    mean_csr: float | None
    warnings: list[str] = field(default_factory=list)

    @property
    def pairs(self) -> int:
        return sum(it.pairs() for it in self.items)

    def audit(self) -> dict[str, Any]:
        return {"prompts": self.prompts, "items": len(self.items), "pairs": self.pairs,
                "zero_variance_items": self.zero_variance,
                "zero_variance_share": self.zero_variance / len(self.items) if self.items else None,
                "mean_csr": self.mean_csr, "constraints": self.per_constraint, "warnings": self.warnings}


def score_samples(graph: Graph, samples: list[dict], reference_date=None):
    rows, cand, owner = [], [], []
    for s_i, s in enumerate(samples):
        for k, r in enumerate(s["responses"]):
            rows.append({**s["fields"], "response": r})
            cand.append(k)
            owner.append(s_i)
    return rows, cand, owner, score_rows(graph, rows, cand, reference_date, progress=False)


def joint_groups(samples: list[dict], keys: list[tuple[str, ...]]) -> list[list[int]]:
    """Prompts that share a group under ANY `group by` block are ranked together: the connected components of
    "same values of every key field of one block", so every block's groups stay whole inside one item."""
    parent = list(range(len(samples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for fields_ in keys:
        first: dict[tuple, int] = {}
        for s_i, s in enumerate(samples):
            key = tuple(normalize(as_text(s["fields"].get(f))) for f in fields_)
            j = first.setdefault(key, s_i)
            parent[find(s_i)] = find(j)
    comps: dict[int, list[int]] = {}
    for i in range(len(samples)):
        comps.setdefault(find(i), []).append(i)
    return list(comps.values())


def rank(graph: Graph, samples: list[dict], reference_date=None) -> Ranked:
    rows, cand, owner, scores = score_samples(graph, samples, reference_date)
    k = max((len(s["responses"]) for s in samples), default=0)
    csr = [[0.0] * k for _ in samples]
    for r, (s_i, c) in enumerate(zip(owner, cand)):
        csr[s_i][c] = scores.csr[r] if scores.csr[r] is not None else 0.0
    keys = graph.group_keys
    if keys:
        items = [Item([samples[i] for i in idx], [sum(csr[i][c] for i in idx) / len(idx) for c in range(k)])
                 for idx in joint_groups(samples, keys)]
    else:
        items = [Item([s], csr[i]) for i, s in enumerate(samples)]
    zero = sum(1 for it in items if len(set(it.csr)) <= 1)
    per = {n: s.as_dict() for n, s in scores.summary.items()}
    warnings = []
    for n, s in scores.summary.items():
        if s.applicable and s.pass_rate == 1.0:
            warnings.append(f"constraint `{n}` passes on every sample: it gives no training signal")
        elif s.applicable and s.mean == 0.0:
            warnings.append(f"constraint `{n}` fails on every sample: check the prompt format and the verifier "
                            f"(`act trace`)")
        elif not s.applicable:
            warnings.append(f"constraint `{n}` is not applicable to any sample")
    if items and zero / len(items) > 0.8:
        warnings.append(f"{zero} of {len(items)} prompts have candidates that all score the same CSR: little "
                        "signal; raise --samples or --temperature, or change the prompt")
    return Ranked(items, per, zero, len(samples), scores.mean_csr, warnings)


def audit_table(r: Ranked, probes: dict[str, Any] | None = None) -> str:
    """The audit printed before training; `probes` is a ProbeReport.as_dict() scored against the samples."""
    lines = [f"signal audit: {r.prompts} prompts, {len(r.items)} ranked items, {r.pairs} training pairs, "
             f"{r.zero_variance} items with all candidates at the same CSR, mean sample CSR "
             f"{'-' if r.mean_csr is None else f'{r.mean_csr:.3f}'}"]
    width = max([len(n) for n in r.per_constraint] + [10])
    lines.append(f"  {'constraint':<{width}}  pass   mean   n/a  errors")
    for n, s in r.per_constraint.items():
        pr = "-" if s["pass_rate"] is None else f"{s['pass_rate']:.3f}"
        mn = "-" if s["mean"] is None else f"{s['mean']:.3f}"
        lines.append(f"  {n:<{width}}  {pr:>5}  {mn:>5}  {s['not_applicable']:>4}  {s['errors']:>6}")
    lines.extend(f"  warning: {w}" for w in r.warnings)
    if probes is not None:
        from act_dsl.scoring.probes import render_table
        lines.append(render_table(probes, indent="  "))
    return "\n".join(lines)
