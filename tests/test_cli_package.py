"""The command line is one package that nothing below it imports, and its training flags come from the config
dataclasses: one default per setting, the same in every command that offers it."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import re

from conftest import EXAMPLES, ROOT, run_act

LIBRARY = ("training", "sampling", "scoring", "graph", "semantics", "ops", "syntax", "diagnostics")


def _imports(path) -> set[str]:
    """Every module a file imports (absolute names; `from act_dsl import cli` counts as act_dsl.cli)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_no_library_module_imports_the_command_line() -> None:
    offenders = []
    for package in LIBRARY:
        for path in sorted((ROOT / "act_dsl" / package).rglob("*.py")):
            bad = sorted(m for m in _imports(path) if m == "act_dsl.cli" or m.startswith("act_dsl.cli."))
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {', '.join(bad)}")
    assert offenders == []
    # and at run time: the whole training stack loads without the command line
    code = ("import sys\nimport act_dsl.training.pipeline, act_dsl.training.data, act_dsl.sampling.hf, "
            "act_dsl.scoring.probes, act_dsl.api\nprint(sorted(m for m in sys.modules if m.startswith('act_dsl.cli')))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_the_old_single_module_layout_is_gone() -> None:
    assert (ROOT / "act_dsl" / "cli" / "__init__.py").is_file()
    for gone in ("act_dsl/cli.py", "act_dsl/training/cli.py", "act_dsl/training/options.py", "act_dsl/sampling/cli.py"):
        assert not (ROOT / gone).exists(), gone


def test_the_entry_point_named_in_pyproject_runs_a_command(capsys) -> None:
    scripts = (ROOT / "pyproject.toml").read_text().split("[project.scripts]", 1)[1]
    target = re.search(r'^act\s*=\s*"([^"]+)"', scripts, re.M).group(1)
    assert target == "act_dsl.cli:main"
    module, attr = target.split(":")
    main = getattr(__import__(module, fromlist=[attr]), attr)
    assert main(["lint", str(EXAMPLES / "entity_typing" / "task.act")]) == 0
    assert "checked 1 file(s): 0 error(s)" in capsys.readouterr().out


def _default_in_help(help_text: str, flag: str) -> str:
    flat = " ".join(help_text.split())
    after = flat.split(f" {flag} ", 1)[1]
    return after.split("(default: ", 1)[1].split(")", 1)[0]


def test_generation_defaults_are_one_value_in_every_command() -> None:
    from act_dsl.sampling.config import GenConfig
    from act_dsl.training.config import TrainConfig
    gen = GenConfig()
    assert TrainConfig().gen == gen  # training samples with the very same defaults
    for command in ("sample", "train", "eval"):
        r = run_act(command, "--help")
        assert r.returncode == 0
        assert _default_in_help(r.stdout, "--max-new-tokens MAX_NEW_TOKENS") == str(gen.max_new_tokens), command
        assert _default_in_help(r.stdout, "--batch-size BATCH_SIZE") == str(gen.batch_size), command


def test_every_training_setting_has_a_flag() -> None:
    from act_dsl.sampling.config import GenConfig, flag_name, settings
    from act_dsl.training.config import TrainConfig
    r = run_act("train", "--help")
    for f in settings(TrainConfig) + settings(GenConfig):
        assert f"--{flag_name(f)}" in r.stdout, f.name
    assert "--no-lora" not in r.stdout.split("usage:")[0]  # hidden alias, still accepted (below)


def test_bad_settings_are_usage_errors_before_any_work(tmp_path) -> None:
    (tmp_path / "t.act").write_text('task t { input x: text\n output y: text = strip(response)\n'
                                    ' prompt "Say {x}:"\n constraint c = count(words(y)) >= 1 }')
    r = run_act("train", str(tmp_path / "t.act"), "--samples", "1", "--no-lora")
    assert r.returncode == 2 and "--samples must be at least 2 (ranking needs two candidates)" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_act("train", str(tmp_path / "t.act"), "--chat", "auto", "--lr", "0")
    assert r.returncode == 2 and "--lr must be positive" in r.stderr
    assert not (tmp_path / "runs").exists() and not (ROOT / "runs" / "t").exists()


def test_eval_of_a_folder_that_is_not_a_run(tmp_path) -> None:
    (tmp_path / "t.act").write_text('task t { input x: text\n output y: text = strip(response)\n'
                                    ' prompt "Say {x}:"\n constraint c = count(words(y)) >= 1 }')
    (tmp_path / "d.jsonl").write_text(json.dumps({"x": "a"}) + "\n")
    (tmp_path / "run").mkdir()
    r = run_act("eval", str(tmp_path / "t.act"), "--data", str(tmp_path / "d.jsonl"), "--run", str(tmp_path / "run"))
    assert r.returncode == 2 and "not a run directory of `act train` (no config.json)" in r.stderr
    (tmp_path / "run" / "config.json").write_text(json.dumps({"config": {"samples": 4, "max_new_tokens": 10}}))
    r = run_act("eval", str(tmp_path / "t.act"), "--data", str(tmp_path / "d.jsonl"), "--run", str(tmp_path / "run"))
    assert r.returncode == 2 and "the run has no trained model yet" in r.stderr
