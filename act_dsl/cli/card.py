"""`act card`: a verifier card for a task (gold acceptance, mutation testing, derived attacks, a search adversary
and, with samples, proxy quality), as text, JSON or Markdown; no model needed."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from act_dsl.cli.common import (EXIT_FAILED, EXIT_OK, UsageError, checked_graph, data_options, limit_option,
                                load_checked, positive_int, read_candidates, read_data, task_name, verifier)


def register(sub: Any) -> None:
    p = sub.add_parser("card", help="a verifier card: gold acceptance, mutants, attacks and proxy quality")
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs (and the gold field)")
    p.add_argument("--gold", metavar="FIELD", default=None,
                   help="record field with the gold answer (a text or a list of texts; for a JSON answer an object, "
                   "or fields joined by commas: `gold_name,gold_price` gives the keys `name` and `price`)")
    p.add_argument("--metric-task", metavar="FILE",
                   help="a task whose CSR of an answer is the task metric, in place of the metric against --gold "
                   "(for a task defined by a published checker, whose gold answer is one right answer among many)")
    p.add_argument("--samples", help="sampled responses (`act sample` output) to rank against the gold answers")
    p.add_argument("--mutants", type=positive_int, default=20, help="mutants of each gold answer, at most")
    p.add_argument("--search", type=int, default=40, metavar="N",
                   help="records the search adversary works on (0: no search)")
    p.add_argument("--out", metavar="FILE", help="write the card to this file (default: stdout)")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    limit_option(p, first="records of --data", old_count=False)
    data_options(p)
    p.set_defaults(fn=run_card)


def run_card(args: argparse.Namespace) -> int:
    from act_dsl.safe_files import AtomicWriter, OutputError, check_output
    from act_dsl.scoring.card import build_card
    from act_dsl.scoring.probes import GoldError, example_reference, responses_reference
    target = None
    if args.out:
        try:
            target = check_output(args.out, [args.data, args.file] + ([args.samples] if args.samples else []))
        except OutputError as exc:
            raise UsageError(str(exc)) from None
    graph = checked_graph(args)
    if graph is None:
        return EXIT_FAILED
    if args.search < 0:
        raise UsageError("--search must be 0 or more")
    ver = verifier(args, graph)  # --reference-date and --limit NAME=VALUE, read once
    ds = read_data(args, graph, need_response=False)
    records = ds.records[:args.first] if args.first else ds.records
    if not records:
        raise UsageError(f"{args.data}: no usable records")
    metric_task = None
    if args.metric_task:
        if not args.gold:
            raise UsageError("--metric-task needs --gold: the card mutates the gold answers")
        program = load_checked(args.metric_task)
        if program is None:
            return EXIT_FAILED
        metric_graph = program.graph(task_name(program, None))
        lacking = [n for n in metric_graph.input_types if any(n not in r.fields for r in records)]
        if lacking:
            raise UsageError(f"{args.metric_task}: task `{metric_graph.name}` reads the input `{lacking[0]}`, which "
                             f"records of {args.data} lack")
        metric_task = dataclasses.replace(ver, graph=metric_graph)  # the same run settings
    samples = None
    if args.samples:
        if not args.gold:
            raise UsageError("--samples needs --gold: proxy quality compares CSR with the task metric")
        samples = read_candidates(args, ver, args.samples)
    where = [f"{args.data}:{r.line}" for r in records]
    reference = None
    if not args.gold:  # attacks are then compared with real answers: the data's responses, else the examples'
        have = [r for r in records if r.responses]
        reference = (responses_reference(ver, [r.fields for r in have], [r.responses or [] for r in have],
                                         args.data) if have else example_reference(ver))
    try:
        card = build_card(ver, [r.fields for r in records], where, args.gold, samples, per_record=args.mutants,
                          search_records=args.search, reference=reference, metric_task=metric_task)
    except GoldError as exc:
        raise UsageError(f"{args.data}:{records[exc.index].line}: {exc.reason}") from None
    d = card.as_dict()
    d["command"] = " ".join(["act card", args.file, "--data", args.data] + (["--gold", args.gold] if args.gold else []) +
                            (["--metric-task", args.metric_task] if args.metric_task else []) +
                            (["--samples", args.samples] if args.samples else []) +
                            ([f"--mutants {args.mutants}"] if args.mutants != 20 else []) +
                            ([f"--search {args.search}"] if args.search != 40 else []) +
                            ([f"--first {args.first}"] if args.first else []) +
                            [f"--limit {spec}" for spec in args.limit or ()])
    text = (json.dumps(d, indent=2, ensure_ascii=False) + "\n" if args.format == "json"
            else render_markdown(d) if args.format == "markdown" else render_text(d))
    if target is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with AtomicWriter(target) as out:
            out.write(text)
    except OSError as exc:
        print(f"act card: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"act card: {d['verdict']} (written to {args.out})", file=sys.stderr)
    return EXIT_OK


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _ok(v: bool | None) -> str:
    return "n/a" if v is None else "pass" if v else "FAIL"


def _weight(gold: dict[str, Any], c: str) -> str:
    """" (weight W)" for a constraint weighted other than 1 (a light tie-breaker may fail gold answers by design)."""
    w = (gold.get("weights") or {}).get(c, 1.0)
    return "" if w == 1.0 else f" (weight {w:g})"


def _sections(d: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The card as (title, text lines, table rows: the first row is the header) per section."""
    names = [c for c in (d["gold"] or (d["attacks"][0] if d["attacks"] else {"pass_rates": {}}))["pass_rates"]]
    out: list[tuple[str, list[str], list[list[str]]]] = []
    g = d["gold"]
    if g:
        lines = [f"gold CSR {_f(g['csr'])} over {d['records']} record(s) (`{d['gold_field']}`); "
                 f"{g['rejected_count']} record(s) not fully accepted"]
        lines += [f"rejected: {r['where']} (CSR {_f(r['csr'])}, fails " + ", ".join(f"`{c}`" for c in r["failed"]) + ")"
                  for r in g["rejected"]]
        if g["rejected_count"] > len(g["rejected"]):
            lines.append(f"... and {g['rejected_count'] - len(g['rejected'])} more")
        out.append(("1. Gold acceptance", lines, [["constraint", "gold pass rate"]] +
                    [[f"`{c}`" + _weight(g, c), _f(g["pass_rates"][c])] for c in names]))
    else:
        ref = d.get("reference") or {}
        out.append(("1. Gold acceptance", ["no gold answers given (--gold FIELD): sections 1, 2 and 4 are empty"] +
                    ([f"reference for the attacks: mean CSR {_f(ref['mean_csr'])} of {ref['source']}"] if ref else []),
                    []))
    m = d["mutants"]
    if m and m["kinds"]:
        rows = [["mutation", "mutants", "killed"] + [f"`{c}`" for c in names]]
        rows += [[f"`{k}`", str(v["n"]), _pct(v["killed"])] + [_pct(v["by_constraint"][c]) for c in names]
                 for k, v in m["kinds"].items()]
        lines = [f"{m['total']} mutants of the gold answers; killed: CSR below the gold answer's (per constraint: "
                 "its value below gold's)"]
        from act_dsl.scoring.card import KILL_AT
        for k, v in m["kinds"].items():  # what the verifier misses, for the kinds below the card's threshold
            if v["killed"] < KILL_AT:
                lines += [f"survived `{k}`: {s['where']}: {s['gold']!r} -> {s['mutant']!r} (CSR {_f(s['csr'])}, "
                          f"gold {_f(s['gold_csr'])})" for s in v.get("survivors", [])]
        out.append(("2. Mutation testing", lines, rows))
    elif g:
        out.append(("2. Mutation testing", ["no mutant could be made from the gold answers"], []))
    rows = [["attack", "mean CSR", "below gold", "rewarded by"]]
    for a in sorted(d["attacks"], key=lambda a: -(a["mean_csr"] or 0)):
        rows.append([f"`{a['name']}`", _f(a["mean_csr"]), _f(a["gap"]), ", ".join(f"`{c}`" for c in a["rewarding"])])
    lines = []
    adv = d["adversary"]
    if adv:
        lines.append(f"search adversary: wrong answers (task metric at most {adv.get('wrong_at', 0.5):g} of the gold "
                     f"answer's) on {adv['found']} of {adv['records']} record(s), mean CSR {_f(adv['mean_csr'])} "
                     f"against gold {_f(adv['gold_csr'])} on the same records")
        lines += [f"  e.g. {e['where']}: {e['response']!r} (CSR {_f(e['csr'])})" for e in adv["examples"]]
    ch = d.get("choice")
    if ch:
        lines.append(f"the verifier's own choice among {ch['about']}: its favourite answer scores {d['metric']} "
                     f"{_f(ch['metric'])} on average against the gold answers' {_f(ch['gold_metric'])}, and is wrong on "
                     f"{ch['wrong']} of {ch['records']} record(s) ({ch['ties']:.1f} answers tie for first on average; "
                     f"one favourite alone on {ch['unique']}); a trainer whose candidates reach every such answer "
                     "learns this one (`act train --add-favourite` adds a unique favourite to them)")
        lines += [f"  e.g. {e['where']}: {e['response']!r}" + (f" (tied with {e['tied'] - 1} more)" if e["tied"] > 1
                                                                  else "") + f", CSR {_f(e['csr'])}; gold {e['gold']!r}"
                  for e in ch["examples"]]
    out.append(("3. Derived attacks and search adversary", lines, rows))
    p = d["proxy"]
    if p:
        out.append(("4. Proxy quality", [
            f"{p['responses']} sampled response(s) over {p['prompts']} prompt(s) with two or more: Spearman "
            f"{_f(p['spearman'])} between CSR and {d['metric']}; best sample by CSR is best by {d['metric']} on "
            f"{_pct(p['best_agrees'])} of prompts"], []))
    checks = d["checks"]
    lines = [f"verdict: {d['verdict']}",
             "thresholds: " + ", ".join(f"{n} {_ok(v)}" for n, v in checks.items())]
    lines += [f"fix: {f}" for f in d["fixes"]] + [f"note: {n}" for n in d["notes"]]
    out.append(("5. Verdict", lines, []))
    return out


def render_text(d: dict[str, Any]) -> str:
    out = [f"verifier card: task `{d['task']}`, {d['records']} record(s), output `{d['output']}`"
           + (f", metric {d['metric']}" if d["metric"] else "")]
    for title, lines, rows in _sections(d):
        out += ["", title] + lines
        if rows:
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows[:1]]
            out.append("-" * len(out[-1]))
            out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows[1:]]
    return "\n".join(out) + "\n"


def render_markdown(d: dict[str, Any]) -> str:
    out = [f"# Verifier card: `{d['task']}`", "",
           f"{d['records']} record(s), output `{d['output']}`" + (f", metric {d['metric']}" if d["metric"] else "")
           + ". Written by " + (f"`{d['command']} --format markdown`" if d.get("command") else "`act card`")
           + "; thresholds: gold CSR >= 0.95, the best attack and the search adversary at "
           "least 0.15 below gold, at least 80 % of each kind of mutant killed. A mutant is wrong when the task "
           "metric scores it below the gold answer; the search adversary's answers, when it scores them at most "
           "half of the gold answer's (a partly right answer is not wrong)."]
    for title, lines, rows in _sections(d):
        out += ["", f"## {title}", ""] + [f"- {x}" if not x.startswith("  ") else f"  - {x.strip()}" for x in lines]
        if rows:
            out += ["", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows[1:]]
    return "\n".join(out) + "\n"
