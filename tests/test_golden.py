"""Golden files pin what users read: the text, JSON and SARIF diagnostics of a few bad files and every
`act compile` format for two examples. A change to any of them shows here as a diff.

After an intended change, regenerate them and review the diff in git:
    ACT_UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden.py
"""
from __future__ import annotations

import contextlib
import difflib
import io
import os
from pathlib import Path

import pytest

from act_dsl.cli import main
from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("ACT_UPDATE_GOLDEN") == "1"
# bad files of tests/fixtures: an unknown name with a hint, a duplicate with a related place, a parse error,
# a define's literal reported at the task's call, a lint warning, a missing label file
LINT_FILES = ["ACT101_unknown_name.act", "ACT106_duplicate.act", "ACT001_unterminated_string.act",
              "ACT215_define_argument.act", "ACT305_label_not_in_set.act", "ACT109_missing_label_file.act"]
COMPILED = ["entity_typing", "product_extraction"]


def _run(argv: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(cwd)  # relative paths in, so no absolute path can reach the output
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue()


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    assert str(ROOT) not in actual and "/tmp/" not in actual, f"{name}: output holds an absolute path"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        if not UPDATE:
            pytest.fail(f"{path.relative_to(ROOT)} was missing and has been written: review it and commit it")
        return
    expected = path.read_text()
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{name}", "now", n=2))
        pytest.fail(f"output differs from tests/golden/{name}\n{diff}\n"
                    "if the change is intended: ACT_UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden.py")


def _version_free(text: str) -> str:
    """SARIF names the tool's version: kept out, so that a release does not rewrite the goldens."""
    from act_dsl import __version__
    return text.replace(f'"version": "{__version__}"', '"version": "<version>"')


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
@pytest.mark.parametrize("fixture", LINT_FILES)
def test_lint_output_matches_its_golden_file(fixture: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(["lint", "--format", fmt, fixture], ROOT / "tests" / "fixtures", monkeypatch)
    assert code == (0 if fixture.startswith("ACT3") else 1), out
    _compare(f"lint/{Path(fixture).stem}.{fmt}", _version_free(out) if fmt == "sarif" else out)


@pytest.mark.parametrize("emit", ["text", "json", "dot"])
@pytest.mark.parametrize("example", COMPILED)
def test_compile_output_matches_its_golden_file(example: str, emit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(["compile", "--emit", emit, "task.act"], ROOT / "examples" / example, monkeypatch)
    assert code == 0, out
    _compare(f"compile/{example}.{emit}", out)
