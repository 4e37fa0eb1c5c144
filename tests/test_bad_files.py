"""Empty, binary, non-UTF-8 and huge files get a clear ACT002 message, never a traceback."""
from __future__ import annotations

import pytest

import act_dsl
from conftest import run_act


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x7fELF\x00\x00binary", "binary"),
    (b"task t { doc \"caf\xe9\" }", "UTF-8"),
    (b"# " + b"x" * (10 * 1024 * 1024), "MB"),
])
def test_unreadable_file_is_a_clear_error(tmp_path, content: bytes, words: str) -> None:
    path = tmp_path / "f.act"
    path.write_bytes(content)
    program = act_dsl.load(path)
    assert [d.code for d in program.diagnostics] == ["ACT002"]
    assert words in program.diagnostics[0].message
    r = run_act("lint", str(path))
    assert r.returncode == 2 and "Traceback" not in r.stderr and words in r.stdout + r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("depth", [3000, 60000])
def test_deeply_nested_expression_never_raises(depth: int) -> None:
    body = "not " * depth + "count(words(y)) >= 1"
    text = "task t { output y: text = strip(response)\n constraint c = " + body + " }"
    program = act_dsl.loads(text)
    assert program.ok or all(d.code in ("ACT001", "ACT003") for d in program.errors)
