"""The command line and the Python API as documented (issue 22): one output line per input line under
`--on-error skip`, exit 2 for a `--data` that is missing or a folder in every data command, empty responses in the
JSON summary, and `reference_date=` taking a date or "YYYY-MM-DD" and refusing anything else."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
from pathlib import Path

import pytest

import act_dsl
from conftest import run_act

TASK = """
task t {
  input q: text
  output a: text = strip(response)
  prompt "Q: {q}\\nA:"
  constraint short = count(words(a)) <= 3
  constraint echoes = q in a
}
"""
# `make test-fast` forbids torch, so the commands that need it are left out there
TRAIN_EXTRA = not os.environ.get("ACT_TEST_FAST") and importlib.util.find_spec("torch") is not None


@pytest.fixture
def task(tmp_path: Path) -> Path:
    (tmp_path / "t.act").write_text(TASK)
    return tmp_path


def test_a_skipped_line_gets_its_own_output_line_with_its_error(task: Path) -> None:
    data = task / "d.jsonl"
    data.write_text('{"q": "x", "response": "x y"}\n{"q": 3, "response": "x"}\nnot json\n\n'
                    '{"q": "z", "response": "z"}\n')
    out = task / "o.jsonl"
    r = run_act("score", str(task / "t.act"), "--data", str(data), "--on-error", "skip", "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3, 5]  # every record line, in order (line 4 is blank)
    assert rows[0]["csr"] == 1.0 and rows[3]["csr"] == 1.0
    assert set(rows[1]) == {"line", "error"} and "input `q`" in rows[1]["error"] and "number 3" in rows[1]["error"]
    assert set(rows[2]) == {"line", "error"} and "not valid JSON" in rows[2]["error"]


DATA_COMMANDS = [("score",), ("trace", "--line", "1"), ("probe",), ("probe", "--samples", "BAD")]
if TRAIN_EXTRA:
    DATA_COMMANDS += [("sample", "--out", "OUT", "-n", "1"), ("eval",), ("train", "--eval-data", "GOOD")]


@pytest.mark.parametrize("command", DATA_COMMANDS, ids=lambda c: "-".join(x for x in c if x[0] != "-" and x.isalpha()))
@pytest.mark.parametrize("what", ["missing", "folder"])
def test_a_data_file_that_is_missing_or_a_folder_is_a_usage_error(task: Path, command: tuple, what: str) -> None:
    good = task / "good.jsonl"
    good.write_text('{"q": "x"}\n')
    bad = task / ("nope.jsonl" if what == "missing" else "folder")
    if what == "folder":
        bad.mkdir()
    extra = [str(task / "o.jsonl") if a == "OUT" else str(good) if a == "GOOD" else str(bad) if a == "BAD" else a
             for a in command[1:]]
    data = good if "BAD" in command else bad  # `act probe --samples BAD`: the samples file is the bad one
    r = run_act(command[0], str(task / "t.act"), "--data", str(data), *extra)
    assert r.returncode == 2, (r.returncode, r.stderr)
    words = "no such file" if what == "missing" else "is a folder"
    assert words in r.stderr and str(bad) in r.stderr and "Traceback" not in r.stderr


def test_the_json_summary_counts_empty_responses(task: Path) -> None:
    data = task / "d.jsonl"
    data.write_text('{"q": "x", "response": "x"}\n{"q": "x", "response": "  "}\n{"q": "x", "response": ""}\n')
    r = run_act("score", str(task / "t.act"), "--data", str(data), "--format", "json", "--out", str(task / "o.jsonl"))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["empty_responses"] == 2 and summary["responses"] == 3 and summary["invalid"] == 0
    assert summary["mean_csr"] == pytest.approx(1 / 3)


# ---- reference_date in the Python API ------------------------------------------------------------------
RELATIVE = """
task r {
  input q: text
  output a: text = strip(response)
  prompt "{q}"
  constraint in_2011 = within(timespan(a), timespan("2011"))
}
"""


def test_reference_date_text_is_read_as_the_day_it_names() -> None:
    program = act_dsl.loads(RELATIVE, strict=True)
    rows = [{"q": "when?", "response": "last year"}]
    assert program.score(rows).values[0]["in_2011"] is False                   # read against 2026-01-01
    assert program.score(rows, reference_date="2012-05-01").values[0]["in_2011"] is True
    assert program.score(rows, reference_date=dt.date(2012, 5, 1)).values[0]["in_2011"] is True
    reward = program.reward_function(reference_date="2012-05-01")
    assert reward(completions=["last year", "in 1990"], q=["when?", "when?"]) == [1.0, 0.0]


@pytest.mark.parametrize("bad, error", [("garbage", ValueError), ("2012-13-01", ValueError),
                                        ("01/05/2012", ValueError), (20120501, TypeError),
                                        (["2012-05-01"], TypeError)])
def test_reference_date_refuses_anything_else_with_one_line_naming_it(bad: object, error: type) -> None:
    program = act_dsl.loads(RELATIVE, strict=True)
    rows = [{"q": "when?", "response": "last year"}]
    calls = [lambda: program.score(rows, reference_date=bad), lambda: program.reward_function(reference_date=bad),
             lambda: program.prompts([{"q": "when?"}], reference_date=bad),
             lambda: act_dsl.train(program, rows, reference_date=bad)]
    for call in calls:
        with pytest.raises(error) as info:
            call()
        assert "`reference_date`" in str(info.value) and "\n" not in str(info.value)
