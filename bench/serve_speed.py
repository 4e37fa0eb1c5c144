"""Rewards/s and p50/p99 latency of scoring, in process and through `act serve` (1 and 2 workers).

Two tasks: IFEval (examples/ifeval/ifeval.act over the 541 published prompts, ../shared/data/ifeval, with
generated responses of a few paragraphs: bullets, titles, postscripts, lower case and commas mixed at random) and
entity typing (examples/entity_typing/task.act over FIGER's 315 mentions, ../shared/data/figer, each answered with
its gold types, a part of them, or a wrong type). Each batch size is scored `--repeats` times, on distinct responses.

  python bench/serve_speed.py [--batches 64,256,1024] [--repeats 5] [--workers 1,2] [--tasks ifeval,entity]

Prints one table row per (task, where, batch) and the command line; state the CPU beside the numbers."""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ACT_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

WORDS = ("the quick brown fox jumps over a lazy dog while rain falls on small town streets and people talk about "
         "green tea bicycles oceans volcanoes letters gardens music rivers friends").split()


def ifeval_records(n: int, seed: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (DATA / "ifeval" / "input_data.jsonl").read_text().splitlines() if line]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        row = rows[(seed * 7919 + i) % len(rows)]
        paras = []
        for _ in range(rnd.randint(1, 4)):
            sents = [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 18))).capitalize() + "."
                     for _ in range(rnd.randint(2, 5))]
            paras.append(" ".join(sents))
        if rnd.random() < 0.3:
            paras.insert(0, "<<A Title>>")
        if rnd.random() < 0.3:
            paras.append("* one\n* two, three\n* four")
        if rnd.random() < 0.2:
            paras.append("P.S. that is all")
        text = "\n\n".join(paras)
        out.append({**{k: row[k] for k in ("prompt", "instruction_id_list", "kwargs")},
                    "response": text.lower() if rnd.random() < 0.2 else text})
    return out


def entity_records(n: int, seed: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (DATA / "figer" / "dev.jsonl").read_text().splitlines() if line]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        row = rows[(seed * 7919 + i) % len(rows)]
        gold = list(row["gold_types"])
        pick = rnd.random()
        types = gold if pick < 0.4 else gold[:1] if pick < 0.7 else ["/organization/company", *gold[1:]]
        out.append({"sentence": row["sentence"], "mention": row["mention"], "response": ", ".join(types)})
    return out


TASKS = {"ifeval": (ROOT / "examples" / "ifeval" / "ifeval.act", ifeval_records),
         "entity": (ROOT / "examples" / "entity_typing" / "task.act", entity_records)}


def summary(latencies: list[float], batch: int) -> dict[str, float]:
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
    return {"rewards_per_s": batch * len(lat) / sum(lat), "p50_s": statistics.median(lat), "p99_s": p99}


def in_process(path: Path, make: Any, batch: int, repeats: int) -> dict[str, float]:
    import act_dsl
    program = act_dsl.load(path, strict=True)
    program.score(make(64, 999))  # warm: models and lazily loaded tables of the ops
    lat = []
    for r in range(repeats):
        records = make(batch, r)
        t = time.perf_counter()
        program.score(records)
        lat.append(time.perf_counter() - t)
    return summary(lat, batch)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`act serve PATH ARGS` on a free port, once /health answers (60 s at most)."""
    import httpx
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "act_dsl", "serve", str(path), "--port", str(port), *args],
                            cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


def served(path: Path, make: Any, batches: list[int], repeats: int, workers: int) -> dict[int, dict[str, float]]:
    import httpx
    proc, url = start_server(path, "--workers", str(workers), "--max-records", "100000")
    try:
        with httpx.Client(timeout=600) as client:
            client.post(url + "/score", json={"records": make(64 * workers, 999)})  # warm every worker
            out = {}
            for batch in batches:
                lat = []
                for r in range(repeats):
                    records = make(batch, r)
                    t = time.perf_counter()
                    resp = client.post(url + "/score", json={"records": records})
                    lat.append(time.perf_counter() - t)
                    assert resp.status_code == 200 and len(resp.json()["results"]) == batch
                out[batch] = summary(lat, batch)
        return out
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="64,256,1024")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--tasks", default="ifeval,entity")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    print(f"command: python bench/serve_speed.py {' '.join(sys.argv[1:])}")
    print(f"{'task':8} {'where':16} {'batch':>6} {'rewards/s':>10} {'p50 s':>8} {'p99 s':>8}")
    for name in args.tasks.split(","):
        path, make = TASKS[name]
        for batch in batches:
            s = in_process(path, make, batch, args.repeats)
            print(f"{name:8} {'in process':16} {batch:6} {s['rewards_per_s']:10.0f} {s['p50_s']:8.3f} {s['p99_s']:8.3f}",
                  flush=True)
        for w in (int(x) for x in args.workers.split(",")):
            for batch, s in served(path, make, batches, args.repeats, w).items():
                print(f"{name:8} {f'act serve, {w} wkr':16} {batch:6} {s['rewards_per_s']:10.0f} {s['p50_s']:8.3f} "
                      f"{s['p99_s']:8.3f}", flush=True)


if __name__ == "__main__":
    main()
