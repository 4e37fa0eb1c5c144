"""`act serve`'s /metrics state is fixed-size: a service scraped rarely (or never) keeps no per-request history, so
a long-lived server's memory does not grow with the requests it answered (issue 26's soak)."""
from __future__ import annotations

import tracemalloc

from act_dsl.serve.metrics import WINDOW, ServeMetrics


def _result(value: object) -> dict:
    return {"csr": 1.0, "values": {"a": value, "b": None}, "invalid": False, "errors": []}


def _shown(metrics: ServeMetrics, name: str) -> float:
    text = metrics.render()[0].decode()
    return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))


def test_the_rate_shows_the_records_of_the_last_window() -> None:
    metrics = ServeMetrics(["a", "b"])
    for _ in range(30):
        metrics.scored([_result(True)] * 4, 0.01)
    assert _shown(metrics, "act_serve_rewards_per_second") == 120 / WINDOW
    assert _shown(metrics, "act_serve_rewards_total") == 120


def test_memory_stays_flat_over_many_requests_never_scraped() -> None:
    metrics = ServeMetrics(["a", "b"])
    for _ in range(2_000):  # warm: every label and slot exists
        metrics.scored([_result(True), _result({"error": "x"})], 0.02)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(50_000):
            metrics.scored([_result(False)], 0.03)
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"{grown:,} bytes kept by 50,000 requests"  # a history would keep megabytes
    assert _shown(metrics, "act_serve_rewards_total") == 2_000 * 2 + 50_000
