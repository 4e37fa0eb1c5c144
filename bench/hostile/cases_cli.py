"""Abuse of the command line: --out that is an input or cannot be written, runs killed mid-way, --line
beyond the file or on a bad line, devices instead of files, and usage mistakes."""
from __future__ import annotations

from spec import LINE2, PREVIOUS, SKIP, Case, Dir, Fifo, Gen, Link, Ref, jl, score

CTX = Ref("ctx.act")
DATA = Ref("ctx.jsonl")
FILES = {"task.act": CTX, "data.jsonl": DATA}
GOOD = '{"context": "The cat sat on the mat .", "response": "the cat"}\n'


def trace(line: str, data: str | bytes) -> tuple[tuple, dict]:
    return ("trace", "task.act", "--data", "data.jsonl", "--line", line), {"task.act": CTX, "data.jsonl": data}


def refused_out(cid: str, why: str, out: str, extra: dict | None = None, keep: tuple = ("data.jsonl",)) -> Case:
    """--out that is the input, or cannot be written: refused before scoring, nothing changed."""
    return Case(cid, "cli", why, score("--out", out), {**FILES, **(extra or {})}, exit=(2,), untouched=keep)


def bad_second_line(bad: bytes) -> bytes:
    return GOOD.encode() + bad + b"\n" + GOOD.encode()


CASES = [
    # ---- --out: never the input, checked before scoring, complete or untouched -------------------------
    refused_out("cli-out-is-data", "--out equal to --data", "data.jsonl"),
    refused_out("cli-out-is-data-dotslash", "--out ./data.jsonl beside --data data.jsonl", "./data.jsonl"),
    refused_out("cli-out-is-data-absolute", "--out as the absolute path of --data", "{work}/data.jsonl"),
    refused_out("cli-out-symlink-to-data", "--out a symlink to --data", "out.jsonl", {"out.jsonl": Link("data.jsonl")}),
    refused_out("cli-out-hardlink-to-data", "--out a hard link to --data", "out.jsonl",
                {"out.jsonl": Link("data.jsonl", hard=True)}),
    refused_out("cli-out-is-act-file", "--out equal to the .act file", "task.act", keep=("task.act", "data.jsonl")),
    refused_out("cli-out-under-a-file", "--out whose folder is a file", "data.jsonl/out.jsonl"),
    refused_out("cli-out-is-folder", "--out naming a folder", "outdir", {"outdir": Dir()}),
    refused_out("cli-out-in-proc", "--out in /proc (not writable)", "/proc/version/out.jsonl"),
    Case("cli-out-checked-before-scoring", "cli", "an unwritable --out with slow data: refused at once",
         score("--out", "data.jsonl/out.jsonl"),
         {"task.act": CTX, "data.jsonl": Gen.of("context_answer", ctx_kb=1000, ans_kb=20, copy=False)},
         exit=(2,), time_s=4, untouched=("data.jsonl",)),
    Case("cli-out-missing-folder", "cli", "--out in a folder that does not exist", score("--out", "new/out.jsonl"),
         FILES, exit=(0, 2)),
    Case("cli-out-previous-bad-data", "cli", "a bad line under --on-error fail leaves the earlier output",
         score("--out", "out.jsonl"), {"task.act": CTX, "data.jsonl": bad_second_line(b"{not json")},
         exit=(1,), has=(LINE2,), previous={"out.jsonl": PREVIOUS}),
    Case("cli-out-previous-lint-error", "cli", "a program with errors leaves the earlier output",
         score("--out", "out.jsonl"), {"task.act": "task t { constraint c = }\n", "data.jsonl": DATA},
         exit=(1,), previous={"out.jsonl": PREVIOUS}),
    Case("cli-out-previous-replaced", "cli", "a successful run replaces the earlier output whole",
         score("--out", "out.jsonl", *SKIP), {"task.act": CTX, "data.jsonl": bad_second_line(b"{oops")},
         previous={"out.jsonl": PREVIOUS}, values={1: {"csr": 1.0}, 3: {"csr": 1.0}}),
    Case("cli-out-killed", "cli", "SIGKILL 1.5 s into a 300,000-line run: earlier output or complete new one",
         score("--out", "out.jsonl"), {"task.act": CTX, "data.jsonl": Gen.of("many_records", n=300_000)},
         previous={"out.jsonl": PREVIOUS}, kill_after=1.5, time_s=20, mem_mb=1500),
    # ---- act trace --line ----------------------------------------------------------------------------
    Case("cli-trace-line-beyond", "cli", "--line 99 of a 3-line file", *trace("99", DATA), exit=(2,),
         has=(r"\b99\b",)),
    Case("cli-trace-line-zero", "cli", "--line 0", *trace("0", DATA), exit=(2,)),
    Case("cli-trace-line-negative", "cli", "--line -3", *trace("-3", DATA), exit=(2,)),
    Case("cli-trace-line-huge", "cli", "--line 10^30", *trace("1" + "0" * 30, DATA), exit=(2,)),
    Case("cli-trace-line-not-number", "cli", "--line two", *trace("two", DATA), exit=(2,)),
    Case("cli-trace-bad-line", "cli", "--line 2 naming a bad line", *trace("2", bad_second_line(b"{oops")),
         exit=(1, 2), has=(LINE2,)),
    Case("cli-trace-line1-digits-on-2", "cli", "--line 1 when line 2 holds a 5,000-digit number",
         *trace("1", bad_second_line(b'{"context": "a", "response": "a", "n": 1' + b"0" * 5000 + b"}")),
         has=(r"csr",)),
    Case("cli-trace-line1-deep-on-2", "cli", "--line 1 when line 2 is nested 100,000 deep",
         *trace("1", bad_second_line(b'{"context": "a", "response": "a", "x": ' + b"[" * 100_000 + b"]" * 100_000
                                     + b"}")), has=(r"csr",)),
    Case("cli-trace-line1-surrogate-on-2", "cli", "--line 1 when line 2 holds a lone surrogate",
         *trace("1", bad_second_line(b'{"context": "a", "response": "\\ud800"}')), has=(r"csr",)),
    Case("cli-trace-line1-latin1-on-2", "cli", "--line 1 when line 2 is not UTF-8",
         *trace("1", bad_second_line(b'{"context": "caf\xe9", "response": "a"}')), has=(r"csr",)),
    Case("cli-trace-surrogate-line", "cli", "--line 2 on a record with a lone surrogate",
         *trace("2", bad_second_line(b'{"context": "a \\udfff b", "response": "a \\ud800"}')), exit=(0, 1, 2)),
    # ---- devices and odd files in place of inputs ------------------------------------------------------
    Case("cli-lint-dev-zero", "cli", "`act lint /dev/zero`", ("lint", "/dev/zero"), exit=(2,), time_s=5,
         mem_mb=300),
    Case("cli-lint-dev-urandom", "cli", "`act lint /dev/urandom`", ("lint", "/dev/urandom"), exit=(2,), time_s=5,
         mem_mb=300),
    Case("cli-lint-dev-null", "cli", "`act lint /dev/null`", ("lint", "/dev/null"), exit=(2,)),
    Case("cli-test-dev-zero", "cli", "`act test /dev/zero`", ("test", "/dev/zero"), exit=(1, 2), time_s=5,
         mem_mb=300),
    Case("cli-compile-dev-zero", "cli", "`act compile /dev/zero`", ("compile", "/dev/zero"), exit=(1, 2),
         time_s=5, mem_mb=300),
    Case("cli-score-task-dev-zero", "cli", "`act score /dev/zero`", score(task="/dev/zero"), FILES, exit=(1, 2),
         time_s=5, mem_mb=300),
    Case("cli-score-data-dev-zero", "cli", "--data /dev/zero (one endless line)", score(data="/dev/zero"),
         {"task.act": CTX}, exit=(1, 2), time_s=10, mem_mb=600),
    Case("cli-score-data-dev-urandom", "cli", "--data /dev/urandom", score(data="/dev/urandom"),
         {"task.act": CTX}, exit=(1, 2), time_s=10, mem_mb=600),
    Case("cli-score-data-dev-null", "cli", "--data /dev/null", score(data="/dev/null"), {"task.act": CTX},
         exit=(1, 2), has=(r"(?i)empty|no records",)),
    Case("cli-score-data-is-act", "cli", "--data naming the .act file", score(data="task.act"), {"task.act": CTX},
         exit=(1,), has=(r"task\.act:\d+",)),
    Case("cli-score-act-is-data", "cli", "the data file given as the .act file", score(task="data.jsonl"), FILES,
         exit=(1, 2)),
    Case("cli-score-missing-data", "cli", "--data naming nothing", score(data="nope.jsonl"), {"task.act": CTX},
         exit=(1, 2), has=(r"nope\.jsonl",)),
    Case("cli-max-chars-zero", "cli", "--max-chars 0", score("--max-chars", "0"), FILES, exit=(1, 2)),
    Case("cli-reference-date-words", "cli", "--reference-date yesterday", score("--reference-date", "yesterday"),
         FILES, exit=(2,)),
    # ---- usage mistakes -------------------------------------------------------------------------------
    Case("cli-unknown-task", "cli", "--task naming no task", score("--task", "nope"), FILES, exit=(2,),
         has=(r"nope",)),
    Case("cli-two-tasks-no-flag", "cli", "two tasks and no --task", score(),
         {"task.act": "task a { output y: text = strip(response)\n constraint c = count(words(y)) >= 1 }\n"
                      "task b { output y: text = strip(response)\n constraint c = count(words(y)) >= 1 }\n",
          "data.jsonl": DATA}, exit=(2,)),
    Case("cli-test-ran-nothing", "cli", "`act test` of a file without examples must not pass silently",
         ("test", "task.act"), {"task.act": CTX}, exit=(1, 2)),
    Case("cli-explain-100k", "cli", "`act explain` of a 100,000-character code", ("explain", "ACT" + "9" * 100_000),
         exit=(2,)),
    Case("cli-lint-1000-missing", "cli", "`act lint` of 1,000 missing paths",
         ("lint", *[f"m{i}.act" for i in range(1000)]), exit=(2,)),
    Case("cli-no-args", "cli", "`act` alone", (), exit=(2,)),
    Case("cli-unknown-option", "cli", "an unknown option", ("score", "--frobnicate"), exit=(2,)),
    Case("cli-lint-json-unreadable", "cli", "`act lint --format json` of a non-UTF-8 file: still JSON",
         ("lint", "--format", "json", "task.act"), {"task.act": b"task t { doc \"caf\xe9\" }\n"}, exit=(2,),
         json_stdout=True),
    Case("cli-lint-sarif-loop", "cli", "`act lint --format sarif` of a symlink loop: still JSON",
         ("lint", "--format", "sarif", "loop.act"), {"loop.act": Link("loop.act")}, exit=(2,), json_stdout=True),
    Case("cli-lint-json-fifo", "cli", "`act lint --format json` of a FIFO: still JSON, no hang",
         ("lint", "--format", "json", "x.act"), {"x.act": Fifo()}, exit=(2,), json_stdout=True,
         time_s=5),
    Case("cli-score-surrogate-stdout-json", "cli", "a lone surrogate echoed in JSON output on stdout",
         score("--format", "json", *SKIP), {"task.act": CTX, "data.jsonl": GOOD + jl(
             {"context": "x", "response": "y", "id": "\ud800"})}, values={1: {"csr": 1.0}}),
]
