"""Intervals for a held-out result saved before results kept per-prompt scores: rescore its responses.

A run's eval_before.json / eval_after.json written before issue 13 holds each held-out prompt's line and
response but not each constraint's pass or the prediction against gold. This script scores those responses
again with the task (no model is loaded), checks that every prompt gets the CSR the run recorded, writes
results in the current format beside them (`*.rescored.json`, which `act eval --compare` reads), and prints
the paired table with 95 % intervals.

Run: .venv/bin/python bench/heldout_intervals.py RUN_DIR [--task FILE --eval-data FILE]
     (default: the task and held-out data named in RUN_DIR/config.json)
     .venv/bin/python bench/heldout_intervals.py REAL_RUN --control CONTROL_RUN
     (real minus control: the paired table of two runs' eval_after.json, 95 % bootstrap over the prompts)
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def rescore(graph, records, saved: dict, metric) -> dict:
    from act_dsl.scoring.evidence import intervals, prompt_key
    from act_dsl.scoring.verifier import Row, Verifier
    from act_dsl.training.evaluate import _passed, resolve_metric, task_metric
    by_line = {r.line: r for r in records}
    rows, recs = [], []
    for entry in saved["responses"]:
        rec = by_line[entry["line"]]
        recs.append(rec)
        rows.append(Row({k: rec.fields[k] for k in graph.inputs}, entry["response"]))
    verifier = Verifier(graph)
    scores = verifier.score(rows)
    out = {"csr": scores.mean_csr, "constraints": {n: s.as_dict() for n, s in scores.summary.items()},
           "responses": [{"line": rec.line, "key": prompt_key(rec.fields, graph.inputs), "response": r.response,
                          "csr": c, "pass": {n: _passed(v) for n, v in vals.items()}}
                         for rec, r, c, vals in zip(recs, rows, scores.csr, scores.values)]}
    how = resolve_metric(graph, recs, metric)
    if how is not None:
        out["task_metric"] = task_metric(verifier, rows, recs, how).to_json()
    out["intervals"] = intervals(out)
    agree = sum(1 for e, r in zip(saved["responses"], out["responses"])
                if e.get("csr") is not None and r["csr"] is not None and abs(e["csr"] - r["csr"]) < 1e-9)
    out["rescored_agree"] = {"prompts": len(rows), "same_csr": agree}
    return out


def print_real_minus_control(real: Path, control: Path) -> None:
    from act_dsl.training.control import control_lines, real_minus_control
    diff = real_minus_control(real, control)
    print(f"real = {real}\ncontrol = {control}\n" + "\n".join(control_lines(diff, tuple(r["measure"] for r in diff["rows"]))))
    print("(95 % percentile bootstrap over the shared held-out prompts, 2000 resamples, paired)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--task", default=None)
    ap.add_argument("--eval-data", default=None)
    ap.add_argument("--control", default=None, metavar="RUN", help="print real (RUN_DIR) minus this control run")
    args = ap.parse_args()
    if args.control:
        print_real_minus_control(Path(args.run), Path(args.control))
        return
    import act_dsl
    from act_dsl.records import read_records
    from act_dsl.scoring.evidence import compare, render_compare
    from act_dsl.training.evaluate import MetricSpec
    run = Path(args.run)
    cfg = json.loads((run / "config.json").read_text())
    task = Path(args.task or cfg["file"])
    data = Path(args.eval_data or cfg["eval_data"])
    t0 = time.perf_counter()
    graph = act_dsl.load(task, strict=True).graph()
    records = read_records(data, graph.input_types, False).records
    out = {}
    for name in ("eval_before", "eval_after"):
        res = rescore(graph, records, json.loads((run / f"{name}.json").read_text()), MetricSpec())
        (run / f"{name}.rescored.json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
        agree = res["rescored_agree"]
        print(f"{name}: {agree['same_csr']} of {agree['prompts']} prompts rescored to the CSR the run recorded")
        out[name] = res
    print(render_compare(compare(out["eval_before"], out["eval_after"]), "before (base model)", "after (trained)"))
    print(f"{time.perf_counter() - t0:.1f} s; command: .venv/bin/python bench/heldout_intervals.py {args.run}"
          + (f" --task {args.task}" if args.task else "") + (f" --eval-data {args.eval_data}" if args.eval_data else ""))


if __name__ == "__main__":
    main()
