"""Sampling backends: the hf backend's savings keep greedy text identical; the openai backend against a real
HTTP server started here (retries, the error when it is down, stop rules, resumable files); vllm's extra."""
from __future__ import annotations

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from act_dsl.sampling.backends import engine_seed
from conftest import EXAMPLES, run_act

TASK = str(EXAMPLES / "entity_typing" / "task.act")
DATA = str(EXAMPLES / "entity_typing" / "eval.jsonl")


def reply_text(prompt: str, i: int, seed: int) -> str:
    """What the test server writes: the same text for the same prompt, choice and seed; a second line the
    newline stop rule must cut off; a leading newline the rule must keep reading past."""
    h = hashlib.sha256(f"{prompt}|{seed}".encode()).hexdigest()[:6]
    return f"\n /type/{h}/{i}\nSentence: more text the stop rule cuts"


class Server:
    """A real OpenAI-style completions server on a free local port; `fail_first` 503s before it answers."""

    def __init__(self, fail_first: int = 0, garbage: bool = False) -> None:
        self.fail_first, self.garbage = fail_first, garbage
        self.posts: list[dict] = []
        self.failed = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._send(200, json.dumps({"data": [{"id": "test-model"}]}).encode())
                else:
                    self._send(404, b'{"error": "no such path"}')

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/v1/completions":
                    return self._send(404, b'{"error": "no such path"}')
                if owner.failed < owner.fail_first:
                    owner.failed += 1
                    return self._send(503, b'{"error": "loading"}')
                if owner.garbage:
                    return self._send(200, b"<html>proxy error</html>", "text/html")
                owner.posts.append(body)
                choices = []
                for i in range(body.get("n", 1)):
                    text = reply_text(body["prompt"], i, body.get("seed", 0))
                    words = text.split(" ")
                    reason = "length" if len(words) > body["max_tokens"] else "stop"
                    text = " ".join(words[:body["max_tokens"]])
                    for s in body.get("stop") or []:
                        text = text.split(s)[0]
                    choices.append({"index": i, "text": text, "finish_reason": reason})
                usage = {"completion_tokens": sum(len(c["text"].split()) for c in choices)}
                self._send(200, json.dumps({"choices": choices, "usage": usage}).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def sample(out: Path, url: str, *extra: str) -> object:
    return run_act("sample", TASK, "--data", DATA, "--out", str(out), "--backend", "openai", "--base-url", url,
                   "-k", "3", "--first", "4", *extra, timeout=120)


def rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_openai_backend_samples_k_responses_per_prompt_with_the_stop_rule_applied(tmp_path, server) -> None:
    out = tmp_path / "samples.jsonl"
    r = sample(out, server.url, "--concurrency", "2", "--seed", "5")
    assert r.returncode == 0, r.stderr
    got = sorted(rows(out), key=lambda x: x["index"])
    assert [g["index"] for g in got] == [0, 1, 2, 3]
    for g in got:   # the newline rule cut each response after its first non-blank line; prompt i has seed 5 + i,
        # sent spread out (engine_seed) since vLLM servers seed the K responses seed, seed + 1, ...
        assert g["responses"] == [reply_text(g["prompt_text"], i, engine_seed(5 + g["index"])).split("\nSentence")[0]
                                  for i in range(3)]
        assert g["finish"] == ["stop"] * 3
    assert all(p["n"] == 3 and p["model"] == "test-model" and "stop" not in p for p in server.posts)
    assert "[openai] 4 prompt(s) sampled" in r.stdout


@pytest.mark.slow
def test_openai_samples_file_resumes_after_a_kill(tmp_path, server) -> None:
    out = tmp_path / "samples.jsonl"
    assert sample(out, server.url).returncode == 0
    whole = out.read_text().splitlines()
    out.write_text(whole[0] + "\n" + whole[1][:30])  # one finished prompt and a torn line, as a kill leaves them
    server.posts.clear()
    r = sample(out, server.url)
    assert r.returncode == 0, r.stderr
    assert len(server.posts) == 3                          # only the unfinished prompts were asked for
    assert sorted(x["index"] for x in rows(out)) == [0, 1, 2, 3]
    assert sorted(out.read_text().splitlines()) == sorted(whole)
    assert "3 prompt(s) sampled (1 already done)" in r.stdout


@pytest.mark.slow
def test_openai_backend_retries_a_server_that_answers_503_twice(tmp_path) -> None:
    s = Server(fail_first=2)
    try:
        r = sample(tmp_path / "s.jsonl", s.url, "--concurrency", "1", "--first", "1")
    finally:
        s.close()
    assert r.returncode == 0, r.stderr
    assert s.failed == 2 and len(s.posts) == 1          # two 503s, then the answer
    assert len(rows(tmp_path / "s.jsonl")) == 1


@pytest.mark.slow
def test_openai_backend_gives_one_line_and_exit_2_when_the_server_is_down(tmp_path) -> None:
    with socket.socket() as sock:   # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    r = sample(tmp_path / "s.jsonl", f"http://127.0.0.1:{port}/v1", "--model", "m")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "cannot connect" in lines[0] and f"127.0.0.1:{port}" in lines[0] and "5 tries" in lines[0]


def test_openai_backend_rejects_a_reply_that_is_not_a_completions_response(tmp_path) -> None:
    s = Server(garbage=True)
    try:
        r = sample(tmp_path / "s.jsonl", s.url)
    finally:
        s.close()
    assert r.returncode == 2
    assert "not JSON" in r.stderr and "<html>" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_openai_backend_is_for_sampling_only(tmp_path, server) -> None:
    r = run_act("train", TASK, "--backend", "openai", "--base-url", server.url, "--out", str(tmp_path / "run"))
    assert r.returncode == 2
    assert "cannot train" in r.stderr and server.posts == []
    r = sample(tmp_path / "s.jsonl", server.url, "--api-key-env", "ACT_TEST_NO_SUCH_VARIABLE")
    assert r.returncode == 2 and "ACT_TEST_NO_SUCH_VARIABLE" in r.stderr
    r = run_act("sample", TASK, "--data", DATA, "--out", str(tmp_path / "x.jsonl"), "--backend", "openai")
    assert r.returncode == 2 and "--base-url" in r.stderr


def _have_vllm() -> bool:
    import importlib.util
    return importlib.util.find_spec("vllm") is not None


@pytest.mark.skipif(_have_vllm(), reason="vLLM is installed here: the missing-extra message cannot show")
def test_vllm_backend_names_the_extra_when_vllm_is_missing(tmp_path) -> None:
    r = run_act("sample", TASK, "--data", DATA, "--out", str(tmp_path / "s.jsonl"), "--backend", "vllm")
    assert r.returncode == 2
    assert "pip install 'act-dsl[vllm]'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "s.jsonl").exists()


@pytest.mark.slow
@pytest.mark.skipif(not _have_vllm(), reason="vLLM is not installed here (pip install 'act-dsl[vllm]'); "
                    "bench/sample_speed.py runs this backend where it is")
def test_vllm_backend_samples_the_tiny_model(tmp_path, tiny_model) -> None:
    from tiny_model import make_tiny_llama
    llama = make_tiny_llama(tiny_model, tmp_path / "llama")  # vLLM's CPU attention has no kernel for GPT-2's head size 16
    out = tmp_path / "s.jsonl"
    # 9 prompts of ~490 tiny-tokenizer tokens pass vLLM's 4,096-token step, where seeded requests once crashed
    r = run_act("sample", TASK, "--data", DATA, "--out", str(out), "--backend", "vllm", "--model", str(llama),
                "-k", "2", "--first", "9", "--max-new-tokens", "6", "--stop", "")
    assert r.returncode == 0, r.stderr
    got = sorted(rows(out), key=lambda x: x["index"])
    assert [len(x["responses"]) for x in got] == [2] * 9 and "[vllm] 9 prompt(s) sampled" in r.stdout
    assert all(x["tokens"] == [6, 6] and x["finish"] == ["length"] * 2 for x in got)  # no stop rule, no EOS: 6 each
    out.write_text("\n".join(out.read_text().splitlines()[:1]) + "\n")  # a killed run: one prompt done
    r = run_act("sample", TASK, "--data", DATA, "--out", str(out), "--backend", "vllm", "--model", str(llama),
                "-k", "2", "--first", "9", "--max-new-tokens", "6", "--stop", "")
    assert r.returncode == 0, r.stderr
    again = sorted(rows(out), key=lambda x: x["index"])
    assert "8 prompt(s) sampled (1 already done)" in r.stdout
    assert again == got   # the same seeds give the same responses on resuming


@pytest.mark.slow
@pytest.mark.skipif(not _have_vllm(), reason="vLLM is not installed here (pip install 'act-dsl[vllm]'); "
                    "bench/sample_speed.py runs this backend where it is")
def test_vllm_engine_samples_a_lora_adapter_as_peft_does(tmp_path, tiny_model) -> None:
    """One engine, the base weights then an adapter by LoRA request (what `act train --backend vllm` does
    after training): greedy text equals transformers' with and without the peft adapter."""
    from tiny_model import make_lora_adapter, make_tiny_llama

    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends.hf import HFBackend
    from act_dsl.sampling.backends.vllm import VLLMBackend
    from act_dsl.sampling.config import GenConfig
    llama = make_tiny_llama(tiny_model, tmp_path / "llama")
    adapter = str(make_lora_adapter(llama, tmp_path / "adapter"))
    prompts = ["Sentence: Obama visited Paris . Types:", "Give the types of", "Summary:"]
    cfg = GenConfig(max_new_tokens=8, stop="")

    def greedy(backend: object) -> list[str]:   # vLLM holds back a trailing half UTF-8 character; transformers shows U+FFFD
        return [c.texts[0].rstrip("\ufffd") for c in backend.complete(prompts, 1, cfg, greedy=True)]  # type: ignore[attr-defined]
    hf_base, hf_adapter = greedy(HFBackend(*models.load(str(llama)))), greedy(HFBackend(*models.load(str(llama), adapter)))
    engine = VLLMBackend(str(llama), enable_lora=True, dtype="float32")  # float32: the same numbers as transformers
    try:
        base = greedy(engine)
        engine.use_adapter(adapter)
        with_adapter = greedy(engine)
        engine.use_adapter(None)
        again = greedy(engine)
    finally:
        engine.close()
    assert hf_adapter != hf_base                  # the adapter changes the text...
    assert base == hf_base and again == hf_base   # ...vLLM's base weights are transformers' base model
    assert with_adapter == hf_adapter             # ...and its LoRA request is peft's adapter


# ---- hf --------------------------------------------------------------------------------------------------
PREFIX = ("Give the types of the mention, separated by commas, chosen from: /person, /location, /organization.\n"
          "Sentence: Obama visited Paris . Types: /person, /person/politician\n")


def test_hf_prefix_and_length_sorting_give_todays_greedy_text(tiny_model) -> None:
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends.hf import HFBackend
    from act_dsl.sampling.config import GenConfig
    from act_dsl.sampling.hf import generate
    tok, lm = models.load(str(tiny_model))
    prompts = [PREFIX + s for s in ("Sentence: The war ended . Types:", "Summary:", "Question: Answer:",
                                    "Sentence: Obama visited Paris . Then the treaty was signed . Types:")]
    cfg = GenConfig(max_new_tokens=12, stop="")
    plain, _ = generate(tok, lm, prompts, 1, cfg, greedy=True)
    fast = HFBackend(tok, lm)
    got = fast.complete(prompts, 1, cfg, greedy=True)
    assert [list(c.texts) for c in got] == plain
    assert fast.prefix_tokens_saved > 0                     # the shared prefix was computed once
    assert fast.order(prompts) == [1, 2, 0, 3]              # shortest first
    assert all(c.tokens == (12,) and c.finish == ("length",) for c in got)
    newline = GenConfig(max_new_tokens=12, stop="newline")  # the stop rule is the same on both paths
    plain_nl, _ = generate(tok, lm, prompts, 1, newline, greedy=True)
    assert [list(c.texts) for c in fast.complete(prompts, 1, newline, greedy=True)] == plain_nl


def test_hf_backend_samples_to_a_resumable_file_in_prompt_order(tmp_path, tiny_model) -> None:
    out = tmp_path / "s.jsonl"
    r = run_act("sample", TASK, "--data", DATA, "--out", str(out), "--model", str(tiny_model), "-k", "2",
                "--first", "5", "--batch-size", "2", "--max-new-tokens", "6")
    assert r.returncode == 0, r.stderr
    got = rows(out)
    assert sorted(x["index"] for x in got) == list(range(5))
    assert all(len(x["responses"]) == 2 and len(x["tokens"]) == 2 and set(x["finish"]) <= {"stop", "length"}
               for x in got)
    assert "[hf] 5 prompt(s) sampled" in r.stdout


@pytest.mark.slow
def test_act_eval_scores_greedy_answers_from_the_server(tmp_path, server) -> None:
    out = tmp_path / "eval.json"
    r = run_act("eval", TASK, "--data", DATA, "--first", "3", "--backend", "openai", "--base-url", server.url,
                "--out-json", str(out))
    assert r.returncode == 0, r.stderr
    assert "held-out CSR" in r.stdout and "over 3 prompts (greedy)" in r.stdout
    assert [p["n"] for p in server.posts] == [1, 1, 1] and all(p["temperature"] == 0.0 for p in server.posts)
    got = json.loads(out.read_text())["responses"]
    assert [g["response"].strip().startswith("/type/") for g in got] == [True] * 3


def test_hf_prefix_sampling_prints_no_transformers_deprecation_warning(tiny_model) -> None:
    """The shared-prefix path read the cache under its old name, and transformers 5.2x printed
    "`past_key_values`/`cache_params` are deprecated" in the middle of `act sample`'s output."""
    import logging
    from transformers.utils import logging as tf_logging
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends.hf import HFBackend
    from act_dsl.sampling.config import GenConfig
    tok, lm = models.load(str(tiny_model))
    tf_logging.warning_once.cache_clear()  # a warning printed earlier in this process is printed once only
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Collect()
    root = tf_logging.get_logger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # as while `act sample` logs library warnings (printed after the run)
    try:
        fast = HFBackend(tok, lm)
        fast.complete([PREFIX + "Sentence: The war ended . Types:", PREFIX + "Summary:"], 2,
                      GenConfig(max_new_tokens=4, stop=""))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert fast.prefix_tokens_saved > 0
    assert not [m for m in seen if "deprecated" in m], seen
