"""Scoring throughput across processes on the real TimeQA paragraphs, and a projection to 10 million responses.

Data: each TimeQA dev record (../shared/data/timeqa/dev.jsonl) with four responses, one a line: its gold
answer, the first words of its context, an answer of another record, and "I don't know". Task:
examples/temporal_qa/task.act (span check, dates near the answer overlapping the question's period, and a
`group by subject` check, so shards take whole subjects).

1. `act score` on one process; the same file as `--shard 0/2` and `1/2` run at once, then `act merge`
   (checked byte for byte against the one-process output); start-up (imports, loading the task) timed on a
   one-line file and taken out of the per-response cost.
2. `--cache DIR`: a cold run that fills it and a warm rerun (the task without its group block: a group
   task cannot be cached).
3. Ray Data (`score_batch` in `map_batches`, preserve_order) against `act score` on one process, the same
   group-free task and lines, ray.init included and apart.
4. On paper: 10 million responses on a 16-process machine and on a 10-node Ray cluster of 16 cores each,
   from the measured per-response cost.

Run: .venv/bin/python bench/scoring_scale.py --data ../shared/data
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "examples" / "temporal_qa" / "task.act"


def responses(data: Path) -> list[dict]:
    recs = [json.loads(x) for x in (data / "timeqa" / "dev.jsonl").read_text().splitlines() if x.strip()]
    rows = []
    for i, r in enumerate(recs):
        base = {"context": r["context"], "question": r["question"], "subject": r["subject"]}
        other = recs[(i + 11) % len(recs)]["gold_answers"] or ["Paris"]
        for resp in ((r["gold_answers"] or ["unknown"])[0], " ".join(r["context"].split()[:8]), other[0],
                     "I don't know"):
            rows.append({**base, "response": resp})
    return rows


def act(*args: str) -> float:
    """Seconds one `act` command takes (a subprocess, as a user runs it)."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "act_dsl", *args], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - t


def parallel(cmds: list[list[str]]) -> float:
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "act_dsl", *c], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for c in cmds]
    if any(p.wait() for p in procs):
        raise SystemExit(f"a shard failed: {cmds}")
    return time.perf_counter() - t


def ray_run(task: Path, data: Path, n: int) -> tuple[float, float, list]:
    import ray

    from act_dsl.scoring.scale import score_batch
    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter() - t
    try:
        ray.data.DataContext.get_current().execution_options.preserve_order = True
        t = time.perf_counter()
        out = (ray.data.read_text(str(data)).repartition(2 * 4)
               .map_batches(score_batch, fn_kwargs={"path": str(task)},  # type: ignore[arg-type]
                            batch_size=max(1, n // 8)).take_all())
        return start, time.perf_counter() - t, [r["csr"] for r in out]
    finally:
        ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the shared data folder")
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    os.environ["ACT_NER_PROCESSES"] = "1"     # one process means one process: no NER workers of its own
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    rows = responses(Path(args.data))
    n = len(rows)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        data = tmp / "responses.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        (tmp / "one.jsonl").write_text(json.dumps(rows[0]) + "\n")
        startup = min(act("score", str(TASK), "--data", str(tmp / "one.jsonl"), "--out", str(tmp / "o.jsonl"))
                      for _ in range(2))
        t1 = act("score", str(TASK), "--data", str(data), "--out", str(tmp / "whole.jsonl"))
        t2 = parallel([["score", str(TASK), "--data", str(data), "--shard", f"{i}/2", "--out", str(tmp / f"s{i}.jsonl")]
                       for i in range(2)])
        tm = act("merge", str(tmp / "s0.jsonl"), str(tmp / "s1.jsonl"), "--out", str(tmp / "merged.jsonl"))
        same = (tmp / "merged.jsonl").read_bytes() == (tmp / "whole.jsonl").read_bytes()
        per = (t1 - startup) / n
        print(f"{n} responses ({n // 4} TimeQA dev records x 4), task temporal_qa; cores {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.1f} at the start")
        print(f"[1] start-up (imports, task) {startup:.2f} s")
        print(f"    1 process : {t1:6.2f} s = {n / t1:6.0f} responses/s ({n / (t1 - startup):.0f}/s after start-up; "
              f"{1000 * per:.2f} ms per response)")
        print(f"    2 shards  : {t2:6.2f} s = {n / t2:6.0f} responses/s (speed-up {t1 / t2:.2f}x), merge {tm:.2f} s; "
              f"merged output {'equals' if same else 'DIFFERS FROM'} the one-process output byte for byte")
        free = TASK.read_text()
        free = free[:free.index("  group by")] + "}\n"
        task = tmp / "task_nogroup.act"
        task.write_text(free)
        cache = tmp / "cache"
        tc = act("score", str(task), "--data", str(data), "--out", str(tmp / "c1.jsonl"), "--cache", str(cache))
        tw = act("score", str(task), "--data", str(data), "--out", str(tmp / "c2.jsonl"), "--cache", str(cache))
        tn = act("score", str(task), "--data", str(data), "--out", str(tmp / "c0.jsonl"))
        print(f"[2] without group block: no cache {tn:.2f} s, cold cache {tc:.2f} s, warm cache {tw:.2f} s "
              f"(start-up included)")
        ray_line = "[3] Ray Data: skipped (--no-ray)"
        t_ray = None
        if not args.no_ray:
            try:
                start, t_ray, csr = ray_run(task, data, n)
                ref = [json.loads(x)["csr"] for x in (tmp / "c0.jsonl").read_text().splitlines()]
                ray_line = (f"[3] Ray Data, 2 CPUs, 8 blocks: ray.init {start:.1f} s, scoring {t_ray:.2f} s vs act score "
                            f"one process {tn:.2f} s -> ratio {t_ray / tn:.2f} (ray.init excluded); CSRs in order "
                            f"{'equal' if csr == ref else 'DIFFER'}")
            except ImportError:
                ray_line = "[3] Ray Data: ray is not installed (pip install 'ray[data]')"
        print(ray_line)
    total = 10_000_000 * per
    eff = min(1.0, (t1 / t2) / 2)
    print(f"[4] 10 million responses at {1000 * per:.2f} ms each = {total / 3600:.1f} CPU-hours:")
    print(f"    16-process machine: {total / 16 / 3600:.2f} h at linear scaling, {total / 16 / 3600 / max(eff, 0.05):.2f} h "
          f"at the 2-process efficiency measured here ({eff:.0%}), plus start-up {startup:.0f} s per process")
    overhead = (t_ray / tn) if t_ray else 1.0
    print(f"    10-node Ray cluster, 16 cores each (160 workers): {total / 160 / 3600 * overhead:.2f} h with the "
          f"Ray/act ratio measured here ({overhead:.2f}), plus ray start-up and reading the data")
    print(f"command: .venv/bin/python bench/scoring_scale.py --data {args.data}")


if __name__ == "__main__":
    main()
