"""Candidates that reach every kind of a label task: the probe behind "the candidates never name an
organisation" in bench/RESULTS.md (issue 24).

  python bench/label_cover.py RUN NEW --add all|best|space [--file examples/entity_typing/task.act]
  act train FILE --temperature 0.7 --seed S --guided --resume --run-dir NEW

RUN is a finished `act train FILE ... --guided` run. NEW starts with RUN's settings, its held-out scores before
training and its samples, and every training prompt gets more candidates: one greedy answer per top-level label
of the task's label set (a label with no parent in the set), decoded under the task's grammar with its first
label fixed to that label or one under it. `--add all` keeps them all; `--add best` keeps the one the verifier
scores highest (the first in label order among ties). `--add space` asks no model: it adds what
`act train --add-favourite` adds, the verifier's unique favourite among the answers `act card` takes its own
choice over (a top-level label alone or with one child), and nothing where several tie. The `act train --resume`
line then ranks, audits, trains and evaluates on those candidates, the samples' own stage results left as they
were.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import act_dsl  # noqa: E402
from act_dsl.grammars.derive import derive  # noqa: E402
from act_dsl.grammars.forms import _rx, regex  # noqa: E402
from act_dsl.sampling.config import GenConfig  # noqa: E402
from act_dsl.scoring.mutants import label_parent  # noqa: E402
from act_dsl.scoring.rows import Row  # noqa: E402
from act_dsl.scoring.verifier import Verifier, score_in_chunks  # noqa: E402

KEPT = ("config.json", "eval_before.json", "greedy.json")  # what NEW takes from RUN besides samples.jsonl


def kind_guides(graph) -> list[tuple[str, dict]]:
    """(top-level label, a guide whose grammar fixes the answer's first label to it or a label under it)."""
    shape = derive(graph).shape
    if shape is None or shape.kind != "labels":
        raise SystemExit(f"task `{graph.name}` has no label-list grammar: this probe needs one")
    whole = regex(shape) or ""
    alt = "(" + "|".join(_rx(x) for x in shape.items) + ")"
    assert alt in whole, "the grammar's first item is the label alternation"
    out = []
    for top in (lab for lab in shape.items if label_parent(lab) not in shape.items):
        mine = "(" + "|".join(_rx(x) for x in shape.items if x == top or label_parent(x) == top) + ")"
        rx = whole.replace(alt, mine, 1)
        out.append((top, {"kind": "regex", "output": shape.output, "reader": shape.reader, "regex": rx,
                          "gbnf": None, "lark": "start: /" + rx.replace("/", "\\/") + "/\n"}))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--add", choices=["all", "best", "space"], required=True)
    ap.add_argument("--file", default=str(ROOT / "examples" / "entity_typing" / "task.act"))
    args = ap.parse_args()
    stages = json.loads((args.run / "stages.json").read_text())
    if "sample" not in stages:
        raise SystemExit(f"{args.run}: no finished sample stage")
    graph = act_dsl.load(args.file).graph()
    gen = json.loads((args.run / "config.json").read_text())["config"]["gen"]
    samples = [json.loads(line) for line in (args.run / "samples.jsonl").read_text().splitlines() if line.strip()]
    if args.add == "space":
        added = space_favourites(graph, args.run, samples)
    else:
        added = kind_answers(graph, gen, samples, args.add)
    write_run(args.run, args.new, stages, samples, added)
    print(f"label_cover: {args.new} holds {sum(len(m) for m in added)} more candidates; now run act train "
          f"{args.file} ... --guided --resume --run-dir {args.new}", file=sys.stderr)
    return 0


def space_favourites(graph, run: Path, samples: list[dict]) -> list[list[tuple[str, int | None, str]]]:
    """Per prompt (in `samples`' order), what `act train --add-favourite` adds: the verifier's unique favourite
    among the answers built from the label set (act_dsl.training.favourite), or nothing where several tie."""
    from act_dsl.sampling.samples import read_samples
    from act_dsl.training.favourite import NoLabelAnswer, favourite_answers
    verifier = Verifier(graph)
    typed = read_samples(run / "samples.jsonl", graph.input_types, verifier.settings.reader())
    try:
        answers = dict(zip((s.index for s in typed), favourite_answers(verifier, typed)))
    except NoLabelAnswer as exc:
        raise SystemExit(str(exc)) from None
    return [[(a, None, "stop")] if (a := answers.get(s["index"])) else [] for s in samples]


def kind_answers(graph, gen: dict, samples: list[dict], add: str) -> list[list[tuple[str, int | None, str]]]:
    """Per prompt, one greedy answer per top-level label (all of them, or the verifier's favourite)."""
    from act_dsl.sampling.backends.hf import HFBackend
    from act_dsl.sampling.model import load
    backend = HFBackend(*load(gen.get("model")))
    prompts = [s["prompt"] for s in samples]
    added: list[list[tuple[str, int | None, str]]] = [[] for _ in samples]
    guides = kind_guides(graph)
    for n, (top, guide) in enumerate(guides, 1):
        cfg = GenConfig(max_new_tokens=gen["max_new_tokens"], batch_size=8, chat=gen["chat"], stop=gen["stop"] or
                        "newline", guided=True, guide=guide)
        for b in range(0, len(prompts), 8):
            for j, c in enumerate(backend.complete(prompts[b:b + 8], 1, cfg, greedy=True)):
                added[b + j].append((c.texts[0], c.tokens[0], c.finish[0]))
        print(f"label_cover: {n}/{len(guides)} {top}: e.g. {added[0][-1][0]!r}", file=sys.stderr)
    if add == "best":
        ex = Verifier(graph).executor()
        rows = [Row(s["fields"], t) for s, more in zip(samples, added) for t, _, _ in more]
        csr = score_in_chunks(ex, rows, None, desc="label_cover", progress=False).csr
        k = len(guides)
        for i in range(len(samples)):
            mine = [c or 0.0 for c in csr[i * k:(i + 1) * k]]
            added[i] = [added[i][max(range(k), key=lambda j: (mine[j], -j))]]
    return added


def write_run(run: Path, new: Path, stages: dict, samples: list[dict], added: list[list[tuple]]) -> None:
    """NEW: RUN's settings, held-out scores before training and stage results up to sampling, and its samples
    with the added candidates after each prompt's own."""
    if new.exists():
        shutil.rmtree(new)
    new.mkdir(parents=True)
    for name in KEPT:
        if (run / name).exists():
            shutil.copy(run / name, new / name)
    (new / "stages.json").write_text(json.dumps({k: stages[k] for k in ("eval_before", "sample")}))
    with open(new / "samples.jsonl", "w") as f:
        for s, more in zip(samples, added):
            s = dict(s, responses=s["responses"] + [t for t, _, _ in more],
                     tokens=s["tokens"] + [n for _, n, _ in more], finish=s["finish"] + [e for _, _, e in more])
            f.write(json.dumps(s) + "\n")


if __name__ == "__main__":
    sys.exit(main())
