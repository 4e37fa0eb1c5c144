"""Held-out evaluation: greedy (or best-of-K) responses of a model, scored by the verifier graph and,
where the records carry gold answers, by a task metric."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.graph.executor import Executor
from act_dsl.records import Record
from act_dsl.sampling.hf import GenConfig, format_prompt, generate
from act_dsl.sampling.prompts import render_all
from act_dsl.scoring.metrics import METRICS, default_metric, find_gold_field
from act_dsl.ops.values import as_text
from act_dsl.scoring.evidence import intervals, prompt_key
from act_dsl.scoring.report import score_rows


@dataclass
class MetricSpec:
    gold: str | None = None      # record field with gold answers; None: found automatically
    metric: str | None = None    # micro_f1 | exact_match | token_f1; None: chosen by the output's type
    output: str | None = None    # the output compared with gold; None: the task's first output


def resolve_metric(graph: Graph, records: list[Record], spec: MetricSpec | None) -> tuple[str, str, str] | None:
    """(gold field, metric, output) when the records carry gold answers, else None."""
    spec = spec or MetricSpec()
    gold = spec.gold or find_gold_field([r.fields for r in records])
    if gold is None or not any(gold in r.fields for r in records):
        return None
    outputs = list(graph.outputs)
    output = spec.output or (outputs[0] if outputs else None)
    if output is None:
        return None
    if output not in outputs:
        raise ValueError(f"--metric-output `{output}` is not an output of task `{graph.name}` ({', '.join(outputs)})")
    metric = spec.metric or default_metric(graph.outputs[output].type)
    return gold, metric, output


def task_metric(graph: Graph, rows: list[dict], records: list[Record], how: tuple[str, str, str]) -> dict:
    gold, metric, output = how
    (preds,) = Executor(graph).columns(rows, [graph.outputs[output]])
    golds = [r.fields.get(gold) for r in records]
    out = {"metric": metric, "gold": gold, "output": output, "value": METRICS[metric](preds, golds),
           "preds": [_plain(p) for p in preds], "golds": golds}  # per prompt, for intervals and --compare
    if metric == "token_f1":
        out["exact_match"] = METRICS["exact_match"](preds, golds)
    return out


def _plain(v: Any) -> Any:
    """An output value as the metrics read it (text, or a list of texts), small enough to keep per prompt."""
    if v is None:
        return None
    return [as_text(x) for x in v] if isinstance(v, (list, tuple)) else as_text(v)


def _passed(v: Any) -> float | None:
    """A constraint's per-prompt pass (1.0 / 0.0), None where it does not apply."""
    return None if v is None else float(float(v) >= 1.0)


def evaluate(graph: Graph, records: list[Record], tok, model, gen: GenConfig, reference_date=None,
             progress: bool = True, metric: MetricSpec | None = None, best_of: int = 1) -> dict[str, Any]:
    """Greedy responses (best_of=1), or the best by CSR of `best_of` samples per prompt."""
    from tqdm import tqdm
    gen = gen.for_task(graph.stop)
    fields = [r.fields for r in records]
    prompts = [format_prompt(tok, p, gen.chat) for p in render_all(graph, fields)]
    candidates: list[list[str]] = []
    t0 = time.perf_counter()
    for i in tqdm(range(0, len(prompts), gen.batch_size), desc="evaluating", unit="batch",
                  disable=None if progress else True):
        out, _ = generate(tok, model, prompts[i:i + gen.batch_size], best_of, gen, greedy=best_of == 1,
                          seed=gen.seed + i)
        candidates.extend(out)
    responses = [c[0] for c in candidates]
    if best_of > 1:  # rerank each prompt's candidates as `act sample --best-of` and training do
        from act_dsl.sampling.samples import Sample
        from act_dsl.training.data import best_of as pick_best, score_samples
        samples = [Sample(i, "", f, tuple(cs)) for i, (f, cs) in enumerate(zip(fields, candidates))]
        best = pick_best(score_samples(graph, samples, reference_date).table(len(samples)))
        responses = [cs[k] for cs, (k, _) in zip(candidates, best)]
    rows = [{**{k: f[k] for k in graph.inputs}, "response": r} for f, r in zip(fields, responses)]
    scores = score_rows(graph, rows, None, reference_date, progress=False)
    result: dict[str, Any] = {
        "csr": scores.mean_csr, "constraints": {n: s.as_dict() for n, s in scores.summary.items()},
        "responses": [{"line": rec.line, "key": prompt_key(rec.fields, graph.inputs), "response": r, "csr": c,
                       "pass": {n: _passed(v) for n, v in vals.items()}}
                      for rec, r, c, vals in zip(records, responses, scores.csr, scores.values)],
        "seconds": time.perf_counter() - t0, "best_of": best_of, "model_calls_per_answer": best_of}
    how = resolve_metric(graph, records, metric)
    if how is not None:
        result["task_metric"] = task_metric(graph, rows, records, how)
    result["intervals"] = intervals(result)
    return result
