"""The verifier's own choice: which answer it likes best among those a trainer could reach without the model
(each label of the task's label sets, or each entity of a record's text inputs for a text answer), and how the
task metric scores that favourite. `act card` reports it; `act train --add-favourite` adds it as a candidate."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.ops.types import elem
from act_dsl.scoring.gold import TaskMetric
from act_dsl.scoring.mutants import Shape, label_parent
from act_dsl.scoring.rows import Row
from act_dsl.scoring.verifier import score_in_chunks

CHOICE_MAX = 200     # the most answers per record the verifier's own choice is taken over (a larger label set: none)
SHOW_CHOICES = 3     # wrong favourite answers named in the card
ENTITY_GOLD_SHARE = 0.5  # a text answer's choice is taken among its inputs' entities when they hold this share of gold


def mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def label_space(graph: Graph, shape: Shape) -> list[list[str]]:
    """The answers the verifier's own choice is taken over: for one label, each label of the task's label sets;
    for a list of labels, each top-level label alone and each with one of its children ("/person",
    "/person, /person/actor"), the answers a labelling model gives. Empty for any other output."""
    labels = list(dict.fromkeys(lab for ls in graph.labelsets.values() for lab in ls.labels))
    if shape.kind == "label":
        return [[lab] for lab in labels]
    if shape.kind != "list" or elem(shape.type) != "label":
        return []
    out: list[list[str]] = []
    for top in (lab for lab in labels if label_parent(lab) not in labels):
        out.append([top])
        out += [[top, lab] for lab in labels if label_parent(lab) == top]
    return out


def label_texts(graph: Graph, shape: Shape) -> list[str]:
    """label_space's answers as a response writes them; ValueError when there are more than CHOICE_MAX (scoring
    them all on every record would cost too much)."""
    space = label_space(graph, shape)
    if len(space) > CHOICE_MAX:
        raise ValueError(f"the label set gives {len(space)} answers a record, more than {CHOICE_MAX}")
    return [shape.render(v) for v in space]


@dataclass(frozen=True)
class AnswerSpace:
    """The answers the verifier's own choice is taken over on each record, and what they are: `labels` (built
    from the label set, the same on every record) or `entities` (for a text answer: the entities spaCy finds in the
    record's text inputs, names, dates and numbers, the answers a span-extracting model gives)."""

    kind: str
    texts: list[list[str]]

    def describe(self) -> str:
        if self.kind == "labels":
            return (f"{len(self.texts[0]) if self.texts else 0} answers built from the label set (each top-level "
                    "label, alone or with one of its children)")
        n = [len(t) for t in self.texts]
        return (f"the entities spaCy finds in each record's text inputs (names, dates, numbers: "
                f"{sum(n) / len(n) if n else 0:.1f} a record on average)")


def answer_space(graph: Graph, shape: Shape, records: list[dict[str, Any]], ctxs: list[Any] | None
                 ) -> AnswerSpace | None:
    """The answers of the verifier's own choice on each record: label_texts for a label answer; for a text answer
    the distinct entities of each record's text inputs (`ctxs`, mutants.contexts; at most CHOICE_MAX a record);
    None for any other answer, or a text answer without text inputs or spaCy. ValueError as label_texts."""
    if shape.kind == "text":
        if not ctxs:
            return None
        names = [list(dict.fromkeys(t.strip() for t, _ in c.entities if t.strip()))[:CHOICE_MAX] for c in ctxs]
        return AnswerSpace("entities", names) if any(names) else None
    texts = label_texts(graph, shape)
    return AnswerSpace("labels", [texts] * len(records)) if texts else None


def favourites(ex: Any, records: list[dict[str, Any]], texts: Sequence[Sequence[str]], progress: bool = True
               ) -> list[tuple[float, list[int]]]:
    """Per record, the highest CSR among its answers `texts[i]` and which of them reach it (ties included); a
    record without answers gets (0.0, [])."""
    rows = [Row(rec, t) for rec, ts in zip(records, texts) for t in ts]
    scores = score_in_chunks(ex, rows, None, desc="card: the verifier's choice", progress=progress)
    out, at = [], 0
    for ts in texts:
        csr = [scores.csr[at + j] or 0.0 for j in range(len(ts))]
        at += len(ts)
        top = max(csr, default=0.0)
        out.append((top, [j for j in range(len(ts)) if csr[j] >= top - 1e-9]))
    return out


def choice_part(ex: Any, graph: Graph, shape: Shape, records: list[dict[str, Any]], metric: TaskMetric,
                base: list[float], where: list[str], gold_texts: list[str], notes: list[str],
                ctxs: list[Any] | None = None, wrong_at: float = 0.5, progress: bool = True
                ) -> dict[str, Any] | None:
    """Which answer the verifier likes best among those of answer_space (built from the label set, or the
    inputs' entities for a text answer), and how the task metric scores it: a trainer whose candidates reach every
    such answer learns this one, so a favourite that is wrong is what training would teach. Ties count as the
    mean metric of the tied answers; a record without answers (no entity in its inputs) is left out."""
    from act_dsl.scoring.attacks import parse
    try:
        space = answer_space(graph, shape, records, ctxs)
    except ValueError as exc:
        notes.append(f"the verifier's own choice is not taken: {exc}")
        return None
    if space is None:
        return None
    if space.kind == "entities":  # a summary or a long answer is no entity: the choice would say nothing
        from act_dsl.ops.values import normalize
        held = sum(1 for g, ts in zip(gold_texts, space.texts) if normalize(g) in {normalize(t) for t in ts})
        if held < ENTITY_GOLD_SHARE * len(records):
            notes.append(f"the verifier's own choice is not taken among the inputs' entities: only {held} of "
                         f"{len(records)} gold answers are one of them, so the answer is not a span of the inputs")
            return None
    favs = favourites(ex, records, space.texts, progress)
    tied = [(i, j) for i, (_, best) in enumerate(favs) for j in best]  # every tied favourite, parsed and scored once
    said = [space.texts[i][j] for i, j in tied]
    values = metric([i for i, _ in tied], parse(ex, shape, [records[i] for i, _ in tied], said), said)
    picks: list[float] = []
    wrong: list[dict[str, Any]] = []
    at = 0
    for i, (top, best) in enumerate(favs):
        if not best:
            continue
        vals = values[at:at + len(best)]
        at += len(best)
        picks.append(sum(vals) / len(vals))
        if picks[-1] <= wrong_at * base[i]:  # named by its worst tied answer (the card's WRONG_AT)
            worst = best[min(range(len(best)), key=lambda k: vals[k])]
            wrong.append({"where": where[i], "response": space.texts[i][worst], "csr": top, "gold": gold_texts[i],
                          "tied": len(best)})
    counted = [i for i, (_, best) in enumerate(favs) if best]
    return {"space": space.kind, "about": space.describe(),
            "answers": sum(len(t) for t in space.texts) / len(space.texts) if space.texts else 0.0,
            "records": len(counted), "metric": mean(picks) or 0.0,
            "gold_metric": mean([base[i] for i in counted]) or 0.0,
            "ties": mean([float(len(b)) for _, b in favs if b]) or 0.0, "wrong": len(wrong),
            "unique": sum(1 for _, b in favs if len(b) == 1),
            "examples": sorted(wrong, key=lambda w: -w["csr"])[:SHOW_CHOICES]}
