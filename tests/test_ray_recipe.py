"""The Ray Data recipe of docs/scale.md, run on a local Ray: the same CSRs and values as `act score`, in order."""
from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES, run_act

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'act-dsl[dev]' brings ray[data])")

TASK = EXAMPLES / "product_extraction" / "task.act"


@pytest.mark.slow   # `ray.init` alone takes 5-10 s on 2 cores, and the whole test 20-40 s
def test_ray_map_batches_scores_in_order_as_act_score_does(tmp_path) -> None:
    from act_dsl.batch import score_batch
    lines = (EXAMPLES / "product_extraction" / "responses.jsonl").read_text().splitlines() * 4
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(lines) + "\n")
    ref = run_act("score", str(TASK), "--data", str(data), "--out", str(tmp_path / "ref.jsonl"))
    assert ref.returncode == 0, ref.stderr
    expected = [json.loads(x) for x in (tmp_path / "ref.jsonl").read_text().splitlines()]

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ds = ray.data.read_text(str(data)).repartition(4)   # several blocks, so order could be lost
        out = ds.map_batches(score_batch, fn_kwargs={"path": str(TASK)}, batch_size=5).take_all()
    finally:
        ray.shutdown()
    assert [r["text"] for r in out] == lines
    assert [r["csr"] for r in out] == [e["csr"] for e in expected]
    assert [json.loads(r["values"]) for r in out] == [e["constraints"] for e in expected]
