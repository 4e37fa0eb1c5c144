"""`act score --shard`, `act merge` and `act score --cache`: shards joined equal one run byte for byte, and a
cached rerun gives the same output without scoring again."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, run_act

PRODUCT = EXAMPLES / "product_extraction"
TEMPORAL = EXAMPLES / "temporal_qa"


def _data(tmp_path: Path) -> Path:
    """The example's responses, a record with several `responses`, a repeated response and a bad line."""
    lines = (PRODUCT / "responses.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    many = {"id": "many", "listing": first["listing"], "responses": [first["response"], "", "not json"]}
    lines += [json.dumps(many), "{not json", lines[1]]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _score(task: Path, data: Path, out: Path, *extra: str):
    return run_act("score", str(task), "--data", str(data), "--out", str(out), "--format", "json",
                   "--on-error", "skip", *extra)


@pytest.mark.slow
def test_shards_merged_equal_one_run_byte_for_byte(tmp_path) -> None:
    data = _data(tmp_path)
    whole = _score(PRODUCT / "task.act", data, tmp_path / "whole.jsonl")
    assert whole.returncode == 0, whole.stderr
    for n in (3, 20):   # 20 shards of 15 lines: some shards are empty
        outs = []
        for i in range(n):
            out = tmp_path / f"s{i}-of-{n}.jsonl"
            r = _score(PRODUCT / "task.act", data, out, "--shard", f"{i}/{n}")
            assert r.returncode == 0, r.stderr
            outs.append(str(out))
        merged = run_act("merge", *reversed(outs), "--out", str(tmp_path / "merged.jsonl"), "--format", "json")
        assert merged.returncode == 0, merged.stderr
        assert (tmp_path / "merged.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
        assert merged.stdout == whole.stdout           # the same summary: counts, mean CSR, first errors
    summary = json.loads(whole.stdout)
    assert summary["skipped"] == 1 and summary["responses"] == 16


@pytest.mark.slow
def test_a_group_by_task_shards_whole_groups(tmp_path) -> None:
    data = tmp_path / "data.jsonl"
    rows = [json.loads(x) for x in (TEMPORAL / "data.jsonl").read_text().splitlines()]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows + [dict(r, response="1999") for r in rows]))
    whole = _score(TEMPORAL / "task.act", data, tmp_path / "whole.jsonl")
    outs = []
    for i in range(2):
        outs.append(str(tmp_path / f"s{i}.jsonl"))
        assert _score(TEMPORAL / "task.act", data, Path(outs[-1]), "--shard", f"{i}/2").returncode == 0
    merged = run_act("merge", *outs, "--out", str(tmp_path / "merged.jsonl"), "--format", "json")
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert merged.stdout == whole.stdout


@pytest.mark.slow
def test_merge_refuses_an_incomplete_set_of_shards(tmp_path) -> None:
    data = _data(tmp_path)
    for i in (0, 2):
        assert _score(PRODUCT / "task.act", data, tmp_path / f"s{i}.jsonl", "--shard", f"{i}/3").returncode == 0
    r = run_act("merge", str(tmp_path / "s0.jsonl"), str(tmp_path / "s2.jsonl"), "--out", str(tmp_path / "m.jsonl"))
    assert r.returncode == 2 and "missing 1/3" in r.stderr and not (tmp_path / "m.jsonl").exists()
    r = run_act("score", str(PRODUCT / "task.act"), "--data", str(data), "--shard", "0/3")
    assert r.returncode == 2 and "--shard needs --out" in r.stderr
    r = _score(PRODUCT / "task.act", data, tmp_path / "x.jsonl", "--shard", "3/3")
    assert r.returncode == 2 and "0..N-1" in r.stderr


@pytest.mark.slow
def test_cached_rerun_gives_the_same_output_without_scoring_again(tmp_path) -> None:
    data, cache = _data(tmp_path), tmp_path / "cache"
    plain = _score(PRODUCT / "task.act", data, tmp_path / "plain.jsonl")
    first = _score(PRODUCT / "task.act", data, tmp_path / "first.jsonl", "--cache", str(cache))
    second = _score(PRODUCT / "task.act", data, tmp_path / "second.jsonl", "--cache", str(cache))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    # 16 responses, of which 2 repeat another's record and text: 14 scored once, 0 the second time
    assert a.pop("cache") == {"hits": 0, "misses": 14, "unreadable": 0}
    assert b.pop("cache") == {"hits": 14, "misses": 0, "unreadable": 0}
    assert a == b == json.loads(plain.stdout)
    assert (tmp_path / "first.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert (tmp_path / "second.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()


def test_a_killed_run_resumes_from_the_entries_it_wrote_and_a_corrupt_entry_is_scored_again(tmp_path) -> None:
    data, cache = _data(tmp_path), tmp_path / "cache"
    part = tmp_path / "part.jsonl"   # what a run killed halfway had scored
    part.write_text("".join(data.read_text().splitlines(keepends=True)[:6]))
    assert _score(PRODUCT / "task.act", part, tmp_path / "p.jsonl", "--cache", str(cache)).returncode == 0
    entries = sorted(cache.glob("*/*.json"))
    assert len(entries) == 6
    entries[0].write_text('{"key": "trunc')          # a damaged entry
    r = _score(PRODUCT / "task.act", data, tmp_path / "all.jsonl", "--cache", str(cache))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["cache"] == {"hits": 5, "misses": 9, "unreadable": 1}
    assert "warning: cache entry" in r.stderr and entries[0].name in r.stderr and "Traceback" not in r.stderr
    plain = _score(PRODUCT / "task.act", data, tmp_path / "plain.jsonl")
    assert (tmp_path / "all.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert json.loads(entries[0].read_text())["key"] == entries[0].stem   # rewritten whole


@pytest.mark.slow
def test_the_cache_key_holds_the_task_and_its_settings(tmp_path) -> None:
    data, cache = _data(tmp_path), tmp_path / "cache"
    assert _score(PRODUCT / "task.act", data, tmp_path / "a.jsonl", "--cache", str(cache)).returncode == 0
    changed = tmp_path / "task"
    shutil.copytree(PRODUCT, changed)
    text = (changed / "task.act").read_text()
    (changed / "task.act").write_text(text.replace("count(item.tags) <= 5", "count(item.tags) <= 1"))
    r = _score(changed / "task.act", data, tmp_path / "b.jsonl", "--cache", str(cache))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["cache"]["hits"] == 0   # another constraint: nothing reused
    r = _score(PRODUCT / "task.act", data, tmp_path / "c.jsonl", "--cache", str(cache), "--reference-date", "2020-01-01")
    assert json.loads(r.stdout)["cache"]["hits"] == 0   # another reference date: nothing reused
    grouped = tmp_path / "grouped.act"  # a `group by` scores rows together: no per-row cache
    grouped.write_text('task t {\n input context: text\n input question: text\n input subject: text\n'
                       ' output answer: text = first_line(response)\n'
                       ' group by subject {\n  constraint differ = all a, b in group: a.answer != b.answer\n }\n}\n')
    r = run_act("score", str(grouped), "--data", str(TEMPORAL / "data.jsonl"), "--cache", str(cache))
    assert r.returncode == 2 and "group by" in r.stderr
