"""The `openai` backend: any OpenAI-compatible /v1/completions server (vLLM, SGLang, llama.cpp's server, a
hosted API), through the standard library only. Sampling only: training needs the weights.

One request per prompt asks for its K responses (`n`); up to `concurrency` requests are in flight. Every
request has one deadline (`timeout` seconds from its first byte sent to the last byte of its answer, retries
and waits included) and the run may have another (`run_timeout`): a watchdog shuts a connection down when its
deadline passes, so a silent server or one that trickles a byte at a time never holds a run past them. A
429, a 5xx, a refused or reset connection or an answer cut short is retried with exponential backoff
(honouring a sane Retry-After); whatever still fails, an answer that is not HTTP, or a reply that is not a
completions response, is a BackendError with one line naming the server. The API key is never sent to
another origin than --base-url's, and `close()` cuts every request in flight, so an interrupt ends the
process at once. The task's stop rule is applied here, not sent to the server: the server's own `stop`
would end a response at a newline that comes before the answer has started.
"""
from __future__ import annotations

import math
import re
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, Sequence

from act_dsl.sampling.backends.base import BackendError, Completion, engine_seed, rule_of
from act_dsl.sampling.backends.wire import (MAX_WAIT, Cut, Flight, Retry, checked_key, checked_url, clip,
                                            exchange)
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.guided import server_fields
from act_dsl.sampling.stop import stop_at

RETRIES = 4             # retries after the first try: 5 tries in all
BACKOFF = 0.25          # seconds before the first retry; doubled each time
TIMEOUT = 180.0         # seconds one request may take, retries and waits included (--timeout)
POLL = 0.2              # seconds the main thread sleeps between looks at its requests (see `_gather`)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class OpenAIBackend:
    """Completions from a server at `base_url` (its API root, e.g. http://localhost:8000/v1)."""

    name = "openai"

    def __init__(self, base_url: str, model: str | None, api_key: str | None = None, concurrency: int = 8,
                 *, retries: int = RETRIES, backoff: float = BACKOFF, timeout: float | None = None,
                 run_timeout: float | None = None) -> None:
        self.base_url = checked_url(base_url.rstrip("/"))
        self.api_key = checked_key(api_key)
        self.concurrency = max(1, concurrency)
        self.retries, self.backoff = retries, backoff
        self.timeout = TIMEOUT if timeout is None else timeout
        self.run_timeout = run_timeout
        self._run_end = time.monotonic() + run_timeout if run_timeout else math.inf
        self.requests = 0                 # HTTP requests sent, retries included
        self.retried = 0                  # of which retries
        self.usage_tokens = 0             # completion tokens the server reported
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._flights: set[Flight] = set()
        self._pool = ThreadPoolExecutor(self.concurrency)
        self.model = model if model and model != "default" else self._served_model()

    # ---- the Backend interface -------------------------------------------------------------------
    def format_prompt(self, text: str, chat: str) -> str:
        if chat != "plain":
            raise BackendError("--backend openai sends the prompt as written to /completions; use --chat plain "
                               "(the server's chat template is not applied)")
        return text

    def batch_size(self, cfg: GenConfig) -> int:
        return max(cfg.batch_size, 4 * self.concurrency)

    def order(self, prompts: Sequence[str]) -> list[int]:
        return list(range(len(prompts)))

    def close(self) -> None:
        """Stop: requests in flight are cut at once (their threads end), queued ones never start."""
        self._closed.set()
        with self._lock:
            flights = list(self._flights)
        for flight in flights:
            flight.cut("closed")
        self._pool.shutdown(wait=False, cancel_futures=True)

    def complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, *, greedy: bool = False,
                 seeds: Sequence[int] | None = None) -> list[Completion]:
        rule = rule_of(cfg)
        seeds = list(seeds) if seeds else [cfg.seed] * len(prompts)
        if len(seeds) < len(prompts):  # one seed for the batch: each prompt gets its own from it
            seeds = [seeds[0] + i for i in range(len(prompts))]
        bodies: list[dict[str, Any]] = [
            {"model": self.model, "prompt": p, "n": 1 if greedy else k, "max_tokens": cfg.max_new_tokens,
             "temperature": 0.0 if greedy else cfg.temperature, "top_p": 1.0 if greedy else cfg.top_p,
             "seed": engine_seed(s), **server_fields(cfg.guide)} for p, s in zip(prompts, seeds)]
        replies = self._gather([self._pool.submit(self._post, "/completions", b) for b in bodies])
        return [self._completion(r, b["n"], rule) for r, b in zip(replies, bodies)]

    @staticmethod
    def _gather(futures: list[Any]) -> list[Any]:
        """The futures' results in order, waited for in short timed sleeps. The kernel may hand Ctrl-C to any
        thread, and when a worker blocked on a socket takes it, a main thread in an untimed wait is never woken:
        the interrupt would wait for the request's deadline. A timed wait returns to Python every POLL seconds,
        where the pending KeyboardInterrupt is raised."""
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL, return_when=FIRST_EXCEPTION)
                failed = [f for f in futures if f in done and f.exception() is not None]
                if failed:  # the first failure in prompt order, as before: the others are cancelled below
                    failed[0].result()
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()

    # ---- answers ---------------------------------------------------------------------------------
    def _completion(self, reply: Any, n: int, rule: str | None) -> Completion:
        url = self.base_url + "/completions"

        def bad(why: str) -> BackendError:
            return BackendError(f"{url} answered something that is not a completions response ({why}): "
                                f"{clip(reply)}")
        if not isinstance(reply, dict):
            raise bad("not a JSON object")
        choices = reply.get("choices")
        if not isinstance(choices, list) or not choices:
            raise bad("no `choices` list")
        if len(choices) != n or not all(isinstance(c, dict) for c in choices):
            raise bad(f"{len(choices)} choice(s) for n={n}")
        index = [c.get("index", i) for i, c in enumerate(choices)]
        if sorted(i if _whole(i) else -1 for i in index) != list(range(n)):
            raise bad("the choices' `index` values are not 0 to n-1")
        choices = [c for _, c in sorted(zip(index, choices), key=lambda p: p[0])]
        texts, reasons = [], []
        for i, c in enumerate(choices):
            text, why = c.get("text"), c.get("finish_reason")
            if not isinstance(text, str):
                raise bad(f"choice {i} has no `text`")
            lone = _LONE_SURROGATE.search(text)
            if lone:
                raise bad(f"choice {i}'s text holds a lone surrogate (\\u{ord(lone.group()):04x}), which is not "
                          "Unicode text")
            if why is not None and not isinstance(why, str):
                raise bad(f"choice {i}'s `finish_reason` is not a text")
            texts.append(text)
            reasons.append(why or "stop")
        usage = reply.get("usage")
        if usage is not None and not isinstance(usage, dict):
            raise bad(f"`usage` is {type(usage).__name__}, not an object")
        count = (usage or {}).get("completion_tokens")
        if count is not None and not (_whole(count) and count >= 0):
            raise bad("`usage.completion_tokens` is not a whole number")
        with self._lock:
            self.usage_tokens += count or 0
        per = count if n == 1 else None  # the server counts all n together
        out_t, out_f = [], []
        for text, why in zip(texts, reasons):
            end = stop_at(rule, text) if rule else None
            out_t.append(text if end is None else text[:end])
            out_f.append("stop" if end is not None else ("length" if why == "length" else "stop"))
        return Completion(tuple(out_t), tuple(per for _ in texts), tuple(out_f))

    def _served_model(self) -> str:
        """The first model the server lists (GET /models), for a run that named none."""
        reply = self._request("GET", "/models", None)
        data = reply.get("data") if isinstance(reply, dict) else None
        first = data[0] if isinstance(data, list) and data else None
        name = first.get("id") if isinstance(first, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 1000 or _LONE_SURROGATE.search(name):
            raise BackendError(f"{self.base_url}/models lists no model; pass --model with the served name")
        return name

    # ---- HTTP ------------------------------------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        url = self.base_url + path
        start = time.monotonic()
        deadline = min(start + self.timeout, self._run_end)
        last, tries = "", 0
        for attempt in range(self.retries + 1):
            if self._closed.is_set():
                raise BackendError(f"{url}: stopped (the run was interrupted)")
            if time.monotonic() >= deadline:
                break
            with self._lock:
                self.requests += 1
                self.retried += attempt > 0
            tries += 1
            try:
                return self._once(method, url, body, deadline)
            except Retry as exc:
                last = str(exc)
                if attempt == self.retries:
                    raise BackendError(f"{url}: {last} (gave up after {tries} tries; is the server running at "
                                       f"--base-url {self.base_url}?)") from None
                wait = min(MAX_WAIT, exc.wait if exc.wait is not None else self.backoff * 2 ** attempt)
                if time.monotonic() + wait >= deadline:
                    break
                if self._closed.wait(wait):
                    raise BackendError(f"{url}: stopped (the run was interrupted)") from None
            except Cut:
                if self._closed.is_set():
                    raise BackendError(f"{url}: stopped (the run was interrupted)") from None
                last = "still unanswered at the deadline"
                break
        run_bound = self._run_end <= start + self.timeout
        flag = f"--run-timeout {self.run_timeout:g}" if run_bound else f"--timeout {self.timeout:g}"
        raise BackendError(f"{url}: no complete answer within {flag} s ({tries} tr{'y' if tries == 1 else 'ies'}; "
                           f"last: {last or 'none'}); raise {flag.split()[0]} or check the server")

    def _once(self, method: str, url: str, body: dict[str, Any] | None, deadline: float) -> Any:
        flight = Flight()
        with self._lock:
            self._flights.add(flight)
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), flight.cut, ("deadline",))
        timer.daemon = True
        timer.start()
        try:
            if self._closed.is_set():
                flight.cut("closed")
            return exchange(flight, method, url, body, deadline, home=self.base_url, api_key=self.api_key)
        except Exception:
            if flight.why is not None:  # whatever a shut-down socket raised: the deadline or the stop is why
                raise Cut() from None
            raise
        finally:
            timer.cancel()
            with self._lock:
                self._flights.discard(flight)


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


