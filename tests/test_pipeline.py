"""The train pipeline as a library function (act_dsl.train, TrainJob, shared stages), the one home of K
candidates per prompt (Sample, scoring, best-of, the `none` rule) and the nested training config."""
from __future__ import annotations

import json

import pytest

import act_dsl
from conftest import SHAPE_TASK

TASK = SHAPE_TASK

# `c` does not apply to the topic "skip": every response to it has CSR none
WHEN = """
task w {
  input topic: text
  output y: text = strip(response)
  constraint c = matches(y, "^/") when topic != "skip"
}
"""


def test_a_none_csr_counts_as_zero_for_best_of_and_ranking() -> None:
    from act_dsl.scoring.candidates import best_of, score_samples
    from act_dsl.scoring.verifier import Verifier
    from act_dsl.training.data import rank
    graph = act_dsl.loads(WHEN, strict=True).graph()
    samples = [{"index": 0, "fields": {"topic": "a"}, "responses": ["x", "no slash", "/yes"]},
               {"index": 1, "fields": {"topic": "skip"}, "responses": ["/a", "b", "/c"]}]
    scored = score_samples(Verifier(graph), samples)
    assert scored.scores.csr[3:] == [None, None, None]  # the verifier itself says `none`
    table = scored.table(2)
    assert table == [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    assert best_of(table) == [(2, 1.0), (0, 0.0)]  # among equal CSRs the first candidate wins
    ranked = rank(Verifier(graph), samples)
    assert [it.csr for it in ranked.items] == table and ranked.zero_variance == 1


def test_samples_keep_the_file_format_and_items_accept_file_lines() -> None:
    from act_dsl.sampling.samples import Sample
    from act_dsl.training.data import Item
    row = {"index": 3, "line": 4, "prompt": "Types for a:", "fields": {"topic": "a"}, "prompt_text": "Types for a:",
           "responses": [" /x", " y"]}
    s = Sample.from_row(row)
    assert s.to_row() == row and list(s.to_row()) == list(row)
    assert Sample(0, "p", {"topic": "a"}).to_row() == {"index": 0, "line": 0, "prompt": "p", "fields": {"topic": "a"}}
    item = Item([row], [1.0, 0.0])
    assert item.members == [s] and item.members[0].model_prompt == "Types for a:" and item.pairs() == 1
    with pytest.raises(AttributeError):
        s.index = 5  # type: ignore[misc]


def test_config_overrides_by_flag_name_and_reads_old_flat_runs() -> None:
    from act_dsl.training.config import TrainConfig
    cfg = TrainConfig().override(samples=8, max_new_tokens=16, batch_size=2, lr=0.01, stop="", lora=None)
    assert (cfg.gen.k, cfg.gen.max_new_tokens, cfg.gen.batch_size, cfg.lr, cfg.lora) == (8, 16, 2, 0.01, True)
    assert cfg.gen.stop == "" and TrainConfig().gen.stop is None  # '': only at end of text; None: the task's rule
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    old = TrainConfig.from_dict({"samples": 3, "max_new_tokens": 10, "gen_batch_size": 4, "chat": "auto",
                                 "stop": None, "lr": 0.02, "seed": 7, "removed_setting": 1})
    assert (old.gen.k, old.gen.max_new_tokens, old.gen.batch_size, old.gen.chat, old.seed, old.lr) == \
        (3, 10, 4, "auto", 7, 0.02)
    with pytest.raises(ValueError, match="unknown training setting `sample`"):
        TrainConfig().override(sample=3)
    with pytest.raises(ValueError, match="--samples must be at least 2"):
        TrainConfig().override(samples=1)


@pytest.mark.torch
def test_a_task_without_a_prompt_cannot_be_trained(tmp_path) -> None:
    (tmp_path / "t.act").write_text(WHEN)
    with pytest.raises(ValueError, match="task `w` has no `prompt`"):
        act_dsl.train(tmp_path / "t.act", data=[{"topic": "a"}], eval_data=[{"topic": "b"}], out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_train_from_python_with_records_in_memory_then_a_second_loss_on_the_same_samples(tmp_path,
                                                                                        tiny_model) -> None:
    from act_dsl.training.pipeline import STAGES, share_stages
    (tmp_path / "t.act").write_text(TASK)
    data = [{"topic": f"t{i}"} for i in range(8)]
    held = [{"topic": f"e{i}"} for i in range(3)]
    settings = dict(model=str(tiny_model), samples=3, epochs=1, max_new_tokens=6, lr=0.01)
    logs: list[str] = []
    report = act_dsl.train(tmp_path / "t.act", data=data, eval_data=held, out=tmp_path / "a", log=logs.append,
                           force=True, **settings)
    assert report is not None and report.train.steps > 0 and report.eval_prompts == 3
    assert set(report.constraints) == {"brief", "slash"}
    assert list(json.loads((tmp_path / "a" / "stages.json").read_text())) == list(STAGES)
    assert json.loads((tmp_path / "a" / "config.json").read_text())["config"]["gen"]["k"] == 3
    assert any(x.startswith("signal audit: 8 prompts") for x in logs)
    samples = [json.loads(x) for x in (tmp_path / "a" / "samples.jsonl").read_text().splitlines()]
    assert [s["index"] for s in samples] == list(range(8)) and all(len(s["responses"]) == 3 for s in samples)
    # a finished run is refused without resume, and resumed it redoes nothing
    with pytest.raises(ValueError, match="already holds a run"):
        act_dsl.train(tmp_path / "t.act", data=data, eval_data=held, out=tmp_path / "a", **settings)
    logs.clear()
    again = act_dsl.train(tmp_path / "t.act", data=data, eval_data=held, out=tmp_path / "a", resume=True,
                          log=logs.append, force=True, **settings)
    assert again is not None and again.csr_after == report.csr_after
    assert [x for x in logs if "already done" in x] == [f"[{s}] already done, skipped" for s in STAGES]
    # another loss from the same samples and ranking: only training and the final evaluation run again
    share_stages(tmp_path / "a", tmp_path / "b")
    logs.clear()
    other = act_dsl.train(tmp_path / "t.act", data=data, eval_data=held, out=tmp_path / "b", resume=True,
                          log=logs.append, loss="pro", force=True, **settings)
    assert other is not None and other.config.loss == "pro" and other.pairs == report.pairs
    assert [x for x in logs if "already done" in x] == [f"[{s}] already done, skipped" for s in STAGES[:4]]
    assert (tmp_path / "b" / "samples.jsonl").read_text() == (tmp_path / "a" / "samples.jsonl").read_text()
    assert (tmp_path / "b" / "adapter" / "adapter_config.json").is_file()
