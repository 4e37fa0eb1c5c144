"""Can spaCy's pipeline tell what kind of thing a TimeQA answer is? Per kind of question (asking for an
organisation: a team, club, company, school, employer, ...; asking who; any other), the entity label spaCy gives
the gold answer in its context ('-': not found as an entity). Training-side questions only by default, so a
verifier decision taken from it leaves the 120 held-out questions unread.

Run: .venv/bin/python bench/timeqa_kinds.py --data ../shared/data [--side train|all]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ASKS_ORG = re.compile(r"\b(team|club|company|employer|university|college|school|institution|organi[sz]ation|party|"
                      r"band|airline|firm|museum|label|employed|work(ed)? for)\b")


def question_kind(question: str) -> str:
    q = question.lower()
    return "organisation" if ASKS_ORG.search(q) else "who" if re.search(r"\bwho(m)?\b", q) else "other"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the folder holding timeqa/dev.jsonl")
    ap.add_argument("--side", choices=["train", "all"], default="train")
    args = ap.parse_args()
    import real_tasks  # the benchmark's own loader: contexts cut to the paragraph of the answer
    from act_dsl.ops.spans import nlp
    _, _, train, held = real_tasks.timeqa(args.data, 10_000, 10_000)
    rows = train if args.side == "train" else train + held
    counts: Counter[tuple[str, str]] = Counter()
    for r, doc in zip(rows, nlp().pipe([r["context"] for r in rows])):
        labels = {e.text: e.label_ for e in doc.ents}
        counts[(question_kind(r["question"]), labels.get(r["gold_answers"][0], "-"))] += 1
    print(f"{len(rows)} TimeQA questions ({args.side}): spaCy's label of the gold answer, by what the question asks")
    for kind in ("organisation", "who", "other"):
        row = {lab: n for (k, lab), n in counts.items() if k == kind}
        print(f"  {kind:<12} {sum(row.values()):>4}: " + ", ".join(f"{lab} {n}" for lab, n in
                                                               sorted(row.items(), key=lambda x: -x[1])))
    print(f"reproduce: .venv/bin/python bench/timeqa_kinds.py --data {args.data} --side {args.side}")


if __name__ == "__main__":
    main()
