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
    out = {"metric": metric, "gold": gold, "output": output, "value": METRICS[metric](preds, golds)}
    if metric == "token_f1":
        out["exact_match"] = METRICS["exact_match"](preds, golds)
    return out


def verdict_accuracies(scores: Any) -> dict[str, float | None]:
    """Beside CSR, the two accuracies instruction-following suites report (IFEval's prompt and instruction
    level): the share of responses whose applicable constraints all pass (value 1), and the share of all
    applicable constraint verdicts that pass. Responses with no applicable constraint are left out of both."""
    passed_rows = rows = passed = verdicts = 0
    for row in scores.values:
        applicable = [v for v in row.values() if v is not None]
        if not applicable:
            continue
        ok = [float(v) >= 1.0 for v in applicable]
        rows += 1
        passed_rows += all(ok)
        verdicts += len(ok)
        passed += sum(ok)
    return {"prompt_accuracy": passed_rows / rows if rows else None,
            "constraint_accuracy": passed / verdicts if verdicts else None}


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
        samples = [Sample(i, "", f, cs) for i, (f, cs) in enumerate(zip(fields, candidates))]
        best = pick_best(score_samples(graph, samples, reference_date).table(len(samples)))
        responses = [cs[k] for cs, (k, _) in zip(candidates, best)]
    rows = [{**{k: f[k] for k in graph.inputs}, "response": r} for f, r in zip(fields, responses)]
    scores = score_rows(graph, rows, None, reference_date, progress=False)
    result: dict[str, Any] = {
        "csr": scores.mean_csr, **verdict_accuracies(scores),
        "constraints": {n: s.as_dict() for n, s in scores.summary.items()},
        "responses": [{"line": rec.line, "response": r, "csr": c} for rec, r, c in zip(records, responses, scores.csr)],
        "seconds": time.perf_counter() - t0, "best_of": best_of}
    how = resolve_metric(graph, records, metric)
    if how is not None:
        result["task_metric"] = task_metric(graph, rows, records, how)
    return result
