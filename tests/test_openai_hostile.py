"""The openai backend against misbehaving servers started here on 127.0.0.1 (bench/hostile/servers.py): every
request ends by its deadline, every protocol failure is a retry or one line naming the server, the API key
stays with its origin, Retry-After is clamped, odd answer shapes are refused, and an interrupt ends `act
sample` at once with its samples file whole and resumable."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from act_dsl.sampling.backends import BackendError
from act_dsl.sampling.backends.openai import OpenAIBackend
from act_dsl.sampling.backends.wire import MAX_WAIT, retry_after
from act_dsl.sampling.config import GenConfig
from conftest import EXAMPLES, ROOT, run_act

sys.path.insert(0, str(ROOT / "bench" / "hostile"))
from servers import HostileServer, wait_until  # noqa: E402

TASK = str(EXAMPLES / "entity_typing" / "task.act")
DATA = str(EXAMPLES / "entity_typing" / "eval.jsonl")
KEY = "sk-hostile-test-0123456789"


def backend(url: str, key: str | None = KEY, **kw: object) -> OpenAIBackend:
    return OpenAIBackend(url, None, key, 2, backoff=0.01, **kw)  # type: ignore[arg-type]


def ask(url: str, **kw: object) -> tuple[str, float]:
    """What one completion request comes to: "ok" or the BackendError's text, and the seconds it took."""
    t0 = time.monotonic()
    b = None
    try:
        b = backend(url, **kw)
        b.complete(["Sentence: hello\nTypes:"], 2, GenConfig())
        return "ok", time.monotonic() - t0
    except BackendError as exc:
        return str(exc), time.monotonic() - t0
    finally:
        if b is not None:
            b.close()


@pytest.mark.parametrize("behaviour,says", [
    ("bad-status", r"not HTTP \(BadStatusLine"),
    ("many-headers", r"not HTTP .*more than 100 headers"),
    ("long-header", r"not HTTP \(LineTooLong"),
    ("cut-body", r"cut off after 20 bytes \(gave up after 5 tries"),
    ("reset", r"reset by peer \(gave up after 5 tries"),
    ("usage-wrong", r"not a completions response \(`usage` is str"),
    ("no-choices", r"not a completions response \(no `choices`"),
    ("surrogate", r"not a completions response \(choice 0's text holds a lone surrogate \(\\ud800\)"),
    ("deep-json", r"not JSON: '\[\[\["),
    ("huge-reply", r"more than 64 MiB"),
    ("models-garbage", r"/models lists no model"),
])
def test_a_misbehaving_server_gives_one_line_naming_it(behaviour: str, says: str) -> None:
    import re
    with HostileServer(behaviour, life_s=30) as server:
        got, took = ask(server.url)
    assert got != "ok" and "\n" not in got and re.search(says, got), got
    assert "127.0.0.1:" in got and took < 5


@pytest.mark.slow
@pytest.mark.parametrize("behaviour", ["trickle-body", "trickle-headers", "silent"])
def test_a_slow_server_is_given_up_at_the_request_deadline(behaviour: str) -> None:
    with HostileServer(behaviour, life_s=30) as server:
        got, took = ask(server.url, timeout=2.0)
    assert "no complete answer within --timeout 2 s" in got and server.url in got
    assert 1.9 < took < 4, took           # one byte every 2 s never resets the clock


def test_the_run_deadline_bounds_a_silent_server_whatever_the_request_timeout() -> None:
    with HostileServer("silent", life_s=30) as server:
        got, took = ask(server.url, timeout=600.0, run_timeout=1.5)
    assert "no complete answer within --run-timeout 1.5 s" in got and 1.4 < took < 3.5, (got, took)


def test_retries_cover_resets_and_a_negative_retry_after() -> None:
    for behaviour in ("flaky-reset", "retry-after-negative"):
        with HostileServer(behaviour, life_s=30) as server:
            got, took = ask(server.url)
        assert got == "ok" and took < 2, (behaviour, got, took)


def test_retry_after_is_clamped_and_never_outlives_the_deadline() -> None:
    assert retry_after("-100") is None and retry_after("nan") is None and retry_after("soon") is None
    assert retry_after("1e12") == MAX_WAIT and retry_after("inf") == MAX_WAIT and retry_after("2") == 2.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None        # a date in the past
    with HostileServer("retry-after-huge", life_s=30) as server:
        got, took = ask(server.url, timeout=3.0)
    assert "HTTP 503" in got and "--timeout 3" in got and took < 1.5, (got, took)


def test_the_api_key_never_follows_a_redirect_to_another_origin() -> None:
    with HostileServer("redirect-away", life_s=30) as server:
        got, _ = ask(server.url)
        assert "redirects to another server" in got and server.other is not None
        assert server.other.seen == []                                # refused before anything was sent there
        assert "ok" == ask(server.url, key=None)[0]                 # no key: followed
        assert [s[2].get("authorization") for s in server.other.seen] == [None]
    with HostileServer("redirect-same", life_s=30) as server:       # the same origin keeps the key
        assert ask(server.url)[0] == "ok"
        assert server.seen[-1][1].startswith("/moved/") and server.seen[-1][2]["authorization"] == f"Bearer {KEY}"


def test_an_api_key_with_a_trailing_line_end_is_stripped_and_one_with_a_control_character_refused() -> None:
    with HostileServer("ok", life_s=30) as server:
        assert ask(server.url, key=KEY + "\r\n")[0] == "ok"
        assert {s[2]["authorization"] for s in server.seen} == {f"Bearer {KEY}"}
        got, _ = ask(server.url, key="sk-ab\ncd")
    assert "U+000A at position 6" in got and "sk-ab" not in got


# `act sample` as a terminal starts it: SIGINT at its default. A process started in the background of a
# non-interactive shell (`pytest ... &`) inherits SIGINT ignored, and Python then keeps ignoring it (as nohup asks).
_INTERRUPTIBLE = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                  "os.execv(sys.executable, [sys.executable, '-m', 'act_dsl', *sys.argv[1:]])")


def sample(out: Path, url: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-c", _INTERRUPTIBLE, "sample", TASK, "--data", DATA, "--out", str(out), "--backend",
           "openai", "--base-url", url, "--model", "m", "-k", "1", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_act_sample_timeout_flag_bounds_a_trickling_server_and_the_key_is_stripped(tmp_path: Path) -> None:
    with HostileServer("trickle-body", life_s=40) as server:
        t0 = time.monotonic()
        proc = sample(tmp_path / "s.jsonl", server.url, "--first", "1", "--timeout", "2", "--api-key-env",
                      "ACT_TEST_KEY", env={"ACT_TEST_KEY": KEY + "\r"})
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - t0
    assert proc.returncode == 2 and took < 15, (proc.returncode, took, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--timeout 2 s" in lines[0] and server.url in lines[0] and KEY not in err
    assert server.seen[0][2]["authorization"] == f"Bearer {KEY}"
    r = run_act("sample", TASK, "--data", DATA, "--out", str(tmp_path / "x.jsonl"), "--timeout", "0")
    assert r.returncode == 2 and "--timeout must be a number of seconds above 0" in r.stderr


@pytest.mark.slow
def test_sigint_ends_act_sample_at_once_and_the_samples_file_resumes(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    with HostileServer("answer-then-silent", life_s=60) as server:
        # PYTHONFAULTHANDLER: if SIGINT does not end it, the SIGABRT below prints where every thread stood
        proc = sample(out, server.url, "--first", "8", "--concurrency", "1", "--batch-size", "4",
                      env={"PYTHONFAULTHANDLER": "1"})
        # the first batch (4 prompts) is answered and written; the fifth request then hangs
        assert wait_until(lambda: server.completions >= 5, 40), proc.communicate(timeout=5)
        assert wait_until(lambda: len(indexes(out)) == 4, 10)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"act sample still ran 30 s after SIGINT; its threads when aborted:\n{err[-6000:]}")
        took = time.monotonic() - t0
    assert proc.returncode == 130 and took < 5, (proc.returncode, took, err)
    assert "interrupted" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8").endswith("\n") and indexes(out) == [0, 1, 2, 3]
    with HostileServer("ok", life_s=60) as server:
        proc = sample(out, server.url, "--first", "8", "--concurrency", "1")
        so, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert server.completions == 4 and "4 prompt(s) sampled (4 already done)" in so
    assert indexes(out) == list(range(8))


def indexes(path: Path) -> list[int]:
    """The prompts a samples file holds, each line strict JSON (a torn line fails here)."""
    if not path.is_file():
        return []
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return sorted(r["index"] for r in rows if "index" in r)


_CTRL_C_TO_A_WORKER = """
import signal, sys, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts it (see _INTERRUPTIBLE)
sys.path.insert(0, sys.argv[1])
from servers import HostileServer, wait_until
from act_dsl.sampling.backends.openai import OpenAIBackend
from act_dsl.sampling.config import GenConfig

with HostileServer("silent", life_s=60) as server:
    b = OpenAIBackend(server.url, "m", None, 1, timeout=40)

    def strike():  # Ctrl-C as the kernel may deliver it: to the worker thread blocked on the silent socket
        wait_until(lambda: server.completions >= 1, 20)
        time.sleep(0.5)
        worker = next(t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor"))
        signal.pthread_kill(worker.ident, signal.SIGINT)
    threading.Thread(target=strike, daemon=True).start()
    t0 = time.monotonic()
    try:
        b.complete(["Sentence: hello\\nTypes:"], 1, GenConfig())
        print("answered")
    except KeyboardInterrupt:
        print(f"interrupted {time.monotonic() - t0:.1f}")
    finally:
        b.close()
"""


def test_ctrl_c_taken_by_a_worker_thread_still_interrupts_at_once() -> None:
    """The kernel hands a process's SIGINT to any of its threads. When the worker reading from a silent server
    took it, the main thread waited for the request's deadline (40 s here; `act sample` ran past the hostile
    corpus's 60 s budget this way in CI) instead of stopping."""
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _CTRL_C_TO_A_WORKER, str(ROOT / "bench" / "hostile")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == 0 and proc.stdout.startswith("interrupted"), (proc.stdout, proc.stderr[-2000:])
    assert float(proc.stdout.split()[1]) < 3 and took < 20, (proc.stdout, took)
