"""The parser's LALR tables: built once per grammar, read back from the cache folder, rebuilt when damaged."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from act_dsl.syntax import parser as P
from act_dsl.syntax import tables

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "examples" / "entity_typing" / "task.act"
BAD = ROOT / "tests" / "fixtures" / "ACT001_missing_expr.act"


def _fresh_parser(monkeypatch: pytest.MonkeyPatch, cache: Path):
    monkeypatch.setenv("ACT_CACHE", str(cache))
    P._parser.cache_clear()
    try:
        return P._parser()
    finally:
        P._parser.cache_clear()


def _lint(cache: Path, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ACT_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "act_dsl", "lint", "--format", "json", str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_second_build_reads_the_cache(monkeypatch, tmp_path):
    first = _fresh_parser(monkeypatch, tmp_path)
    files = list((tmp_path / "parser").glob("act-*.json"))
    assert len(files) == 1 and first.source_path != "<deserialized>"
    second = _fresh_parser(monkeypatch, tmp_path)
    assert second.source_path == "<deserialized>"  # lark's mark of a parser loaded from its tables
    text = TASK.read_text()
    assert second.parse(text) == first.parse(text)


def test_cached_tables_report_the_same_errors(tmp_path):
    runs = [_lint(tmp_path, BAD) for _ in range(2)]  # the first builds the tables, the second reads them
    assert (tmp_path / "parser").is_dir()
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout and "ACT001" in runs[0].stdout


@pytest.mark.slow
@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": "other", "tables": []}',
                                    b'{"key": KEY, "tables": [[1, 2], {"x": 3}]}', b"\xff\xfe\x00"])
def test_a_damaged_cache_file_is_rebuilt_silently(monkeypatch, tmp_path, damage):
    _fresh_parser(monkeypatch, tmp_path)
    (path,) = (tmp_path / "parser").glob("act-*.json")
    if b"KEY" in damage:  # the right key with tables that do not load
        import json
        damage = damage.replace(b"KEY", json.dumps(json.loads(path.read_text())["key"]).encode())
    path.write_bytes(damage)
    r = _lint(tmp_path, TASK)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert _fresh_parser(monkeypatch, tmp_path).source_path == "<deserialized>"  # the rebuilt file is whole again


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file owners are a POSIX notion")
def test_a_file_others_may_write_is_not_trusted(monkeypatch, tmp_path):
    _fresh_parser(monkeypatch, tmp_path)
    (path,) = (tmp_path / "parser").glob("act-*.json")
    path.chmod(0o666)
    assert _fresh_parser(monkeypatch, tmp_path).source_path != "<deserialized>"
    path.chmod(0o600)
    (tmp_path / "parser").chmod(0o777)
    assert _fresh_parser(monkeypatch, tmp_path).source_path != "<deserialized>"


def test_an_unwritable_cache_folder_still_parses(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = _lint(blocker, TASK)
    assert r.returncode == 0 and r.stderr == ""


@pytest.mark.slow
def test_concurrent_first_runs_agree(tmp_path):
    env = {**os.environ, "ACT_CACHE": str(tmp_path)}
    cmd = [sys.executable, "-m", "act_dsl", "lint", "--format", "json", str(BAD)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert len({o for o, _ in outs}) == 1 and all(e == "" for _, e in outs)
    assert [p.name for p in (tmp_path / "parser").iterdir()] == [next((tmp_path / "parser").glob("act-*.json")).name]


def test_tables_round_trip_tuples_and_int_keys():
    value = {"a": (1, ("x", None)), 3: [True, 2.5], (1, 2): {"b": []}}
    import json
    text = json.dumps(tables._encode(value))
    assert json.loads(text, object_hook=tables._decode_object) == value
