"""Ranked training items from K scored candidates per prompt (by every `group by` key), and the signal audit
printed before training. Scoring the candidates and picking the best is act_dsl/scoring/candidates.py."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.sampling.samples import Sample, as_samples
from act_dsl.scoring.candidates import joint_groups, score_samples
from act_dsl.scoring.csr import shown_number
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.results import BeatsGreedy, ConstraintStats, RankAudit

SampleLike = Sample | Mapping[str, Any]


@dataclass
class Item:
    """One ranked unit: a prompt, or a group of prompts whose k-th responses form the k-th joint candidate."""

    members: list[Sample]            # dicts shaped like samples-file lines are accepted and converted
    csr: list[float]                 # one CSR per candidate
    counts: list[int] | None = None  # how many sampled candidates each one stands for (after merging duplicates)
    kept: list[int] | None = None    # which of the sampled candidates these are (None: all, in order)

    def __post_init__(self) -> None:
        self.members = as_samples(self.members)

    def keep(self, which: Sequence[int], counts: Sequence[int] | None = None) -> "Item":
        """The item with only candidates `which` (in that order)."""
        members = [replace(m, responses=tuple(m.responses[k] for k in which)) for m in self.members]
        return Item(members, [self.csr[k] for k in which], list(counts) if counts is not None else None,
                    [self.kept[k] for k in which] if self.kept is not None else list(which))

    def distinct(self) -> tuple[list[int], list[int]]:
        """(the first of each set of identical candidates, how many sampled candidates each stands for); a joint
        candidate is identical to another when every member's response is."""
        first: dict[tuple[str, ...], int] = {}
        counts: dict[int, int] = {}
        for k in range(self.k):
            key = tuple(m.responses[k] if k < len(m.responses) else "" for m in self.members)
            j = first.setdefault(key, k)
            counts[j] = counts.get(j, 0) + 1
        which = sorted(counts)
        return which, [counts[k] for k in which]

    def merged(self) -> "Item":
        """The item with exact-duplicate candidates merged (the count kept): a response sampled three times is
        one candidate, so it is not ranked against copies of itself nor counted thrice in the loss."""
        which, counts = self.distinct()
        return self.keep(which, counts)

    @property
    def k(self) -> int:
        return len(self.csr)

    def pairs(self) -> int:
        return sum(1 for a in self.csr for b in self.csr if a > b)


def item_row(item: Item) -> dict[str, Any]:
    """An item as a line of ranked.jsonl: its prompts' indices in the samples file, the CSR of each kept candidate,
    which sampled candidates were kept and how many each stands for."""
    return {"indices": [m.index for m in item.members], "csr": item.csr, "keep": item.kept, "counts": item.counts}


def item_from_row(samples: Mapping[int, Sample], row: Mapping[str, Any]) -> Item:
    """The item of a ranked.jsonl line, its members taken from the samples file (a line without `keep`, from
    before duplicates were merged, keeps every candidate)."""
    members = [samples[i] for i in row["indices"]]
    keep = row.get("keep")
    if keep is None:
        return Item(members, list(row["csr"]))
    members = [replace(m, responses=tuple(m.responses[k] for k in keep)) for m in members]
    return Item(members, list(row["csr"]), row.get("counts"), list(keep))


@dataclass
class Ranked:
    items: list[Item]
    per_constraint: dict[str, ConstraintStats]
    zero_variance: int
    prompts: int
    mean_csr: float | None
    warnings: list[str] = field(default_factory=list)
    sampled: int = 0                 # candidates sampled, over all items
    distinct: int = 0                # candidates left after merging exact duplicates

    @property
    def pairs(self) -> int:
        return sum(it.pairs() for it in self.items)

    def audit(self) -> RankAudit:
        return RankAudit(self.prompts, len(self.items), self.pairs, self.zero_variance,
                         self.zero_variance / len(self.items) if self.items else None, self.mean_csr,
                         dict(self.per_constraint), tuple(self.warnings), self.sampled, self.distinct)


def ranked_items(graph: Graph, samples: Sequence[Sample], table: list[list[float]]) -> list[Item]:
    """One item per prompt, or per joint group when the task has `group by` blocks (its k-th candidate's CSR is
    the mean over the group's prompts)."""
    # the table is as wide as the most candidates any prompt has: a prompt with fewer (a samples file written by
    # hand or by another tool) keeps only its own, and a group only the joint candidates every member has
    if not graph.group_keys:
        return [Item([s], table[i][:len(s.responses)]) for i, s in enumerate(samples)]
    out = []
    for idx in joint_groups(samples, graph.group_keys):
        k = min(len(samples[i].responses) for i in idx)
        out.append(Item([samples[i] for i in idx], [sum(table[i][c] for i in idx) / len(idx) for c in range(k)]))
    return out


def rank(verifier: Verifier, samples: Sequence[SampleLike]) -> Ranked:
    samples = as_samples(samples)
    scored = score_samples(verifier, samples, progress=True)
    sampled = ranked_items(verifier.graph, samples, scored.table(len(samples)))
    items = [it.merged() for it in sampled]
    scores = scored.scores
    zero = sum(1 for it in items if len(set(it.csr)) <= 1)
    per = {n: ConstraintStats.of(s) for n, s in scores.summary.items()}
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
    return Ranked(items, per, zero, len(samples), scores.mean_csr, warnings,
                  sampled=sum(it.k for it in sampled), distinct=sum(it.k for it in items))


def audit_table(audit: RankAudit, probes: dict[str, Any] | None = None, bg: BeatsGreedy | None = None) -> str:
    """The audit printed before training, from Ranked.audit(); `probes` is a ProbeReport.as_dict() scored
    against the samples, `bg` how often the best candidate beats the greedy answer."""
    lines = [f"signal audit: {audit.prompts} prompts, {audit.items} ranked items, {audit.pairs} training "
             f"pairs, {audit.zero_variance_items} items with all candidates at the same CSR, mean sample CSR "
             f"{shown_number(audit.mean_csr)}"]
    if audit.candidates:
        lines.append(f"  {audit.distinct_candidates} distinct of {audit.candidates} sampled candidates "
                     "(exact duplicates merged before ranking)")
    if bg is not None:
        lines.append(f"  best candidate beats the greedy answer by CSR on {bg.better} of {bg.items} prompts "
                     f"({shown_number(bg.share)}); ties {bg.tied}, worse {bg.worse}: the share training can learn from")
    per = audit.constraints
    width = max([len(n) for n in per] + [10])
    lines.append(f"  {'constraint':<{width}}  pass   mean   n/a  errors")
    for n, s in per.items():
        pr, mn = shown_number(s.pass_rate), shown_number(s.mean)
        lines.append(f"  {n:<{width}}  {pr:>5}  {mn:>5}  {s.not_applicable:>4}  {s.errors:>6}")
    lines.extend(f"  warning: {w}" for w in audit.warnings)
    if probes is not None:
        from act_dsl.scoring.probes import render_table
        lines.append(render_table(probes, indent="  "))
    return "\n".join(lines)
