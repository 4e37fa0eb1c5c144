"""Ray Data's `score_batch`: a batch of JSONL lines scored on a worker (docs/scale.md). No dataflow engine here."""
from __future__ import annotations

import functools
import json
from typing import Any, Mapping

from act_dsl.program import Program, load


@functools.lru_cache(maxsize=8)
def _program(path: str, strict: bool = True) -> Program:
    """Each worker process loads a program once and keeps it."""
    return load(path, strict=strict)


def score_batch(batch: Mapping[str, Any], path: str, task: str | None = None,
                reference_date: str | None = None) -> dict[str, Any]:
    """{"text": [jsonl lines]} -> {"text": the lines, "csr": each line's CSR (None: no applicable constraint),
    "values": each line's constraint values as a JSON object string}. A line holds the task's inputs and one
    `response`; a bad line raises act_dsl.records.DataError naming its place in the batch."""
    import numpy as np
    lines = [str(x) for x in batch["text"]]
    scores = _program(path).score([json.loads(x) for x in lines], task, reference_date)
    values = [json.dumps(v, ensure_ascii=False) for v in scores.values]
    return {"text": np.array(lines, dtype=object), "csr": np.array(scores.csr, dtype=object),
            "values": np.array(values, dtype=object)}
