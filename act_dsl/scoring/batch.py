"""Scoring batches of JSONL lines inside a dataflow engine: `score_batch` is the function that Ray Data's
`map_batches` (or Dask's `map_partitions`, Spark's `mapInPandas`) runs on each worker. See docs/scale.md.

A worker loads each program once (kept per process, keyed by path, task and reference date), reads each
line as `act score` does, and returns each line's CSR and constraint values as columns. No engine is
imported here.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any, Mapping


@functools.lru_cache(maxsize=8)
def _program(path: str, strict: bool = True) -> Any:
    import act_dsl
    return act_dsl.load(path, strict=strict)


def score_batch(batch: Mapping[str, Any], path: str, task: str | None = None,
                reference_date: str | None = None) -> dict[str, Any]:
    """{"text": [jsonl lines]} -> {"text": the lines, "csr": each line's CSR (None: no applicable constraint),
    "values": each line's constraint values as a JSON object string}. A line holds the task's inputs and one
    `response`; a bad line raises act_dsl.records.DataError naming its place in the batch."""
    import numpy as np
    lines = [str(x) for x in batch["text"]]
    ref = dt.date.fromisoformat(reference_date) if reference_date else None
    scores = _program(path).score([json.loads(x) for x in lines], task, ref)
    values = [json.dumps(v, ensure_ascii=False) for v in scores.values]
    return {"text": np.array(lines, dtype=object), "csr": np.array(scores.csr, dtype=object),
            "values": np.array(values, dtype=object)}
