"""The `act` command as users run it: exit codes, output formats, explain, and a fast linter."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT, run_act

FIX = ROOT / "tests" / "fixtures"


def test_lint_clean_examples_exit_0_with_summary() -> None:
    r = run_act("lint", "examples", "stdlib_constraints")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 error(s), 0 warning(s)" in r.stdout


def test_lint_error_prints_location_snippet_caret_and_help() -> None:
    r = run_act("lint", str(FIX / "ACT101_unknown_name.act"))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    i = next(k for k, line in enumerate(lines) if "ACT101" in line)
    assert lines[i].startswith(f"{FIX / 'ACT101_unknown_name.act'}:6:")
    assert "count(words(sumary))" in lines[i + 1]
    caret = lines[i + 2]
    assert caret.strip() == "^" * len("sumary")
    assert caret.index("^") == lines[i + 1].index("sumary")
    assert "help: did you mean `summary`?" in lines[i + 3]


def test_lint_warnings_only_exit_0() -> None:
    r = run_act("lint", str(FIX / "ACT303_unused_input.act"))
    assert r.returncode == 0 and "ACT303" in r.stdout


def test_lint_usage_and_unreadable_input_exit_2(tmp_path) -> None:
    assert run_act("lint", str(tmp_path / "nope.act")).returncode == 2
    binary = tmp_path / "b.act"
    binary.write_bytes(b"\x00\x01\x02task")
    r = run_act("lint", str(binary))
    assert r.returncode == 2 and "binary" in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert run_act("lint").returncode == 2


def test_lint_json_format() -> None:
    r = run_act("lint", "--format", "json", str(FIX / "ACT202_fuzzy_range.act"))
    doc = json.loads(r.stdout)
    d = next(x for x in doc["diagnostics"] if x["code"] == "ACT202")
    assert d["severity"] == "error" and d["location"]["line"] == 6 and doc["errors"] >= 1


def test_lint_sarif_is_2_1_0_with_rules_and_regions() -> None:
    r = run_act("lint", "--format", "sarif", str(FIX / "ACT307_bounds.act"))
    doc = json.loads(r.stdout)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "act"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    res = next(x for x in run["results"] if x["ruleId"] == "ACT307")
    assert rule_ids[res["ruleIndex"]] == "ACT307"
    assert res["level"] == "warning"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert res["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 6


def test_explain_prints_the_meaning() -> None:
    r = run_act("explain", "ACT201")
    assert r.returncode == 0 and "temporal predicate" in r.stdout
    assert run_act("explain", "ACT999").returncode == 2


def test_lint_imports_no_torch_transformers_or_spacy() -> None:
    code = ("import sys\nfrom act_dsl.cli import main\nrc = main(['lint', 'examples', 'stdlib_constraints'])\n"
            "heavy = sorted(m for m in ('torch', 'transformers', 'spacy', 'dateparser') if m in sys.modules)\n"
            "print('HEAVY', heavy)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr


@pytest.mark.slow
def test_act_test_passes_and_fails_with_file_line(tmp_path) -> None:
    r = run_act("test", "examples")
    assert r.returncode == 0 and "0 failed" in r.stdout
    canonical = ROOT / "tests" / "canonical"
    text = (canonical / "entity_typing.act").read_text().replace("expect csr          = 0.2",
                                                                 "expect csr          = 0.3")
    bad = tmp_path / "task.act"
    bad.write_text(text)
    (tmp_path / "figer_types.txt").write_text((canonical / "figer_types.txt").read_text())
    r = run_act("test", str(bad))
    assert r.returncode == 1
    assert f"{bad}:36:" in r.stdout and "expected csr = 0.3, got 0.2" in r.stdout
    assert "in_label_set = false" in r.stdout  # the values that led there


@pytest.mark.slow
def test_compile_emits_text_json_and_dot() -> None:
    f = str(EXAMPLES / "summarization" / "task.act")
    text = run_act("compile", f).stdout
    assert text.count("entities(#") == 3  # entities(document), entities(summary), entities(s) of a sentence: each once
    doc = json.loads(run_act("compile", f, "--emit", "json").stdout)
    assert {c["name"] for c in doc["constraints"]} == {"grounded", "extractive", "short", "numbers_grounded",
                                                       "main_point", "names_together", "sentences_whole"}
    dot = run_act("compile", f, "--emit", "dot").stdout
    assert dot.startswith('digraph "summarization"') and "peripheries=2" in dot


def test_python_m_act_dsl_works() -> None:
    r = subprocess.run([sys.executable, "-m", "act_dsl", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("act ")


def test_every_option_with_a_default_shows_it_in_help() -> None:
    import argparse

    from act_dsl.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, p in sub.choices.items():
        formatter = p._get_formatter()
        for action in p._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                    and action.dest != "help" and "default" not in formatter._get_help_string(action):
                missing.append(f"act {name} {action.option_strings[-1]}")
    assert missing == []
    assert "(default: table)" in " ".join(sub.choices["score"].format_help().split())
