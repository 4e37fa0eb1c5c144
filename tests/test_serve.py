"""`act serve` as a user runs it: the real command on 127.0.0.1 and a free port, spoken to over HTTP with its own
`/score`, OpenRLHF's remote reward protocol and NeMo Gym's `/verify`; every server is stopped by its fixture."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

import act_dsl
from conftest import EXAMPLES, ROOT

IFEVAL = EXAMPLES / "ifeval" / "ifeval.act"
RECORDS = [json.loads(line) for line in (EXAMPLES / "ifeval" / "records.jsonl").read_text().splitlines() if line]
NO_COMMA = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_in_flight(url: str, finished: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll /metrics until a request is being scored (True), or until `finished()` (every request answered) or
    time runs out (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not finished():
        try:
            text = httpx.get(url + "/metrics", timeout=5).text
        except httpx.HTTPError:
            text = ""
        for line in text.splitlines():
            if line.startswith("act_serve_requests_in_progress ") and float(line.split()[1]) >= 1:
                return True
        time.sleep(0.02)
    return False


class Server:
    """`act serve FILE ARGS` in a subprocess; `url` once /health answers (60 s at most)."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "act_dsl", "serve", str(IFEVAL), "--port", str(self.port),
                                      *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"act serve exited {self.proc.returncode}: {self.proc.stdout.read()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("act serve did not answer /health within 60 s")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.stdout.read() if self.proc.stdout else ""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server("--workers", "1")
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def strict_server() -> Iterator[Server]:
    """Scoring in the server process, a token, small limits and a deadline a big batch cannot meet."""
    s = Server("--workers", "0", "--token", "s3cret", "--max-body", "200000", "--max-records", "300",
               "--deadline", "0.05")
    try:
        yield s
    finally:
        s.stop()


@pytest.mark.slow
def test_score_gives_what_program_score_gives_and_a_bad_record_fails_alone(server: Server) -> None:
    bad = {"prompt": "p", "instruction_id_list": "not a list", "kwargs": [], "response": "r"}
    r = httpx.post(server.url + "/score", json={"records": [*RECORDS, bad]}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    expected = act_dsl.load(IFEVAL, strict=True).score(RECORDS)
    assert body["task"] == "ifeval" and body["constraints"] == expected.constraints
    results = body["results"]
    assert [x["csr"] for x in results[:-1]] == pytest.approx(expected.csr)
    assert [x["values"] for x in results[:-1]] == [dict(v) for v in expected.values]
    assert results[-1]["csr"] is None and results[-1]["failed"]
    assert "instruction_id_list" in results[-1]["errors"][0]
    assert all(x["invalid"] is False and x["errors"] == [] for x in results[:-1])


def test_openrlhf_protocol_as_its_client_sends_and_reads_it(server: Server) -> None:
    prompt = "<|im_start|>user\nWrite a note about tea without commas.<|im_end|>\n<|im_start|>assistant\n"
    payload = {"query": [prompt + "Tea is calm and warm.<|im_end|>", prompt + "Tea, sadly, is cold.<|im_end|>"],
               "prompts": [prompt, prompt], "labels": [json.dumps(NO_COMMA), NO_COMMA]}
    r = httpx.post(server.url + "/openrlhf", json=payload, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body["rewards"] == [1.0, 0.0] and body["scores"] == body["rewards"]
    logs = body["extra_logs"]
    assert logs["act/punctuation__no_comma"] == [1.0, 0.0] and logs["act/punctuation__no_comma/applies"] == [1.0, 1.0]
    assert logs["act/startend__quotation/applies"] == [0.0, 0.0]
    # a label without the task's inputs cannot be scored: an error the client retries and logs, never a 0 reward
    r = httpx.post(server.url + "/get_reward", json={"query": ["x"], "prompts": ["p"], "labels": ["plain"]}, timeout=60)
    assert r.status_code == 422 and "instruction_id_list" in r.json()["error"]


def test_openrlhf_own_client_reads_the_rewards(server: Server) -> None:
    agent = pytest.importorskip("openrlhf.utils.agent", reason="openrlhf 0.11 needs torch, deepspeed and vllm to "
                                "install; its client was run against act serve by hand (docs/scale.md)")
    import asyncio
    executor = agent.SingleTurnAgentExecutor(server.url + "/openrlhf")
    got = asyncio.run(executor._fetch_rewards_via_http(["p Tea is calm."], ["p"], [json.dumps(NO_COMMA)]))
    assert got[0]["rewards"] == [1.0]


def nemo_body(text: str, **fields: object) -> dict:
    """A /verify body as NeMo Gym's rollout collection posts it: the Responses API request and response."""
    return {"responses_create_params": {"input": [{"role": "user", "content": "Write about tea, no commas."}]},
            "response": {"id": "resp_1", "object": "response", "created_at": 0, "model": "m", "status": "completed",
                         "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
                         "output": [{"type": "reasoning", "id": "r1", "summary": []},
                                    {"type": "message", "id": "m1", "role": "assistant", "status": "completed",
                                     "content": [{"type": "output_text", "text": text, "annotations": []}]}]},
            **fields}


def test_nemo_gym_verify_gives_reward_and_components(server: Server) -> None:
    body = nemo_body("Tea is calm and warm.", verifier_metadata=NO_COMMA, id=7)
    r = httpx.post(server.url + "/verify", json=body, timeout=60)
    assert r.status_code == 200
    out = r.json()
    assert out["reward"] == 1.0 and out["reward_components"] == {"punctuation__no_comma": 1.0}
    assert out["mask_sample"] is False and out["id"] == 7 and out["response"] == body["response"]
    assert out["constraint_values"]["startend__quotation"] is None   # not applicable: left out of the components
    # nothing applies: masked with its reason, not rewarded 0 as if measured
    empty = httpx.post(server.url + "/verify", json=nemo_body("Tea.", instruction_id_list=[], kwargs=[]), timeout=60)
    assert empty.json()["mask_sample"] is True and empty.json()["failure_kind"] == "act:not_applicable"
    missing = httpx.post(server.url + "/verify", json=nemo_body("Tea."), timeout=60).json()
    assert missing["mask_sample"] is True and missing["failure_kind"] == "verifier_error"
    bad = httpx.post(server.url + "/verify", json={"response": {}}, timeout=60)
    assert bad.status_code == 422 and "responses_create_params" in bad.json()["error"]


def test_metrics_show_latency_rewards_pass_rates_and_errors(server: Server) -> None:
    httpx.post(server.url + "/score", json={"records": RECORDS[:2]}, timeout=60)
    text = httpx.get(server.url + "/metrics", timeout=10).text
    assert "act_serve_requests_in_progress 0.0" in text   # answered: nothing left in flight
    for name in ("act_serve_score_seconds_bucket", "act_serve_rewards_total", "act_serve_rewards_per_second",
                 'act_serve_constraint_pass_rate{constraint="punctuation__no_comma"}',
                 'act_serve_constraint_applicable_total{constraint="punctuation__no_comma"}'):
        assert name in text, name


def test_token_limits_and_deadline(strict_server: Server) -> None:
    url, auth = strict_server.url, {"Authorization": "Bearer s3cret"}
    assert httpx.get(url + "/health", timeout=10).status_code == 200            # probes need no token
    r = httpx.post(url + "/score", json={"records": RECORDS[:1]}, timeout=10)
    assert r.status_code == 401 and "Bearer" in r.json()["error"]
    assert httpx.get(url + "/metrics", headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    huge = httpx.post(url + "/score", json={"records": [{"response": "x" * 250000}]}, headers=auth, timeout=10)
    assert huge.status_code == 413 and "--max-body" in huge.json()["error"]
    many = httpx.post(url + "/score", json={"records": [{}] * 301}, headers=auth, timeout=10)
    assert many.status_code == 413 and "--max-records" in many.json()["error"]
    assert httpx.post(url + "/score", content=b"{not json", headers=auth, timeout=10).status_code == 400
    batch = [dict(RECORDS[i % len(RECORDS)], response=RECORDS[i % len(RECORDS)]["response"] + " " * i)
             for i in range(250)]
    start = time.monotonic()
    r = httpx.post(url + "/score", json={"records": batch}, headers=auth, timeout=30)
    assert r.status_code == 200 and time.monotonic() - start < 5
    results = r.json()["results"]
    assert len(results) == 250 and all(x["failed"] and "deadline" in x["errors"][0] for x in results)


@pytest.mark.slow
def test_sigterm_finishes_the_accepted_request() -> None:
    s = Server("--workers", "1")
    try:
        batch = [dict(RECORDS[i % len(RECORDS)], response=RECORDS[i % len(RECORDS)]["response"] + " " * i)
                 for i in range(200)]
        got: dict = {}
        t = threading.Thread(target=lambda: got.update(
            r=httpx.post(s.url + "/score", json={"records": batch}, timeout=60)))
        t.start()
        assert wait_in_flight(s.url, lambda: bool(got)), "the request was never seen in flight on /metrics"
        s.proc.send_signal(signal.SIGTERM)
        t.join(timeout=60)
        assert got["r"].status_code == 200
        assert all(x["csr"] is not None for x in got["r"].json()["results"])
        assert s.proc.wait(timeout=30) in (0, -signal.SIGTERM)   # uvicorn ends by the signal it was sent
    finally:
        s.stop()


def test_serve_refuses_a_file_with_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.act"
    bad.write_text("task t { constraint c = nope(response) }\n")
    r = subprocess.run([sys.executable, "-m", "act_dsl", "serve", str(bad), "--port", str(free_port())],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "bad.act" in r.stderr


@pytest.mark.parametrize("ray", [False, True], ids=["uvicorn", "ray"])
def test_a_port_another_server_holds_is_refused_before_start_up(ray: bool) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        start = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "act_dsl", "serve", str(IFEVAL), "--port", str(port),
                            *(["--ray"] if ray else [])], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2, r.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr and "Ray" not in r.stderr
    assert time.monotonic() - start < 60   # refused before Ray (or uvicorn) started, not after its timeouts


def test_start_up_line_names_the_default_worker_count() -> None:
    s = Server()
    out = s.stop()
    assert f"(25 constraints), 1 worker(s), http://127.0.0.1:{s.port}" in out, out


@pytest.mark.parametrize("args, words", [(("--port", "70000"), "--port must be 0 to 65535, got 70000"),
                                         (("--host", "no-such-host.invalid"), "--host no-such-host.invalid")])
def test_an_address_that_cannot_be_listened_on_is_a_usage_error(args: tuple[str, ...], words: str) -> None:
    r = subprocess.run([sys.executable, "-m", "act_dsl", "serve", str(IFEVAL), *args], capture_output=True,
                       text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_nemo_gym_own_models_parse_request_and_reply(server: Server) -> None:
    base = pytest.importorskip("nemo_gym.base_resources_server", reason="nemo-gym 0.7 needs Python 3.13; its "
                               "models were checked against act serve by hand (docs/scale.md)")
    sent = {**base.BaseVerifyRequest.model_validate(nemo_body("Tea, hot.")).model_dump(mode="json"), **NO_COMMA}
    out = base.BaseMultiRewardVerifyResponse.model_validate(httpx.post(server.url + "/verify", json=sent,
                                                                       timeout=60).json())
    assert out.reward == 0.0 and out.reward_components == {"punctuation__no_comma": 0.0} and not out.mask_sample


def test_verl_compute_score_through_the_service(server: Server) -> None:
    from act_dsl.integrations.verl import compute_score
    r = RECORDS[1]
    local = compute_score("ifeval", r["response"], None, r, act_file=str(IFEVAL))
    assert compute_score("ifeval", r["response"], None, r, url=server.url) == local
