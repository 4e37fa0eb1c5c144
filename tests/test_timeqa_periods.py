"""On real TimeQA (../shared/data), the temporal_qa verifier accepts the gold answers and rejects most swapped names."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_timeqa_gold_accepted_and_swapped_names_caught(shared_data: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import real_tasks  # the benchmark's own loader: contexts cut to the paragraph of the answer
    rows = real_tasks.timeqa_all(shared_data)  # all 410 questions with a gold answer
    data = tmp_path / "timeqa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = subprocess.run([str(Path(sys.executable).parent / "act"), "card", str(ROOT / "examples/temporal_qa/task.act"),
                          "--data", str(data), "--gold", "gold_answers", "--search", "0", "--format", "json"],
                         capture_output=True, text=True, check=True)
    card = json.loads(out.stdout)
    assert len(rows) == 410
    # 0.951 with `best_fit` (weight 0.1, failed by 12 % of gold); 0.950 with `dated_here` (weight 0.02, failed by 42 %)
    assert card["gold"]["csr"] >= 0.95
    # was 0.61 with dates of the answer's own sentence; 0.892 before clauses ahead of the first date were read as
    # before it (0.865 since: the price of telling "Tom Reyes grew up in Lima" from his later clubs; 0.838 since
    # `coverage` asks more than a shared edge), on the first 150 questions; 0.794 on all 410
    assert card["gold"]["pass_rates"]["in_period"] >= 0.79
    kinds = card["mutants"]["kinds"]
    assert kinds["sentence_swap"]["killed"] >= 0.8
    # the goal, 0.70: 0.586 with the period alone, 0.637 with `a_name` and `not_a_place`, 0.683 with `coverage` in
    # place of `overlaps`, 0.713 with `best_fit` (no other name of the context holds the asked period clearly
    # better) on the first 150 questions; on all 410, 0.673 with `best_fit`, 0.706 with `dated_here` (of two names
    # holding the period, the one whose own sentence names its date). Names of one clause and one period, such as
    # a list of board members, stay apart only by reading
    assert kinds["entity_swap"]["killed"] >= 0.70
    # gold 0.879 on all 410: `best_fit` fails the gold answer where the context misplaces its period, hence its light weight
    assert card["gold"]["pass_rates"]["best_fit"] >= 0.87
