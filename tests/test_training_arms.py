"""The arms beside an `act train` run (a shuffled control, a gold-supervised fine-tune, a capability check), run
with the tiny real model as a user would."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import SHAPE_TASK, TRAIN_TASK, run_act

pytestmark = pytest.mark.torch


@pytest.fixture
def arms_dir(tmp_path: Path) -> Path:
    (tmp_path / "task.act").write_text(TRAIN_TASK)
    topics = ["Obama", "Paris", "Google", "Rome", "Nile", "Tesla", "Oslo", "Ann"]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"topic": f"{t} {i}", "gold": "/person"}) + "\n"
                                                  for i, t in enumerate(topics)))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps({"topic": t, "gold": "/person"}) + "\n" for t in topics[:4]))
    cap = tmp_path / "cap"
    cap.mkdir()
    (cap / "task.act").write_text(SHAPE_TASK.replace("task shape", "task other"))
    (cap / "data.jsonl").write_text("".join(json.dumps({"topic": t, "gold_y": g}) + "\n"
                                            for t, g in (("Lima", "/location"), ("Kenya", "/location"),
                                                         ("Sony", "/organization"))))
    return tmp_path


@pytest.mark.slow  # three trainings and five evaluations of the tiny model: 30-90 s on 2 shared cores
def test_control_sft_and_capability_arms_beside_one_run(arms_dir: Path, tiny_model: Path) -> None:
    run = arms_dir / "run"
    r = run_act("train", str(arms_dir / "task.act"), "--model", str(tiny_model), "--run-dir", str(run),
                "--samples", "4", "--epochs", "1", "--max-new-tokens", "8", "--lr", "0.01", "--force",
                "--control", "shuffled", "--sft-gold", "gold", "--capability", str(arms_dir / "cap" / "task.act"),
                "--capability-data", str(arms_dir / "cap" / "data.jsonl"))
    assert r.returncode == 0, r.stderr[-3000:]
    real, ctl = run, run / "control"
    # the control trained on the real run's samples and pairs (shared, not sampled again), for as many steps
    assert (ctl / "samples.jsonl").read_text() == (real / "samples.jsonl").read_text()
    steps = [json.loads((p / "report.json").read_text())["train"] for p in (real, ctl)]
    assert steps[0]["steps"] == steps[1]["steps"] > 0
    assert steps[1]["signal"]["control"] == "shuffled" and steps[0]["signal"]["control"] is None
    report = json.loads((real / "report.json").read_text())
    arms = report["arms"]
    csr = next(row for row in arms["control"]["rows"] if row["measure"] == "CSR")
    after_real = json.loads((real / "eval_after.json").read_text())["csr"]
    after_ctl = json.loads((ctl / "eval_after.json").read_text())["csr"]
    assert csr["real_minus_control"]["value"] == pytest.approx(after_real - after_ctl)
    # the supervised arm trained one step per gold answer and was evaluated on the same held-out prompts
    sft = json.loads((run / "sft" / "stages.json").read_text())["train"]["result"]
    assert sft["steps"] == 8 and sft["gold_prompts"] == 8 and (run / "sft" / "adapter").is_dir()
    assert "micro_f1" in arms["sft"]["difference"] or "token_f1" in arms["sft"]["difference"]
    # the capability task was evaluated for the base and for every trained arm
    assert set(arms["capability"]["arms"]) == {"run", "control", "sft"}
    assert (run / "capability_before.json").is_file() and (ctl / "capability_after.json").is_file()
    # with its task metric, against the capability records' own gold field (found as for the run: gold_*)
    assert all("token_f1" in rows for rows in arms["capability"]["arms"].values())
    assert json.loads((run / "capability_before.json").read_text())["task_metric"]["gold"] == "gold_y"
    md = (real / "report.md").read_text()
    assert "real - control, paired" in md and "**Gold-supervised**" in md and "task `other`" in md
    assert "shuffled control" in r.stdout


def test_arms_refuse_seeds_and_a_half_given_capability(arms_dir: Path) -> None:
    base = ["train", str(arms_dir / "task.act"), "--run-dir", str(arms_dir / "run")]
    r = run_act(*base, "--control", "shuffled", "--seeds", "2")
    assert r.returncode == 2 and "leave out --seeds" in r.stderr and "Traceback" not in r.stderr
    r = run_act(*base, "--capability", str(arms_dir / "task.act"))
    assert r.returncode == 2 and "--capability-data" in r.stderr and not (arms_dir / "run").exists()


def test_the_verifiers_favourite_is_chosen_among_the_label_answers_and_written_as_the_model_writes(
        tmp_path: Path) -> None:
    """--add-favourite's candidate: the one label answer the verifier likes best on a prompt (here the kind and
    the fine type the sentence names), with the leading space the model's own answers have; none where the
    verifier likes several answers equally (a sentence that names nothing)."""
    from act_dsl.sampling.samples import Sample
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.training.favourite import favourite_answers
    from test_card import GROUNDED_TAGS, _graph
    verifier = Verifier(_graph(tmp_path, GROUNDED_TAGS))
    own = (" /thing", " /place")
    samples = [Sample(0, "p", {"sentence": "The cat slept"}, own), Sample(1, "p", {"sentence": "Paris is busy"}, own),
               Sample(2, "p", {"sentence": "It rained"}, own), Sample(3, "p", {"sentence": "A dog barked"}, ("x",))]
    assert favourite_answers(verifier, samples) == [" /animal, /animal/cat", " /place, /place/city", None,
                                                    "/animal, /animal/dog"]


def _train_with_favourite(tmp_path: Path, tiny_model: Path, task: str, rows: list[dict]
                          ) -> tuple[Path, subprocess.CompletedProcess]:
    """`act train --add-favourite` with the tiny model on `rows` (the first two also held out); (run, result)."""
    (tmp_path / "task.act").write_text(task)
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:2]))
    run = tmp_path / "run"
    r = run_act("train", str(tmp_path / "task.act"), "--model", str(tiny_model), "--run-dir", str(run),
                "--samples", "2", "--epochs", "1", "--max-new-tokens", "6", "--lr", "0.01", "--force",
                "--add-favourite")
    assert r.returncode == 0, r.stderr[-3000:]
    return run, r


@pytest.mark.slow  # one training and two evaluations of the tiny model
def test_add_favourite_gives_each_prompt_the_verifiers_favourite_label_answer_as_one_more_candidate(
        tmp_path: Path, tiny_model: Path) -> None:
    """`act train --add-favourite` on a label task: after sampling, a prompt whose verifier has one favourite among
    the label answers gets it as one more candidate (marked in the samples file, no model call), the log says
    how many prompts got one, and ranking trains on it; a prompt with tied favourites keeps its own K."""
    from test_card import GROUNDED_TAGS
    sentences = ["The cat slept", "Paris is busy", "A dog barked", "It rained", "My cat ran", "Paris at dawn"]
    run, r = _train_with_favourite(tmp_path, tiny_model, GROUNDED_TAGS, [{"sentence": s} for s in sentences])
    rows = {row["index"]: row for row in map(json.loads, (run / "samples.jsonl").read_text().splitlines())}
    want = {0: "/animal, /animal/cat", 1: "/place, /place/city", 2: "/animal, /animal/dog", 3: None,
            4: "/animal, /animal/cat", 5: "/place, /place/city"}
    for i, fav in want.items():
        row = rows[i]
        if fav is None:  # "It rained": every label answer ties, nothing to teach
            assert len(row["responses"]) == 2 and "added" not in row
        else:
            assert len(row["responses"]) == 3 and row["responses"][2].strip() == fav and row["added"] == [2]
            assert row["tokens"][2] is None and row["finish"][2] == "stop"
    assert "--add-favourite: the verifier's favourite answer added to 5 of 6 prompts" in r.stderr
    stages = json.loads((run / "stages.json").read_text())
    assert stages["sample"]["result"]["favourite"] == {"prompts": 6, "added": 5, "tied": 1, "distinct": 3}
    assert json.loads((run / "config.json").read_text())["config"]["add_favourite"] is True
    # ranked: each added favourite is one of its prompt's distinct candidates, and the best of them
    ranked = {row["indices"][0]: row for row in map(json.loads, (run / "ranked.jsonl").read_text().splitlines())}
    assert set(ranked) >= {i for i, fav in want.items() if fav}
    for i in (i for i, fav in want.items() if fav):
        assert 2 in ranked[i]["keep"] and ranked[i]["csr"][ranked[i]["keep"].index(2)] == max(ranked[i]["csr"])
    assert (run / "adapter").is_dir()


EDITORS = [("Ruth Blake edited the Gazette from 1972 to 1980. Ken Moss edited it from 1981 to 1994.",
            "Who edited the Gazette in 1985?"),
           ("Maria Costa led the orchestra from 1990 to 1998. Jan Berg led it from 1999 to 2012.",
            "Who led the orchestra in 1995?"),
           ("Ruth Blake and Ken Moss edited the Gazette from 1981 to 1994.", "Who edited the Gazette in 1985?"),
           ("nobody is named here at all", "who was it?")]


def test_a_text_answers_favourite_is_the_one_entity_of_its_inputs_the_verifier_likes_best(tmp_path: Path) -> None:
    """For a text answer --add-favourite chooses among the entities spaCy finds in the prompt's text inputs: the
    editor whose period holds the asked year, written with the model's leading space; none where two editors
    share the period (a tie) or the prompt names nothing."""
    from act_dsl.sampling.samples import Sample
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.training.favourite import favourite_answers
    from test_card import DATED, _graph
    verifier = Verifier(_graph(tmp_path, DATED))
    samples = [Sample(i, "p", {"context": c, "question": q}, (" Ruth Blake", " the")) for i, (c, q) in enumerate(EDITORS)]
    assert favourite_answers(verifier, samples) == [" Ken Moss", " Maria Costa", None, None]


@pytest.mark.slow  # one training and two evaluations of the tiny model
def test_add_favourite_on_a_text_answer_adds_the_entity_the_verifier_prefers(tmp_path: Path, tiny_model: Path) -> None:
    """`act train --add-favourite` on a span task: the favourite entity joins its prompt's candidates and the
    log says how many prompts got one."""
    from test_card import DATED
    run, r = _train_with_favourite(tmp_path, tiny_model, DATED, [{"context": c, "question": q} for c, q in EDITORS])
    rows_out = {row["index"]: row for row in map(json.loads, (run / "samples.jsonl").read_text().splitlines())}
    assert [rows_out[i]["responses"][-1].strip() if "added" in rows_out[i] else None for i in range(4)] == [
        "Ken Moss", "Maria Costa", None, None]
    assert "--add-favourite: the verifier's favourite answer added to 2 of 4 prompts" in r.stderr
    assert (run / "adapter").is_dir()


def test_add_favourite_refuses_a_task_without_label_answers_or_text_inputs_before_any_work(arms_dir: Path) -> None:
    nums = arms_dir / "numbers"
    nums.mkdir()
    (nums / "task.act").write_text(TRAIN_TASK.replace("input topic: text", "input topic: number"))
    for name in ("train.jsonl", "eval.jsonl"):
        (nums / name).write_text("".join(json.dumps({"topic": n}) + "\n" for n in range(4)))
    r = run_act("train", str(nums / "task.act"), "--run-dir", str(arms_dir / "run"), "--add-favourite")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "answers with a text but has no text input" in r.stderr and not (arms_dir / "run").exists()
    (arms_dir / "labels.act").write_text(TRAIN_TASK.replace("output y: text = first_line(response)",
                                                            'output y: label = first_line(response)\n  labels L = ["/a", "/b"]'))
    r = run_act("train", str(arms_dir / "labels.act"), "--run-dir", str(arms_dir / "run"), "--add-favourite",
                "--loss", "grpo")
    assert r.returncode == 2 and "--loss grpo samples its own" in r.stderr and "Traceback" not in r.stderr


def test_favourite_quality_sets_the_favourite_against_a_models_answers(tmp_path: Path) -> None:
    """bench/favourite_quality.py: on records with gold, the unique favourite's metric and, on the same records,
    that of a model's answers (here a model that names the other editor); a tie is left out."""
    import subprocess
    import sys
    from conftest import ROOT
    from test_card import DATED
    (tmp_path / "task.act").write_text(DATED)
    gold = ["Ken Moss", "Maria Costa", "Ken Moss", "nobody"]
    (tmp_path / "data.jsonl").write_text("".join(json.dumps({"context": c, "question": q, "gold": g}) + "\n"
                                                 for (c, q), g in zip(EDITORS, gold)))
    (tmp_path / "answers.json").write_text(json.dumps({"task_metric": {"preds": ["Ruth Blake", "Maria Costa",
                                                                               "Ruth Blake", "x"]}}))
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "favourite_quality.py"), "--task",
                        str(tmp_path / "task.act"), "--data", str(tmp_path / "data.jsonl"), "--gold", "gold",
                        "--answers", str(tmp_path / "answers.json")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "a unique favourite on 2 of 4 records (2 distinct); its token_f1 against gold: 1.000" in r.stdout
    assert "token_f1 0.500 on the same records; it answers the favourite on 1" in r.stdout
