"""Round 3 guards that are not about one file kind (issue 27): budgets counted in bytes as well as items, and the
`act` command's last line of defence. What must hold: `length(answer + w)` over the words of a 269 kB answer is
a per-response budget error in bounded memory and time (it exhausted memory and killed the run), its batch
scored normally; an internal error is one line naming the command and a log file, exit 70, no traceback."""
from __future__ import annotations

import json

from spec import Case, Gen, generator, jl, task

CONCAT = task("  constraint grows = all w in words(answer): length(answer + w) > length(w)\n")
REPLACE = task('  constraint kept = all w in words(answer): length(replace(answer, w, "")) < length(answer)\n')
SPLIT = task('  constraint many = all w in words(answer): count(split(answer + " " + w, " ")) > 1\n')


@generator
def long_answer_then_fine(words: int) -> bytes:
    """A long answer of distinct words between two ordinary ones."""
    big = " ".join(f"word{i}" for i in range(words))
    return (jl({"response": "a fine answer"}) + json.dumps({"response": big}) + "\n"
            + jl({"response": "another fine one"})).encode()


def budget(cid: str, program: str, why: str, words: int = 30_000) -> Case:
    return Case(cid, "huge", why, ("score", "task.act", "--data", "data.jsonl", "--out", "out.jsonl", "--format",
                                   "json"),
                {"task.act": program, "data.jsonl": Gen.of("long_answer_then_fine", words=words)},
                has=(r"max_bytes",), values={1: {"csr": 1.0}, 3: {"csr": 1.0}}, errors_counted=True,
                time_s=15, mem_mb=400)


CASES = [
    budget("bytes-concat-269kb", CONCAT, "length(answer + w) over the 30,000 words of a 269 kB answer"),
    budget("bytes-replace-269kb", REPLACE, "replace(answer, w, \"\") for every word of a 269 kB answer"),
    budget("bytes-split-of-concat", SPLIT, "a list built from answer + w for every word of a 269 kB answer"),
    Case("crash-guard-one-line", "cli", "an internal error (ACT_CRASH_TEST): one line, a log file, exit 70",
         ("lint", "task.act"), {"task.act": task("")}, exit=(70,), env={"ACT_CRASH_TEST": "lint"},
         has=(r"(?m)^act lint: internal error \(SelfTestCrash: .*the traceback is in \S+crash-\S+\.log; please report",),
         lacks=(r"Traceback",)),
]
