"""How often the temporal_qa verifier catches TimeQA's own wrong answers: each question's gold answer swapped for
the gold answer of another question about the same subject that its context also names (the right answer for
another period), caught when it scores a lower CSR than the gold answer.

Unlike `act card`'s `entity_swap` (any name of the same kind from the context), every swap here is a name that
TimeQA itself ties to the subject at some time, so only the period can tell it apart.

Run: .venv/bin/python bench/timeqa_swaps.py --data ../shared/data [--task examples/temporal_qa/task.act] [--first N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def swaps(rows: list[dict]) -> list[tuple[int, str]]:
    """(row, swapped answer) for every other gold answer of the row's subject that its context names."""
    from act_dsl.ops.periods import periods_of
    by_subject: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_subject.setdefault(r["subject"], []).append(i)
    out = []
    for i, r in enumerate(rows):
        own = {a.lower() for a in r["gold_answers"]}
        seen: set[str] = set()
        for j in by_subject[r["subject"]]:
            for a in rows[j]["gold_answers"]:
                if j != i and a.lower() not in own and a.lower() not in seen and periods_of(a, r["context"]):
                    seen.add(a.lower())
                    out.append((i, a))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the folder holding timeqa/dev.jsonl")
    ap.add_argument("--task", type=Path, default=ROOT / "examples" / "temporal_qa" / "task.act")
    ap.add_argument("--first", type=int, default=0, help="only the first N questions by document (0: all)")
    args = ap.parse_args()
    import act_dsl
    import real_tasks  # the benchmark's own loader: each context cut to the paragraph of its answer
    rows = real_tasks.timeqa_all(args.data)
    rows = rows[:args.first] if args.first else rows
    t0 = time.perf_counter()
    pairs = swaps(rows)
    scored = []
    for i, a in pairs:
        for answer in (rows[i]["gold_answers"][0], a):
            scored.append({"context": rows[i]["context"], "question": rows[i]["question"], "response": answer})
    csr = act_dsl.load(args.task).score(scored).csr
    caught = sum(1 for k in range(len(pairs)) if (csr[2 * k + 1] or 0.0) < (csr[2 * k] or 0.0))
    share = caught / len(pairs) if pairs else 0.0
    print(f"{args.task}: {len(rows)} questions, {len(pairs)} same-subject swaps, caught {caught} ({share:.1%}) "
          f"in {time.perf_counter() - t0:.1f} s")
    print("reproduce: .venv/bin/python bench/timeqa_swaps.py --data " + str(args.data)
          + (f" --task {args.task}" if args.task != ROOT / "examples" / "temporal_qa" / "task.act" else "")
          + (f" --first {args.first}" if args.first else ""))


if __name__ == "__main__":
    main()
