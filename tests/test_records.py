"""Records are read by their declared input types, the same way by `act score` and `program.score`, and
hostile lines become data errors naming file:line, never a traceback."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import act_dsl
from act_dsl.records import DataError, check_rows, read_records
from conftest import run_act

TYPED = """task typed {
  input flag: bool
  input n: number
  input tags: list<text>
  input day: date
  input name: text
  constraint flagged = flag
  constraint big = n > 2
  constraint tagged = all t in tags: t in response
  constraint named = name in response
}
"""
TYPES = {"flag": "bool", "n": "number", "tags": "list<text>", "day": "date", "name": "text"}
GOOD = {"flag": True, "n": 3, "tags": ["red"], "day": "May 2010", "name": "Ada", "response": "Ada wore red"}

# (a change to the good record, the message `act score` and program.score must both give)
BAD = [
    ({"flag": "false"}, 'input `flag` is declared `bool`, got the string "false"'),
    ({"flag": 0}, "input `flag` is declared `bool`, got the number 0"),
    ({"n": "3"}, 'input `n` is declared `number`, got the string "3"'),
    ({"n": True}, "input `n` is declared `number`, got true"),
    ({"n": None}, "input `n` is declared `number`, got null"),
    ({"tags": "red"}, 'input `tags` is declared `list<text>`, got the string "red"'),
    ({"tags": ["red", 3]}, "input `tags` is declared `list<text>`, item 1: got the number 3"),
    ({"day": "soon"}, 'input `day` is declared `date`, but "soon" is not a date'),
    ({"day": True}, "input `day` is declared `date`, got true"),
    ({"name": ["Ada"]}, "input `name` is declared `text`, got a list"),
    ({"name": "\ud800"}, "input `name` contains a lone surrogate (\\ud800)"),
    ({"response": 3}, "`response` must be a string, got the number 3"),
    ({"response": None}, "`response` must be a string, got null"),
    ({"response": "\udc80x"}, "`response` contains a lone surrogate (\\udc80)"),
    ({"meta": {"note": "\ud800"}}, "field `meta` contains a lone surrogate (\\ud800)"),
]


@pytest.fixture
def typed(tmp_path: Path) -> Path:
    act = tmp_path / "typed.act"
    act.write_text(TYPED)
    return act


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_fields_are_read_as_their_declared_types(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "d.jsonl", [GOOD, {**GOOD, "flag": False, "n": -2.5, "tags": [], "day": 2004}])
    ds = read_records(data, TYPES, need_response=True)
    first, second = (r.fields for r in ds.records)
    assert first["flag"] is True and first["n"] == 3.0 and first["tags"] == ("red",) and first["day"] == "May 2010"
    assert second["flag"] is False and second["n"] == -2.5 and second["tags"] == () and second["day"] == 2004
    assert [r.line for r in ds.records] == [1, 2] and ds.problems == []


@pytest.mark.slow
def test_bool_false_scores_false_and_the_string_false_is_refused(typed: Path, tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "d.jsonl", [GOOD, {**GOOD, "flag": False}, {**GOOD, "flag": "false"}])
    r = run_act("score", str(typed), "--data", str(data))
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stdout == ""
    assert f'{data}:3: input `flag` is declared `bool`, got the string "false"' in r.stderr
    r = run_act("score", str(typed), "--data", str(data), "--on-error", "skip")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["constraints"]["flagged"] for row in rows[:2]] == [True, False]
    assert rows[2]["line"] == 3 and "input `flag`" in rows[2]["error"]  # the skipped line, with its error
    assert f"skipped {data}:3: input `flag`" in r.stderr


@pytest.mark.parametrize("change,message", BAD, ids=[m[:40] for _, m in BAD])
def test_program_score_names_the_record_and_the_wrong_type(change, message) -> None:
    with pytest.raises(DataError, match=r"^records\[1\]: ") as exc:
        act_dsl.loads(TYPED, strict=True).score([GOOD, {**GOOD, **change}])
    assert message in str(exc.value)


@pytest.mark.slow
def test_act_score_names_file_line_and_the_wrong_type(typed: Path, tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "d.jsonl", [GOOD] + [{**GOOD, **change} for change, _ in BAD])
    r = run_act("score", str(typed), "--data", str(data))
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stdout == ""
    assert f"{data}:2: {BAD[0][1]}" in r.stderr
    r = run_act("score", str(typed), "--data", str(data), "--on-error", "skip")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    for n, (_, message) in enumerate(BAD, 2):
        assert f"skipped {data}:{n}: {message}" in r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]  # one line per input line, skipped ones too
    assert [row["line"] for row in rows] == list(range(1, len(BAD) + 2)) and "csr" in rows[0]
    assert all(row["error"].startswith(message) for row, (_, message) in zip(rows[1:], BAD))


def test_a_missing_input_is_named(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "d.jsonl", [{k: v for k, v in GOOD.items() if k != "day"}])
    with pytest.raises(DataError, match=r"d\.jsonl:1: missing input field\(s\) `day`"):
        read_records(data, TYPES, need_response=True)


def test_program_score_refuses_what_act_score_refuses() -> None:
    program = act_dsl.loads('task t {\n  input mention: text\n  constraint c = mention in response\n}\n',
                           strict=True)
    assert program.score([{"mention": "m", "response": "m x"}, {"mention": "m", "response": "x"}]).csr == [1.0, 0.0]
    for record, message in [({"mention": "m"}, "records[0]: missing `response`"),
                            ({"mention": "m", "responses": ["a", "b"]}, "records[0]: `responses` (a list) is not"),
                            ({"mention": "m", "response": 3}, "records[0]: `response` must be a string"),
                            ({"response": "x"}, "records[0]: missing input field(s) `mention`"),
                            ({"mention": 5, "response": "x"}, "records[0]: input `mention` is declared `text`")]:
        with pytest.raises(DataError) as exc:
            program.score([record])
        assert str(exc.value).startswith(message)


def test_act_score_and_program_score_read_one_file_identically(typed: Path, tmp_path: Path) -> None:
    rows = [GOOD] + [{**GOOD, **change} for change, _ in BAD]
    data = _jsonl(tmp_path / "d.jsonl", rows)
    r = run_act("score", str(typed), "--data", str(data), "--on-error", "skip")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    cli = {int(line.split(":")[1]): line.split(": ", 1)[1]
           for line in r.stderr.splitlines() if line.startswith(f"skipped {data}:")}
    program = act_dsl.load(typed, strict=True)
    api = {}
    for n, text in enumerate(data.read_text().splitlines(), 1):
        try:
            program.score([json.loads(text)])
        except DataError as exc:
            api[n] = str(exc).split(": ", 1)[1]
    assert cli == api and len(api) == len(BAD)


# ---- hostile lines --------------------------------------------------------------------------------
HOSTILE = [
    (b'{"name": ' + b"1" * 5000 + b"}", "a number of 5,000 digits"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested 100,000 levels deep"),
    (b'{"name": "\\ud800", "response": "x"}', "contains a lone surrogate (\\ud800)"),
    (b'{"n": NaN, "response": "x"}', "NaN is not a JSON number"),
    (b'{"n": -Infinity, "response": "x"}', "-Infinity is not a JSON number"),
    (b'{"n": 1e400, "response": "x"}', "the number 1e400 is too large"),
    (b'{"name": "caf\xe9", "response": "x"}', "line is not valid UTF-8 (byte 0xe9 at byte 14)"),
    (b'{"name": "a", "name": "b", "response": "x"}', 'the key "name" appears twice in one object'),
    (b'{"name": "a", "response": "x"', "not valid JSON"),
    (b'["not", "an", "object"]', "expected a JSON object, got a list"),
]


def _hostile_file(tmp_path: Path, line: bytes) -> Path:
    good = json.dumps({"name": "Ada", "response": "Ada"}).encode()
    path = tmp_path / "h.jsonl"
    path.write_bytes(good + b"\n" + line + b"\n" + good + b"\n")
    return path


@pytest.mark.parametrize("line,message", HOSTILE, ids=[m[:30] for _, m in HOSTILE])
def test_hostile_lines_are_problems_with_their_line(tmp_path: Path, line: bytes, message: str) -> None:
    data = _hostile_file(tmp_path, line)
    ds = read_records(data, {"name": "text"}, need_response=True, on_error="skip")
    assert [r.line for r in ds.records] == [1, 3]
    assert len(ds.problems) == 1 and ds.problems[0].line == 2 and message in ds.problems[0].message
    with pytest.raises(DataError, match="h.jsonl:2: "):
        read_records(data, {"name": "text"}, need_response=True, on_error="fail")


def test_hostile_lines_through_act_score(tmp_path: Path) -> None:
    act = tmp_path / "t.act"
    act.write_text("task t {\n  input name: text\n  constraint named = name in response\n}\n")
    good = json.dumps({"name": "Ada", "response": "Ada"}).encode()
    data = tmp_path / "h.jsonl"
    data.write_bytes(b"".join(good + b"\n" + line + b"\n" for line, _ in HOSTILE) + good + b"\n")
    r = run_act("score", str(act), "--data", str(data), "--on-error", "skip")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    for i, (_, message) in enumerate(HOSTILE):
        line = 2 * i + 2
        assert any(x.startswith(f"skipped {data}:{line}: ") and message in x for x in r.stderr.splitlines()), message
    rows = [json.loads(x) for x in r.stdout.splitlines()]  # one line per input line, skipped ones too
    assert [row["line"] for row in rows] == list(range(1, 2 * len(HOSTILE) + 2))
    assert [row["line"] for row in rows if "csr" in row] == list(range(1, 2 * len(HOSTILE) + 2, 2))
    r = run_act("score", str(act), "--data", str(data))
    assert r.returncode == 1 and "Traceback" not in r.stderr and f"{data}:2: {HOSTILE[0][1]}" in r.stderr


def test_a_line_over_the_size_limit_is_skipped_without_reading_it_whole(tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    good = json.dumps({"name": "Ada", "response": "Ada"})
    huge = '{"name": "' + "x" * (50 * 1024 * 1024) + '", "response": "x"}'
    data.write_text(f"{good}\n{huge}\n{good}\n")
    ds = read_records(data, {"name": "text"}, need_response=True, on_error="skip")
    assert [r.line for r in ds.records] == [1, 3]
    assert ds.problems[0].line == 2 and "line is 52,428,829 bytes long, over the limit of 16,777,216" \
        in ds.problems[0].message
    act = tmp_path / "t.act"
    act.write_text("task t {\n  input name: text\n  constraint named = name in response\n}\n")
    r = run_act("score", str(act), "--data", str(data), "--on-error", "skip")
    assert r.returncode == 0 and f"skipped {data}:2: line is 52,428,829 bytes long" in r.stderr


def test_check_rows_gives_the_same_rules_to_python_values() -> None:
    rows = check_rows([{"tags": ("a", "b"), "n": 2}], {"tags": "list<text>", "n": "number"}, need_response=False)
    assert rows[0].fields == {"tags": ("a", "b"), "n": 2.0}
    for bad, message in [({"tags": ["a"], "n": float("nan")}, "got nan, which is not a finite number"),
                         ({"tags": ["a"], "n": 10 ** 400}, "a number too large to use (about 401 digits)"),
                         ({"tags": [None], "n": 1}, "item 0: got null")]:
        with pytest.raises(DataError, match=r"^rows\[0\]: input") as exc:
            check_rows([bad], {"tags": "list<text>", "n": "number"}, need_response=False, label="rows")
        assert message in str(exc.value)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids, max_size=3),
                     max_leaves=8)


@pytest.mark.slow
@given(st.lists(st.binary(max_size=60) | _JSON.map(lambda v: json.dumps(v).encode())
                | st.dictionaries(st.sampled_from(["name", "response", "responses", "x"]), _JSON, max_size=4)
                .map(lambda v: json.dumps(v).encode()), min_size=1, max_size=6))
@settings(max_examples=300, deadline=None)
def test_whatever_a_file_holds_the_reader_raises_only_data_error(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        for on_error in ("skip", "fail"):
            try:
                ds = read_records(path, {"name": "text"}, need_response=True, on_error=on_error)
            except DataError:
                continue
            for rec in ds.records:  # what was accepted can be written back as JSON, in UTF-8
                json.dumps(rec.fields, ensure_ascii=False, allow_nan=False).encode("utf-8")
                assert isinstance(rec.fields["name"], str) and all(isinstance(r, str) for r in rec.responses)


def test_a_whole_number_input_past_2_to_the_53_is_compared_exactly():
    # an order id of 9007199254740993 read as a float would equal ...992, and ground the wrong number
    program = act_dsl.loads("""
task t {
  input order: number
  output said: number = number(response)
  constraint same = said == order
}
""")
    scores = program.score([{"order": 9007199254740993, "response": "9007199254740993"},
                            {"order": 9007199254740993, "response": "9007199254740992"}])
    assert [v["same"] for v in scores.values] == [True, False]
