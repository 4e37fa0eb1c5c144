"""Misbehaving OpenAI-compatible servers on 127.0.0.1, for the network cases and tests/test_openai_hostile.py.

Each `HostileServer(behaviour)` serves /v1/models and /v1/completions in a thread and misbehaves as named
(trickles, falls silent, cuts the answer short, answers garbage, redirects elsewhere, sends odd shapes). It is
bounded: at most `max_requests` requests, every handler ends when the server stops, and the server stops by
itself after `life_s` seconds even if nobody closes it.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

#: the behaviours, each in a few words (a behaviour's handler is the method `_b_<name with _ for ->`)
BEHAVIOURS = {
    "ok": "answers every request properly",
    "trickle-body": "sends the headers, then the body one byte every 2 s",
    "trickle-headers": "sends the status line and headers one byte every 2 s",
    "silent": "reads the request and never answers",
    "cut-body": "promises 500 bytes, sends 20 and closes",
    "bad-status": "answers a status line that is not HTTP",
    "many-headers": "answers 150 headers",
    "long-header": "answers a header line of 100 kB",
    "reset": "resets every connection",
    "flaky-reset": "resets the first two connections, then answers",
    "redirect-away": "redirects (307) to a second server on another port, which records the headers it gets",
    "redirect-same": "redirects (307) to another path of itself, which answers",
    "retry-after-negative": "503 with Retry-After: -100 once, then answers",
    "retry-after-huge": "503 with Retry-After: 1e12 every time",
    "usage-wrong": "a `usage` that is a text",
    "no-choices": "an answer without `choices`",
    "surrogate": "a response text holding a lone surrogate",
    "deep-json": "an answer of 100,000 nested `[`",
    "huge-reply": "an answer of 70 MB",
    "models-garbage": "GET /models lists a model whose id is an object",
    "answer-then-silent": "answers the first 4 completions, then never answers",
}


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass   # a client that hung up on a misbehaving answer is the point, not a failure to print


def reply_text(prompt: str, i: int) -> str:
    return f" /type/{abs(hash(prompt)) % 997}/{i}\nmore text the stop rule cuts"


def completions(body: dict[str, Any]) -> dict[str, Any]:
    n = int(body.get("n", 1))
    choices = [{"index": i, "text": reply_text(str(body.get("prompt")), i), "finish_reason": "stop"} for i in range(n)]
    return {"choices": choices, "usage": {"completion_tokens": 3 * n}}


class HostileServer:
    """One misbehaving server; `url` is its API root, `seen` the (method, path, headers) of each request."""

    def __init__(self, behaviour: str, *, life_s: float = 60.0, max_requests: int = 200) -> None:
        assert behaviour in BEHAVIOURS, behaviour
        self.behaviour, self.max_requests = behaviour, max_requests
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.completions = 0
        self.stopped = threading.Event()
        self.other: HostileServer | None = HostileServer("ok", life_s=life_s) if behaviour == "redirect-away" else None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                owner._handle(self, "GET")

            def do_POST(self) -> None:
                owner._handle(self, "POST")

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._timer = threading.Timer(life_s, self.close)
        self._timer.daemon = True
        self._timer.start()

    def __enter__(self) -> "HostileServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.other:
            self.other.close()

    # ---- requests ----------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length)) if length else {}
        self.seen.append((method, h.path, {k.lower(): v for k, v in h.headers.items()}))
        if len(self.seen) > self.max_requests:
            return self._send(h, 503, {"error": "request budget of the test server spent"})
        if h.path.endswith("/models") and method == "GET":
            if self.behaviour == "models-garbage":
                return self._send(h, 200, {"data": [{"id": {"not": "a name"}}]})
            return self._send(h, 200, {"data": [{"id": "hostile-model"}]})
        self.completions += 1
        handler: Callable[[BaseHTTPRequestHandler, dict[str, Any]], None] = getattr(
            self, "_b_" + self.behaviour.replace("-", "_"), self._b_ok)
        handler(h, body)

    def _send(self, h: BaseHTTPRequestHandler, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        h.send_response(code)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _raw(self, h: BaseHTTPRequestHandler, data: bytes) -> None:
        h.close_connection = True
        try:
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:
            pass

    def _drip(self, h: BaseHTTPRequestHandler, data: bytes, every: float = 2.0) -> None:
        """One byte every `every` seconds until the data or the server's life ends."""
        h.close_connection = True
        for i in range(len(data)):
            try:
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()
            except OSError:
                return
            if self.stopped.wait(every):
                return

    def _reset(self, h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()

    def _b_ok(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if h.path.endswith("/completions"):
            self._send(h, 200, completions(body))
        else:
            self._send(h, 404, {"error": f"no {h.path} here"})

    def _b_trickle_body(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        data = json.dumps(completions(body)).encode()
        self._raw(h, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data))
        self._drip(h, data)

    def _b_trickle_headers(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._drip(h, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"z" * 1000)

    def _b_silent(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        h.close_connection = True
        self.stopped.wait()

    def _b_answer_then_silent(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if self.completions <= 4:
            return self._b_ok(h, body)
        self._b_silent(h, body)

    def _b_cut_body(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._raw(h, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                     b'{"choices": [{"text"')

    def _b_bad_status(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._raw(h, b"SPAM SPAM SPAM\r\n\r\n")

    def _b_many_headers(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._raw(h, b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: %d\r\n" % (i, i) for i in range(150)) + b"\r\n{}")

    def _b_long_header(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._raw(h, b"HTTP/1.1 200 OK\r\nX-Long: " + b"x" * 100_000 + b"\r\n\r\n{}")

    def _b_reset(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._reset(h)

    def _b_flaky_reset(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if self.completions <= 2:
            return self._reset(h)
        self._b_ok(h, body)

    def _b_redirect_away(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        assert self.other is not None
        self._send(h, 307, {"moved": True}, {"Location": self.other.url + "/completions"})

    def _b_redirect_same(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if h.path.startswith("/moved/"):
            if "authorization" not in {k.lower() for k in h.headers}:
                return self._send(h, 401, {"error": "no key"})
            return self._send(h, 200, completions(body))
        self._send(h, 307, {"moved": True}, {"Location": "/moved" + h.path})

    def _b_retry_after_negative(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if self.completions == 1:
            return self._send(h, 503, {"error": "busy"}, {"Retry-After": "-100"})
        self._b_ok(h, body)

    def _b_retry_after_huge(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._send(h, 503, {"error": "busy"}, {"Retry-After": "1e12"})

    def _b_usage_wrong(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._send(h, 200, {**completions(body), "usage": "lots"})

    def _b_no_choices(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._send(h, 200, {"object": "text_completion", "usage": {"completion_tokens": 1}})

    def _b_surrogate(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        reply = json.dumps(completions(body)).replace("/type/", "/type/\\ud800", 1)
        self._send(h, 200, reply.encode())

    def _b_deep_json(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._send(h, 200, b"[" * 100_000)

    def _b_huge_reply(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self._send(h, 200, b'{"choices": "' + b"x" * 70_000_000 + b'"}')


class ServerProcess:
    """A HostileServer in a process of its own, for the corpus: a harness thread generating a big input holds
    the GIL, and a server thread of the same process then answers seconds late."""

    def __init__(self, behaviour: str, *, life_s: float = 60.0) -> None:
        import subprocess
        import sys
        assert behaviour in BEHAVIOURS, behaviour
        self.proc = subprocess.Popen([sys.executable, __file__, behaviour, str(life_s)], stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"the {behaviour} server did not start: {self.url!r}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def _serve(behaviour: str, life_s: float) -> None:
    """`python servers.py BEHAVIOUR LIFE_S`: print the API root, serve until terminated or LIFE_S have passed."""
    server = HostileServer(behaviour, life_s=life_s)
    print(server.url, flush=True)
    server.stopped.wait(life_s + 1)
    server.close()


def wait_until(pred: Callable[[], bool], timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


if __name__ == "__main__":
    import sys
    _serve(sys.argv[1], float(sys.argv[2]))
