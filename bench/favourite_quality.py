"""How good is the answer `act train --add-favourite` would add? On records with gold answers: where the verifier
has a unique favourite (act_dsl.training.favourite: a label answer, or an entity of the inputs for a text
answer), its task metric against gold, beside the metric of given models' answers to the same records.

  .venv/bin/python bench/favourite_quality.py --task T.act --data RECORDS.jsonl --gold FIELD [--answers RESULT ...]

RESULT is a held-out result with the answers in the same order as RECORDS (`eval_before.json` or
`eval_after.json` of an `act train` run, or `act eval --out-json`), so a favourite can be set against what a
model already answers. The metric is the task's default (micro-F1 for a list, token F1 for a text). Used in
bench/RESULTS.md (TimeQA with `--add-favourite`, issue 24): on TimeQA's training side the favourite looked far
better than the model; on the held-out questions it was not.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True, help="records with the task's inputs and a gold field")
    ap.add_argument("--gold", required=True, help="the records' gold field")
    ap.add_argument("--answers", type=Path, nargs="*", default=[],
                    help="held-out results whose answers (task_metric.preds) follow the records' order")
    args = ap.parse_args()
    import act_dsl
    from act_dsl.sampling.samples import Sample
    from act_dsl.scoring.metrics import METRICS, default_metric
    from act_dsl.scoring.mutants import output_shape
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.training.favourite import NoLabelAnswer, favourite_answers
    graph = act_dsl.load(args.task).graph()
    records = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    inputs = list(graph.input_types)
    samples = [Sample(i, "", {k: r.get(k) for k in inputs}, ()) for i, r in enumerate(records)]
    try:
        favs = favourite_answers(Verifier(graph), samples)
    except NoLabelAnswer as exc:
        raise SystemExit(str(exc)) from None
    shape = output_shape(graph)
    metric = METRICS[default_metric(shape.type if shape else "text")]
    picked = {i: f.strip() for i, f in enumerate(favs) if f is not None}
    has = list(picked)
    if not has:
        print(f"{args.task}: no record of {args.data} has a unique favourite")
        return 0
    golds = [records[i][args.gold] for i in has]
    value = metric([picked[i] for i in has], golds)
    print(f"{args.task} on {args.data}: a unique favourite on {len(has)} of {len(records)} records "
          f"({len(set(picked.values()))} distinct); its {metric.__name__} against {args.gold}: {value:.3f}")
    for path in args.answers:
        preds = json.loads(path.read_text(encoding="utf-8"))["task_metric"]["preds"]
        if len(preds) != len(records):
            raise SystemExit(f"{path}: {len(preds)} answers for {len(records)} records")
        same = sum(1 for i in has if str(preds[i]).strip() == picked[i])
        print(f"  {path}: {metric.__name__} {metric([preds[i] for i in has], golds):.3f} on the same records; "
              f"it answers the favourite on {same}")
    print(f"reproduce: .venv/bin/python bench/favourite_quality.py --task {args.task} --data {args.data} "
          f"--gold {args.gold}" + (" --answers " + " ".join(map(str, args.answers)) if args.answers else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
