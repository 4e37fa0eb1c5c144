"""The byte budget (`max_bytes`): texts and lists built inside quantifiers are counted in bytes as well as items,
so `length(answer + w)` over the words of a long answer is a quick per-response budget result in bounded
memory, never a run killed for memory; the other responses score as before and the user can raise it."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import act_dsl
from act_dsl.scoring.verifier import RunSettings, Verifier
from act_dsl.ops.limits import Limits
from act_dsl.ops.values import ErrorValue
from conftest import ROOT

CONCAT = ("task t {\n  output answer: text = strip(response)\n"
          "  constraint grows = all w in words(answer): length(answer + w) > length(w)\n}\n")
TWO = ("task t {\n  output answer: text = strip(response)\n"
       "  constraint one = all w in words(answer): length(answer + w) > 0\n"
       "  constraint two = all w in words(answer): length(w + answer) > 0\n}\n")


def answer(words: int) -> str:
    return " ".join(f"word{i}" for i in range(words))


def values(program: str, responses: list[str], limits: Limits | None = None) -> list[dict]:
    graph = act_dsl.loads(program, strict=True).graph()
    raw = Verifier(graph, RunSettings(limits=limits or Limits())).executor().constraint_values([{"response": r} for r in responses])
    return [{name: col[i] for name, col in raw.items()} for i in range(len(responses))]


def test_a_text_built_per_element_of_a_long_answer_reaches_the_byte_budget_quickly() -> None:
    big = answer(30_000)                                     # 269 kB, 30,000 words: 8 GB of `answer + w`
    t0 = time.monotonic()
    got = values(CONCAT, ["a short answer", big, "another one"])
    took = time.monotonic() - t0
    assert got[0]["grows"] is True and got[2]["grows"] is True
    err = got[1]["grows"]
    assert isinstance(err, ErrorValue) and "max_bytes" in str(err) and "50,000,000 bytes" in str(err)
    assert took < 5, took
    # the same response alone, and in another batch, gets the same result
    assert str(values(CONCAT, [big])[0]["grows"]) == str(err)


def test_raising_max_bytes_lets_a_larger_answer_be_scored() -> None:
    mid = answer(2_000)                                      # 2,000 x 18 kB = 37 MB of texts
    assert isinstance(values(CONCAT, [mid], Limits(max_bytes=10_000_000))[0]["grows"], ErrorValue)
    assert values(CONCAT, [mid], Limits(max_bytes=60_000_000))[0]["grows"] is True
    assert Limits.parse(["max_bytes=1_000"]).max_bytes == 1000


def test_what_one_quantifier_built_is_given_back_before_the_next() -> None:
    mid = answer(1_000)                                      # each quantifier builds 1,000 x 9 kB = 9 MB
    got = values(TWO, [mid], Limits(max_bytes=12_000_000))[0]
    assert got == {"one": True, "two": True}                 # 18 MB in all, never more than 9 MB at once
    got = values(TWO, [mid], Limits(max_bytes=5_000_000))[0]
    assert all(isinstance(v, ErrorValue) for v in got.values())


def _cap_memory() -> None:
    cap = 1_500 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def test_act_score_over_the_issue_s_answer_stays_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "t.act").write_text(CONCAT)
    rows = [{"response": answer(30_000)}, {"response": "fine words here"}]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = subprocess.run([sys.executable, "-m", "act_dsl", "score", "t.act", "--data", "data.jsonl"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, preexec_fn=_cap_memory,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "MemoryError" not in r.stderr and "Traceback" not in r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert "max_bytes" in json.dumps(lines[0]) and lines[1]["csr"] == 1.0
    assert "data.jsonl:1" in r.stderr and "max_bytes" in r.stderr
