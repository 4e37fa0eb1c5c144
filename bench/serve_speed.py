"""Rewards/s and p50/p99 latency of scoring, in process and through `act serve` (1 and 2 workers).

Two tasks: IFEval (examples/ifeval/ifeval.act over the 541 published prompts, ../shared/data/ifeval, with
generated responses of a few paragraphs: bullets, titles, postscripts, lower case and commas mixed at random) and
entity typing (examples/entity_typing/task.act over FIGER's 315 mentions, ../shared/data/figer, each answered with
its gold types, a part of them, or a wrong type). Each batch size is scored `--repeats` times, on distinct responses.

  python bench/serve_speed.py [--batches 64,256,1024] [--repeats 5] [--workers 1,2] [--tasks ifeval,entity]

Prints one table row per (task, where, batch) and the command line; state the CPU beside the numbers. Beside the
wall-clock rewards/s, "per CPU s" is the records per CPU second the scoring processes used: on cores shared with
other jobs, wall time measures the contention as much as the scorer."""
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


def summary(latencies: list[float], batch: int, cpu: float | None = None) -> dict[str, float]:
    """rewards/s and p50/p99 over wall-clock latencies; with `cpu` (the CPU seconds the scoring processes used for
    all of them) also rewards per CPU second, which other jobs on shared cores lower far less than wall time."""
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]
    out = {"rewards_per_s": batch * len(lat) / sum(lat), "p50_s": statistics.median(lat), "p99_s": p99}
    if cpu:
        out["rewards_per_cpu_s"] = batch * len(lat) / cpu
    return out


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children that are alive (/proc, Linux)."""
    try:
        kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        kids = []
    total = 0.0
    for p in [pid, *kids]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def in_process(path: Path, make: Any, batch: int, repeats: int) -> dict[str, float]:
    import act_dsl
    program = act_dsl.load(path, strict=True)
    program.score(make(64, 999))  # warm: models and lazily loaded tables of the ops
    lat, cpu = [], 0.0
    for r in range(repeats):
        records = make(batch, r)
        t, c = time.perf_counter(), time.process_time()
        program.score(records)
        lat.append(time.perf_counter() - t)
        cpu += time.process_time() - c
    return summary(lat, batch, cpu)


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
                lat, cpu = [], 0.0
                for r in range(repeats):
                    records = make(batch, r)
                    t, c = time.perf_counter(), cpu_seconds(proc.pid)
                    resp = client.post(url + "/score", json={"records": records})
                    lat.append(time.perf_counter() - t)
                    cpu += cpu_seconds(proc.pid) - c
                    assert resp.status_code == 200 and len(resp.json()["results"]) == batch
                out[batch] = summary(lat, batch, cpu)
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
    print(f"{'task':8} {'where':16} {'batch':>6} {'rewards/s':>10} {'p50 s':>8} {'p99 s':>8} {'per CPU s':>10}")
    for name in args.tasks.split(","):
        path, make = TASKS[name]
        rows = [("in process", batch, in_process(path, make, batch, args.repeats)) for batch in batches]
        for where, batch, s in rows:
            print(row(name, where, batch, s), flush=True)
        for w in (int(x) for x in args.workers.split(",")):
            for batch, s in served(path, make, batches, args.repeats, w).items():
                print(row(name, f"act serve, {w} wkr", batch, s), flush=True)
    print("per CPU s: records per CPU second of the scoring processes (in process: this one; act serve: the server "
          "and its workers, JSON both ways included; the client left out)")


def row(name: str, where: str, batch: int, s: dict[str, float]) -> str:
    return (f"{name:8} {where:16} {batch:6} {s['rewards_per_s']:10.0f} {s['p50_s']:8.3f} {s['p99_s']:8.3f} "
            f"{s.get('rewards_per_cpu_s', 0):10.0f}")


if __name__ == "__main__":
    main()
