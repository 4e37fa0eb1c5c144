"""The OpenAI-compatible client (issue 27) against misbehaving servers started on 127.0.0.1 for each run
(servers.py): what must hold is that `act sample --backend openai` ends by its deadlines (`--timeout` for one
request, retries included; `--run-timeout` for the run) whatever the server does; every http.client and socket
failure is a retry or one line naming the server (exit 2, the finished prompts kept); the API key never leaves
its origin and a key with a trailing line end works; Retry-After is clamped; an answer of the wrong shape is
refused with what is wrong; Ctrl-C ends the run at once with the samples file whole."""
from __future__ import annotations

from spec import Case, jl

TASK = ('task shape {\n  input topic: text\n  output y: text = first_line(response)\n  prompt "Types for {topic}:"\n'
        '  constraint brief = length(y) <= 12\n}\n')
DATA = jl(*({"topic": t} for t in ("Obama", "Paris", "Rome", "Nile", "Kant", "Oslo", "Bach", "Inca")))
FILES = {"task.act": TASK, "data.jsonl": DATA}
KEY = "sk-hostile-0123456789abcdef"
SERVER = r"127\.0\.0\.1:\d+"


def sample(*extra: str, model: bool = True) -> tuple[str, ...]:
    return ("sample", "task.act", "--data", "data.jsonl", "--out", "s.jsonl", "--backend", "openai", "--base-url",
            "{server}", *(("--model", "served") if model else ()), "-k", "2", *extra)


def fails(cid: str, server: str, why: str, says: str, *extra: str, time_s: float = 10.0, model: bool = True,
          env: dict[str, str] | None = None) -> Case:
    """One line naming the server and what went wrong, exit 2, inside the time budget; the key never shown."""
    return Case(cid, "network", why, sample(*extra, model=model), FILES, exit=(2,), has=(says, SERVER),
                lacks=(KEY,), time_s=time_s, server=server, env=env or {}, untouched=("task.act", "data.jsonl"))


def works(cid: str, server: str, why: str, *extra: str, env: dict[str, str] | None = None) -> Case:
    return Case(cid, "network", why, sample(*extra), FILES, has=(r"\[openai\] 8 prompt\(s\) sampled",),
                lacks=(KEY,), server=server, env=env or {}, whole_jsonl=("s.jsonl",))


CASES = [
    # ---- hangs: every request ends by its deadline ---------------------------------------------------------------
    fails("net-trickle-body", "trickle-body", "a server that trickles its body one byte every 2 s",
          r"no complete answer within --timeout 3 s", "--timeout", "3"),
    fails("net-trickle-headers", "trickle-headers", "a server that trickles its status line one byte every 2 s",
          r"no complete answer within --timeout 3 s", "--timeout", "3"),
    fails("net-silent", "silent", "a silent server (it reads the request and never answers)",
          r"no complete answer within --timeout 3 s", "--timeout", "3"),
    fails("net-silent-run-timeout", "silent", "a silent server with a long --timeout but a 2 s --run-timeout",
          r"no complete answer within --run-timeout 2 s", "--timeout", "600", "--run-timeout", "2"),
    fails("net-retry-after-huge", "retry-after-huge", "a Retry-After of 1e12 seconds on every answer",
          r"HTTP 503.*raise --timeout", "--timeout", "3"),
    Case("net-sigint-while-hanging", "network", "Ctrl-C while a request hangs, after 4 prompts were written",
         sample("--concurrency", "1", "--batch-size", "4"), FILES, exit=(130,), has=(r"interrupted",),
         server="answer-then-silent", interrupt_when="s.jsonl:4", time_s=60, whole_jsonl=("s.jsonl",),
         untouched=("task.act", "data.jsonl")),
    # ---- http.client and socket failures: a retry or one line --------------------------------------------------------
    fails("net-incomplete-read", "cut-body", "an answer that promises 500 bytes and sends 20 (IncompleteRead)",
          r"cut off after 20 bytes \(gave up after 5 tries"),
    fails("net-bad-status-line", "bad-status", "a status line that is not HTTP (BadStatusLine)",
          r"not HTTP \(BadStatusLine"),
    fails("net-101-headers", "many-headers", "an answer with more than 100 headers", r"more than 100 headers"),
    fails("net-long-header", "long-header", "a header line of 100 kB (LineTooLong)", r"not HTTP \(LineTooLong"),
    fails("net-connection-reset", "reset", "every connection reset", r"reset by peer \(gave up after 5 tries"),
    works("net-reset-twice-then-answers", "flaky-reset", "two connections reset, then answers (retried)"),
    works("net-retry-after-negative", "retry-after-negative", "a Retry-After of -100 seconds, then answers"),
    # ---- credentials -----------------------------------------------------------------------------------------------
    fails("net-redirect-other-origin", "redirect-away", "a 307 to another origin while an API key is set",
          r"redirects to another server .*the API key was not sent there", "--api-key-env", "ACT_HOSTILE_KEY",
          env={"ACT_HOSTILE_KEY": KEY}),
    works("net-redirect-same-origin", "redirect-same", "a 307 to another path of the same server keeps the key",
          "--api-key-env", "ACT_HOSTILE_KEY", env={"ACT_HOSTILE_KEY": KEY}),
    works("net-key-trailing-cr", "ok", "an API key with a trailing \\r\\n (a file written on Windows)",
          "--api-key-env", "ACT_HOSTILE_KEY", env={"ACT_HOSTILE_KEY": KEY + "\r\n"}),
    Case("net-key-inner-newline", "network", "an API key with a newline inside (header injection)",
         sample("--api-key-env", "ACT_HOSTILE_KEY"), FILES, exit=(2,), has=(r"U\+000A at position 6",),
         lacks=("sk-ab",), server="ok", env={"ACT_HOSTILE_KEY": "sk-ab\ncd: x"}),
    # ---- shapes ---------------------------------------------------------------------------------------------------
    fails("net-usage-wrong-type", "usage-wrong", "a `usage` that is a text", r"`usage` is str, not an object"),
    fails("net-no-choices", "no-choices", "an answer without `choices`", r"no `choices` list"),
    fails("net-lone-surrogate-text", "surrogate", "a response text with a lone surrogate",
          r"lone surrogate \(\\ud800\)"),
    fails("net-json-100000-deep", "deep-json", "an answer of 100,000 nested [", r"not JSON"),
    fails("net-70-mb-answer", "huge-reply", "an answer of 70 MB", r"more than 64 MiB"),
    fails("net-model-id-object", "models-garbage", "GET /models lists a model whose id is an object",
          r"/models lists no model", model=False),
    # ---- flags -----------------------------------------------------------------------------------------------------
    Case("net-timeout-nan", "network", "--timeout nan", sample("--timeout", "nan"), FILES, exit=(2,),
         has=(r"--timeout must be a number of seconds above 0",), server="ok"),
    Case("net-base-url-ftp", "network", "--base-url ftp://", ("sample", "task.act", "--data", "data.jsonl", "--out",
         "s.jsonl", "--backend", "openai", "--base-url", "ftp://127.0.0.1/v1", "--model", "m"), FILES, exit=(2,),
         has=(r"not an http:// or https:// address",)),
]
