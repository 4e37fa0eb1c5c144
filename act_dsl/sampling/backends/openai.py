"""The `openai` backend: any OpenAI-compatible /v1/completions server (vLLM, SGLang, llama.cpp's server, a
hosted API), through the standard library only. Sampling only: training needs the weights.

One request per prompt asks for its K responses (`n`); up to `concurrency` requests are in flight. A 429,
a 5xx, a refused connection or a timeout is retried with exponential backoff (honouring Retry-After);
whatever still fails, or a reply that is not a completions response, is a BackendError with one line
naming the server. The task's stop rule is applied here, not sent to the server: the server's own `stop`
would end a response at a newline that comes before the answer has started.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from act_dsl.sampling.backends import BackendError, Completion, engine_seed, rule_of
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.stop import stop_at

RETRIES = 4             # retries after the first try: 5 tries in all
BACKOFF = 0.25          # seconds before the first retry; doubled each time
MAX_WAIT = 8.0          # the longest single wait, Retry-After included
TIMEOUT = 120.0         # seconds for one request
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class _Retry(Exception):
    """A failure worth another try; `wait` is the server's Retry-After when it gave one."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class OpenAIBackend:
    """Completions from a server at `base_url` (its API root, e.g. http://localhost:8000/v1)."""

    name = "openai"

    def __init__(self, base_url: str, model: str | None, api_key: str | None = None, concurrency: int = 8,
                 *, retries: int = RETRIES, backoff: float = BACKOFF, timeout: float = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.concurrency = max(1, concurrency)
        self.retries, self.backoff, self.timeout = retries, backoff, timeout
        self.requests = 0                 # HTTP requests sent, retries included
        self.retried = 0                  # of which retries
        self.usage_tokens = 0             # completion tokens the server reported
        self.model = model if model and model != "default" else self._served_model()
        self._pool = ThreadPoolExecutor(self.concurrency)

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
        self._pool.shutdown(wait=False, cancel_futures=True)

    def complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, *, greedy: bool = False,
                 seeds: Sequence[int] | None = None) -> list[Completion]:
        rule = rule_of(cfg)
        seeds = list(seeds) if seeds else [cfg.seed] * len(prompts)
        if len(seeds) < len(prompts):  # one seed for the batch: each prompt gets its own from it
            seeds = [seeds[0] + i for i in range(len(prompts))]
        bodies: list[dict[str, Any]] = [{"model": self.model, "prompt": p, "n": 1 if greedy else k, "max_tokens": cfg.max_new_tokens,
                   "temperature": 0.0 if greedy else cfg.temperature, "top_p": 1.0 if greedy else cfg.top_p,
                   "seed": engine_seed(s)} for p, s in zip(prompts, seeds)]
        replies = list(self._pool.map(lambda b: self._post("/completions", b), bodies))
        return [self._completion(r, b["n"], rule) for r, b in zip(replies, bodies)]

    # ---- HTTP ------------------------------------------------------------------------------------
    def _completion(self, reply: Any, n: int, rule: str | None) -> Completion:
        try:
            choices = sorted(reply["choices"], key=lambda c: c.get("index", 0))
            texts = [c["text"] for c in choices]
            reasons = [c.get("finish_reason") or "stop" for c in choices]
            if len(texts) != n or not all(isinstance(t, str) for t in texts):
                raise TypeError(f"{len(texts)} choice(s) for n={n}")
            usage = reply.get("usage") or {}
        except (KeyError, TypeError, AttributeError) as exc:
            raise BackendError(f"{self.base_url}/completions answered something that is not a completions "
                               f"response ({exc}): {json.dumps(reply)[:120]}") from None
        if isinstance(usage.get("completion_tokens"), int):
            self.usage_tokens += usage["completion_tokens"]
        per = usage.get("completion_tokens") if n == 1 else None  # the server counts all n together
        out_t, out_f = [], []
        for text, why in zip(texts, reasons):
            end = stop_at(rule, text) if rule else None
            out_t.append(text if end is None else text[:end])
            out_f.append("stop" if end is not None else ("length" if why == "length" else "stop"))
        return Completion(tuple(out_t), tuple(per if isinstance(per, int) else None for _ in texts), tuple(out_f))

    def _served_model(self) -> str:
        """The first model the server lists (GET /models), for a run that named none."""
        reply = self._request("GET", "/models", None)
        try:
            return str(reply["data"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise BackendError(f"{self.base_url}/models lists no model; pass --model with the served name") from None

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        url = self.base_url + path
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.retried += 1
            self.requests += 1
            try:
                return self._once(method, url, body)
            except _Retry as exc:
                last = str(exc)
                if attempt == self.retries:
                    break
                wait = self.backoff * 2 ** attempt
                time.sleep(min(MAX_WAIT, exc.wait if exc.wait is not None else wait))
        raise BackendError(f"{url}: {last} (gave up after {self.retries + 1} tries; is the server running at "
                           f"--base-url {self.base_url}?)")

    def _once(self, method: str, url: str, body: dict[str, Any] | None) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = _detail(exc)
            if exc.code in RETRY_STATUS:
                raise _Retry(f"HTTP {exc.code}{detail}", _retry_after(exc)) from None
            hint = " (--base-url should be the API root, usually ending in /v1)" if exc.code == 404 else ""
            hint = " (check the key in --api-key-env)" if exc.code in (401, 403) else hint
            raise BackendError(f"{url}: HTTP {exc.code}{detail}{hint}") from None
        except urllib.error.URLError as exc:
            raise _Retry(f"cannot connect: {getattr(exc.reason, 'strerror', None) or exc.reason}") from None
        except (ConnectionError, socket.timeout, TimeoutError) as exc:
            raise _Retry(f"connection failed: {exc}") from None
        try:
            return json.loads(raw)
        except ValueError:
            text = raw[:80].decode("utf-8", "replace").replace("\n", " ")
            raise BackendError(f"{url} answered something that is not JSON: {text!r}") from None


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read()[:200].decode("utf-8", "replace").strip().replace("\n", " ")
    except OSError:
        body = ""
    return f": {body}" if body else ""


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    try:
        return float(exc.headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None
