"""Sampling and training on a tiny real transformers model built in the test (offline)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import act_dsl
from conftest import ROOT, TRAIN_TASK, run_act

TASK = TRAIN_TASK
pytestmark = pytest.mark.torch   # imports torch at its top: `make test-fast` leaves the file out


@pytest.fixture
def task_dir(tmp_path) -> Path:
    (tmp_path / "task.act").write_text(TASK)
    topics = ["Obama", "Paris", "Google", "Rome", "Nile", "Tesla", "Oslo", "Ann", "Bob", "Kenya", "Lima", "Sony"]
    with (tmp_path / "train.jsonl").open("w") as fh:
        for i in range(48):
            fh.write(json.dumps({"topic": f"{topics[i % len(topics)]} {i}"}) + "\n")
    with (tmp_path / "eval.jsonl").open("w") as fh:
        for t in topics[:6]:
            fh.write(json.dumps({"topic": t}) + "\n")
    return tmp_path


def _samples(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_sample_writes_k_responses_per_prompt_and_best_of(task_dir, tiny_model) -> None:
    out = task_dir / "s.jsonl"
    r = run_act("sample", str(task_dir / "task.act"), "--data", str(task_dir / "eval.jsonl"), "--model",
                str(tiny_model), "-k", "3", "--max-new-tokens", "8", "--out", str(out), "--best-of", "3")
    assert r.returncode == 0, r.stderr
    rows = _samples(out)
    assert [row["index"] for row in rows] == list(range(6))
    assert all(len(row["responses"]) == 3 for row in rows)
    assert "tokens/s" in r.stderr and "best-of-3: mean CSR" in r.stdout
    best = _samples(out.with_suffix(".best.jsonl"))
    assert len(best) == 6 and all(b["response"] in rows[b["index"]]["responses"] for b in best)


def test_an_answer_that_starts_on_a_new_line_is_kept_up_to_the_next_one(tmp_path, tiny_model) -> None:
    # a model that answers "\n /person\n /" after the prompt: the old rule (stop at the first newline)
    # made every such response empty; the answer ends at the first newline after it has started
    from tiny_model import make_scripted_model
    (tmp_path / "task.act").write_text(TASK)
    (tmp_path / "d.jsonl").write_text(json.dumps({"topic": "Obama"}) + "\n")
    model = make_scripted_model(tiny_model, tmp_path / "scripted", "Types for Obama:", ["\n", " /", "person", "\n", " /"])
    out = tmp_path / "s.jsonl"
    r = run_act("sample", str(tmp_path / "task.act"), "--data", str(tmp_path / "d.jsonl"), "--model", str(model),
                "-k", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert _samples(out)[0]["responses"] == ["\n /person", "\n /person"]
    r = run_act("sample", str(tmp_path / "task.act"), "--data", str(tmp_path / "d.jsonl"), "--model", str(model),
                "-k", "1", "--stop", "", "--out", str(tmp_path / "all.jsonl"))
    assert r.returncode == 0, r.stderr
    assert _samples(tmp_path / "all.jsonl")[0]["responses"] == ["\n /person\n /"]


def test_sampling_resumes_after_sigkill_without_loss_or_duplicates(task_dir, tiny_model) -> None:
    many = task_dir / "many.jsonl"
    many.write_text("".join(json.dumps({"topic": f"t{i}"}) + "\n" for i in range(400)))
    out = task_dir / "s.jsonl"
    cmd = [sys.executable, "-m", "act_dsl", "sample", str(task_dir / "task.act"), "--data", str(many), "--model",
           str(tiny_model), "-k", "2", "--max-new-tokens", "24", "--batch-size", "1", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or len(out.read_bytes().splitlines()) < 5):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(_samples(out))
    assert 5 <= partial < 400, "the kill should land mid-sampling"
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = _samples(out)
    assert sorted(row["index"] for row in rows) == list(range(400))
    assert all(len(row["responses"]) == 2 for row in rows)


def test_ranking_orders_pairs_by_csr_and_ties_give_none() -> None:
    from act_dsl.training.data import rank
    program = act_dsl.loads(TASK)
    samples = [{"index": 0, "prompt": "p", "fields": {"topic": "a"}, "responses": ["/a", "a long answer", "/a"]},
               {"index": 1, "prompt": "p", "fields": {"topic": "b"}, "responses": ["x", "x", "x"]}]
    ranked = rank(program.verifier(), samples)
    # the two identical "/a" are one candidate (sampled twice) before ranking
    assert ranked.items[0].csr[0] > ranked.items[0].csr[1] and ranked.items[0].counts == [2, 1]
    assert ranked.items[0].pairs() == 1 and ranked.items[1].pairs() == 0 and ranked.items[1].counts == [3]
    assert ranked.zero_variance == 1 and ranked.pairs == 1


def test_prompts_with_fewer_candidates_than_others_rank_only_their_own() -> None:
    """A samples file need not give every prompt the same K (one written by another tool, or candidates added
    to some prompts): ranking used to index past a short prompt's responses (an internal error of act train)."""
    from act_dsl.training.data import rank
    program = act_dsl.loads(TASK)
    samples = [{"index": 0, "prompt": "p", "fields": {"topic": "a"}, "responses": ["/a", "a long answer"]},
               {"index": 1, "prompt": "p", "fields": {"topic": "b"}, "responses": ["x", "/b", "x", "/b b"]}]
    ranked = rank(program.verifier(), samples)
    assert [it.members[0].responses for it in ranked.items] == [("/a", "a long answer"), ("x", "/b", "/b b")]
    assert [len(it.csr) for it in ranked.items] == [2, 3] and ranked.items[1].counts == [2, 1, 1]


def test_losses_penalise_only_misordered_pairs() -> None:
    from act_dsl.training.config import LOSS_NAMES, SFT_LOSS, TrainConfig
    from act_dsl.training.losses import LOSSES
    # grpo is online (no ranking-loss function); sft is the gold-supervised arm's loss, not a --loss choice
    assert tuple(k for k in LOSSES if k != SFT_LOSS) + ("grpo",) == LOSS_NAMES and SFT_LOSS in LOSSES
    cfg = TrainConfig(lam=0.0)
    csr = torch.tensor([1.0, 0.5, 0.5])
    good = torch.tensor([-1.0, -2.0, -3.0])
    bad = torch.tensor([-3.0, -2.0, -1.0])
    assert float(LOSSES["rrhf"](good, good, csr, None, torch.tensor(0.0), cfg)[0]) == 0.0
    loss, pairs = LOSSES["rrhf"](bad, bad, csr, None, torch.tensor(0.0), cfg)
    assert pairs == 2 and float(loss) == pytest.approx(1.0 + 2.0)  # ties (0.5, 0.5) form no pair
    assert float(LOSSES["pro"](good, good, csr, None, torch.tensor(0.0), cfg)[0]) < \
        float(LOSSES["pro"](bad, bad, csr, None, torch.tensor(0.0), cfg)[0])
    ref = torch.zeros(3)
    assert float(LOSSES["dpo"](good, good, csr, ref, torch.tensor(0.0), cfg)[0]) < \
        float(LOSSES["dpo"](bad, bad, csr, ref, torch.tensor(0.0), cfg)[0])


def test_loss_falls_on_a_fixed_batch_and_parameters_move(tiny_model) -> None:
    from act_dsl.training.config import TrainConfig
    from act_dsl.training.data import Item
    from act_dsl.training.loop import build_model, item_loss
    cfg = TrainConfig(lora=False, lr=3e-3)
    tok, model = build_model(cfg, str(tiny_model))
    item = Item([{"prompt_text": "Types:", "responses": [" /person", " /location/city", " no"]}], [1.0, 0.5, 0.0])
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    losses = []
    for _ in range(40):
        loss, pairs = item_loss(model, tok, item, cfg, "cpu")
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert pairs == 3
    assert losses[-1] < 0.5 * losses[0] and sum(losses[-5:]) < sum(losses[:5])
    moved = [n for n, p in model.named_parameters() if not torch.equal(p, before[n])]
    assert len(moved) > 10


def test_train_writes_a_run_directory_with_reports(task_dir, tiny_model) -> None:
    out = task_dir / "run"
    r = run_act("train", str(task_dir / "task.act"), "--model", str(tiny_model), "--run-dir", str(out),
                "--samples", "4", "--epochs", "1", "--max-new-tokens", "10", "--lr", "0.01", "--force")
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    for key in ("csr_before", "csr_after", "constraints", "pairs", "zero_variance_prompts", "timings"):
        assert key in report
    assert set(report["constraints"]) == {"brief", "slash", "words"}
    assert all(set(v) == {"before", "after"} for v in report["constraints"].values())
    assert report["pairs"] > 0 and report["train"]["steps"] > 0
    assert (out / "adapter" / "adapter_config.json").is_file()
    md = (out / "report.md").read_text()
    assert md.count("| brief (pass rate) | 6 |") == 1 and (out / "report.png").is_file()
    iv = report["intervals"]  # 6 held-out prompts: intervals before and after, and the paired difference
    assert iv["before"]["csr"]["n"] == 6 and iv["before"]["csr"]["lo"] <= report["csr_before"] <= iv["before"]["csr"]["hi"]
    assert iv["difference"]["CSR"]["value"] == pytest.approx(report["csr_after"] - report["csr_before"])
    assert "after - before, paired [95 % CI]" in md and "paired difference after - before" in r.stdout
    assert "signal audit" in r.stderr and "held-out CSR" in r.stdout
    # the adapter moved away from its zero initialisation
    from safetensors.torch import load_file
    weights = load_file(str(out / "adapter" / "adapter_model.safetensors"))
    assert any(float(v.abs().sum()) > 0 for k, v in weights.items() if "lora_B" in k)
    e = run_act("eval", str(task_dir / "task.act"), "--data", str(task_dir / "eval.jsonl"), "--run", str(out))
    assert e.returncode == 0 and f"held-out CSR {report['csr_after']:.3f}" in e.stdout


def test_train_killed_mid_training_resumes_without_redoing_stages(task_dir, tiny_model) -> None:
    out = task_dir / "run"
    cmd = [sys.executable, "-m", "act_dsl", "train", str(task_dir / "task.act"), "--model", str(tiny_model),
           "--run-dir", str(out), "--samples", "4", "--epochs", "30", "--max-new-tokens", "10", "--lr", "0.01", "--force"]
    env = {**os.environ}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    ckpt = out / "checkpoint" / "done_step.json"
    deadline = time.time() + 300
    while time.time() < deadline and not ckpt.exists():
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert ckpt.exists(), "the kill should land after the first checkpoint"
    stages = json.loads((out / "stages.json").read_text())
    assert "sample" in stages and "train" not in stages
    samples_before = (out / "samples.jsonl").read_text()
    r = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "[sample] already done" in r.stderr and "resuming training at step" in r.stderr
    assert (out / "samples.jsonl").read_text() == samples_before
    steps = [json.loads(x)["step"] for x in (out / "train_log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, len(steps) + 1))  # each step logged once, none lost
    assert json.loads((out / "report.json").read_text())["train"]["steps"] == steps[-1]


def test_bad_model_path_is_a_clear_error(task_dir) -> None:
    r = run_act("sample", str(task_dir / "task.act"), "--data", str(task_dir / "eval.jsonl"), "--model",
                str(task_dir / "no_model_here"), "--out", str(task_dir / "s.jsonl"))
    assert r.returncode == 2 and "no such folder" in r.stderr and "Traceback" not in r.stderr
    (task_dir / "empty_model").mkdir()
    r = run_act("train", str(task_dir / "task.act"), "--model", str(task_dir / "empty_model"), "--run-dir",
                str(task_dir / "run"))
    assert r.returncode == 2 and "no config.json" in r.stderr


def test_training_never_reads_gold_fields(tmp_path, tiny_model) -> None:
    runs = []
    for variant, gold in (("a", "/person"), ("b", "/location/city, /event")):
        d = tmp_path / variant
        d.mkdir()
        (d / "task.act").write_text(TASK)
        (d / "train.jsonl").write_text("".join(json.dumps({"topic": f"t{i}", "gold_answer": f"{gold} {i}"}) + "\n"
                                               for i in range(12)))
        (d / "eval.jsonl").write_text("".join(json.dumps({"topic": f"e{i}", "gold_answer": gold}) + "\n"
                                              for i in range(3)))
        r = run_act("train", str(d / "task.act"), "--model", str(tiny_model), "--run-dir", str(d / "run"),
                    "--samples", "3", "--epochs", "1", "--max-new-tokens", "8", "--lr", "0.01", "--metric",
                    "exact_match", "--force")
        assert r.returncode == 0, r.stderr[-3000:]
        runs.append(d / "run")
    a, b = runs
    for name in ("samples.jsonl", "ranked.jsonl", "train_log.jsonl"):
        assert (a / name).read_text() == (b / name).read_text(), name
    from safetensors.torch import load_file
    wa = load_file(str(a / "adapter" / "adapter_model.safetensors"))
    wb = load_file(str(b / "adapter" / "adapter_model.safetensors"))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert "gold" not in (a / "samples.jsonl").read_text()
    # the gold field is used for the report's task metric only
    report = json.loads((a / "report.json").read_text())
    assert report["task_metric"]["name"] == "exact_match" and report["task_metric"]["gold"] == "gold_answer"


def test_task_metrics() -> None:
    from act_dsl.scoring.metrics import exact_match, micro_f1, token_f1
    assert micro_f1([["/person", "/person/artist"], ["/location"]], [["/person"], ["/location", "/location/city"]]) \
        == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))
    assert exact_match(["The University of Arizona", "x"], [["University of Arizona"], ["y"]]) == 0.5
    assert token_f1(["University of Arizona , Tucson"], [["University of Arizona"]]) == pytest.approx(2 * 0.75 / 1.75)


def test_tail_logits_match_a_plain_forward_pass(tiny_model) -> None:
    from act_dsl.training.config import TrainConfig
    from act_dsl.training.loop import build_model, sequence_logprobs
    tok, model = build_model(TrainConfig(lora=False), str(tiny_model))
    model.eval()
    enc = [(tok("Types for Obama, a longer prompt:")["input_ids"], [tok(" /person")["input_ids"],
                                                                     tok(" /location/city, /event")["input_ids"]]),
           (tok("Short:")["input_ids"], [tok(" x")["input_ids"], tok(" a b c d e")["input_ids"]])]
    with torch.no_grad():
        summed, count = sequence_logprobs(model, enc, tok.pad_token_id, "cpu")
        for m, (prompt, resps) in enumerate(enc):
            for k, resp in enumerate(resps):
                lp = torch.log_softmax(model(input_ids=torch.tensor([prompt + resp])).logits[0, :-1], -1)
                want = sum(float(lp[len(prompt) - 1 + i, t]) for i, t in enumerate(resp))
                assert float(summed[m, k]) == pytest.approx(want, abs=1e-4)
                assert int(count[m, k]) == len(resp)


def test_gradient_cache_for_large_groups_gives_the_one_pass_gradients(tiny_model, monkeypatch) -> None:
    import act_dsl.training.loop as loop
    from act_dsl.training.config import TrainConfig
    from act_dsl.training.data import Item
    cfg = TrainConfig(lora=False)
    tok, model = loop.build_model(cfg, str(tiny_model))
    members = [{"prompt_text": f"Question {i}:", "responses": [" /a", f" answer {i}", " no"]} for i in range(5)]
    item = Item(members, [1.0, 0.5, 0.0])
    loss, _ = loop.item_loss(model, tok, item, cfg, "cpu")
    loss.backward()
    one_pass = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    monkeypatch.setattr(loop, "MAX_SEQUENCES", 4)  # 5 members x 3 candidates: chunks of one member
    cached, _ = loop.item_step(model, tok, item, cfg, "cpu", None, lambda t: t.backward())
    assert float(cached) == pytest.approx(float(loss), rel=1e-5)
    for n, p in model.named_parameters():
        assert torch.allclose(p.grad, one_pass[n], atol=1e-5, rtol=1e-4), n
