"""Scoring through the CLI and the API: output lines, summaries, bad data, traces, reward functions."""
from __future__ import annotations

import datetime as dt
import json

import pytest

import act_dsl
from conftest import EXAMPLES, ROOT, run_act

TYPING = str(ROOT / "tests" / "canonical" / "entity_typing.act")  # LANGUAGE.md's entity-typing task, verbatim


def _write(path, lines) -> str:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return str(path)


def test_score_writes_one_line_per_input_line_and_a_summary(tmp_path) -> None:
    data = _write(tmp_path / "d.jsonl", [
        {"id": "a", "sentence": "Obama visited Paris .", "mention": "Obama", "response": "/person, /person/politician"},
        {"sentence": "Obama visited Paris .", "mention": "Paris", "responses": ["/location/city", "/location"]},
    ])
    out = tmp_path / "scored.jsonl"
    r = run_act("score", TYPING, "--data", data, "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0] == {"line": 1, "id": "a", "csr": 1.0,
                       "constraints": {"in_label_set": True, "hierarchy": True, "nonempty": True}}
    assert [x["csr"] for x in rows[1]["results"]] == [0.6, 1.0]
    assert "mean CSR" in r.stdout and "hierarchy" in r.stdout
    summary = json.loads(run_act("score", TYPING, "--data", data, "--format", "json", "--out",
                                 str(tmp_path / "o2.jsonl")).stdout)
    assert summary["constraints"]["hierarchy"]["pass_rate"] == 2 / 3


def test_bad_lines_fail_by_default_and_are_listed_when_skipped(tmp_path) -> None:
    data = _write(tmp_path / "d.jsonl", [
        {"sentence": "s", "mention": "m", "response": "/person"},
        '{"sentence": "s", "mention": ',
        {"sentence": "s", "response": "/person"},
        {"sentence": "s", "mention": "m", "response": 42},
        {"sentence": "s", "mention": "m", "response": "x" * (5 * 1024 * 1024)},
    ])
    r = run_act("score", TYPING, "--data", data)
    assert r.returncode == 1 and f"{data}:2: not valid JSON" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""  # nothing half-written
    r = run_act("score", TYPING, "--data", data, "--on-error", "skip")
    assert r.returncode == 0
    assert f"{data}:3: missing input field(s) `mention`" in r.stderr
    assert f"{data}:4: `response` must be a string, got the number 42" in r.stderr
    assert f"{data}:5: a response of 5,242,880 characters exceeds" in r.stderr
    assert "4 bad line(s) skipped" in r.stderr
    # one output line per input line: each skipped line carries its error
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5] and "csr" in rows[0]
    assert all(set(row) == {"line", "error"} for row in rows[1:]) and "not valid JSON" in rows[1]["error"]


def test_unreadable_data_file_is_reported(tmp_path) -> None:
    r = run_act("score", TYPING, "--data", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr  # a usage error


def test_trace_shows_why_a_response_failed(tmp_path) -> None:
    data = _write(tmp_path / "d.jsonl", [
        {"sentence": "s", "mention": "m", "response": "/person/politician, /person/wizard"}])
    r = run_act("trace", TYPING, "--data", data, "--line", "1")
    assert r.returncode == 0, r.stderr
    assert "'/person/wizard' -> False" in r.stdout
    assert "constraint hierarchy" in r.stdout and "csr = 0.200" in r.stdout
    assert run_act("trace", TYPING, "--data", data, "--line", "7").returncode == 2


def test_groups_are_formed_across_the_file(tmp_path) -> None:
    ctx = "She worked at Acme from 2004 to 2006. She joined Beta in 2010."
    data = _write(tmp_path / "d.jsonl", [
        {"context": ctx, "question": "Where did she work in 2005?", "subject": "S", "response": "Acme"},
        {"context": ctx, "question": "Where did she work in 2010?", "subject": "S", "response": "Acme"},
        {"context": ctx, "question": "Where did she work in 2010?", "subject": "T", "response": "Beta"},
    ])
    task = tmp_path / "task.act"  # one subject, two disjoint periods asked about: the same answer is suspicious
    task.write_text('task t {\n input context: text\n input question: text\n input subject: text\n'
                    ' output answer: text = first_line(response)\n let asked = timespan(question)\n'
                    ' group by subject {\n  constraint periods_differ =\n'
                    '   all a, b in group where not overlaps(a.asked, b.asked): a.answer != b.answer\n }\n}\n')
    r = run_act("score", str(task), "--data", data)
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["constraints"]["periods_differ"] for x in rows] == [False, False, True]


@pytest.mark.slow
def test_shipped_example_ties_types_to_spacy_entities(tmp_path) -> None:
    data = _write(tmp_path / "d.jsonl", [
        {"sentence": "Angela Merkel met the French president in Berlin .", "mention": "Berlin",
         "responses": ["/location, /location/city", "/person"]}])
    r = run_act("score", str(EXAMPLES / "entity_typing" / "task.act"), "--data", data)
    good, bad = json.loads(r.stdout)["results"]
    assert good["constraints"]["place_agrees"] is True and good["constraints"]["person_agrees"] is True
    assert bad["constraints"]["place_agrees"] is False and bad["constraints"]["person_agrees"] is False
    assert good["csr"] == 1.0 and bad["csr"] < good["csr"]


def test_reward_function_called_like_trl() -> None:
    program = act_dsl.load(TYPING)
    reward = program.reward_function()
    prompts = ["p1", "p2", "p3"]
    completions = ["/person, /person/politician", "/person/politician, /person/wizard",
                   [{"role": "assistant", "content": "/location"}]]
    out = reward(prompts=prompts, completions=completions, sentence=["s"] * 3, mention=["m"] * 3,
                 gold_types=[[], [], []])
    assert [round(x, 3) for x in out] == [1.0, 0.2, 1.0]


def test_a_date_input_that_is_not_a_date_is_reported_with_its_line(tmp_path) -> None:
    act = tmp_path / "t.act"
    act.write_text('task t {\n  input asked_on: date\n  output when: date = timespan(response)\n'
                   '  reference date = asked_on\n  constraint c = before(when, asked_on)\n}\n')
    data = tmp_path / "d.jsonl"
    data.write_text('{"asked_on": "2020-05-01", "response": "in 2019"}\n'
                    '{"asked_on": "soon", "response": "in 2019"}\n')
    r = run_act("score", str(act), "--data", str(data))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "d.jsonl:2" in r.stderr and "`asked_on` is declared `date`" in r.stderr
    r = run_act("score", str(act), "--data", str(data), "--on-error", "skip", "--format", "json")
    assert r.returncode == 0 and "skipped" in r.stderr and "d.jsonl:2" in r.stderr


# ---- one verifier run: its settings read once, at the edge ---------------------------------------------------
RECENT = ('task t { output y: text = strip(response)\n'
          ' constraint recent = any d in dates(y): overlaps(d, timespan("last year")) }')


def test_run_settings_read_the_date_once_with_one_default_and_refuse_anything_else() -> None:
    from act_dsl.ops.temporal import DEFAULT_REFERENCE
    from act_dsl.scoring.verifier import RunSettings
    assert RunSettings().reference_date == RunSettings.of(None).reference_date == DEFAULT_REFERENCE
    assert RunSettings.of("2012-06-01").reference_date == dt.date(2012, 6, 1)
    assert RunSettings.of(limits=["max_items=7"]).limits.max_items == 7
    with pytest.raises(ValueError, match="reference_date"):
        RunSettings.of("June 2012")
    with pytest.raises(TypeError, match="reference_date"):
        RunSettings.of(2012)
    back = RunSettings.from_json(RunSettings.of("2012-06-01", ["max_work=9"]).to_json())
    assert back == RunSettings.of("2012-06-01", ["max_work=9"])


def test_a_verifier_scores_as_the_program_does_and_its_date_is_its_own() -> None:
    program = act_dsl.loads(RECENT, strict=True)
    rows = [{"response": "in 2011"}, {"response": "in 2020"}]
    early, late = program.verifier(reference_date="2012-06-01"), program.verifier(reference_date="2021-06-01")
    assert [v["recent"] for v in early.score(rows).values] == [True, False]
    assert [v["recent"] for v in late.score(rows).values] == [False, True]
    assert early.score(rows).csr == program.score(rows, reference_date="2012-06-01").csr
    assert early.fingerprint() != late.fingerprint()  # a cache keyed by it never mixes the two runs


@pytest.mark.torch   # act eval loads the model stack before it reads the missing model
def test_the_record_count_is_first_n_and_limit_n_still_works_with_a_warning(tmp_path) -> None:
    task, data = EXAMPLES / "entity_typing" / "task.act", EXAMPLES / "entity_typing" / "eval.jsonl"
    old = run_act("eval", str(task), "--data", str(data), "--limit", "2", "--model", str(tmp_path / "none"))
    assert "`--limit 2` for the number of records is deprecated; write `--first 2`" in old.stderr
    assert old.returncode == 2 and "Traceback" not in old.stderr  # the missing model, after the warning
    bad = run_act("eval", str(task), "--data", str(data), "--limit", "max_wrk=3", "--model", str(tmp_path / "none"))
    assert bad.returncode == 2 and "`--limit max_wrk=3`: write NAME=VALUE" in bad.stderr  # before the model
