"""One home for a verifier run (issue 25): the run's settings, the executor and the scored row each have one place.

The first tests read the package's source, so the one home cannot quietly come back apart:
- the reference date is named in scoring/, training/ and sampling/ only by scoring/verifier.py (RunSettings) and
  training/config.py (TrainConfig keeps it as text); everything else there takes a Verifier;
- an `Executor(...)` is built only in scoring/verifier.py (Verifier.executor);
- a record's fields and a response become one dict (`{**fields, "response": r}`) only in scoring/rows.py
  (Row.as_dict); everything else builds `Row`s;
- a model is loaded in sampling/model.py only, and a transformers model generates in the hf engine only.
The others check that the settings reach the commands that score: `act card` and `act train` take
`--limit NAME=VALUE`, and `act card` takes `--first N`.
"""
from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

import pytest

from act_dsl.training.config import TrainConfig
from conftest import EXAMPLES, ROOT, run_act

PACKAGE = ROOT / "act_dsl"

# where the reference date may be named, below the edge (the command line and the API read it into a RunSettings)
DATE_HOMES = {"act_dsl/scoring/verifier.py", "act_dsl/training/config.py"}
# the one place a scored row's dict is built, and the other dicts of that form with the reason each is no row
ROW_HOMES = {"act_dsl/scoring/rows.py": "Row.as_dict",
             "act_dsl/serve/scorer.py": "an incoming record's completion object replaced by its text before the "
                                        "record reader reads it; the row scored is a Row",
             "act_dsl/cli/sample.py": "a line of OUT.best.jsonl (index, line, the best response, its CSR, the "
                                      "fields), written out after scoring; nothing scores it here"}


def _sources(*folders: str) -> dict[str, str]:
    out = {}
    for folder in folders:
        for f in sorted((ROOT / folder).rglob("*.py")):
            out[f.relative_to(ROOT).as_posix()] = f.read_text(encoding="utf-8")
    return out


def test_the_reference_date_is_named_only_by_the_run_settings_and_the_training_config() -> None:
    found = {path: [n for n, line in enumerate(text.splitlines(), 1) if "reference_date" in line]
             for path, text in _sources("act_dsl/scoring", "act_dsl/training", "act_dsl/sampling").items()}
    stray = {path: lines for path, lines in found.items() if lines and path not in DATE_HOMES}
    assert not stray, f"take a Verifier (its RunSettings) instead of a loose date: {stray}"
    assert all(found[p] for p in DATE_HOMES)  # the check reads the files it means to


def _calls_of(tree: ast.AST, name: str) -> list[int]:
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and
                  ((isinstance(node.func, ast.Name) and node.func.id == name) or
                   (isinstance(node.func, ast.Attribute) and node.func.attr == name)))


def test_the_executor_is_built_only_by_the_verifier() -> None:
    built = {path: _calls_of(ast.parse(text), "Executor") for path, text in _sources("act_dsl").items()}
    assert {p: lines for p, lines in built.items() if lines} == {"act_dsl/scoring/verifier.py": built[
        "act_dsl/scoring/verifier.py"]} and built["act_dsl/scoring/verifier.py"]


def _row_dicts(tree: ast.AST) -> list[int]:
    """Dict displays that unpack a mapping and set `response`: `{**fields, "response": r}`."""
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Dict) and None in node.keys
                  and any(isinstance(k, ast.Constant) and k.value == "response" for k in node.keys))


def test_a_scored_row_is_built_in_one_place() -> None:
    built = {path: _row_dicts(ast.parse(text)) for path, text in _sources("act_dsl").items()}
    assert {p for p, lines in built.items() if lines} == set(ROW_HOMES), \
        "build a Row (act_dsl/scoring/rows.py) instead of the dict: " + \
        str({p: lines for p, lines in built.items() if lines and p not in ROW_HOMES})


def _calls_on(tree: ast.AST, receivers: set[str], method: str) -> list[int]:
    """Calls `R.method(...)` with R one of `receivers` (a name), or any receiver when `receivers` is empty."""
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Attribute) and node.func.attr == method
                  and (not receivers or (isinstance(node.func.value, ast.Name) and node.func.value.id in receivers)))


def test_one_model_loader_and_one_transformers_generation_path() -> None:
    """A model and its tokenizer are read in sampling/model.py only (`pretrained`, and the default model's
    one-time GGUF conversion); a model's `generate` is called by the engines only (hf; vllm's is vLLM's own)."""
    sources = {p: ast.parse(t) for p, t in _sources("act_dsl").items()}
    loads = {p for p, tree in sources.items()
             if _calls_on(tree, {"AutoModelForCausalLM", "AutoTokenizer"}, "from_pretrained")}
    generates = {p for p, tree in sources.items() if _calls_on(tree, set(), "generate")}
    assert loads == {"act_dsl/sampling/model.py"}
    assert generates == {"act_dsl/sampling/backends/hf.py", "act_dsl/sampling/backends/vllm.py"}


def test_the_source_checks_can_fail() -> None:
    """The three readers above find what they look for in made-up code."""
    tree = ast.parse('rows = [{**rec, "response": r} for r in rs]\nex = graph_mod.Executor(g)\ny = Executor(g)\n'
                     'ok = {"response": r, **extra_none}\nfine = {"line": 1, **({"response": r} if r else {})}')
    assert _row_dicts(tree) == [1, 4]
    assert _calls_of(tree, "Executor") == [2, 3]
    loading = ast.parse("tok = AutoTokenizer.from_pretrained(r)\nm = peft.PeftModel.from_pretrained(m, a)\n"
                        "out = self.model.generate(ids)")
    assert _calls_on(loading, {"AutoTokenizer"}, "from_pretrained") == [1]
    assert _calls_on(loading, set(), "generate") == [3]


PAIRS = ('task pairs {\n  input topic: text\n  output xs: list<text> = split(response, ",")\n'
         '  constraint distinct = all a, b in xs: a != b\n}\n')


def _pairs(tmp_path: Path) -> tuple[Path, Path]:
    act, data = tmp_path / "pairs.act", tmp_path / "d.jsonl"
    act.write_text(PAIRS)
    data.write_text("".join(json.dumps({"topic": f"t{i}", "gold": ["a", "b", "c", "d"][:3 + i % 2]}) + "\n"
                            for i in range(5)))
    return act, data


@pytest.mark.slow
def test_act_card_takes_the_work_limits_and_the_record_count(tmp_path: Path) -> None:
    act, data = _pairs(tmp_path)
    base = ["card", str(act), "--data", str(data), "--gold", "gold", "--search", "0", "--format", "json"]
    plain = run_act(*base)
    assert plain.returncode == 0, plain.stderr
    card = json.loads(plain.stdout)
    assert card["records"] == 5 and card["gold"]["csr"] == 1.0
    tight = run_act(*base, "--limit", "max_pairs=2", "--first", "3")
    assert tight.returncode == 0, tight.stderr
    small = json.loads(tight.stdout)
    # three records; each gold answer of 3 or 4 items forms more than 2 ordered pairs: a counted error, scored 0
    assert small["records"] == 3 and small["gold"]["csr"] == 0.0
    assert small["command"].endswith("--first 3 --limit max_pairs=2")
    bad = run_act(*base, "--limit", "3")  # act card never had `--limit N` for the record count
    assert bad.returncode == 2 and "`--limit 3`: write NAME=VALUE" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_act_train_keeps_its_work_limits_in_the_config_and_a_resume_must_give_the_same(tmp_path: Path) -> None:
    """`act train --limit NAME=VALUE` reaches TrainConfig (config.json) and so the verifier of every stage
    (TrainConfig.run_settings); a resumed run with other limits, or another record count, is refused before a
    model loads. `--limit N` is still the record count (`--first N`), and `--eval-limit N` the held-out one
    (`--eval-first N`), each with a warning."""
    task = EXAMPLES / "entity_typing" / "task.act"
    run = tmp_path / "run"
    run.mkdir()
    saved = TrainConfig().override(first=3, limits=["max_work=7", "max_items=100000"])  # the second is the default
    assert saved.limit == 3 and saved.limits == ("max_work=7",)
    assert saved.run_settings().limits.max_work == 7
    (run / "config.json").write_text(json.dumps({"task": "entity_typing", "config": saved.to_dict()}))
    other = run_act("train", str(task), "--resume", "--run-dir", str(run), "--limit", "max_work=9")
    assert other.returncode == 2, other.stderr
    assert "limits ('max_work=7',) there, ('max_work=9',) now" in other.stderr
    count = run_act("train", str(task), "--resume", "--run-dir", str(run), "--limit", "4", "--limit", "max_work=7")
    assert "`--limit 4` for the number of records is deprecated; write `--first 4`" in count.stderr
    assert count.returncode == 2 and "limit 3 there, 4 now" in count.stderr
    held = run_act("train", str(task), "--resume", "--run-dir", str(run), "--first", "3", "--limit", "max_work=7",
                   "--eval-limit", "2")  # the held-out count's old spelling
    assert "`--eval-limit` is deprecated; write `--eval-first`" in held.stderr
    assert held.returncode == 2 and "eval_limit None there, 2 now" in held.stderr
    bad = run_act("train", str(task), "--limit", "max_wrk=1")
    assert bad.returncode == 2 and "`--limit max_wrk=1`: write NAME=VALUE" in bad.stderr
    assert TrainConfig.from_dict(saved.to_dict()) == saved


def test_every_command_that_scores_takes_the_work_limits() -> None:
    """`--limit NAME=VALUE` on each command whose verifier scores responses (issue 25: it reached two of them)."""
    from act_dsl.cli import build_parser
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("score", "trace", "probe", "card", "test", "sample", "eval", "train"):
        flags = {s: a for a in subcommands.choices[name]._actions for s in a.option_strings}
        assert "--limit" in flags and flags["--limit"].metavar == "NAME=VALUE", name
