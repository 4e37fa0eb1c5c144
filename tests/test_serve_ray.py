"""`act serve --ray` as a user runs it: a new local Ray, the Serve deployment on 127.0.0.1 with two replicas, the
same answers as in process, and SIGTERM answering the request in flight before Ray shuts down."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

import act_dsl
from conftest import EXAMPLES, ROOT, run_act
from test_serve import NO_COMMA, free_port

pytest.importorskip("ray.serve", reason="Ray Serve is not installed (pip install 'act-dsl[serve-ray]')")

IFEVAL = EXAMPLES / "ifeval" / "ifeval.act"
RECORDS = [json.loads(line) for line in (EXAMPLES / "ifeval" / "records.jsonl").read_text().splitlines() if line]


@pytest.mark.slow
def test_ray_flags_are_checked_before_anything_starts() -> None:
    for args, message in ((["--replicas", "2"], "--replicas needs --ray"),
                          (["--ray", "--autoscale", "3:1"], "1 <= MIN <= MAX"),
                          (["--ray", "--autoscale", "two"], "MIN:MAX"),
                          (["--ray", "--replicas", "2", "--autoscale", "1:2"], "not both")):
        r = run_act("serve", str(IFEVAL), *args)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


@pytest.mark.slow   # a local Ray and two replicas start in 20-40 s on 2 shared cores
def test_ray_serve_two_replicas_score_as_in_process_and_stop_gracefully() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "act_dsl", "serve", str(IFEVAL), "--ray", "--replicas", "2",
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        seen: set[str] = set()
        deadline = time.monotonic() + 150
        while len(seen) < 2 and time.monotonic() < deadline:   # both replicas up and answering through the proxy
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                r = httpx.get(url + "/health", timeout=5)
                if r.status_code == 200:
                    seen.add(r.json()["replica"])
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert len(seen) == 2, f"replicas answering /health: {seen}"

        expected = act_dsl.load(IFEVAL, strict=True).score(RECORDS)
        for _ in range(3):   # whichever replica answers, the same scores
            results = httpx.post(url + "/score", json={"records": RECORDS}, timeout=60).json()["results"]
            assert [x["csr"] for x in results] == pytest.approx(expected.csr)
            assert [x["values"] for x in results] == [dict(v) for v in expected.values]
        prompt = "Write about tea.\n"
        r = httpx.post(url + "/openrlhf", json={"query": [prompt + "Tea, hot."], "prompts": [prompt],
                                                "labels": [json.dumps(NO_COMMA)]}, timeout=60)
        assert r.status_code == 200 and r.json()["rewards"] == [0.0]

        batch = [dict(RECORDS[i % len(RECORDS)], response=RECORDS[i % len(RECORDS)]["response"] + " " * i)
                 for i in range(1000)]
        got: dict = {}

        def post() -> None:
            try:
                got["r"] = httpx.post(url + "/score", json={"records": batch}, timeout=120)
            except httpx.HTTPError as e:   # kept for the assertion's message
                got["error"] = repr(e)
        t = threading.Thread(target=post)
        t.start()
        time.sleep(1.5)   # accepted and scoring: 1,000 responses take seconds, the proxy is slow under load
        proc.send_signal(signal.SIGTERM)
        t.join(timeout=120)
        assert "r" in got, got
        assert got["r"].status_code == 200 and all(x["csr"] is not None for x in got["r"].json()["results"])
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
