"""Files of the paths added after round 2 (issue 27): samples files of `act sample`, its best-of file, `act eval
--out-json`, run folders of `act train`, shards joined by `act merge`, and the `--cache` folder. What must hold:
an output is never an input and is checked before any work; a reader never changes a file; a file that is not
the project's own (no marker), or another run's, is refused with its name (and line); exit 2, nothing changed.

None of these cases loads a model: every refusal comes before one is loaded (`--model no-model` names none),
and a finished samples file is reported complete without one."""
from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from spec import Case, Dir, Gen, Link, generator, jl, score

TASK = ('task shape {\n  input topic: text\n  output y: text = first_line(response)\n  prompt "Types for {topic}:"\n'
        '  constraint brief = length(y) <= 12\n}\n')
OTHER = TASK.replace("task shape", "task other")
DATA = jl({"topic": "Obama"}, {"topic": "Paris"}, {"topic": "Rome"})
FILES = {"task.act": TASK, "data.jsonl": DATA}
MODEL = ("--model", "no-model")
SETTINGS = {"model": "no-model", "temperature": 1.0, "top_p": 0.95, "max_new_tokens": 24, "seed": 0, "chat": "plain",
            "stop": "newline"}


def sample(out: str, *extra: str, act: str = "task.act") -> tuple[str, ...]:
    return ("sample", act, "--data", "data.jsonl", *MODEL, "--out", out, *extra)


def samples_line(i: int, topic: str, k: int = 2, task: str = "shape", **change: object) -> dict:
    row = {"format": "act-samples/1", "task": task, "index": i, "line": i + 1, "prompt": f"Types for {topic}:",
           "fields": {"topic": topic}, "prompt_text": f"Types for {topic}:", "responses": ["/person"] * k,
           "settings": SETTINGS}
    return {**row, **change}


DONE = jl(*(samples_line(i, t) for i, t in enumerate(("Obama", "Paris", "Rome"))))
TORN = DONE.encode()[:-60]


def refused(cid: str, why: str, args: tuple, files: dict, has: str, keep: tuple = ()) -> Case:
    """A usage error (exit 2) that names what is wrong and leaves every named file as it was."""
    return Case(cid, "files", why, args, files, exit=(2,), has=(has,), untouched=keep or tuple(
        k for k, v in files.items() if isinstance(v, (str, bytes))))


# ---- shards made by the real `act score --shard`, then spoiled one way each --------------------------------
SHARD_TASK = "task s {\n  output a: text = strip(response)\n  constraint short = count(words(a)) <= 3\n}\n"
SHARD_DATA = jl(*({"response": "a b " * (i % 3)} for i in range(12)))


@functools.lru_cache(maxsize=4)
def _scored_shards(data: str, max_chars_1: int | None = None) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "s.act").write_text(SHARD_TASK)
        (d / "d.jsonl").write_text(SHARD_DATA)
        for i in range(2):
            if i == 1:
                (d / "d.jsonl").write_text(data)   # a data file rewritten between shards, when `data` differs
            extra = ["--max-chars", str(max_chars_1)] if i == 1 and max_chars_1 else []
            subprocess.run([sys.executable, "-m", "act_dsl", "score", "s.act", "--data", "d.jsonl", "--shard",
                            f"{i}/2", "--out", f"s{i}.jsonl", *extra], cwd=d, check=True, capture_output=True)
        return {p.name: p.read_bytes() for p in d.iterdir()}


@generator
def merge_shards(variant: str = "good") -> dict[str, bytes]:
    """Two shards of a 12-line data file and their sidecars, spoiled as `variant` says."""
    files = dict(_scored_shards(SHARD_DATA + jl({"response": "x"}) if variant == "rewritten" else SHARD_DATA,
                                99 if variant == "max-chars" else None))
    s1, side = files["s1.jsonl"], "s1.jsonl.shard.json"
    if variant == "cut":
        files["s1.jsonl"] = s1[:-10]
    elif variant == "empty":
        files["s1.jsonl"] = b""
    elif variant == "reordered":
        files["s1.jsonl"] = b"".join(reversed(s1.splitlines(keepends=True)))
    elif variant == "latin1-line":
        files["s1.jsonl"] = s1.replace(b"true", b"tr\xe9e", 1)
    elif variant == "sidecar-missing-key":
        info = json.loads(files[side])
        del info["data_sha256"]
        files[side] = json.dumps(info).encode()
    elif variant == "sidecar-latin1":
        files[side] = b'{"format": "act-score-shard/2", "task": "caf\xe9"}'
    elif variant == "sidecar-gone":
        del files[side]
    return files


def merge(cid: str, variant: str, has: str, why: str) -> Case:
    return Case(cid, "files", why, ("merge", "s0.jsonl", "s1.jsonl", "--out", "m.jsonl"),
                {".": Gen.of("merge_shards", variant=variant)}, exit=(2,), has=(has,),
                previous={"m.jsonl": '{"line": 1, "csr": 1.0, "constraints": {}}\n'})


CASES = [
    # ---- act sample --out and its best-of file: never an input ----------------------------------------------
    refused("files-sample-out-is-data", "act sample --out equal to --data", sample("data.jsonl"), FILES,
            r"--out data\.jsonl is the same file as the input"),
    refused("files-sample-out-is-act", "act sample --out equal to the .act file", sample("task.act"), FILES,
            r"--out task\.act is the same file as the input"),
    refused("files-sample-out-symlink-to-data", "act sample --out a symlink to --data", sample("s.jsonl"),
            {**FILES, "s.jsonl": Link("data.jsonl")}, r"same file as the input", keep=("data.jsonl", "task.act")),
    refused("files-sample-out-text-no-newline", "act sample --out a text file without a final newline",
            sample("notes.txt"), {**FILES, "notes.txt": "my notes\nno newline here"}, r"notes\.txt:1"),
    refused("files-sample-out-torn-foreign", "act sample --out a JSONL file whose last line is cut (no marker)",
            sample("old.jsonl"), {**FILES, "old.jsonl": '{"index": 0, "prompt": "p"}\n{"index": 1, "pro'},
            r"old\.jsonl:1"),
    refused("files-sample-best-of-is-data", "act sample --best-of writes OUT.best.jsonl over --data",
            ("sample", "task.act", "--data", "s.best.jsonl", *MODEL, "--best-of", "2", "--out", "s.jsonl"),
            {"task.act": TASK, "s.best.jsonl": DATA}, r"s\.best\.jsonl is the same file as the input"),
    refused("files-sample-out-folder", "act sample --out naming a folder", sample("outdir"),
            {**FILES, "outdir": Dir()}, r"is a folder"),
    refused("files-sample-out-missing-folder", "act sample --out in a folder that does not exist",
            sample("new/s.jsonl"), FILES, r"does not exist"),
    refused("files-sample-out-not-utf8", "act sample --out a samples file that is not UTF-8", sample("s.jsonl"),
            {**FILES, "s.jsonl": b'{"format": "act-samples/1", "task": "caf\xe9"}\n'}, r"s\.jsonl:1.*UTF-8"),
    # ---- samples lines that are not samples lines ---------------------------------------------------------
    refused("files-samples-list-index", "a samples line with a list `index`", sample("s.jsonl"),
            {**FILES, "s.jsonl": jl(samples_line(0, "Obama", index=[0]))}, r"s\.jsonl:1.*`index`"),
    refused("files-samples-text-index", "a samples line with a text `index`", sample("s.jsonl"),
            {**FILES, "s.jsonl": jl(samples_line(0, "Obama"), samples_line(1, "Paris", index="1"))},
            r"s\.jsonl:2.*`index`"),
    refused("files-samples-garbage", "a samples file whose second line is garbage", sample("s.jsonl"),
            {**FILES, "s.jsonl": DONE.split("\n")[0] + "\n{garbage\n"}, r"s\.jsonl:2"),
    refused("files-samples-responses-numbers", "a samples line whose responses are numbers", sample("s.jsonl"),
            {**FILES, "s.jsonl": jl(samples_line(0, "Obama", responses=[1, 2]))}, r"s\.jsonl:1.*texts"),
    # ---- resuming: only the same run --------------------------------------------------------------------------
    Case("files-sample-rerun-complete", "files", "rerunning a finished act sample (no model needed)",
         sample("s.jsonl", "-k", "2"), {**FILES, "s.jsonl": DONE}, has=(r"complete",), untouched=("s.jsonl",)),
    refused("files-sample-resume-other-k", "resuming -k 2 samples with --best-of 4",
            sample("s.jsonl", "--best-of", "4"), {**FILES, "s.jsonl": DONE}, r"s\.jsonl:1.*holds 2 response"),
    refused("files-sample-resume-other-task", "resuming another task's samples file",
            sample("s.jsonl", "-k", "2", act="other.act"), {**FILES, "other.act": OTHER, "s.jsonl": DONE},
            r"sampled for task `shape`, not `other`"),
    refused("files-sample-resume-other-data", "resuming with another data file (other prompts)",
            sample("s.jsonl", "-k", "2"), {**FILES, "data.jsonl": jl({"topic": "Merkel"}), "s.jsonl": DONE},
            r"prompt 0 is not the prompt"),
    refused("files-sample-resume-other-settings", "resuming with another --temperature",
            sample("s.jsonl", "-k", "2", "--temperature", "0.5"), {**FILES, "s.jsonl": DONE},
            r"temperature 1\.0 there, 0\.5 now"),
    Case("files-score-reads-samples", "files", "act score on the file act sample writes",
         score("--format", "json", task="task.act", data="s.jsonl"), {**FILES, "s.jsonl": DONE}),
    Case("files-score-reads-torn-samples", "files", "act score on a samples file with a torn last line: unchanged",
         score("--on-error", "skip", task="task.act", data="s.jsonl"), {**FILES, "s.jsonl": TORN},
         has=(r"s\.jsonl:3",), untouched=("s.jsonl",)),
    # ---- act eval --out-json ------------------------------------------------------------------------------
    refused("files-eval-out-json-is-data", "act eval --out-json equal to --data",
            ("eval", "task.act", "--data", "data.jsonl", *MODEL, "--out-json", "data.jsonl"), FILES,
            r"--out-json data\.jsonl is the same file as the input"),
    refused("files-eval-out-json-is-act", "act eval --out-json equal to the .act file",
            ("eval", "task.act", "--data", "data.jsonl", *MODEL, "--out-json", "task.act"), FILES,
            r"same file as the input"),
    refused("files-eval-out-json-missing-folder", "act eval --out-json in a missing folder: before the evaluation",
            ("eval", "task.act", "--data", "data.jsonl", *MODEL, "--out-json", "new/r.json"), FILES,
            r"does not exist"),
    # ---- act train --run-dir ----------------------------------------------------------------------------------
    refused("files-train-run-dir-user-folder", "act train --resume --run-dir a user's folder with samples.jsonl",
            ("train", "task.act", "--data", "data.jsonl", "--eval-data", "data.jsonl", *MODEL, "--run-dir", "mine",
             "--resume"), {**FILES, "mine/samples.jsonl": '{"mine": 1}'}, r"not a run of `act train`",
            keep=("mine/samples.jsonl", "data.jsonl")),
    refused("files-train-run-dir-file", "act train --run-dir naming a file",
            ("train", "task.act", "--data", "data.jsonl", "--eval-data", "data.jsonl", *MODEL, "--run-dir",
             "data.jsonl"), FILES, r"is a file, not a folder"),
    refused("files-train-run-dir-dangling", "act train --run-dir a dangling symlink",
            ("train", "task.act", "--data", "data.jsonl", "--eval-data", "data.jsonl", *MODEL, "--run-dir", "run"),
            {**FILES, "run": Link("gone")}, r"symbolic link to a missing", keep=("data.jsonl",)),
    # ---- shards and act merge ------------------------------------------------------------------------------
    merge("files-merge-cut-line", "cut", r"s1\.jsonl:6.*cut off", "a shard whose last line was cut"),
    merge("files-merge-empty-shard", "empty", r"s1\.jsonl: holds 0 line", "an empty shard file"),
    merge("files-merge-reordered", "reordered", r"s1\.jsonl:2.*comes after", "a shard's lines out of order"),
    merge("files-merge-latin1-line", "latin1-line", r"s1\.jsonl:1.*UTF-8", "a shard line that is not UTF-8"),
    merge("files-merge-rewritten-data", "rewritten", r"data file changed between shards",
          "shards scored on a data file rewritten between shards"),
    merge("files-merge-max-chars", "max-chars", r"--max-chars 99 there", "shards scored with other --max-chars"),
    merge("files-merge-sidecar-missing-key", "sidecar-missing-key", r"`data_sha256` is missing",
          "a sidecar missing a key"),
    merge("files-merge-sidecar-latin1", "sidecar-latin1", r"not valid UTF-8", "a sidecar that is not UTF-8"),
    merge("files-merge-sidecar-gone", "sidecar-gone", r"no s1\.jsonl\.shard\.json", "a shard without its sidecar"),
    Case("files-merge-out-is-sidecar", "files", "act merge --out a shard's sidecar",
         ("merge", "s0.jsonl", "s1.jsonl", "--out", "s1.jsonl.shard.json"), {".": Gen.of("merge_shards")},
         exit=(2,), has=(r"same file as the input",), untouched=("s1.jsonl.shard.json",)),
    Case("files-score-shard-empty", "files", "--shard= (an unset shell variable)",
         ("score", "s.act", "--data", "d.jsonl", "--shard=", "--out", "x.jsonl"),
         {"s.act": SHARD_TASK, "d.jsonl": SHARD_DATA}, exit=(2,), has=(r"--shard",)),
    # ---- the cache folder --------------------------------------------------------------------------------
    *(Case(f"files-cache-{name}", "files", f"--cache {why}",
           ("score", "s.act", "--data", "d.jsonl", "--cache", path),
           {"s.act": SHARD_TASK, "d.jsonl": SHARD_DATA, **extra}, exit=(2,), has=(r"--cache",))
      for name, why, path, extra in (
          ("file", "a file", "c", {"c": "not a folder"}),
          ("dangling", "a dangling symlink", "c", {"c": Link("gone")}),
          ("dev-null", "/dev/null", "/dev/null", {}),
          ("under-file", "below a file", "c/sub", {"c": "not a folder"}),
          ("empty", "empty (an unset variable)", "", {}))),
]
