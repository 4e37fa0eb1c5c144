"""A soak of `act serve`: good requests among malformed and huge ones for --minutes; no lost request, steady memory.

  python bench/serve_soak.py [--minutes 30] [--workers 1] [--seed 0]

Starts `act serve examples/ifeval/ifeval.act` on a free port and sends, one after another: /score batches of 1-128
IFEval records (checked: one result per record), OpenRLHF and NeMo Gym requests, and about one in five a bad one
(not JSON, a wrong shape, a record with bad inputs, a body over --max-body, too many records), each checked for
its status. Every 15 s it reads the resident memory of the server and of its workers (/proc, Linux; multiprocessing's
resource tracker left out). At the end it prints the counts by kind, every unexpected answer, and the memory of the
server and of the workers at the first sample, the middle, the end and the peak."""
from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from serve_speed import ifeval_records, start_server  # noqa: E402

MAX_BODY = 4 * 1024 * 1024


def rss_mib(pid: int) -> tuple[float, float]:
    """Resident memory of a process and of its scoring workers (its children but multiprocessing's resource
    tracker, which holds no scoring state), in MiB."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    return vm_rss(pid), sum(vm_rss(c) for c in children if not _is_tracker(c))


def _is_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def vm_rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def one(client, url: str, rnd: random.Random, i: int) -> tuple[str, bool, str]:
    """Send one request; (its kind, whether the answer was the expected one, what went wrong)."""
    kind = rnd.choices(["score", "openrlhf", "verify", "not_json", "shape", "bad_record", "huge", "many"],
                       [55, 10, 10, 5, 5, 5, 5, 5])[0]
    if kind == "score":
        recs = ifeval_records(rnd.randint(1, 128), i)
        r = client.post(url + "/score", json={"records": recs})
        ok = r.status_code == 200 and len(r.json()["results"]) == len(recs) and \
            not any(x.get("failed") for x in r.json()["results"])
    elif kind == "openrlhf":
        rec = ifeval_records(1, i)[0]
        label = json.dumps({k: rec[k] for k in ("instruction_id_list", "kwargs")})
        r = client.post(url + "/openrlhf", json={"query": [rec["prompt"] + rec["response"]],
                                                 "prompts": [rec["prompt"]], "labels": [label]})
        ok = r.status_code == 200 and len(r.json()["rewards"]) == 1
    elif kind == "verify":
        rec = ifeval_records(1, i)[0]
        body = {"responses_create_params": {"input": rec["prompt"]},
                "response": {"output": [{"type": "message", "role": "assistant",
                                         "content": [{"type": "output_text", "text": rec["response"]}]}]},
                "instruction_id_list": rec["instruction_id_list"], "kwargs": rec["kwargs"]}
        r = client.post(url + "/verify", json=body)
        ok = r.status_code == 200 and isinstance(r.json()["reward"], float)
    elif kind == "not_json":
        r = client.post(url + "/score", content=b"{\"records\": [" + b"x" * rnd.randint(1, 1000))
        ok = r.status_code == 400
    elif kind == "shape":
        r = client.post(url + "/score", json={"rows": []})
        ok = r.status_code == 422
    elif kind == "bad_record":
        r = client.post(url + "/score", json={"records": [{"prompt": 3, "response": "x"}]})
        ok = r.status_code == 200 and r.json()["results"][0]["failed"]
    elif kind == "huge":
        r = client.post(url + "/score", json={"records": [{"response": "y" * (MAX_BODY + 10)}]})
        ok = r.status_code == 413
    else:
        r = client.post(url + "/score", json={"records": [{}] * 5000})
        ok = r.status_code == 413
    return kind, ok, "" if ok else f"{kind}: {r.status_code} {r.text[:200]}"


def main() -> None:
    import httpx
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    proc, url = start_server(ROOT / "examples/ifeval/ifeval.act", "--workers", str(args.workers),
                             "--max-body", str(MAX_BODY))
    rnd = random.Random(args.seed)
    counts, bad, memory = Counter(), [], []
    try:
        end, next_mem, i = time.monotonic() + 60 * args.minutes, 0.0, 0
        with httpx.Client(timeout=120) as client:
            while time.monotonic() < end:
                if time.monotonic() >= next_mem:
                    memory.append(rss_mib(proc.pid))
                    next_mem = time.monotonic() + 15
                try:
                    kind, ok, why = one(client, url, rnd, i)
                except httpx.HTTPError as exc:
                    kind, ok, why = "transport", False, f"{type(exc).__name__}: {exc}"
                counts[kind] += 1
                if not ok:
                    bad.append(why)
                i += 1
        memory.append(rss_mib(proc.pid))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    print(f"command: python bench/serve_soak.py {' '.join(sys.argv[1:])}")
    print(f"{sum(counts.values())} requests in {args.minutes:g} min: {dict(sorted(counts.items()))}")
    print(f"unexpected answers: {len(bad)}" + "".join(f"\n  {b}" for b in bad[:20]))
    for name, col in (("server", [a for a, _ in memory]), ("workers", [b for _, b in memory])):
        print(f"memory of the {name} (MiB): first sample {col[0]:.1f}, middle {col[len(col) // 2]:.1f}, "
              f"end {col[-1]:.1f}, peak {max(col):.1f}")
    print(f"samples every 15 s (server+workers, MiB): {' '.join(f'{a:.1f}+{b:.1f}' for a, b in memory)}")


if __name__ == "__main__":
    main()
