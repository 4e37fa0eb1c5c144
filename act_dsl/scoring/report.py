"""Scoring whole data sets: output rows, the per-constraint summary table, and traces of one record."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from act_dsl.ops.values import to_json
from act_dsl.records import Record
from act_dsl.scoring.csr import Scores, shown_number

if TYPE_CHECKING:
    from act_dsl.scoring.verifier import Verifier

def score_dataset(verifier: "Verifier", records: list[Record], progress: bool = True
                  ) -> tuple[list[dict[str, Any]], Scores, list[tuple[int, int]]]:
    """The lines `act score` writes, the Scores, and where each scored response came from: (its record's line,
    its number among the record's `responses`, 0 for a lone `response`)."""
    placed, scores = verifier.score_records(records, progress)
    where = [(records[o].line, c + 1 if records[o].many else 0) for o, c in zip(placed.owner, placed.candidate)]
    return output_rows(records, placed.owner, scores), scores, where


def first_errors(scores: Scores, where: list[tuple[int, int]], n: int = 10) -> list[dict[str, Any]]:
    """The first verifier errors, each by its data line (and response number), as the summary shows them."""
    return [{"line": where[r][0], **({"response": where[r][1]} if where[r][1] else {}), "constraint": name,
             "message": msg} for r, name, msg in scores.errors[:n]]


def output_rows(records: list[Record], owner: list[int], scores: Scores) -> list[dict[str, Any]]:
    """The lines `act score` writes: one per record, its response's results (or each of its `responses`')."""
    out: list[dict[str, Any]] = []
    by_record: dict[int, list[int]] = {}
    for r, i in enumerate(owner):
        by_record.setdefault(i, []).append(r)
    for i, rec in enumerate(records):
        results = [{"csr": scores.csr[r], "constraints": {k: to_json(v) for k, v in scores.values[r].items()}}
                   for r in by_record[i]]
        head: dict[str, Any] = {"line": rec.line}
        if "id" in rec.fields:
            head["id"] = rec.fields["id"]
        out.append({**head, "results": results} if rec.many else {**head, **results[0]})
    return out


def with_skipped(rows: list[dict[str, Any]], problems: list[Any]) -> list[dict[str, Any]]:
    """The output lines of every record line in file order: a line skipped under `--on-error skip` gets
    `{"line": N, "error": message}` (`problems`: records.Problem), so the output has one line per input line."""
    if not problems:
        return rows
    skipped = [{"line": p.line, "error": p.message} for p in problems]
    return sorted(rows + skipped, key=lambda row: row["line"])  # stable: each line appears once


def summary_table(scores: Scores, skipped: int = 0) -> str:
    names = scores.constraints
    width = max([len(n) for n in names] + [10])
    head = (f"{'constraint':<{width}}  {'weight':>6}  {'pass':>6}  {'mean':>6}  {'n/a':>5}  {'invalid':>7}  "
            f"{'errors':>6}")
    lines = [head, "-" * len(head)]
    for n in names:
        s = scores.summary[n]
        lines.append(f"{n:<{width}}  {s.weight:>6g}  {shown_number(s.pass_rate):>6}  {shown_number(s.mean):>6}  "
                     f"{s.not_applicable:>5}  {s.invalid:>7}  {s.errors:>6}")
    lines.append("-" * len(head))
    nones = sum(1 for c in scores.csr if c is None)
    lines.append(f"mean CSR {shown_number(scores.mean_csr)} over {len(scores) - nones} response(s)"
                 + (f" ({nones} with no applicable constraint)" if nones else "")
                 + (f"; {skipped} bad line(s) skipped" if skipped else ""))
    if scores.empty_responses:
        lines.append(f"{scores.empty_responses} empty response(s): 0 on every constraint")
    invalid = sum(s.invalid for s in scores.summary.values())
    if invalid:
        lines.append(f"{invalid} invalid answer(s), each scored false (see the `invalid` column)")
    errors = sum(s.errors for s in scores.summary.values())
    if errors:
        lines.append(f"{errors} verifier error(s), each scored 0 (see the `errors` column)")
    return "\n".join(lines)
