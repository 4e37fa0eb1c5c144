"""Benchmark of `act card`: 300 real FIGER mentions through examples/entity_typing with their gold types,
20 mutants per gold answer, every derived attack (each of the 113 types as a constant answer) and the search
adversary on 40 records, timed end to end as the real command (target: under 2 minutes on 2 cores).

Run: .venv/bin/python bench/card_speed.py --data ../shared/data [--records 300] [--mutants 20]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    ap.add_argument("--records", type=int, default=300)
    ap.add_argument("--mutants", type=int, default=20)
    ap.add_argument("--task", default=str(ROOT / "examples" / "entity_typing" / "task.act"),
                    help="the entity-typing task file (default: the example's; give a copy to time a fixed version)")
    args = ap.parse_args()
    source = Path(args.data) / "figer" / "dev.jsonl"
    lines = source.read_text().splitlines()[:args.records]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "figer.jsonl"
        data.write_text("\n".join(lines) + "\n")
        card = Path(tmp) / "card.json"
        cmd = [sys.executable, "-m", "act_dsl", "card", args.task,
               "--data", str(data), "--gold", "gold_types", "--mutants", str(args.mutants), "--format", "json",
               "--out", str(card)]
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        d = json.loads(card.read_text())
    kinds = ", ".join(f"{k} {v['n']}" for k, v in d["mutants"]["kinds"].items())
    print(f"act card: {len(lines)} FIGER records, {d['mutants']['made']} mutants made, {d['mutants']['total']} kept "
          f"({kinds}), {len(d['attacks'])} attacks, search adversary "
          f"on {d['adversary']['records']} records: {seconds:.1f} s (target: under 120 s on 2 cores)")
    print(f"gold CSR {d['gold']['csr']:.3f}; best attack {max(a['mean_csr'] or 0 for a in d['attacks']):.3f}; "
          f"adversary {d['adversary']['mean_csr']:.3f}; verdict: {d['verdict']}")
    print("reproduce: .venv/bin/python bench/card_speed.py --data " + args.data +
          f" --records {args.records} --mutants {args.mutants}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
