"""`act serve --ray` as a user runs it: a new local Ray, the Serve deployment on 127.0.0.1 with two replicas, the
same answers as in process, and SIGTERM answering the request in flight before Ray shuts down; with `--autoscale
1:2`, a second replica under a burst of requests and back to one after it."""
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
from test_serve import NO_COMMA, free_port, wait_in_flight

pytest.importorskip("ray.serve", reason="Ray Serve is not installed (pip install 'act-dsl[serve-ray]')")

IFEVAL = EXAMPLES / "ifeval" / "ifeval.act"
RECORDS = [json.loads(line) for line in (EXAMPLES / "ifeval" / "records.jsonl").read_text().splitlines() if line]


@pytest.mark.slow
def test_ray_flags_are_checked_before_anything_starts() -> None:
    for args, message in ((["--replicas", "2"], "--replicas needs --ray"),
                          (["--ray", "--autoscale", "3:1"], "1 <= MIN <= MAX"),
                          (["--ray", "--autoscale", "two"], "MIN:MAX"),
                          (["--ray", "--replicas", "2", "--autoscale", "1:2"], "not both"),
                          (["--ray", "--replicas", "2", "--upscale-delay", "1"], "--upscale-delay needs --autoscale"),
                          (["--ray", "--autoscale", "1:2", "--target-ongoing", "0"], "--target-ongoing) must be"),
                          (["--ray", "--autoscale", "1:2", "--downscale-delay", "-1"], "0 or more seconds")):
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

        def post(k: int) -> None:
            try:
                got[k] = httpx.post(url + "/score", json={"records": batch}, timeout=120)
            except httpx.HTTPError as e:   # kept for the assertion's message
                got[k] = repr(e)
        # enough requests to keep both replicas busy (Serve's router may give both of two to one replica and then
        # sends /metrics to the idle one); SIGTERM once a replica reports one in flight (a fixed sleep lost the race
        # on loaded cores): every request it accepted is answered before Ray shuts down
        threads = [threading.Thread(target=post, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        assert wait_in_flight(url, lambda: len(got) == len(threads), 90), f"no request seen in flight: {got}"
        proc.send_signal(signal.SIGTERM)
        pending = len(threads) - len(got)   # not yet answered when the signal went
        for t in threads:
            t.join(timeout=120)
        assert pending >= 1, "every request was answered before SIGTERM: nothing was drained"
        for k in range(len(threads)):
            r = got.get(k)
            assert isinstance(r, httpx.Response) and r.status_code == 200, got
            assert all(x["csr"] is not None for x in r.json()["results"])
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_autoscale_settings_reach_ray_serve_and_are_checked() -> None:
    from act_dsl.serve.ray_serve import Scaling, app_builder, autoscaling
    config = autoscaling("1:3", {"target_ongoing": 4, "upscale_delay": 0, "downscale_delay": None}).options()
    assert config == {"autoscaling_config": {"min_replicas": 1, "max_replicas": 3, "initial_replicas": 1,
                                             "target_ongoing_requests": 4.0, "upscale_delay_s": 0.0,
                                             "downscale_delay_s": Scaling().downscale_delay}}
    with pytest.raises(ValueError, match="upscale_delay needs autoscale=MIN:MAX"):
        app_builder({"file": str(IFEVAL), "replicas": "2", "upscale_delay": "1"})


class Output:
    """The lines a process prints, each with the time it was read, collected by a thread."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[tuple[float, str]] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip()))

    def wait_for(self, text: str, limit: float) -> float | None:
        """When a line with `text` was printed, waiting up to `limit` seconds for it."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            for at, line in list(self.lines):
                if text in line:
                    return at
            time.sleep(0.2)
        return None


@pytest.mark.slow   # Ray starts, the autoscaler adds a replica and removes it: 1.5-3 min on 2 shared cores
def test_ray_serve_autoscales_to_two_replicas_under_a_burst_and_back_to_one() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "act_dsl", "serve", str(IFEVAL), "--ray", "--autoscale", "1:2",
                             "--upscale-delay", "2", "--downscale-delay", "5", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = Output(proc)
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:   # one replica up and answering
            assert proc.poll() is None, "\n".join(line for _, line in out.lines)
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("no replica answered /health in 150 s:\n" + "\n".join(line for _, line in out.lines))

        pool = [dict(RECORDS[i % len(RECORDS)], response=RECORDS[i % len(RECORDS)]["response"] + " " * (i // 10))
                for i in range(400)]
        expected = act_dsl.load(IFEVAL, strict=True).score(pool)
        stop = threading.Event()
        answered: list[int] = []
        wrong: list[str] = []

        def load(k: int) -> None:   # 100 records a request, until told to stop (150 requests at most)
            with httpx.Client(timeout=60) as client:
                for _ in range(150):
                    if stop.is_set():
                        break
                    first = (k * 37 + len(answered) * 100) % 300
                    try:
                        r = client.post(url + "/score", json={"records": pool[first:first + 100]})
                        results = r.json()["results"]
                        if r.status_code != 200 or [x["csr"] for x in results] != pytest.approx(
                                expected.csr[first:first + 100]) or [x["values"] for x in results] != [
                                dict(v) for v in expected.values[first:first + 100]]:
                            wrong.append(f"{r.status_code}: {r.text[:300]}")
                    except (httpx.HTTPError, ValueError, KeyError) as e:
                        wrong.append(repr(e))
                    answered.append(k)

        start = time.monotonic()
        threads = [threading.Thread(target=load, args=(k,), daemon=True) for k in range(6)]
        for t in threads:
            t.start()
        try:
            up = out.wait_for("2 replica(s) running", 150)
            assert up is not None, "no second replica in 150 s of load:\n" + "\n".join(line for _, line in out.lines)
            seen: set[str] = set()
            for _ in range(100):   # both replicas answer through the proxy
                seen.add(httpx.get(url + "/health", timeout=30).json()["replica"])
                if len(seen) == 2:
                    break
            assert len(seen) == 2, f"replicas answering /health: {seen}"
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=90)
        quiet = time.monotonic()
        assert not wrong, wrong[:3]
        assert len(answered) >= 6, answered
        down = out.wait_for("1 replica(s) running (was 2)", 180)
        assert down is not None, "not back to one replica 180 s after the load:\n" + "\n".join(
            line for _, line in out.lines)
        print(f"autoscaling 1 -> 2 replicas: {up - start:.1f} s after the load began ({len(answered)} requests of "
              f"100 records answered, all with the in-process scores); 2 -> 1: {down - quiet:.1f} s after it ended")
        r = httpx.post(url + "/score", json={"records": pool[:10]}, timeout=60)
        assert r.status_code == 200 and [x["csr"] for x in r.json()["results"]] == pytest.approx(expected.csr[:10])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:   # a failed assertion: let act stop Serve and Ray, then make sure
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
