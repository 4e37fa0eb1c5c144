"""`act train --add-favourite`: one more candidate per training prompt, the verifier's favourite answer.

A small model's own samples can miss whole kinds of answer: on FIGER none of 1,440 training candidates named an
organisation, so no ranking of them could teach one (bench/RESULTS.md). The answers `act card` takes the
verifier's own choice over (scoring.choice.answer_space) reach every kind: for a label answer each label, for a
list of labels each top-level label alone and with one of its children, and for a text answer each entity
(name, date, number) that spaCy finds in the prompt's text inputs, the answers of a span-extracting task such
as TimeQA's. Where exactly one of them scores the highest CSR on a prompt, it joins that prompt's candidates,
written the way the model writes its answers; where several tie, the verifier has no choice to teach and
nothing is added. No model is asked and no gold is read.

It teaches what the verifier prefers, no more. On TimeQA's held-out questions the favourite entity was no better
than the model's own answers, and training with it raised CSR but not token F1 (bench/RESULTS.md;
`bench/favourite_quality.py` sets a task's favourite against a model's answers).
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
    """The task's answer is neither a label, a list of labels nor a text, so there is no answer to add."""


def check_answers(graph: Graph) -> str:
    """What the favourite is chosen among ("labels" or "entities"); NoLabelAnswer when the task's output has
    neither, before any work."""
    from act_dsl.scoring.choice import label_texts
    from act_dsl.scoring.mutants import output_shape
    shape = output_shape(graph)
    if shape is not None and shape.kind == "text":
        if not any(t == "text" for t in graph.input_types.values()):
            raise NoLabelAnswer(f"task `{graph.name}` answers with a text but has no text input: --add-favourite "
                                "chooses among the entities of the inputs' texts, so it needs one")
        return "entities"
    try:
        texts = label_texts(graph, shape) if shape else []
    except ValueError as exc:
        raise NoLabelAnswer(f"task `{graph.name}`: {exc}: --add-favourite would score too many") from None
    if not texts:
        raise NoLabelAnswer(f"task `{graph.name}` does not answer with a label, a list of labels or a text: "
                            "--add-favourite adds the verifier's favourite label answer or entity of the inputs, so "
                            "it needs one")
    return "labels"


def favourite_answers(verifier: Verifier, samples: Sequence[Sample], progress: bool = False) -> list[str | None]:
    """Per sample, the verifier's unique favourite answer written as its own candidates begin (their most common
    leading whitespace), or None where several answers tie for the highest CSR (or the prompt offers none)."""
    from act_dsl.scoring.choice import answer_space, favourites
    from act_dsl.scoring.mutants import contexts, output_shape
    graph = verifier.graph
    kind = check_answers(graph)
    shape = output_shape(graph)
    assert shape is not None  # check_answers refuses a task without one
    records = [dict(s.fields) for s in samples]
    space = answer_space(graph, shape, records, contexts(graph, records) if kind == "entities" else None)
    if space is None:  # no entity in any prompt (or no spaCy pipeline): nothing to add
        return [None] * len(samples)
    favs = favourites(verifier.executor(), records, space.texts, progress=progress)
    return [None if len(best) != 1 else _lead(s.responses) + texts[best[0]]
            for s, texts, (_, best) in zip(samples, space.texts, favs)]


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
