"""Prometheus metrics of `act serve`: request latency, rewards and rewards/s, per-constraint pass rates, errors."""
from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

WINDOW = 60  # seconds over which the rewards/s gauge is averaged: one slot per second, a fixed-size ring


class ServeMetrics:
    """One registry per service, so two services in one process (tests) never share counters."""

    def __init__(self, constraints: list[str]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.latency = Histogram("act_serve_score_seconds", "time to score one request's records", registry=r,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.rewards = Counter("act_serve_rewards", "records scored (a CSR or a failure each)", registry=r)
        self.rate = Gauge("act_serve_rewards_per_second", f"records scored per second over the last {WINDOW:g} s",
                          registry=r)
        self.errors = Counter("act_serve_errors", "records or requests that failed, by kind", ["kind"], registry=r)
        self.verifier_errors = Counter("act_serve_verifier_errors", "constraint values that were verifier errors "
                                       "(scored 0)", ["constraint"], registry=r)
        self.applicable = Counter("act_serve_constraint_applicable", "records a constraint applied to",
                                  ["constraint"], registry=r)
        self.passed = Counter("act_serve_constraint_passed", "records a constraint passed (value 1)",
                              ["constraint"], registry=r)
        self.pass_rate = Gauge("act_serve_constraint_pass_rate", "passed / applicable since the service started",
                               ["constraint"], registry=r)
        self.invalid = Counter("act_serve_invalid_answers", "records with an invalid answer", registry=r)
        self.in_progress = Gauge("act_serve_requests_in_progress", "requests being scored now (accepted, not yet "
                                 "answered)", registry=r)
        self._slots = [0] * WINDOW     # records scored in second `_stamps[k]`, k = that second % WINDOW
        self._stamps = [-1] * WINDOW
        self._counts = {c: [0, 0] for c in constraints}
        for c in constraints:  # every constraint shows from the start, at 0
            self.applicable.labels(c)
            self.passed.labels(c)

    def error(self, kind: str, n: int) -> None:
        self.errors.labels(kind).inc(n)

    def scored(self, results: list[dict[str, Any]], seconds: float) -> None:
        self.latency.observe(seconds)
        self.rewards.inc(len(results))
        second = int(time.monotonic())
        k = second % WINDOW
        if self._stamps[k] != second:
            self._stamps[k], self._slots[k] = second, 0
        self._slots[k] += len(results)
        for r in results:
            self.invalid.inc(bool(r.get("invalid")))
            for name, v in r["values"].items():
                if v is None or name not in self._counts:
                    continue
                counts = self._counts[name]
                counts[0] += 1
                self.applicable.labels(name).inc()
                if isinstance(v, dict):
                    self.verifier_errors.labels(name).inc()
                elif float(v) >= 1.0:
                    counts[1] += 1
                    self.passed.labels(name).inc()
                self.pass_rate.labels(name).set(counts[1] / counts[0])

    def render(self) -> tuple[bytes, str]:
        second = int(time.monotonic())
        self.rate.set(sum(n for n, s in zip(self._slots, self._stamps) if second - s < WINDOW) / WINDOW)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
