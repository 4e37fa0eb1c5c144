"""IFEval: act_dsl's examples/ifeval/ifeval.act beside the reference checkers (lm-eval's IFEval instructions, strict)
on the same generated responses: rewards/s at each batch size, and verdict agreement per instruction id.

  pip install --no-deps lm-eval==0.4.13 && pip install langdetect nltk immutabledict
  python bench/ifeval_reference.py [--batches 64,256,1024] [--repeats 3]

The responses are bench/serve_speed.py's (the 541 published prompts, generated paragraphs with titles, bullets,
postscripts, commas and lower case mixed in). A (prompt, instruction) pair agrees when our constraint's value and
the checker's verdict are equal (for an id listed twice, our share against the share of the checker's verdicts).
Two checkers need nltk's punkt data, which cannot be downloaded here: `length_constraints:number_sentences`
(punkt's sentence splitter) and `change_case:capital_word_frequency` (`word_tokenize`); where that data is absent
they are left out of the reference's work and of the agreement, and said so. Prints the command and a table."""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
import types
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from serve_speed import ifeval_records, summary  # noqa: E402

PUNKT_CHECKS = {"length_constraints:number_sentences", "change_case:capital_word_frequency"}


def reference_registry() -> tuple[dict[str, Any], set[str]]:
    """lm-eval's IFEval instruction classes, imported from their files without lm_eval's package imports (which
    pull in its whole evaluation stack), and the ids that cannot run here for want of punkt."""
    import importlib.util
    import logging
    spec = importlib.util.find_spec("lm_eval")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("this bench needs lm-eval: pip install --no-deps lm-eval==0.4.13 && pip install langdetect nltk "
                 "immutabledict")
    folder = Path(list(spec.submodule_search_locations)[0]) / "tasks" / "ifeval"
    for name, path in (("lm_eval", folder.parent.parent), ("lm_eval.tasks", folder.parent),
                       ("lm_eval.tasks.ifeval", folder)):
        if name not in sys.modules:
            pkg = types.ModuleType(name)
            pkg.__path__ = [str(path)]
            sys.modules[name] = pkg
    logging.getLogger("nltk").setLevel(logging.CRITICAL)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        # its import tries nltk.download("punkt_tab"), which fails offline and says "Downloaded" all the same
        from lm_eval.tasks.ifeval import instructions_registry
    import nltk
    try:
        nltk.data.find("tokenizers/punkt_tab")
        missing: set[str] = set()
    except LookupError:
        missing = set(PUNKT_CHECKS)
    return instructions_registry.INSTRUCTION_DICT, missing


def reference_verdicts(registry: dict[str, Any], skip: set[str], record: dict[str, Any]) -> list[bool | None]:
    """lm-eval's strict verdict per listed instruction (its own rule: drop None kwargs, re-build with the prompt
    where the instruction takes one, an empty response follows nothing); None for a skipped check."""
    out: list[bool | None] = []
    response = record["response"]
    for index, iid in enumerate(record["instruction_id_list"]):
        if iid in skip:
            out.append(None)
            continue
        checker = registry[iid](iid)
        checker.build_description(**{k: v for k, v in record["kwargs"][index].items() if v})
        args = checker.get_instruction_args()
        if args and "prompt" in args:
            checker.build_description(prompt=record["prompt"])
        out.append(bool(response.strip() and checker.check_following(response)))
    return out


def agreement(records: list[dict[str, Any]], ours: list[dict[str, Any]], refs: list[list[bool | None]]
              ) -> tuple[dict[str, Counter], list[str]]:
    """Per instruction id: pairs compared and how ours and the reference's verdicts split; a few disagreements."""
    table: dict[str, Counter] = defaultdict(Counter)
    examples: list[str] = []
    for rec, values, ref in zip(records, ours, refs):
        by_id: dict[str, list[bool]] = defaultdict(list)
        for iid, verdict in zip(rec["instruction_id_list"], ref):
            if verdict is not None:
                by_id[iid].append(verdict)
        for iid in rec["instruction_id_list"]:
            if iid not in by_id:
                table[iid]["skipped"] += 1
        for iid, verdicts in by_id.items():
            theirs = sum(verdicts) / len(verdicts)
            mine = values.get(iid.replace(":", "__"))
            mine_f = None if mine is None or isinstance(mine, dict) else float(mine)
            key = "agree" if mine_f is not None and abs(mine_f - theirs) < 1e-9 else \
                f"ours {mine!r} / ref {theirs:g}"
            table[iid][key] += len(verdicts)
            table[iid]["ref passes"] += sum(verdicts)
            if drawn(iid, rec):
                table[iid]["drawn"] += len(verdicts)
                table[iid]["drawn, agree"] += len(verdicts) if key == "agree" else 0
            if key != "agree" and len(examples) < 40:
                kw = rec["kwargs"][rec["instruction_id_list"].index(iid)]
                examples.append(f"{iid} {kw}: ours {mine!r}, ref {theirs:g}: {rec['response'][:160]!r}")
    return table, examples


NOT_COUNTED = ("skipped", "ref passes", "drawn", "drawn, agree")


def drawn(iid: str, rec: dict[str, Any]) -> bool:
    """lm-eval's letter_frequency checker replaces a `letter` that is not one ASCII letter (`#`, `!`) by a letter it
    draws at random (its build_description): its verdict on those prompts changes from run to run."""
    if iid != "keywords:letter_frequency":
        return False
    letter = (rec["kwargs"][rec["instruction_id_list"].index(iid)] or {}).get("letter") or ""
    return not (len(letter) == 1 and "a" <= letter.lower() <= "z")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="64,256,1024")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import act_dsl
    registry, skip = reference_registry()
    program = act_dsl.load(ROOT / "examples" / "ifeval" / "ifeval.act", strict=True)
    warm = ifeval_records(64, 999)
    program.score(warm)
    for rec in warm:
        reference_verdicts(registry, skip, rec)
    print(f"command: python bench/ifeval_reference.py {' '.join(sys.argv[1:])}")
    if skip:
        print(f"reference checks left out (nltk punkt data absent): {', '.join(sorted(skip))}")
    print(f"{'scorer':28} {'batch':>6} {'rewards/s':>10} {'p50 s':>8} {'p99 s':>8}")
    all_records, all_ours, all_refs = [], [], []
    for batch in (int(b) for b in args.batches.split(",")):
        ours_lat, ref_lat = [], []
        for r in range(args.repeats):
            records = ifeval_records(batch, 100 * batch + r)
            t = time.perf_counter()
            scores = program.score(records)
            ours_lat.append(time.perf_counter() - t)
            t = time.perf_counter()
            refs = [reference_verdicts(registry, skip, rec) for rec in records]
            ref_lat.append(time.perf_counter() - t)
            all_records += records
            all_ours += [dict(v) for v in scores.values]
            all_refs += refs
        for name, lat in (("act_dsl (Program.score)", ours_lat), ("lm-eval IFEval checkers", ref_lat)):
            s = summary(lat, batch)
            print(f"{name:28} {batch:6} {s['rewards_per_s']:10.0f} {s['p50_s']:8.3f} {s['p99_s']:8.3f}", flush=True)
    hand = [json.loads(x) for x in (ROOT / "examples" / "ifeval" / "records.jsonl").read_text().splitlines() if x]
    all_records += hand   # hand-written responses that follow some instructions, so passes are compared too
    all_ours += [dict(v) for v in program.score(hand).values]
    all_refs += [reference_verdicts(registry, skip, rec) for rec in hand]
    table, examples = agreement(all_records, all_ours, all_refs)
    total = sum(c["agree"] for c in table.values())
    compared = sum(n for c in table.values() for k, n in c.items() if k not in NOT_COUNTED)
    print(f"\nagreement over {len(all_records)} responses: {total}/{compared} instruction verdicts "
          f"({total / max(compared, 1):.4f})")
    fixed = total - sum(c["drawn, agree"] for c in table.values())
    fixed_n = compared - sum(c["drawn"] for c in table.values())
    print(f"leaving out the {compared - fixed_n} letter_frequency verdicts on a `letter` that is not a letter (the "
          f"reference draws a random letter there): {fixed}/{fixed_n} ({fixed / max(fixed_n, 1):.4f})")
    print(f"{'instruction id':45} {'pairs':>6} {'ref passes':>10} {'agree':>7}  disagreements")
    for iid in sorted(table):
        c = table[iid]
        n = sum(v for k, v in c.items() if k not in NOT_COUNTED)
        rest = ", ".join(f"{k}: {v}" for k, v in sorted(c.items()) if k not in ("agree", *NOT_COUNTED))
        rest += f" (the reference's letter drawn at random: {c['drawn']})" if c["drawn"] else ""
        share = f"{c['agree'] / n:.3f}" if n else "-"
        skipped = f" (not compared: {c['skipped']})" if c["skipped"] else ""
        print(f"{iid:45} {n:6} {c['ref passes']:10} {share:>7}  {rest}{skipped}")
    if examples:
        print("\nfirst disagreements:")
        for e in examples:
            print("  " + e)


if __name__ == "__main__":
    main()
