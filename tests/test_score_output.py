"""What `act score`, `trace`, `test` and `sample` leave behind: an output that survives a kill, never the
input overwritten, strict JSON, errors named by their line, and exit statuses that say what happened."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_act

TASK = """\
task fast {
  input q: text
  output a: text = strip(response)
  constraint short = count(words(a)) <= 3
  constraint pattern = matches(a, q)
}
"""


def _records(lines: list[dict | str]) -> str:
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)


@pytest.fixture
def task(tmp_path: Path) -> Path:
    (tmp_path / "task.act").write_text(TASK)
    (tmp_path / "data.jsonl").write_text(_records([{"q": "^a", "response": "a b"}, {"q": "b", "response": "b"}]))
    return tmp_path


def _strict_json(text: str):
    def no_nan(name: str):
        raise AssertionError(f"bare {name} in the output: not JSON")
    return [json.loads(x, parse_constant=no_nan) for x in text.splitlines() if x.strip()]


def _stray(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


# ---- --out: replaced whole, never the input, checked first --------------------------------------
def test_out_replaces_an_earlier_output_whole_and_keeps_links_and_mode(task: Path) -> None:
    out = task / "scores.jsonl"
    out.write_text("an earlier output\n")
    out.chmod(0o640)
    os.symlink("scores.jsonl", task / "latest.jsonl")
    r = run_act("score", str(task / "task.act"), "--data", str(task / "data.jsonl"), "--out",
                str(task / "latest.jsonl"))
    assert r.returncode == 0, r.stderr
    rows = _strict_json(out.read_text())
    assert [row["line"] for row in rows] == [1, 2] and rows[0]["csr"] == 1.0
    assert (task / "latest.jsonl").is_symlink() and out.stat().st_mode & 0o777 == 0o640
    assert _stray(task) == []


@pytest.mark.parametrize("how", ["same path", "other spelling", "symlink", "hard link"])
def test_out_that_is_the_data_file_is_refused_and_the_data_kept(task: Path, how: str) -> None:
    data = task / "data.jsonl"
    before = data.read_bytes()
    out = {"same path": str(data), "other spelling": str(task / "." / "data.jsonl"),
           "symlink": str(task / "link.jsonl"), "hard link": str(task / "hard.jsonl")}[how]
    if how == "symlink":
        os.symlink("data.jsonl", out)
    if how == "hard link":
        os.link(data, out)
    r = run_act("score", str(task / "task.act"), "--data", str(data), "--out", out)
    assert r.returncode == 2 and "is the same file as the input" in r.stderr and "Traceback" not in r.stderr
    assert data.read_bytes() == before and _stray(task) == []


@pytest.mark.slow
def test_out_that_cannot_be_written_is_refused_before_scoring(task: Path) -> None:
    # a bad data line would stop scoring with exit 1: exit 2 and the --out message show the check came first
    (task / "data.jsonl").write_text("not json\n")
    if os.geteuid() == 0:  # root writes through permissions: /sys refuses new files even to root
        folder = Path("/sys")
        assert not os.access(folder / "x", os.F_OK)
    else:
        folder = task / "locked"
        folder.mkdir()
        folder.chmod(0o500)
    for out, words in [(folder / "scores.jsonl", "cannot write in the folder"),
                       (task / "missing" / "scores.jsonl", "does not exist"),
                       (task / ("x" * 300 + ".jsonl"), "the file name is too long"),
                       (task / "task.act" / "scores.jsonl", "a part of the path is not a folder"),
                       (task, "is a folder")]:
        r = run_act("score", str(task / "task.act"), "--data", str(task / "data.jsonl"), "--out", str(out))
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert not (folder / "scores.jsonl").exists()


def test_output_lines_never_hold_a_bare_nan() -> None:
    # weights are capped (ACT203) and the reader refuses NaN and 1e999, so no NaN reaches the writer from a
    # file today; the writer still turns any that appears later into null rather than write invalid JSON
    from act_dsl.safe_files import json_line
    line = json_line({"line": 3, "csr": float("nan"), "constraints": {"a": float("inf"), "b": [float("-inf"), 0.5]}})
    assert _strict_json(line) == [{"line": 3, "csr": None, "constraints": {"a": None, "b": [None, 0.5]}}]


@pytest.mark.slow
def test_json_summary_is_strict_json_when_no_response_scores(task: Path) -> None:
    (task / "data.jsonl").write_text(_records(["not json"]))
    r = run_act("score", str(task / "task.act"), "--data", str(task / "data.jsonl"), "--on-error", "skip",
                "--format", "json", "--out", str(task / "o.jsonl"))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout, parse_constant=lambda name: pytest.fail(f"bare {name} in the summary"))
    assert summary["mean_csr"] is None and summary["skipped"] == 1
    assert _strict_json((task / "o.jsonl").read_text()) == [
        {"line": 1, "error": "not valid JSON (Expecting value at column 1)"}]  # the skipped line, with its error


# ---- verifier errors: named by line; --strict fails on them -------------------------------------
@pytest.mark.slow
def test_errors_are_listed_with_their_data_line_and_strict_exits_1(task: Path) -> None:
    data = task / "data.jsonl"
    data.write_text(_records([{"q": "a", "response": "a"}, "", "not json", {"q": "[", "response": "b"}]))
    args = ["score", str(task / "task.act"), "--data", str(data), "--on-error", "skip"]
    r = run_act(*args)
    assert r.returncode == 0, r.stderr
    assert f"error in `pattern` on {data}:4:" in r.stderr  # line 4 of the file, not "response 2"
    r = run_act(*args, "--strict")
    assert r.returncode == 1 and "1 verifier error(s); failing because of --strict" in r.stderr
    summary = json.loads(run_act(*args, "--format", "json").stderr.split("\n", 1)[1])
    assert summary["errors"] == 1 and summary["first_errors"][0]["line"] == 4
    data.write_text(_records([{"q": "a", "response": "a"}]))
    r = run_act(*args, "--strict")
    assert r.returncode == 0 and "Traceback" not in r.stderr


# ---- trace, test, sample -----------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("bad", ["not json", '{"q": 3, "response": "b"}', '{"q": "a", "response": "\\ud800"}',
                                 '{"q": ' + "[" * 5000 + "]" * 5000 + ', "response": "a"}',
                                 '{"q": "a", "response": ' + "9" * 5000 + "}"])
def test_trace_works_on_a_good_line_when_another_line_is_bad(task: Path, bad: str) -> None:
    (task / "data.jsonl").write_text(_records([{"q": "^a", "response": "a b"}, bad]))
    r = run_act("trace", str(task / "task.act"), "--data", str(task / "data.jsonl"), "--line", "1")
    assert r.returncode == 0 and "task fast, line 1" in r.stdout and "csr = 1.000" in r.stdout, r.stderr
    assert "1 other bad line(s)" in r.stderr
    r = run_act("trace", str(task / "task.act"), "--data", str(task / "data.jsonl"), "--line", "2")
    assert r.returncode == 2 and f"{task / 'data.jsonl'}:2:" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_act_test_fails_when_no_expectation_ran(task: Path) -> None:
    r = run_act("test", str(task / "task.act"))
    assert r.returncode == 1 and "no expectation ran" in r.stderr and "0 passed, 0 failed" in r.stdout
    example = '  example "short" {\n    q = "a"\n    response = "a"\n    expect short = true\n  }\n'
    text = TASK.rstrip()[:-1] + example + "}\n"
    (task / "task.act").write_text(text)
    r = run_act("test", str(task / "task.act"))
    assert r.returncode == 0 and "1 passed, 0 failed" in r.stdout, r.stdout + r.stderr


def test_sample_takes_n_for_the_number_of_responses(tmp_path: Path, tiny_model: Path) -> None:
    (tmp_path / "t.act").write_text(TASK.replace("  constraint short", '  prompt "Q: {q}\\nA:"\n  constraint short'))
    (tmp_path / "p.jsonl").write_text(_records([{"q": "one"}, {"q": "two"}]))
    out = tmp_path / "s.jsonl"  # `-k` is exercised by test_training.py; `-n` is the same option
    r = run_act("sample", str(tmp_path / "t.act"), "--data", str(tmp_path / "p.jsonl"), "--model",
                str(tiny_model), "-n", "2", "--max-new-tokens", "4", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert [len(json.loads(x)["responses"]) for x in out.read_text().splitlines()] == [2, 2]


# ---- the fault test ----------------------------------------------------------------------------
KILLS = 20


def _start(task: Path, data: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "act_dsl", "score", str(task), "--data", str(data),
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_the_old_output_or_the_complete_new_one(tmp_path: Path) -> None:
    """100,000 records; `act score --out F` is SIGKILLed 20 times at seeded random moments. F must each
    time be byte-identical to the earlier complete output or to the complete new one, never a part."""
    task = tmp_path / "task.act"
    task.write_text("task fast {\n  output a: text = response\n  constraint short = count(words(a)) <= 3\n}\n")
    data, small, out = tmp_path / "data.jsonl", tmp_path / "small.jsonl", tmp_path / "scores.jsonl"
    rows = [{"response": "yes" if i % 3 else "no, not at all"} for i in range(100_000)]
    data.write_text(_records(rows))
    small.write_text(_records(rows[:1000]))
    assert run_act("score", str(task), "--data", str(small), "--out", str(out)).returncode == 0
    old = out.read_bytes()
    # one complete run: the new output, how long a run takes here, and when it starts writing F's new copy
    start, write_s = time.monotonic(), None
    proc = _start(task, data, out)
    while proc.poll() is None and time.monotonic() - start < 300:
        if write_s is None and any(tmp_path.glob(".scores.jsonl.*.partial")):
            write_s = time.monotonic() - start
        time.sleep(0.005)
    assert proc.wait(timeout=1) == 0
    run_s = time.monotonic() - start
    write_s = write_s or 0.7 * run_s
    new = out.read_bytes()
    assert new != old and new.count(b"\n") == 100_000
    # stratified seeded moments: half over the whole run (reading, scoring, writing), half over the part
    # where the new copy is written, synced and renamed into place (and a little past the end)
    rng = random.Random(1234)
    half = KILLS // 2
    delays = [(k + rng.random()) * run_s * 1.05 / half for k in range(half)]
    delays += [write_s + (k + rng.random()) * (run_s * 1.05 - write_s) / half for k in range(KILLS - half)]
    outcome = {"old": 0, "new": 0, "mid-write": 0}
    for delay in delays:
        out.write_bytes(old)
        proc = _start(task, data, out)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        got = out.read_bytes()
        assert got in (old, new), f"after a kill at {delay:.2f}s F holds {len(got)} bytes: neither the old " \
                                  f"({len(old)}) nor the new ({len(new)}) output"
        outcome["old" if got == old else "new"] += 1
        for stray in tmp_path.glob(".scores.jsonl.*.partial"):  # left by a kill while the new file was written
            outcome["mid-write"] += 1
            stray.unlink()
    print(f"\none run {run_s:.2f}s, writing from {write_s:.2f}s; after {KILLS} kills F was the old output "
          f"{outcome['old']} times and the new one {outcome['new']} times; {outcome['mid-write']} kill(s) landed "
          "while the new file was written")
