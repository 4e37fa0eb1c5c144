"""Gold answers for the verifier card: read from the records by the output's shape (JSON ones completed with
every declared field), the task metric of one answer against one gold answer, and proxy quality over samples."""
from __future__ import annotations

from typing import Any

from act_dsl.graph.executor import Executor
from act_dsl.ops.values import as_text
from act_dsl.scoring.metrics import METRICS
from act_dsl.scoring.mutants import Shape, _canon
from act_dsl.scoring.probes import GoldError
from act_dsl.scoring.rows import Row, place
from act_dsl.scoring.verifier import score_in_chunks


def gold_values(records: list[dict[str, Any]], gold: str, shape: Shape) -> list[Any]:
    """Each record's gold answer as a value of the output: a text or a list of texts (a text answer takes the
    first of several), or for a JSON answer an object, or comma-separated fields `gold_name,gold_price` read as
    the keys `name` and `price`. Raises GoldError (from act probe) for a record without a usable one."""
    fields = [f.strip() for f in gold.split(",") if f.strip()]
    keyed = len(fields) > 1 or (shape.kind == "json" and any(not isinstance(r.get(gold), dict) for r in records))
    out: list[Any] = []
    for i, rec in enumerate(records):
        if keyed:  # fields of a JSON answer: `gold_name` holds its `name`
            missing = [f for f in fields if f not in rec]
            if missing:
                raise GoldError(i, f"the gold field `{missing[0]}` is missing")
            out.append({f[5:] if f.startswith("gold_") else f: rec[f] for f in fields})
            continue
        v = rec.get(gold)
        if shape.kind == "json" and isinstance(v, dict):
            out.append(v)
        elif isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            out.append(v if shape.kind == "list" else v[0])
        elif isinstance(v, str):
            out.append([v] if shape.kind == "list" else v)
        else:
            what = "missing" if v is None else "an empty list" if v == [] else f"a {type(v).__name__}"
            raise GoldError(i, f"the gold field `{gold}` is {what}, not a text or a list of texts")
    return out


def complete_gold(shape: Shape, gold: Any, notes: list[str]) -> Any:
    """A JSON gold answer with every declared field: one the gold data lacks is written empty of its type (and
    the card says so), since an answer without it could never pass a `conforms` check."""
    if shape.kind != "json" or not isinstance(gold, dict):
        return gold
    from act_dsl.ops.types import record_fields
    from act_dsl.scoring.attacks import empty_of
    fields = record_fields(shape.type)
    missing = [k for k in fields if k not in gold]
    note = "gold answers lack " + ", ".join(f"`{k}`" for k in missing) + ": written empty of the declared type"
    if missing and note not in notes:
        notes.append(note)
    return {**{k: gold.get(k, empty_of(t)) for k, t in fields.items()}, **gold}


def metric_name(shape: Shape) -> str:
    return {"list": "micro_f1", "json": "field_accuracy"}.get(shape.kind, "token_f1")


def record_metric(shape: Shape, pred: Any, gold: Any, raw: Any = None) -> float:
    """The task metric of one answer against one gold answer (metrics.py; JSON: the share of gold fields right)."""
    if shape.kind == "json":
        if not isinstance(gold, dict) or not gold:
            return 0.0
        p = pred if isinstance(pred, dict) else {}
        return sum(_canon(p.get(k)) == _canon(v) for k, v in gold.items()) / len(gold)
    if shape.kind == "list":
        return METRICS["micro_f1"]([pred if isinstance(pred, list) else []], [gold])
    return METRICS["token_f1"]([as_text(pred) if pred is not None else ""], [raw if raw is not None else gold])


class TaskMetric:
    """The task metric of answers to the card's records. By default `record_metric` against each record's gold
    answer. With a reference task (`act card --metric-task FILE`), the reference task's CSR of the answer, 1 where
    none of its constraints applies: the metric of a task defined by a published checker (IFEval), whose gold
    answer is one right answer among many, so that a word the checker does not read (`Part 1` -> `Part 2`) makes
    no mutant wrong."""

    def __init__(self, shape: Shape, records: list[dict[str, Any]], golds: list[Any] | None, gold_field: str,
                 reference: Executor | None = None) -> None:
        self.shape, self.records, self.golds, self.gold_field, self.reference = shape, records, golds, gold_field, reference

    def name(self) -> str:
        return f"CSR of `{self.reference.graph.name}`" if self.reference is not None else metric_name(self.shape)

    def __call__(self, idx: list[int], values: list[Any], texts: list[str]) -> list[float]:
        """The metric of answer k (`values[k]` read from `texts[k]`) to record `idx[k]`."""
        if self.reference is not None:
            rows = [Row(self.records[i], t) for i, t in zip(idx, texts)]
            csr = score_in_chunks(self.reference, rows, None, desc="metric", progress=False).csr if rows else []
            return [1.0 if c is None else float(c) for c in csr]
        assert self.golds is not None
        return [record_metric(self.shape, v, self.golds[i], self.records[i].get(self.gold_field))
                for i, v in zip(idx, values)]


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either side is constant."""
    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        out = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out
    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx, vy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else None


def proxy_part(ex: Executor, shape: Shape, gold: str, samples: tuple[list[dict[str, Any]], list[list[str]]],
               progress: bool, reference: Executor | None = None) -> dict[str, Any]:
    """Rank correlation of CSR with the task metric over every sampled response, and the share of prompts whose
    best response by CSR is also best by the metric (`reference`: the metric is that task's CSR, TaskMetric)."""
    from act_dsl.scoring.attacks import parse
    recs, resps = samples
    golds = gold_values(recs, gold, shape)
    placed = place(zip(recs, resps), fill_empty=False)
    rows, owner, texts = placed.rows, placed.owner, [r.response for r in placed.rows]
    scores = score_in_chunks(ex, rows, None, desc="samples", progress=progress)
    parsed = parse(ex, shape, [recs[i] for i in owner], texts)
    metric = TaskMetric(shape, recs, golds, gold, reference)(owner, parsed, texts)
    csr = [c if c is not None else 0.0 for c in scores.csr]
    agree = prompts = 0
    by_prompt: dict[int, list[int]] = {}
    for j, i in enumerate(owner):
        by_prompt.setdefault(i, []).append(j)
    for js in by_prompt.values():
        if len(js) < 2:
            continue
        prompts += 1
        top = max(js, key=lambda j: csr[j])
        agree += metric[top] >= max(metric[j] for j in js)
    return {"responses": len(rows), "prompts": prompts, "spearman": spearman(csr, metric),
            "best_agrees": agree / prompts if prompts else None, "mean_metric": _mean(metric),
            "mean_csr": _mean(csr)}


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None
