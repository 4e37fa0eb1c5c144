"""What the samples promise before training: does the best candidate beat the greedy answer, and does a
degenerate response outrank the average sample (the reward-hacking gate)?

The first number predicts whether training can help at all: ranking teaches the model to prefer its best
candidates, which moves greedy decoding only where some candidate scores above the greedy answer. The gate
stops a run whose verifier would reward a trivial answer (empty, the input copied, a constant label) more
than the model's own average sample, since ranking then pulls the model toward that answer.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from act_dsl.sampling.samples import Sample
from act_dsl.scoring.candidates import score_samples
from act_dsl.scoring.verifier import Verifier
from act_dsl.training.data import ranked_items

GREEDY_FILE = "greedy.json"


def greedy_to_file(backend: Any, samples: Sequence[Sample], path: Path, gen: Any) -> int:
    """The greedy answer to every sampled prompt, as {index: response} in `path` (written whole, atomically);
    `backend` is the job's sampling backend (act_dsl.sampling.backends)."""
    out: dict[str, str] = {}
    size = backend.batch_size(gen)
    for i in range(0, len(samples), size):
        batch = list(samples[i:i + size])
        got = backend.complete([s.model_prompt for s in batch], 1, gen, greedy=True)
        out.update({str(s.index): c.texts[0] for s, c in zip(batch, got)})
    from act_dsl.safe_files import write_text_atomic
    write_text_atomic(path, json.dumps(out, ensure_ascii=False))
    return len(out)


def beats_greedy(verifier: Verifier, samples: Sequence[Sample], greedy: dict[str, str]) -> dict[str, Any] | None:
    """How many ranked items (prompts, or `group by` groups as joint candidates) have a sampled candidate with a
    higher CSR than the greedy answer; None when no greedy answers were kept."""
    with_greedy = [s for s in samples if str(s.index) in greedy]
    if not with_greedy:
        return None
    k = min(len(s.responses) for s in with_greedy)
    extended = [s.with_responses(s.model_prompt, (*s.responses[:k], greedy[str(s.index)])) for s in with_greedy]
    items = ranked_items(verifier.graph, extended, score_samples(verifier, extended).table(len(extended)))
    better = tied = worse = 0
    for it in items:
        best, g = max(it.csr[:k]), it.csr[k]
        better += best > g
        tied += best == g
        worse += best < g
    return {"items": len(items), "better": better, "tied": tied, "worse": worse,
            "share": better / len(items) if items else 0.0}


def outranking_probes(probes: dict[str, Any]) -> list[dict[str, Any]]:
    """The probes (ProbeReport.as_dict()) whose mean CSR is above the reference, the samples' mean CSR."""
    ref = probes["reference"]["mean_csr"]
    if ref is None:
        return []
    return [p for p in probes["probes"] if p["mean_csr"] is not None and p["mean_csr"] > ref]


def gate_message(probes: dict[str, Any]) -> str | None:
    """Why training should not start, or None when no degenerate response outranks the mean sample."""
    bad = outranking_probes(probes)
    if not bad:
        return None
    ref = probes["reference"]["mean_csr"]
    worst = max(bad, key=lambda p: p["mean_csr"])
    others = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    why = ", ".join(f"`{n}`" for n in worst["rewarding"]) or "no single constraint"
    return (f"training refused: the degenerate response `{worst['name']}`{others} scores mean CSR "
            f"{worst['mean_csr']:.3f}, above the mean sample's {ref:.3f}, so ranking would pull the model toward it "
            f"(rewarded by {why}); add a constraint that ties the answer to the input (see audit.json and "
            "`act probe`), or pass --force to train anyway")


def card_gate(verifier: Verifier, records: Sequence[Any], metric: Any, mean_sample: float | None,
              log: Any = print) -> tuple[dict[str, Any], str | None]:
    """The verifier card's gate over the training records (`Record`s; their gold answers where the job's
    MetricSpec finds a gold field): the card (gold acceptance and derived attacks, no mutants or search, as a
    dict) and why training should not start (an attack within GATE_GAP of the gold answers, or without gold,
    above the mean sample), or None."""
    from act_dsl.scoring.card import build_card
    from act_dsl.scoring.probes import GoldError
    from act_dsl.training.evaluate import resolve_metric
    graph = verifier.graph
    try:
        found = resolve_metric(graph, list(records), metric)
    except ValueError:
        found = None
    gold = found[0] if found else None
    fields = [r.fields for r in records]
    where = [f"training record on line {r.line}" for r in records]
    ref = (mean_sample, "the training samples")
    try:
        card = build_card(verifier, fields, where, gold, per_record=1, search_records=0, progress=False,
                          reference=ref)
    except GoldError as exc:  # some record lacks a usable gold answer: the gate falls back to the mean sample
        log(f"note: the card's gate compares with the mean sample: {exc}")
        card = build_card(verifier, fields, where, None, search_records=0, progress=False, reference=ref)
    return card.as_dict(), card.gate(mean_sample)
