"""Held-out evaluation: greedy responses of a model (base or trained) scored by the verifier graph."""
from __future__ import annotations

import time
from typing import Any

from act_dsl.graph.compiler import Graph
from act_dsl.records import Record
from act_dsl.sampling.hf import GenConfig, format_prompt, generate
from act_dsl.sampling.prompts import render_all
from act_dsl.scoring.report import score_rows


def evaluate(graph: Graph, records: list[Record], tok, model, gen: GenConfig, reference_date=None,
             progress: bool = True) -> dict[str, Any]:
    from tqdm import tqdm
    fields = [r.fields for r in records]
    prompts = [format_prompt(tok, p, gen.chat) for p in render_all(graph, fields)]
    responses: list[str] = []
    t0 = time.perf_counter()
    for i in tqdm(range(0, len(prompts), gen.batch_size), desc="evaluating", unit="batch",
                  disable=None if progress else True):
        out, _ = generate(tok, model, prompts[i:i + gen.batch_size], 1, gen, greedy=True)
        responses.extend(o[0] for o in out)
    rows = [{**f, "response": r} for f, r in zip(fields, responses)]
    scores = score_rows(graph, rows, None, reference_date, progress=False)
    return {"csr": scores.mean_csr, "constraints": {n: s.as_dict() for n, s in scores.summary.items()},
            "responses": [{"line": rec.line, "response": r, "csr": c}
                          for rec, r, c in zip(records, responses, scores.csr)],
            "seconds": time.perf_counter() - t0}
