"""Hostile files, round 3 (issue 27): samples files, best-of and --out-json outputs, run folders, shards and the
cache. Every refusal is exit 2 with one line naming the file (and line), before any work, and changes nothing."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, SHAPE_TASK, run_act

DATA = "".join(json.dumps({"topic": t}) + "\n" for t in ("Obama", "Paris", "Google"))
NO_MODEL = "no-such-model"   # a refusal must come before the model is loaded, so a missing one never matters


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "task.act").write_text(SHAPE_TASK)
    (tmp_path / "data.jsonl").write_text(DATA)
    return tmp_path


def sample(folder: Path, out: str, *extra: str, model: str = NO_MODEL, act: str = "task.act"):
    return run_act("sample", act, "--data", "data.jsonl", "--model", model, "--max-new-tokens", "4",
                   "--out", out, *extra, cwd=folder)


def refused(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr and r.stderr.strip().count("\n") == 0, r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)


# ---- act sample: outputs that are inputs, files that are not samples files ---------------------------------
@pytest.mark.slow
def test_sample_never_writes_or_truncates_an_input_or_a_foreign_file(folder: Path) -> None:
    (folder / "notes.txt").write_bytes(b"my notes\nthe last line has no newline")
    (folder / "d.best.jsonl").write_text(DATA)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    refused(sample(folder, "data.jsonl"), "--out data.jsonl is the same file as the input data.jsonl")
    refused(sample(folder, "task.act"), "--out task.act is the same file as the input task.act")
    refused(sample(folder, "notes.txt"), "notes.txt:1")
    (folder / "data2.jsonl").write_text(DATA)
    refused(run_act("sample", "task.act", "--data", "d.best.jsonl", "--model", NO_MODEL, "--best-of", "2",
                    "--out", "d.jsonl", cwd=folder), "d.best.jsonl is the same file as the input")
    refused(sample(folder, "missing/s.jsonl"), "does not exist")
    (folder / "outdir").mkdir()
    refused(sample(folder, "outdir"), "is a folder")
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in before} == before


@pytest.mark.parametrize("line, words", [
    ({"index": [1]}, "`index` must be a whole number"),
    ({"index": "0"}, "`index` must be a whole number"),
    ({"index": 0, "prompt": "p", "fields": {}, "prompt_text": "p", "responses": [1, 2]}, "list of texts"),
    ("{garbage", "not valid JSON"),
    (["a list"], "JSON object"),
])
def test_a_bad_samples_line_is_named_by_file_and_line(folder: Path, line, words: str) -> None:
    good = {"format": "act-samples/1", "task": "shape", "index": 5, "line": 1, "prompt": "p", "fields": {},
            "prompt_text": "p", "responses": ["a", "b"], "settings": {}}
    if isinstance(line, dict):
        line = {"format": "act-samples/1", **line}
    text = line if isinstance(line, str) else json.dumps(line)
    (folder / "s.jsonl").write_text(json.dumps(good) + "\n" + text + "\n")
    before = (folder / "s.jsonl").read_bytes()
    refused(sample(folder, "s.jsonl"), "s.jsonl:2", words)
    assert (folder / "s.jsonl").read_bytes() == before


def test_samples_file_resumes_only_its_own_run_and_act_score_reads_it(folder: Path, tiny_model: Path) -> None:
    model = str(tiny_model)
    r = sample(folder, "s.jsonl", "-k", "2", model=model)
    assert r.returncode == 0, r.stderr
    lines = (folder / "s.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 3 and all(x.startswith(b'{"format": "act-samples/1",') for x in lines)
    # rerunning a finished run says so
    r = sample(folder, "s.jsonl", "-k", "2", model=model)
    assert r.returncode == 0 and "already sampled" in r.stderr + r.stdout and "complete" in r.stderr + r.stdout
    # another K, other settings, another task: refused, the file unchanged
    refused(sample(folder, "s.jsonl", "--best-of", "4", model=model), "s.jsonl:1", "holds 2 response(s)", "asks for 4")
    refused(sample(folder, "s.jsonl", "-k", "2", "--temperature", "0.5", model=model), "temperature 1.0 there, 0.5 now")
    (folder / "other.act").write_text(SHAPE_TASK.replace("task shape", "task other"))
    refused(sample(folder, "s.jsonl", "-k", "2", model=model, act="other.act"), "sampled for task `shape`, not `other`")
    (folder / "data.jsonl").write_text(DATA.replace("Obama", "Merkel"))
    refused(sample(folder, "s.jsonl", "-k", "2", model=model), "s.jsonl:1", "prompt 0 is not the prompt data line 1 gives now")
    (folder / "data.jsonl").write_text(DATA)
    assert (folder / "s.jsonl").read_bytes().splitlines(keepends=True) == lines
    # act score reads the file as act sample wrote it: the fields and K responses of each prompt
    r = run_act("score", "task.act", "--data", "s.jsonl", "--format", "json", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stderr[r.stderr.index("{"):])["responses"] == 6
    # a half line left by a kill: readers leave it, the writer cuts it off and finishes the prompt
    torn = b"".join(lines[:2]) + lines[2][:40]
    (folder / "s.jsonl").write_bytes(torn)
    assert run_act("score", "task.act", "--data", "s.jsonl", "--on-error", "skip", cwd=folder).returncode == 0
    assert (folder / "s.jsonl").read_bytes() == torn
    r = sample(folder, "s.jsonl", "-k", "2", model=model)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in (folder / "s.jsonl").read_text().splitlines()]
    assert [row["index"] for row in rows] == [0, 1, 2] and (folder / "s.jsonl").read_bytes().startswith(torn[:-40])


# ---- act eval --out-json, act train --run-dir ------------------------------------------------------------
@pytest.mark.slow
def test_eval_out_json_is_checked_before_the_evaluation(folder: Path) -> None:
    for out, words in (("data.jsonl", "the same file as the input"), ("task.act", "the same file as the input"),
                       ("missing/r.json", "does not exist")):
        r = run_act("eval", "task.act", "--data", "data.jsonl", "--model", NO_MODEL, "--out-json", out, cwd=folder)
        refused(r, f"--out-json {out}", words)
    assert (folder / "data.jsonl").read_text() == DATA and (folder / "task.act").read_text() == SHAPE_TASK


def _train(folder: Path, run_dir: str, *extra: str):
    return run_act("train", "task.act", "--data", "data.jsonl", "--eval-data", "data.jsonl", "--model", NO_MODEL,
                   "--run-dir", run_dir, *extra, cwd=folder)


@pytest.mark.slow
def test_run_dir_is_owned_and_resume_checks_task_files_and_settings(folder: Path) -> None:
    mine = folder / "mine"
    mine.mkdir()
    (mine / "samples.jsonl").write_text('{"mine": 1}')   # a user's own file, with no final newline
    refused(_train(folder, "mine", "--resume"), "--run-dir mine", "not a run of `act train`")
    assert sorted(p.name for p in mine.iterdir()) == ["samples.jsonl"]
    assert (mine / "samples.jsonl").read_text() == '{"mine": 1}'
    refused(_train(folder, "data.jsonl"), "is a file, not a folder")
    os.symlink("gone", folder / "dangling")
    refused(_train(folder, "dangling"), "a symbolic link to a missing gone")
    # a run folder of `act train` (its config.json) resumes only with its task, files and settings
    from act_dsl.training.config import TrainConfig
    run = folder / "run"
    run.mkdir()
    about = {"file": str(folder / "task.act"), "data": str(folder / "data.jsonl"),
             "eval_data": str(folder / "data.jsonl")}
    (run / "config.json").write_text(json.dumps({**about, "task": "shape", "config": TrainConfig().to_dict()}))
    refused(_train(folder, "run", "--resume", "--samples", "8"), "k 4 there, 8 now")
    refused(_train(folder, "run", "--resume", "--lr", "0.5"), "lr")
    (folder / "other.act").write_text(SHAPE_TASK.replace("task shape", "task other"))
    refused(run_act("train", "other.act", "--data", "data.jsonl", "--eval-data", "data.jsonl", "--model", NO_MODEL,
                    "--run-dir", "run", "--resume", cwd=folder), "a run of task `shape`, not `other`")
    (folder / "data2.jsonl").write_text(DATA)
    refused(run_act("train", "task.act", "--data", "data2.jsonl", "--eval-data", "data.jsonl", "--model", NO_MODEL,
                    "--run-dir", "run", "--resume", cwd=folder), "the run used --data")


# ---- shards and act merge ------------------------------------------------------------------------------
TASK = "task s {\n  output a: text = strip(response)\n  constraint short = count(words(a)) <= 3\n}\n"


def _shards(tmp: Path, n: int = 2, lines: int = 12, *extra: str) -> list[str]:
    (tmp / "s.act").write_text(TASK)
    if not (tmp / "d.jsonl").exists():
        (tmp / "d.jsonl").write_text("".join(json.dumps({"response": "a b " * (i % 3)}) + "\n" for i in range(lines)))
    outs = []
    for i in range(n):
        outs.append(f"s{i}.jsonl")
        r = run_act("score", "s.act", "--data", "d.jsonl", "--shard", f"{i}/{n}", "--out", outs[-1], *extra, cwd=tmp)
        assert r.returncode == 0, r.stderr
    return outs


@pytest.mark.slow
def test_merge_refuses_shards_that_are_cut_emptied_edited_or_scored_apart(tmp_path: Path) -> None:
    outs = _shards(tmp_path)
    merge = lambda *more: run_act("merge", *outs, "--out", "m.jsonl", *more, cwd=tmp_path)  # noqa: E731
    assert merge().returncode == 0
    good = {p: (tmp_path / p).read_bytes() for p in outs + [o + ".shard.json" for o in outs]}
    whole = (tmp_path / "m.jsonl").read_bytes()

    def case(change, *words: str) -> None:
        change()
        refused(merge(), *words)
        assert (tmp_path / "m.jsonl").read_bytes() == whole   # the earlier output stays as it was
        for p, b in good.items():
            (tmp_path / p).write_bytes(b)

    s1, side = tmp_path / "s1.jsonl", tmp_path / "s1.jsonl.shard.json"
    case(lambda: s1.write_bytes(good["s1.jsonl"][:-10]), "s1.jsonl:6", "cut off")
    case(lambda: s1.write_bytes(b""), "s1.jsonl: holds 0 line(s)", "wrote 6")
    case(lambda: s1.write_bytes(b"".join(reversed(good["s1.jsonl"].splitlines(keepends=True)))), "s1.jsonl:2",
         "comes after")
    case(lambda: s1.write_bytes(good["s1.jsonl"].replace(b"true", b"fals", 1).replace(b"fals", b"\xe9", 1)),
         "s1.jsonl:1", "UTF-8")
    case(lambda: side.write_text(json.dumps({k: v for k, v in json.loads(good[side.name]).items() if k != "rows"})),
         "`rows` is missing")
    case(lambda: side.write_bytes(b'{"format": "act-score-shard/2", "task": "\xe9"}'), "not valid UTF-8")
    refused(run_act("merge", *outs, "--out", "s0.jsonl.shard.json", cwd=tmp_path), "same file as the input")
    refused(run_act("merge", *outs, "--out", "d.jsonl", cwd=tmp_path), "same file as the input")
    # a shard scored with another --max-chars, or after the data file was rewritten
    assert run_act("score", "s.act", "--data", "d.jsonl", "--shard", "1/2", "--out", "s1.jsonl", "--max-chars", "99",
                   cwd=tmp_path).returncode == 0
    refused(merge(), "--max-chars 99 there, 1000000 in s0.jsonl")
    with (tmp_path / "d.jsonl").open("a") as fh:
        fh.write(json.dumps({"response": "x"}) + "\n")
    assert run_act("score", "s.act", "--data", "d.jsonl", "--shard", "1/2", "--out", "s1.jsonl",
                   cwd=tmp_path).returncode == 0
    refused(merge(), "the data file changed between shards")
    # `--shard=` (an unset variable) is a usage error, not "score everything with no sidecar"
    r = run_act("score", "s.act", "--data", "d.jsonl", "--shard=", "--out", "x.jsonl", cwd=tmp_path)
    assert r.returncode == 2 and "--shard" in r.stderr and not (tmp_path / "x.jsonl").exists()


@pytest.mark.slow
def test_merge_of_more_shards_than_open_files_equals_one_run(tmp_path: Path, monkeypatch) -> None:
    from act_dsl.scoring import scale
    outs = _shards(tmp_path, 5, 23)
    whole = run_act("score", "s.act", "--data", "d.jsonl", "--out", "whole.jsonl", cwd=tmp_path)
    assert whole.returncode == 0
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    got: list[str] = []
    scale.merge([tmp_path / o for o in outs], got.append)
    assert not list(temp.iterdir()), "a merge of few shards makes no temporary folder"
    monkeypatch.setattr(scale, "MAX_OPEN", 2)     # three passes through temporary files
    got = []
    merged = scale.merge([tmp_path / o for o in reversed(outs)], got.append)
    assert "".join(got) == (tmp_path / "whole.jsonl").read_text() and merged.records == 23
    assert not list(temp.iterdir()), "the passes' temporary folder is removed"


# ---- the cache -------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_cache_that_is_not_a_folder_is_a_clear_error_and_a_failing_one_keeps_results_right(tmp_path: Path) -> None:
    _shards(tmp_path, 1)
    plain = run_act("score", "s.act", "--data", "d.jsonl", cwd=tmp_path).stdout
    (tmp_path / "afile").write_text("x")
    os.symlink("gone", tmp_path / "dangling")
    for cache, words in (("afile", "is a file or device"), ("dangling", "symbolic link to a missing gone"),
                         ("/dev/null", "is a file or device"), ("afile/sub", "cannot create the folder")):
        refused(run_act("score", "s.act", "--data", "d.jsonl", "--cache", cache, cwd=tmp_path), f"--cache {cache}")
    r = run_act("score", "s.act", "--data", "d.jsonl", "--cache=", cwd=tmp_path)
    assert r.returncode == 2 and "--cache" in r.stderr
    # a cache whose entries cannot be written: one warning, the scores as without a cache
    from act_dsl.scoring.cache import ValueCache
    cache = ValueCache(tmp_path / "c", ["short"])
    for sub in "0123456789abcdef":
        for sub2 in "0123456789abcdef":
            (tmp_path / "c" / (sub + sub2)).write_text("a file where a folder goes")
    cache.put("ab" + "0" * 62, {"short": True})
    assert not cache.writable and cache.get("ab" + "0" * 62) is None
    r = run_act("score", "s.act", "--data", "d.jsonl", "--cache", "c", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == plain and "cannot write to the cache" in r.stderr


# ---- SIGKILL: act sample and act merge ----------------------------------------------------------------------
@pytest.mark.slow
def test_a_killed_sample_keeps_its_finished_prompts_and_a_rerun_completes(folder: Path, tiny_model: Path) -> None:
    (folder / "data.jsonl").write_text("".join(json.dumps({"topic": f"t{i}"}) + "\n" for i in range(40)))
    out = folder / "s.jsonl"
    cmd = [sys.executable, "-m", "act_dsl", "sample", "task.act", "--data", "data.jsonl", "--model", str(tiny_model),
           "-k", "2", "--max-new-tokens", "4", "--batch-size", "1", "--out", "s.jsonl"]
    proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 3):
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = out.read_bytes()
    finished = before[:before.rfind(b"\n") + 1]
    assert 3 <= finished.count(b"\n") < 40, "the kill should land mid-sampling"
    r = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    after = out.read_bytes()
    assert after.startswith(finished)            # the prompts finished before the kill, byte for byte
    assert sorted(json.loads(x)["index"] for x in after.splitlines()) == list(range(40))


@pytest.mark.slow
def test_a_killed_merge_leaves_the_old_output_or_the_complete_new_one(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text("".join(json.dumps({"response": "a b " * (i % 5)}) + "\n"
                                              for i in range(150_000)))
    outs = _shards(tmp_path, 3)
    cmd = [sys.executable, "-m", "act_dsl", "merge", *outs, "--out", "m.jsonl"]
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    (tmp_path / "m.jsonl").write_text("old\n")
    start = time.monotonic()
    assert subprocess.run(cmd, cwd=tmp_path, capture_output=True).returncode == 0
    run_s, new = time.monotonic() - start, (tmp_path / "m.jsonl").read_bytes()
    assert new.count(b"\n") == 150_000
    rng = random.Random(27)
    seen = set()
    for k in range(8):
        (tmp_path / "m.jsonl").write_text("old\n")
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=(k + rng.random()) * run_s / 8)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        got = (tmp_path / "m.jsonl").read_bytes()
        assert got in (b"old\n", new), f"a kill left {len(got)} bytes: neither the old nor the new output"
        seen.add(got == new)
        for stray in tmp_path.glob(".m.jsonl.*.partial"):
            stray.unlink()
    assert False in seen, "some kill should land before the new output is in place"
    assert not list(temp.iterdir()), "a killed merge of few shards leaves no temporary folder behind"


@pytest.mark.torch
def test_the_python_api_refuses_a_folder_that_is_not_a_run(folder: Path) -> None:
    import act_dsl
    mine = folder / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a run of `act train`"):
        act_dsl.train(folder / "task.act", data=[{"topic": "a"}], eval_data=[{"topic": "b"}], out=mine,
                      model=NO_MODEL, resume=True)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
