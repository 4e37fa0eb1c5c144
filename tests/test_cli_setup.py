"""A new user's first minutes: an install without the `train` extra, a mistyped command, `act doctor` and
`act init`. The environment without torch is made by a sitecustomize module whose import hook refuses
torch, transformers, peft, accelerate and pygls, as an install without the extras would."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_act

BLOCKED = ("torch", "transformers", "peft", "accelerate", "pygls")
HOOK = f'''
import sys

class _NotInstalled:
    """Refuses the optional packages, as if `pip install act-dsl` had been run without extras."""
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
'''
TRAIN_HINT = "pip install 'act-dsl[train]'"


@pytest.fixture(scope="module")
def no_extras(tmp_path_factory) -> dict[str, str]:
    hook = tmp_path_factory.mktemp("no_extras")
    (hook / "sitecustomize.py").write_text(HOOK)
    return {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}"}


def act_without_extras(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "act_dsl", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def label_task(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("starter") / "topics"
    assert run_act("init", "label", str(folder)).returncode == 0
    rows = [{"headline": "Home team wins the cup", "response": "sports"},
            {"headline": "Parliament passes the budget", "response": "politics, economy, sports"}]
    (folder / "responses.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_the_hook_really_hides_torch(no_extras) -> None:
    r = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True, env=no_extras)
    assert r.returncode == 1 and "No module named 'torch'" in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command, missing", [
    ("sample", "torch, transformers"),
    ("eval", "torch, transformers, peft"),
    ("train", "torch, transformers, accelerate, peft"),
])
def test_commands_that_need_the_train_extra_say_which_in_one_line(no_extras, label_task, command, missing) -> None:
    task, data = str(label_task / "task.act"), str(label_task / "train.jsonl")
    extra = {"sample": ["--data", data, "--out", str(label_task / "s.jsonl")], "eval": ["--data", data],
             "train": []}[command]
    r = act_without_extras(no_extras, command, task, *extra)
    assert r.returncode == 2
    assert r.stderr == (f"act {command}: needs the `train` extra ({missing} not installed): {TRAIN_HINT}\n")
    assert r.stdout == "" and not (label_task / "s.jsonl").exists() and not (ROOT / "runs" / "topics").exists()


def test_the_python_api_and_the_lsp_helper_name_their_extra(no_extras) -> None:
    code = ("import act_dsl, act_dsl.extras as x\n"
            "for call in (lambda: act_dsl.train('examples/entity_typing/task.act'), x.require_lsp):\n"
            "    try:\n        call()\n    except ImportError as exc:\n        print(type(exc).__name__, exc)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=no_extras, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "MissingExtra act_dsl.train() needs the `train` extra (torch, transformers, accelerate, peft not "
        f"installed): {TRAIN_HINT}",
        "MissingExtra needs the `lsp` extra (pygls not installed): pip install 'act-dsl[lsp]'"]


@pytest.mark.slow
def test_lint_test_score_trace_probe_and_explain_work_without_the_extras(no_extras, label_task) -> None:
    task, responses = str(label_task / "task.act"), str(label_task / "responses.jsonl")
    r = act_without_extras(no_extras, "lint", task)
    assert r.returncode == 0 and "0 error(s)" in r.stdout, r.stderr
    r = act_without_extras(no_extras, "test", task)
    n = (label_task / "task.act").read_text().count(" expect ")   # act test counts each `expect` line
    assert n >= 4 and r.returncode == 0 and f"{n} passed, 0 failed" in r.stdout, r.stderr
    r = act_without_extras(no_extras, "score", task, "--data", responses, "--out", str(label_task / "scored.jsonl"))
    assert r.returncode == 0, r.stderr
    scored = [json.loads(x) for x in (label_task / "scored.jsonl").read_text().splitlines()]
    # the second: three topics (`brief`, weight 0.5) and `sports` has no cue word in the headline (`fits`)
    assert [s["csr"] for s in scored] == [1.0, pytest.approx(3.5 / 5, abs=1e-3)]
    r = act_without_extras(no_extras, "trace", task, "--data", responses, "--line", "2")
    assert r.returncode == 0 and "brief" in r.stdout, r.stderr
    r = act_without_extras(no_extras, "probe", task, "--data", str(label_task / "train.jsonl"), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert {p["name"] for p in json.loads(r.stdout)["probes"]} >= {"empty"}
    r = act_without_extras(no_extras, "explain", "at_most")
    assert r.returncode == 0 and "at_most" in r.stdout and "Traceback" not in r.stderr


def test_doctor_exits_1_and_says_how_to_fix_a_missing_torch(no_extras) -> None:
    r = act_without_extras(no_extras, "doctor")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    torch_line = next(i for i, x in enumerate(lines) if x.split()[1:2] == ["torch"])
    assert lines[torch_line].split()[0] == "missing" and lines[torch_line + 1].strip() == f"fix: {TRAIN_HINT}"
    assert any(x.split()[:2] == ["optional", "pygls"] for x in lines)  # optional: does not fail the check
    assert "4 thing(s) `act train` needs are missing: torch, transformers, accelerate, peft." in r.stdout
    assert "Traceback" not in r.stderr


@pytest.mark.torch
def test_doctor_exits_0_where_act_train_can_run() -> None:
    r = run_act("doctor")
    assert r.returncode == 0, r.stdout
    assert "everything `act train` needs is here." in r.stdout
    statuses = {line.split()[0] for line in r.stdout.splitlines()[1:] if line.startswith("  ") and line.split()}
    assert "missing" not in statuses and "ok" in statuses
    assert any(line.split()[:2] == ["ok", "torch"] and "threads" in line for line in r.stdout.splitlines())


@pytest.mark.parametrize("kind, passed", [("label", 8), ("span", 8), ("temporal", 6), ("json", 9)])
def test_init_writes_a_starter_that_lints_and_tests_clean(tmp_path, monkeypatch, capsys, kind, passed) -> None:
    from act_dsl.cli import main  # the real commands, in this process (four kinds x four commands)
    monkeypatch.chdir(tmp_path)
    assert main(["init", kind]) == 0
    folder = tmp_path / kind
    names = {p.name for p in folder.iterdir()}
    assert {"task.act", "README.md", "train.jsonl", "eval.jsonl"} <= names
    assert ("labels.txt" in names) == (kind == "label")
    assert (folder / "task.act").read_text().startswith("# ")  # a commented starter
    capsys.readouterr()
    assert main(["lint", str(folder / "task.act")]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out
    assert main(["test", str(folder)]) == 0
    assert f"{passed} passed, 0 failed" in capsys.readouterr().out
    # the data files fit the task's inputs: `act probe` reads them with the task's types
    for data in ("train.jsonl", "eval.jsonl"):
        assert main(["probe", str(folder / "task.act"), "--data", str(folder / data), "--on-error", "fail"]) == 0


@pytest.mark.slow
def test_init_refuses_a_folder_that_is_not_empty(tmp_path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "task.act").write_text("my own work\n")
    r = run_act("init", "json", str(tmp_path / "mine"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"act init: {tmp_path / 'mine'} is not empty; nothing was written (give a new or empty folder)"
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["task.act"]
    assert (tmp_path / "mine" / "task.act").read_text() == "my own work\n"
    (tmp_path / "a_file").write_text("x")
    r = run_act("init", "span", str(tmp_path / "a_file"))
    assert r.returncode == 2 and "is a file" in r.stderr
    r = run_act("init", "poem", str(tmp_path / "new"))
    assert r.returncode == 2 and "invalid choice: 'poem'" in r.stderr and not (tmp_path / "new").exists()


def test_a_mistyped_command_gets_a_did_you_mean() -> None:
    r = run_act("trian", "examples/entity_typing/task.act")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("act: unknown command `trian`; did you mean `act train`")
    assert "Traceback" not in r.stderr
    r = run_act("doctr")
    assert r.returncode == 2 and "did you mean `act doctor`?" in r.stderr
    r = run_act("zzzzzz")
    assert r.returncode == 2 and "did you mean" not in r.stderr and "act --help" in r.stderr
