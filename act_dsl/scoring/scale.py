"""Scoring past one process: shards of a data file (`act score --shard I/N`), the content-keyed value cache
(`--cache DIR`, act_dsl/scoring/cache.py), and joining shard outputs (`act merge`) into what one unsharded
run writes, byte for byte, with one summary. No torch here.

Shard I of N takes every N-th line from line I+1 (0-based I over 1-based line numbers). A task with
`group by` blocks scores a group's records together, so it shards whole groups instead: records linked by
any group key form one component, and component c (numbered in order of first appearance) goes to shard
c mod N. Each shard writes its rows to its --out and what the merge needs to OUT.shard.json.

`score_batch` is the function Ray Data's `map_batches` (or Dask's `map_partitions`) runs on each worker to
score a batch of JSONL lines; see docs/scale.md. No dataflow engine is imported here.
"""
from __future__ import annotations

import datetime as dt
import functools
import heapq
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from act_dsl.graph.graph import Graph
from act_dsl.graph.rules import connected_groups
from act_dsl.records import Record
from act_dsl.scoring.csr import ConstraintSummary, Scores, combine

SHARD_FORMAT = "act-score-shard/1"
CHUNK = 512           # responses scored between cache writes: what a kill can lose


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` -> (I, N), 0 <= I < N; ValueError with the reason otherwise."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must be I/N (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise ValueError(f"--shard {text}: I must be in 0..N-1 and N at least 1")
    return i, n


def line_keeper(i: int, n: int) -> Callable[[int], bool]:
    return lambda line: (line - 1) % n == i


def group_components(graph: Graph, records: list[Record]) -> list[int]:
    """For each record, its component: records sharing a value of any `group by` key are linked, transitively."""
    return connected_groups([rec.fields for rec in records], graph.group_keys)


def score_cached(graph: Graph, records: list[Record], cache: Any, fp: str, reference_date: Any = None,
                 limits: Any = None) -> tuple[list[dict], Scores]:
    """`act score`'s rows and Scores, reading each response's values from `cache` (a ValueCache) where it
    has them, scoring the rest (each distinct response once) and storing them chunk by chunk."""
    from act_dsl.graph.executor import Executor
    from act_dsl.scoring.cache import row_key
    from act_dsl.scoring.report import expand, output_rows
    rows, owner, _ = expand(records)
    keys = [row_key(fp, {k: row[k] for k in graph.inputs if k in row}, row["response"]) for row in rows]
    names = [c.name for c in graph.constraints]
    found: dict[str, dict[str, Any]] = {}
    todo: dict[str, int] = {}                       # key -> first row that needs it
    for r, key in enumerate(keys):
        if key in found or key in todo:
            continue
        got = cache.get(key)
        if got is None:
            todo[key] = r
        else:
            found[key] = got
    ex = Executor(graph, reference_date, limits=limits)
    pending = list(todo.items())
    for start in range(0, len(pending), CHUNK):
        part = pending[start:start + CHUNK]
        values = ex.constraint_values([rows[r] for _, r in part])
        for j, (key, _) in enumerate(part):
            found[key] = {n: values[n][j] for n in names}
            cache.put(key, found[key])
    columns = {n: [found[k][n] for k in keys] for n in names}
    scores = combine(graph, columns, len(rows))
    return output_rows(records, owner, scores), scores


# ---- dataflow engines (Ray Data) -----------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _program(path: str, strict: bool = True) -> Any:
    import act_dsl
    return act_dsl.load(path, strict=strict)


def score_batch(batch: Mapping[str, Any], path: str, task: str | None = None,
                reference_date: str | None = None) -> dict[str, Any]:
    """{"text": [jsonl lines]} -> {"text": the lines, "csr": each line's CSR (None: no applicable constraint),
    "values": each line's constraint values as a JSON object string}. A line holds the task's inputs and one
    `response`; a bad line raises act_dsl.records.DataError naming its place in the batch."""
    import numpy as np
    lines = [str(x) for x in batch["text"]]
    ref = dt.date.fromisoformat(reference_date) if reference_date else None
    scores = _program(path).score([json.loads(x) for x in lines], task, ref)
    values = [json.dumps(v, ensure_ascii=False) for v in scores.values]
    return {"text": np.array(lines, dtype=object), "csr": np.array(scores.csr, dtype=object),
            "values": np.array(values, dtype=object)}


# ---- shard files and the merge -------------------------------------------------------------------------
def sidecar(out: Path) -> Path:
    return out.with_name(out.name + ".shard.json")


def shard_info(graph: Graph, fp: str, data: str, shard: tuple[int, int], records: list[Record], skipped: int,
               scores: Scores, where: list[tuple[int, int]]) -> dict[str, Any]:
    """What `act merge` needs besides the rows: counts that the rows do not show (none values, errors),
    each constraint's first errors, and the run's identity (task fingerprint, data file, shard)."""
    first: dict[str, list] = {c: [] for c in scores.constraints}
    for r, name, msg in scores.errors:
        if len(first[name]) < 10:
            first[name].append([where[r][0], where[r][1], msg])
    return {"format": SHARD_FORMAT, "task": graph.name, "fingerprint": fp, "data": data, "shard": list(shard),
            "records": len(records), "responses": len(scores), "skipped": skipped,
            "weights": scores.weights, "constraints": scores.constraints,
            "none": {n: s.none for n, s in scores.summary.items()},
            "errors": {n: s.errors for n, s in scores.summary.items()}, "first_errors": first}


class MergeError(Exception):
    """Shard files that do not make one whole run: a message naming the file."""


@dataclass
class Merged:
    data: str
    records: int
    skipped: int
    scores: Scores
    first: list[dict[str, Any]]
    errors: int


def read_infos(paths: list[Path]) -> list[dict[str, Any]]:
    infos = []
    for p in paths:
        side = sidecar(p)
        try:
            info = json.loads(side.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MergeError(f"{p}: no {side.name} beside it; is it the --out of `act score --shard`?") from None
        except (OSError, ValueError) as exc:
            raise MergeError(f"{side}: unreadable ({exc})") from None
        if not isinstance(info, dict) or info.get("format") != SHARD_FORMAT:
            raise MergeError(f"{side}: not a shard description of this version of act")
        infos.append(info)
    first = infos[0]
    n = first["shard"][1]
    for p, info in zip(paths, infos):
        for k in ("fingerprint", "data"):
            if info[k] != first[k]:
                raise MergeError(f"{p}: scored with another {'task or settings' if k == 'fingerprint' else 'data file'}"
                                 f" than {paths[0]}")
        if info["shard"][1] != n:
            raise MergeError(f"{p}: shard {info['shard'][0]}/{info['shard'][1]}, but {paths[0]} is one of {n}")
    have = sorted(info["shard"][0] for info in infos)
    if have != list(range(n)):
        missing = sorted(set(range(n)) - set(have))
        twice = sorted({i for i in have if have.count(i) > 1})
        raise MergeError(f"shards of {n} given {len(infos)} file(s): " +
                         (f"missing {', '.join(f'{i}/{n}' for i in missing)}" if missing else
                          f"{', '.join(f'{i}/{n}' for i in twice)} given twice"))
    return infos


def _lines(path: Path) -> Iterator[tuple[int, str, dict]]:
    with path.open(encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            try:
                row = json.loads(text)
                yield int(row["line"]), text, row
            except (ValueError, KeyError, TypeError):
                raise MergeError(f"{path}:{n}: not a line of `act score` output") from None


def merge(paths: list[Path], write: Callable[[str], Any]) -> Merged:
    """Write the shards' rows in input order through `write`; the summary of the whole, as one run has it."""
    infos = read_infos(paths)
    names, weights = infos[0]["constraints"], infos[0]["weights"]
    values: list[dict[str, Any]] = []
    csr: list[float | None] = []
    for _, text, row in heapq.merge(*(_lines(p) for p in paths), key=lambda t: t[0]):
        write(text)
        for res in row["results"] if "results" in row else [row]:
            values.append(res["constraints"])
            csr.append(res["csr"])
    scores = Scores(names, weights, values, csr)
    scores.summary = {n: ConstraintSummary(n, weights[n]) for n in names}
    for n in names:  # summed in input order, as one run sums them, so the floats agree to the last bit
        s = scores.summary[n]
        s.none = sum(i["none"][n] for i in infos)
        s.errors = sum(i["errors"][n] for i in infos)
        for row_values in values:
            v = row_values.get(n)
            if v is None:
                s.not_applicable += 1
                continue
            s.applicable += 1
            s.total += float(v)
            s.passed += float(v) >= 1.0
    first = []
    for n in names:  # one run lists errors constraint by constraint, each in input order
        got = sorted(e for i in infos for e in i["first_errors"][n])
        first += [{"line": line, **({"response": resp} if resp else {}), "constraint": n, "message": msg}
                  for line, resp, msg in got]
    return Merged(infos[0]["data"], sum(i["records"] for i in infos), sum(i["skipped"] for i in infos), scores,
                  first[:10], sum(s.errors for s in scores.summary.values()))
