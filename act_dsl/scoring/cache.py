"""A content-keyed cache of constraint values for `act score --cache DIR`.

Key: sha256 of the program's fingerprint (its verifier graph, label sets, act_dsl's version, the reference
date and work limits), the record's input fields and the response. Value: the raw constraint values, so a
cached row is combined into CSRs and summaries exactly as a freshly scored one. Each entry is its own file,
written to a temporary name and renamed into place, so a killed run leaves whole entries and resumes from
them; several processes (shards) may share one folder. An unreadable entry is recomputed with a warning.
No torch here.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.graph.rules import InvalidAnswer
from act_dsl.ops.values import EMPTY, NA, ErrorValue, to_json

FORMAT = "act-score-cache/2"  # 2: invalid answers kept apart from verifier errors


def fingerprint(graph: Graph, day: Any, limits: Any) -> str:
    """What a response's values depend on besides its record: the graph node by node, and the run's settings
    (its reference day and limits; Verifier.fingerprint passes them)."""
    from act_dsl.version import __version__
    h = hashlib.sha256()
    parts = [FORMAT, __version__, graph.name, repr(sorted(graph.input_types.items())), repr(day),
             repr(vars(limits) if limits is not None else None), repr(graph.reference_field)]
    parts += [f"{n.id}|{n.op}|{n.params!r}|{[a.id for a in n.args]}|{n.type}" for n in graph.nodes]
    parts += [f"{c.name}|{c.weight!r}|{c.node.id}|{c.when.id if c.when else None}|{c.group}" for c in graph.constraints]
    parts += [f"{k}|{v.labels!r}" for k, v in sorted(graph.labelsets.items())]
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def row_key(fp: str, inputs: dict[str, Any], response: str) -> str:
    blob = json.dumps([fp, {k: to_json(v) for k, v in sorted(inputs.items())}, response], ensure_ascii=False,
                      default=repr, allow_nan=True)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def encode(value: Any) -> Any:
    """A raw constraint value as JSON, or KeyError for a kind the cache does not keep (scored afresh)."""
    if value is NA:
        return {"$": "na"}
    if value is EMPTY:
        return {"$": "empty"}
    if isinstance(value, InvalidAnswer):
        return {"$": "invalid", "message": value.message}
    if isinstance(value, ErrorValue):
        return {"$": "error", "message": value.message}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise KeyError(type(value).__name__)


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("$")
        if kind == "na":
            return NA
        if kind == "empty":
            return EMPTY
        if kind == "error" and isinstance(value.get("message"), str):
            return ErrorValue(value["message"])
        if kind == "invalid" and isinstance(value.get("message"), str):
            return InvalidAnswer(value["message"])
        raise ValueError(f"unknown value {value!r}")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise ValueError(f"unexpected {type(value).__name__}")


class CacheError(Exception):
    """A cache folder that cannot be used at all (a file, a dangling link, a device): a one-line message."""


def _usable_folder(folder: Path) -> bool:
    """Make sure `folder` is a folder (created when missing); True when entries can be written in it,
    False when it can only be read. CacheError when it is a file, a dangling link or cannot be made."""
    if os.path.islink(folder) and not os.path.exists(folder):
        raise CacheError(f"--cache {folder}: a symbolic link to a missing {os.readlink(folder)}; give a folder")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise CacheError(f"--cache {folder}: is a file or device, not a folder; give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"--cache {folder}: cannot create the folder: {exc.strerror or exc}") from None
    try:  # the only sure test of writability is to write (permissions, read-only mounts)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError:
        return False
    return True


class ValueCache:
    """Files DIR/ab/abcdef....json, one per key; hits, misses and unreadable entries are counted. A folder
    that cannot be written is only read (one warning); a write that fails later stops the writing."""

    def __init__(self, folder: str | Path, names: list[str]) -> None:
        self.folder = Path(folder)
        self.names = names
        self.hits = self.misses = self.bad = 0
        self.writable = _usable_folder(self.folder)
        if not self.writable:
            self._warn(f"cache folder {self.folder} cannot be written; its entries are read, new values are not kept")

    @staticmethod
    def _warn(message: str) -> None:
        print(f"act score: warning: {message}", file=sys.stderr)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") != key or sorted(data["values"]) != sorted(self.names):
                raise ValueError("it belongs to another key or task")
            values = {n: decode(data["values"][n]) for n in self.names}
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.bad += 1
            self.misses += 1
            if self.bad <= 3:
                print(f"act score: warning: cache entry {path} is unreadable ({exc}); scoring that response again",
                      file=sys.stderr)
            return None
        self.hits += 1
        return values

    def put(self, key: str, values: dict[str, Any]) -> None:
        if not self.writable:
            return
        try:
            data = {"key": key, "values": {n: encode(values[n]) for n in self.names}}
        except KeyError:
            return  # a value the cache cannot keep: scored afresh next time
        path = self._path(key)
        tmp = None
        try:
            path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(data, ensure_ascii=False))
            os.replace(tmp, path)  # readers see the old entry or the whole new one, never half
            tmp = None
        except OSError as exc:  # a full disk, a folder made read-only meanwhile: the scores stay right
            self.writable = False
            self._warn(f"cannot write to the cache {self.folder} ({exc.strerror or exc}); new values are not kept")
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def summary(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "unreadable": self.bad}
