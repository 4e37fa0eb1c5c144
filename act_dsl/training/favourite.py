"""`act train --add-favourite`: one more candidate per training prompt of a label task, the verifier's favourite.

A small model's own samples can miss whole kinds of the label set: on FIGER none of 1,440 training candidates
named an organisation, so no ranking of them could teach one (bench/RESULTS.md). The answers `act card` takes
the verifier's own choice over (scoring.card.label_space: each label; for a list of labels, each top-level
label alone and with one of its children) reach every kind. Where exactly one of them scores the highest CSR on
a prompt, it joins that prompt's candidates, written the way the model writes its answers; where several tie,
the verifier has no choice to teach and nothing is added. No model is asked and no gold is read.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from act_dsl.graph.graph import Graph
from act_dsl.sampling.samples import Sample
from act_dsl.scoring.verifier import Verifier


class NoLabelAnswer(ValueError):
    """The task's answer is not a label or a list of labels, so there is no label answer to add."""


def label_answers(graph: Graph) -> list[str]:
    """The answers the favourite is chosen among, as texts; NoLabelAnswer when the task's output has none."""
    from act_dsl.scoring.card import label_texts
    from act_dsl.scoring.mutants import output_shape
    shape = output_shape(graph)
    try:
        texts = label_texts(graph, shape) if shape else []
    except ValueError as exc:
        raise NoLabelAnswer(f"task `{graph.name}`: {exc}: --add-favourite would score too many") from None
    if not texts:
        raise NoLabelAnswer(f"task `{graph.name}` does not answer with a label or a list of labels: --add-favourite "
                            "adds the verifier's favourite label answer, so it needs one")
    return texts


def favourite_answers(verifier: Verifier, samples: Sequence[Sample], progress: bool = False) -> list[str | None]:
    """Per sample, the verifier's unique favourite label answer written as its own candidates begin (their most
    common leading whitespace), or None where several answers tie for the highest CSR."""
    from act_dsl.scoring.card import favourites
    texts = label_answers(verifier.graph)
    favs = favourites(verifier.executor(), [dict(s.fields) for s in samples], texts, progress=progress)
    return [None if len(best) != 1 else _lead(s.responses) + texts[best[0]] for s, (_, best) in zip(samples, favs)]


def add_to_file(path: Path, samples: Sequence[Sample], answers: Sequence[str | None]) -> dict[str, Any]:
    """Append each sample's favourite (when it has one) to its line of samples file `path`, rewritten whole and
    atomically; an added candidate has no token count and is listed by position under the line's `added`."""
    from act_dsl.safe_files import write_text_atomic
    by_index = {s.index: a for s, a in zip(samples, answers)}
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        fav = by_index.get(row.get("index"))
        if fav is not None and "added" not in row:  # a rerun of the stage does not add it twice
            n = len(row["responses"])
            row["responses"] = row["responses"] + [fav]
            for key, value in (("tokens", None), ("finish", "stop")):
                if isinstance(row.get(key), list):
                    row[key] = row[key] + [value]
            row["added"] = [n]
        out.append(json.dumps(row, ensure_ascii=False) + "\n")
    write_text_atomic(path, "".join(out))
    added = [a.strip() for a in answers if a is not None]
    return {"prompts": len(answers), "added": len(added), "tied": len(answers) - len(added),
            "distinct": len(set(added))}


def _lead(responses: Sequence[str]) -> str:
    """The leading whitespace most of `responses` share (" " for a model that answers after a space)."""
    leads = Counter(r[:len(r) - len(r.lstrip())] for r in responses if r.strip())
    return leads.most_common(1)[0][0] if leads else ""
