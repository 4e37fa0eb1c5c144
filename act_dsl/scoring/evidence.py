"""Held-out results as evidence: 95 % intervals for CSR, pass rates and the task metric, and paired tables.

A held-out result is the JSON `act eval --out-json` writes and a run's eval_before.json / eval_after.json hold
(training.evaluate.evaluate): per prompt its `key` (a hash of the record's input fields), `csr` and `pass`
(each constraint's 1.0 / 0.0 / null), and under `task_metric` the per-prompt `preds` and `golds`. That is all
`act eval --compare` needs; the responses are kept for people to read. No torch here.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from act_dsl.scoring.metrics import METRICS
from act_dsl.scoring.stats import Interval, bootstrap, bootstrap_mean, mean_of, paired


class EvidenceError(ValueError):
    """A held-out result that cannot be read or paired (a usage error of `act eval --compare`)."""


def prompt_key(fields: Mapping[str, Any], inputs: Sequence[str]) -> str:
    """A short hash of a record's input fields: two results pair a prompt only when its inputs are the same."""
    text = json.dumps({k: fields.get(k) for k in inputs}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _metric_stat(result: dict[str, Any], rows: Sequence[int] | None = None) -> Callable[[Sequence[int]], float]:
    m = result["task_metric"]
    fn = METRICS[m["metric"]]
    preds, golds = m["preds"], m["golds"]
    if rows is not None:
        preds, golds = [preds[i] for i in rows], [golds[i] for i in rows]
    return lambda idx: fn([preds[i] for i in idx], [golds[i] for i in idx])


def _has_metric(result: dict[str, Any]) -> bool:
    m = result.get("task_metric")
    return isinstance(m, dict) and "preds" in m and m.get("metric") in METRICS


def intervals(result: dict[str, Any]) -> dict[str, Any]:
    """{csr, constraints: {name: pass-rate interval}, task_metric} of one held-out result, each an
    Interval.as_dict() over its prompts."""
    rows = result["responses"]
    out: dict[str, Any] = {"csr": bootstrap_mean([r["csr"] for r in rows]).as_dict(), "constraints": {}}
    for name in result["constraints"]:
        out["constraints"][name] = bootstrap_mean([r.get("pass", {}).get(name) for r in rows]).as_dict()
    if _has_metric(result):
        iv = bootstrap(len(rows), _metric_stat(result))
        out["task_metric"] = {"name": result["task_metric"]["metric"], **iv.as_dict()}
    return out


def load_result(path: str | Path) -> dict[str, Any]:
    """A held-out result: a JSON file, or a run directory of `act train` (its eval_after.json)."""
    p = Path(path)
    if p.is_dir():
        for name in ("eval_after.json", "heldout.json"):
            if (p / name).is_file():
                p = p / name
                break
        else:
            raise EvidenceError(f"{path}: a run directory without eval_after.json (finish it with "
                                "`act train --resume`, or pass a result file)")
    try:
        result = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvidenceError(f"{path}: no such file or run directory") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvidenceError(f"{p}: not a held-out result ({exc})") from None
    rows = result.get("responses") if isinstance(result, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "key" in r and "pass" in r for r in rows):
        raise EvidenceError(f"{p}: not a held-out result with per-prompt scores (written by `act eval --out-json` "
                            "or `act train` of this version)")
    return result


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The paired table of two held-out results on the prompts they share (matched by line and input key):
    per measure, A's and B's intervals and the interval of B - A."""
    def keyed(res: dict[str, Any]) -> dict[tuple, int]:
        return {(r.get("line"), r["key"]): i for i, r in enumerate(res["responses"])}
    ka, kb = keyed(a), keyed(b)
    shared = [k for k in ka if k in kb]
    if not shared:
        raise EvidenceError("the two results share no held-out prompt (same data file, same lines?)")
    ia, ib = [ka[k] for k in shared], [kb[k] for k in shared]
    ra, rb = a["responses"], b["responses"]
    n = len(shared)
    table: dict[str, Any] = {"n": n, "only_a": len(ka) - n, "only_b": len(kb) - n, "rows": []}

    def add(name: str, sa: Callable[[Sequence[int]], float | None], sb: Callable[[Sequence[int]], float | None],
            count: int) -> None:
        ia_ = bootstrap(n, sa)
        ib_ = bootstrap(n, sb)
        d = paired(sa, sb, n)
        table["rows"].append({"measure": name, "n": count, "a": ia_.as_dict(), "b": ib_.as_dict(),
                              "diff": d.as_dict()})

    def add_mean(name: str, get: Callable[[dict], float | None]) -> None:
        # a mean over the prompts where both results have a value (a constraint may not apply to one response)
        pairs = [(get(ra[i]), get(rb[j])) for i, j in zip(ia, ib)]
        both = [(x, y) for x, y in pairs if x is not None and y is not None]
        xs, ys = [x for x, _ in both], [y for _, y in both]
        m = len(both)
        sa, sb, d = bootstrap(m, mean_of(xs)), bootstrap(m, mean_of(ys)), paired(mean_of(xs), mean_of(ys), m)
        table["rows"].append({"measure": name, "n": m, "a": sa.as_dict(), "b": sb.as_dict(), "diff": d.as_dict()})

    add_mean("CSR", lambda r: r["csr"])
    def pass_of(name: str) -> Callable[[dict], float | None]:
        return lambda r: r["pass"].get(name)

    for name in a["constraints"]:
        if name in b["constraints"]:
            add_mean(f"{name} (pass)", pass_of(name))
    if _has_metric(a) and _has_metric(b) and a["task_metric"]["metric"] == b["task_metric"]["metric"]:
        add(a["task_metric"]["metric"], _metric_stat(a, ia), _metric_stat(b, ib), n)
    return table


def render_compare(table: dict[str, Any], name_a: str, name_b: str) -> str:
    """The paired table as text: A and B with their intervals, and B - A with the paired interval."""
    head = f"{'measure':<28} {'n':>4}  {'A':<24} {'B':<24} {'B - A (paired)':<26}"
    lines = [f"A = {name_a}", f"B = {name_b}",
             f"{table['n']} shared held-out prompts; 95 % percentile bootstrap over prompts (2000 resamples)",
             head, "-" * len(head)]
    for row in table["rows"]:
        a, b, d = (Interval.from_dict(row[k]) for k in ("a", "b", "diff"))
        lines.append(f"{row['measure']:<28} {row['n']:>4}  {a.text():<24} {b.text():<24} {d.text(signed=True):<26}")
    if table["only_a"] or table["only_b"]:
        lines.append(f"(left out: {table['only_a']} prompt(s) only in A, {table['only_b']} only in B)")
    return "\n".join(lines)


def diff_to_base(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Paired differences after - before of a trained run, as {measure: Interval.as_dict()}."""
    table = compare(before, after)
    return {row["measure"]: row["diff"] for row in table["rows"]}


def interval_text(d: Mapping[str, Any] | None, signed: bool = False) -> str:
    return "-" if not d else Interval.from_dict(dict(d)).text(signed=signed)


def run_evidence(run_dir: Path) -> dict[str, Any] | None:
    """A finished run's held-out intervals before and after training and the paired difference, for its report;
    None for a run resumed from evaluations saved without per-prompt scores (its report has no intervals)."""
    try:
        before = load_result(run_dir / "eval_before.json")
        after = load_result(run_dir / "eval_after.json")
    except EvidenceError:
        return None
    return {"before": before.get("intervals") or intervals(before), "after": after.get("intervals") or intervals(after),
            "difference": diff_to_base(before, after)}
