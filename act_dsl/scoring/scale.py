"""Scoring past one process: shards of a data file (`act score --shard I/N`), the content-keyed value cache
(`--cache DIR`, act_dsl/scoring/cache.py), and joining shard outputs (`act merge`) into what one unsharded
run writes, byte for byte, with one summary. No torch here.

Shard I of N takes every N-th line from line I+1 (0-based I over 1-based line numbers). A task with
`group by` blocks scores a group's records together, so it shards whole groups instead: records linked by
any group key form one component, and component c (numbered in order of first appearance) goes to shard
c mod N. Each shard writes its rows to its --out and what the merge needs to OUT.shard.json.

Ray Data's `score_batch` lives in act_dsl/batch.py: it loads a program, which this layer may not.
"""
from __future__ import annotations

import functools
import hashlib
import heapq
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from act_dsl.graph.graph import Graph
from act_dsl.graph.rules import connected_groups
from act_dsl.records import Record
from act_dsl.scoring.csr import ConstraintSummary, Scores, combine
from act_dsl.scoring.rows import place
from act_dsl.scoring.verifier import SETTING_FLAGS, Verifier

SHARD_FORMAT = "act-score-shard/2"
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


def score_cached(verifier: Verifier, records: list[Record], cache: Any) -> tuple[list[dict], Scores]:
    """`act score`'s rows and Scores, reading each response's values from `cache` (a ValueCache) where it
    has them, scoring the rest (each distinct response once) and storing them chunk by chunk."""
    from act_dsl.scoring.cache import row_key
    from act_dsl.scoring.report import output_rows
    graph, fp = verifier.graph, verifier.fingerprint()
    placed = place((rec.fields, rec.responses or ()) for rec in records)
    rows = placed.rows
    keys = [row_key(fp, {k: row.fields[k] for k in graph.inputs if k in row.fields}, row.response) for row in rows]
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
    ex = verifier.executor()
    pending = list(todo.items())
    for start in range(0, len(pending), CHUNK):
        part = pending[start:start + CHUNK]
        values = ex.constraint_values([rows[r].as_dict() for _, r in part])
        for j, (key, _) in enumerate(part):
            found[key] = {n: values[n][j] for n in names}
            cache.put(key, found[key])
    columns = {n: [found[k][n] for k in keys] for n in names}
    scores = combine(graph, columns, len(rows))
    return output_rows(records, placed.owner, scores), scores


# ---- shard files and the merge -------------------------------------------------------------------------
MAX_OPEN = 64         # shard files `act merge` holds open at once; more are merged in passes through temp files


def sidecar(out: Path) -> Path:
    return out.with_name(out.name + ".shard.json")


def data_identity(path: str | Path) -> dict[str, Any]:
    """What ties a shard to its data file: the sha256 of its bytes and its non-blank lines (each becomes a
    record or a skipped line in exactly one shard). Read in blocks, never whole."""
    h, records = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for raw in fh:
            h.update(raw)
            records += bool(raw.strip())
    return {"data_sha256": h.hexdigest(), "data_records": records}


def shard_info(graph: Graph, fp: str, data: str, shard: tuple[int, int], records: list[Record], skipped: int,
               scores: Scores, where: list[tuple[int, int]], *, identity: Mapping[str, Any] | None = None,
               settings: Mapping[str, Any] | None = None, rows_text: str = "") -> dict[str, Any]:
    """What `act merge` needs besides the rows: counts that the rows do not show (none values, errors),
    each constraint's first errors, and the run's identity: the task fingerprint, the data file (its name,
    content hash and line count), the shard, every setting that changes a value, and the rows written
    (their count and sha256), so that a cut, emptied or edited shard file is noticed."""
    first: dict[str, list] = {c: [] for c in scores.constraints}
    for r, name, msg in scores.errors:
        if len(first[name]) < 10:
            first[name].append([where[r][0], where[r][1], msg])
    return {"format": SHARD_FORMAT, "task": graph.name, "fingerprint": fp, "data": data, **(identity or {}),
            "settings": dict(settings or {}), "shard": list(shard),
            "records": len(records), "responses": len(scores), "skipped": skipped,
            "rows": rows_text.count("\n"), "rows_sha256": hashlib.sha256(rows_text.encode("utf-8")).hexdigest(),
            "weights": scores.weights, "constraints": scores.constraints,
            "none": {n: s.none for n, s in scores.summary.items()},
            "errors": {n: s.errors for n, s in scores.summary.items()},
            "invalid": {n: getattr(s, "invalid", 0) for n, s in scores.summary.items()},
            "empty_responses": sum(getattr(scores, "empty", ())), "first_errors": first}


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


# key -> the type a sidecar must hold there
_SIDECAR_KEYS: dict[str, type | tuple[type, ...]] = {
    "fingerprint": str, "data": str, "data_sha256": str, "data_records": int, "settings": dict, "shard": list,
    "records": int, "responses": int, "skipped": int, "rows": int, "rows_sha256": str, "weights": dict,
    "constraints": list, "none": dict, "errors": dict, "first_errors": dict}
_SAME = ("fingerprint", "data", "data_sha256", "data_records", "settings", "constraints")


def _read_info(p: Path) -> dict[str, Any]:
    side = sidecar(p)
    try:
        raw = side.read_bytes()
    except FileNotFoundError:
        raise MergeError(f"{p}: no {side.name} beside it; is it the --out of `act score --shard`?") from None
    except OSError as exc:
        raise MergeError(f"{side}: cannot read: {exc.strerror or exc}") from None
    try:
        info = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MergeError(f"{side}: not valid UTF-8 (byte {exc.start + 1}); not a shard description") from None
    except (ValueError, RecursionError):
        raise MergeError(f"{side}: not valid JSON (cut short or edited?); rerun that shard") from None
    if not isinstance(info, dict) or info.get("format") != SHARD_FORMAT:
        raise MergeError(f"{side}: not a shard description of this version of act (rerun that shard)")
    for key, kind in _SIDECAR_KEYS.items():
        if not isinstance(info.get(key), kind) or isinstance(info.get(key), bool):
            raise MergeError(f"{side}: `{key}` is missing or not a {getattr(kind, '__name__', kind)}; rerun that shard")
    sh = info["shard"]
    if len(sh) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in sh) or not 0 <= sh[0] < sh[1]:
        raise MergeError(f"{side}: `shard` must be [I, N] with 0 <= I < N")
    names = info["constraints"]
    for key in ("none", "errors", "first_errors", "weights"):
        if not all(isinstance(x, str) for x in names) or sorted(info[key]) != sorted(names):
            raise MergeError(f"{side}: `{key}` does not list the shard's constraints; rerun that shard")
    ok = all(isinstance(info[k][n], int) and not isinstance(info[k][n], bool) for k in ("none", "errors") for n in names)
    ok = ok and all(isinstance(e, list) and len(e) == 3 and isinstance(e[0], int) and isinstance(e[1], int)
                    and isinstance(e[2], str) for n in names for e in info["first_errors"][n])
    if not ok:
        raise MergeError(f"{side}: its counts or first errors are not in the form `act score` writes; rerun that shard")
    return info


def _difference(key: str, got: Any, want: Any, p: Path, first: Path) -> str:
    """Why shard file `p` cannot be merged with `first`: the setting or data that differs, in words."""
    if key == "settings":
        flags = {"max_chars": "--max-chars", "on_error": "--on-error", **SETTING_FLAGS}
        diff = [f"{flags.get(k, k)} {got.get(k)} there, {want.get(k)} in {first}" for k in sorted(set(got) | set(want))
                if got.get(k) != want.get(k)]
        return f"{p}: scored with other settings ({'; '.join(diff)}); score every shard with the same settings"
    if key in ("data_sha256", "data_records"):
        return (f"{p}: the data file changed between shards (its content differs from when {first} was scored); "
                "score every shard from one version of the data")
    what = {"fingerprint": "another task, reference date or limits", "data": "another data file",
            "constraints": "another task"}[key]
    return f"{p}: scored with {what} than {first}"


def read_infos(paths: list[Path]) -> list[dict[str, Any]]:
    infos = [_read_info(p) for p in paths]
    first = infos[0]
    n = first["shard"][1]
    for p, info in zip(paths, infos):
        for k in _SAME:
            if info[k] != first[k]:
                raise MergeError(_difference(k, info[k], first[k], p, paths[0]))
        if info["shard"][1] != n:
            raise MergeError(f"{p}: shard {info['shard'][0]}/{info['shard'][1]}, but {paths[0]} is one of {n}")
    have = sorted(info["shard"][0] for info in infos)
    if have != list(range(n)):
        missing = sorted(set(range(n)) - set(have))
        twice = sorted({i for i in have if have.count(i) > 1})
        raise MergeError(f"shards of {n} given {len(infos)} file(s): " +
                         (f"missing {', '.join(f'{i}/{n}' for i in missing)}" if missing else
                          f"{', '.join(f'{i}/{n}' for i in twice)} given twice"))
    total = sum(i["records"] + i["skipped"] for i in infos)
    if total != first["data_records"]:
        raise MergeError(f"the shards hold {total} record(s) and skipped line(s), but {first['data']} had "
                         f"{first['data_records']} lines when scored")
    return infos


def _lines(path: Path, info: dict[str, Any]) -> Iterator[tuple[int, str, dict]]:
    """A shard's rows, checked as they stream: UTF-8 JSON rows of `act score`, data lines in increasing order,
    as many as its sidecar counts, and the very bytes it wrote (a cut or edited file is refused)."""
    h, n, prev = hashlib.sha256(), 0, 0
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise MergeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        for raw in fh:
            n += 1
            h.update(raw)
            if not raw.endswith(b"\n"):
                raise MergeError(f"{path}:{n}: the last line is cut off (no final newline); rerun that shard")
            try:
                text = raw.decode("utf-8")
                row = json.loads(text)
                line = row["line"] if isinstance(row, dict) else None
                if not isinstance(line, int) or isinstance(line, bool) or not _scored(row):
                    raise TypeError
            except UnicodeDecodeError as exc:
                raise MergeError(f"{path}:{n}: not valid UTF-8 (byte {exc.start + 1})") from None
            except (ValueError, KeyError, TypeError, RecursionError):
                raise MergeError(f"{path}:{n}: not a line of `act score` output") from None
            if line <= prev:
                raise MergeError(f"{path}:{n}: data line {line} comes after data line {prev}; a shard's lines are in "
                                 "input order (edited?)")
            prev = line
            yield line, text, row
    if n != info["rows"]:
        raise MergeError(f"{path}: holds {n} line(s), but its sidecar says the shard wrote {info['rows']} "
                         "(cut short or emptied?); rerun that shard")
    if h.hexdigest() != info["rows_sha256"]:
        raise MergeError(f"{path}: its lines differ from those the shard wrote (edited?); rerun that shard")


def _number(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float))


def _scored(row: dict[str, Any]) -> bool:
    """Whether a row has the shape `act score` writes: a CSR and constraint values, or a list of such results."""
    if set(row) == {"line", "error"}:  # a line skipped under --on-error skip, with its error
        return isinstance(row["error"], str)
    results = row["results"] if "results" in row else [row]
    return isinstance(results, list) and all(
        isinstance(r, dict) and _number(r.get("csr", 0)) and "csr" in r and isinstance(r.get("constraints"), dict)
        and all(_number(v) or isinstance(v, dict) for v in r["constraints"].values()) for r in results)


def _spill(stream: Iterator[tuple[int, str, dict]], folder: str, k: int) -> Path:
    """One pass of a merge: a sorted stream into a temporary file (so that at most MAX_OPEN files are open)."""
    path = Path(folder) / f"pass-{k}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for _, text, _ in stream:
            out.write(text)
    return path


def _reread(path: Path) -> Iterator[tuple[int, str, dict]]:
    with path.open(encoding="utf-8") as fh:
        for text in fh:
            row = json.loads(text)
            yield row["line"], text, row


def _sorted_rows(paths: list[Path], infos: list[dict[str, Any]], folder: str) -> Iterator[tuple[int, str, dict]]:
    """All shards' rows in input order, with never more than MAX_OPEN shard or pass files open at once (the passes'
    files in `folder`, which only more shards than that need)."""
    streams: list[Callable[[], Iterator[tuple[int, str, dict]]]] = [
        functools.partial(_lines, p, info) for p, info in zip(paths, infos)]
    k = 0
    while len(streams) > MAX_OPEN:
        spilled: list[Callable[[], Iterator[tuple[int, str, dict]]]] = []
        for start in range(0, len(streams), MAX_OPEN):
            group = [make() for make in streams[start:start + MAX_OPEN]]
            k += 1
            spilled.append(functools.partial(_reread, _spill(heapq.merge(*group, key=lambda t: t[0]), folder, k)))
        streams = spilled
    return heapq.merge(*(make() for make in streams), key=lambda t: t[0])


def merge(paths: list[Path], write: Callable[[str], Any], infos: list[dict[str, Any]] | None = None) -> Merged:
    """Write the shards' rows in input order through `write`; the summary of the whole, as one run has it."""
    import contextlib
    import tempfile
    infos = infos if infos is not None else read_infos(paths)
    names, weights = infos[0]["constraints"], infos[0]["weights"]
    values: list[dict[str, Any]] = []
    csr: list[float | None] = []
    prev = 0
    # no temporary folder unless passes need one: a killed merge cannot remove it
    passes = tempfile.TemporaryDirectory(prefix="act-merge-") if len(paths) > MAX_OPEN else contextlib.nullcontext("")
    with passes as folder:
        for line, text, row in _sorted_rows(paths, infos, folder):
            if line == prev:
                raise MergeError(f"data line {line} is in two shards (were they scored from one data file?)")
            prev = line
            write(text)
            if "error" in row and "csr" not in row and "results" not in row:
                continue  # a skipped line: counted by the sidecars
            for res in row["results"] if "results" in row else [row]:
                values.append(res["constraints"])
                csr.append(res["csr"])
    scores = Scores(names, weights, values, csr)
    scores.summary = {n: ConstraintSummary(n, weights[n]) for n in names}
    for n in names:  # summed in input order, as one run sums them, so the floats agree to the last bit
        s = scores.summary[n]
        s.none = sum(i["none"][n] for i in infos)
        s.errors = sum(i["errors"][n] for i in infos)
        if hasattr(s, "invalid"):
            s.invalid = sum(i.get("invalid", {}).get(n, 0) for i in infos)
        for row_values in values:
            v = row_values.get(n)
            if v is None:
                s.not_applicable += 1
                continue
            if isinstance(v, dict):  # a verifier error shown as {"error": ...}: scored 0, counted by the sidecars
                v = 0.0
            s.applicable += 1
            s.total += float(v)
            s.passed += float(v) >= 1.0
    if hasattr(scores, "empty"):  # where the empty responses were does not matter to the summary, their count does
        empty = sum(i.get("empty_responses", 0) for i in infos)
        scores.empty = [k < empty for k in range(len(values))]
    first = []
    for n in names:  # one run lists errors constraint by constraint, each in input order
        got = sorted(e for i in infos for e in i["first_errors"][n])
        first += [{"line": line, **({"response": resp} if resp else {}), "constraint": n, "message": msg}
                  for line, resp, msg in got]
    return Merged(infos[0]["data"], sum(i["records"] for i in infos), sum(i["skipped"] for i in infos), scores,
                  first[:10], sum(s.errors for s in scores.summary.values()))
