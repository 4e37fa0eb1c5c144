"""The ASGI app of `act serve` (starlette): routes, limits, the bearer token, and scoring in a pool of processes.

Every protocol's records go through `Service.score`, which splits a request over the workers and gives each part
a deadline: a part that runs out is an error for its records (the request still answers), never a hang."""
from __future__ import annotations

import asyncio
import hmac
import json
import multiprocessing
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from act_dsl.serve import protocols
from act_dsl.serve.metrics import ServeMetrics
from act_dsl.serve.scorer import ServeSettings, bad_record, init_worker, load_graph, score_in_worker


@dataclass(frozen=True)
class Limits:
    """How much one request may ask: its body in bytes, its records, and the seconds its scoring may take."""
    max_body: int = 32 * 1024 * 1024
    max_records: int = 4096
    deadline: float = 60.0


class HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Service:
    """The loaded task and the worker pool (workers=0 scores in threads of this process, for tests and debugging)."""

    def __init__(self, settings: ServeSettings, workers: int = 1, limits: Limits = Limits(),
                 token: str | None = None, none_value: float = 0.0) -> None:
        self.settings, self.workers, self.limits, self.token = settings, workers, limits, token
        self.none_value = none_value
        self.graph, _ = load_graph(settings)  # fails here, before serving, when the file does not check
        self.constraints = [c.name for c in self.graph.constraints]
        self.metrics = ServeMetrics(self.constraints)
        self.pool: Executor | None = None
        self.about: dict[str, Any] = {}   # more for /health (a Ray Serve replica's id)

    def start(self) -> None:
        if self.workers == 0:
            self.pool = ThreadPoolExecutor(max_workers=1)
            return
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=init_worker, initargs=(self.settings,))
        for f in [self.pool.submit(init_worker, self.settings) for _ in range(self.workers)]:
            f.result()  # every worker has loaded the program before the first request

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=False)

    def _parts(self, n: int) -> list[range]:
        """Contiguous parts, one per worker; a task with `group by` is scored whole so its groups stay together."""
        if self.graph.group_keys or n == 0:
            return [range(n)]
        k = max(1, min(max(self.workers, 1), n))
        size = -(-n // k)
        return [range(i, min(n, i + size)) for i in range(0, n, size)]

    async def score(self, records: list[Any]) -> list[dict[str, Any]]:
        if len(records) > self.limits.max_records:
            raise HTTPError(413, f"{len(records)} records in one request; the limit is {self.limits.max_records} "
                                 "(`--max-records`)")
        assert self.pool is not None
        with self.metrics.in_progress.track_inprogress():
            return await self._score(records)

    async def _score(self, records: list[Any]) -> list[dict[str, Any]]:
        assert self.pool is not None
        start = time.perf_counter()
        loop = asyncio.get_running_loop()
        parts = self._parts(len(records))
        futures = [self.pool.submit(score_in_worker, self.settings, [records[i] for i in p]) for p in parts]
        waits = [asyncio.wrap_future(f, loop=loop) for f in futures]
        done, _ = await asyncio.wait(waits, timeout=self.limits.deadline)
        out: list[dict[str, Any]] = []
        for part, fut, w in zip(parts, futures, waits):
            if w in done and w.exception() is None:
                out.extend(w.result())
                continue
            if w in done and isinstance(w.exception(), BrokenProcessPool):
                message, kind = "a scoring worker died; the pool was restarted", "worker"
                self._restart()
            elif w in done:
                message, kind = f"scoring failed: {w.exception()}", "worker"
            else:
                fut.cancel()  # not started yet: never started; running: it ends within the task's work limits
                message, kind = f"the deadline of {self.limits.deadline:g} s ran out before this record was scored", \
                    "deadline"
            self.metrics.error(kind, len(part))
            out.extend(bad_record(message) for _ in part)
        self.metrics.scored(out, time.perf_counter() - start)
        return out

    def _restart(self) -> None:
        old, self.pool = self.pool, None
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)
        self.start()


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body, read up to `limit` bytes (413 past it, whatever Content-Length says)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPError(413, f"the request body is {int(declared)} bytes; the limit is {limit} (`--max-body`)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPError(413, f"the request body is over {limit} bytes, the limit (`--max-body`)")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPError(400, f"the request body is not JSON: {exc}") from None


def build_app(service: Service) -> Starlette:
    inputs = service.graph.input_types

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                if service.token is not None and request.url.path != "/health":
                    given = request.headers.get("authorization", "")
                    if not hmac.compare_digest(given.encode(), f"Bearer {service.token}".encode()):
                        raise HTTPError(401, "a bearer token is needed: `Authorization: Bearer TOKEN`")
                return await handler(request)
            except HTTPError as exc:
                service.metrics.error(f"http_{exc.status}", 1)
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            except protocols.ProtocolError as exc:
                service.metrics.error("http_422", 1)
                return JSONResponse({"error": str(exc)}, status_code=422)
            except Exception as exc:  # a bug: one line for the client and the log, and the service goes on
                service.metrics.error("http_500", 1)
                print(f"act serve: {request.url.path}: {type(exc).__name__}: {exc}", file=sys.stderr)
                return JSONResponse({"error": f"internal error: {type(exc).__name__}: {exc}"}, status_code=500)
        return endpoint

    async def score(request: Request) -> Response:
        body = await read_json(request, service.limits.max_body)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise HTTPError(422, "the body must be a JSON object with a list `records`")
        results = await service.score(body["records"])
        return JSONResponse({"task": service.graph.name, "constraints": service.constraints,
                             "weights": {c.name: c.weight for c in service.graph.constraints}, "results": results})

    async def openrlhf(request: Request) -> Response:
        body = await read_json(request, service.limits.max_body)
        results = await service.score(protocols.openrlhf_records(body, inputs))
        failed = [e for r in results if r.get("failed") for e in r["errors"]]
        if failed:  # OpenRLHF has no per-sample failure: the request fails, and its client leaves them unrewarded
            return JSONResponse({"error": failed[0], "errors": failed}, status_code=422)
        return JSONResponse(protocols.openrlhf_reply(results, service.constraints, service.none_value))

    async def verify(request: Request) -> Response:
        body = await read_json(request, service.limits.max_body)
        results = await service.score([protocols.nemo_record(body, inputs)])
        return JSONResponse(protocols.nemo_reply(body, results[0], service.none_value))

    async def seed_session(request: Request) -> Response:
        await read_json(request, service.limits.max_body)
        return JSONResponse({})  # scoring keeps no session state

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "task": service.graph.name, "workers": service.workers,
                             "constraints": len(service.constraints), **service.about})

    async def metrics(request: Request) -> Response:
        data, content_type = service.metrics.render()
        return Response(data, media_type=content_type)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()  # after uvicorn has answered every accepted request

    routes = [Route("/score", guarded(score), methods=["POST"]),
              Route("/openrlhf", guarded(openrlhf), methods=["POST"]),
              Route("/get_reward", guarded(openrlhf), methods=["POST"]),
              Route("/verify", guarded(verify), methods=["POST"]),
              Route("/seed_session", guarded(seed_session), methods=["POST"]),
              Route("/health", guarded(health), methods=["GET"]),
              Route("/metrics", guarded(metrics), methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)
