"""The parser's LALR tables, built once per grammar version and kept as JSON in the user's cache folder."""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

from act_dsl.resources import cache_dir

T = TypeVar("T")

# bump when the file layout below changes, so an older act_dsl's file is never read as a newer one's
_FORMAT = 1
# tags for the two shapes JSON has no word for: a tuple, and a dict whose keys are not all strings
_TUPLE, _PAIRS = "\x00t", "\x00d"


def _encode(x: Any) -> Any:
    if isinstance(x, tuple):
        return {_TUPLE: [_encode(v) for v in x]}
    if isinstance(x, list):
        return [_encode(v) for v in x]
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x):
            return {k: _encode(v) for k, v in x.items()}
        return {_PAIRS: [[_encode(k), _encode(v)] for k, v in x.items()]}
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    raise TypeError(f"cannot keep a {type(x).__name__} in the table cache")


def _decode_object(d: dict) -> Any:
    if len(d) == 1:
        if _TUPLE in d:
            return tuple(d[_TUPLE])
        if _PAIRS in d:
            return {_hashable(k): v for k, v in d[_PAIRS]}
    return d


def _hashable(k: Any) -> Any:
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


def cache_file(name: str, key_text: str) -> Path:
    """The cache file for `key_text` (the grammar and everything else that shapes the tables)."""
    digest = hashlib.sha256(f"{_FORMAT}\n{key_text}".encode("utf-8")).hexdigest()[:24]
    return cache_dir() / "parser" / f"{name}-{digest}.json"


def _trusted(path: Path) -> bool:
    """A file this user owns that no one else may write, in a folder no one else may write: a table read
    from anywhere else could be swapped for one that parses programs differently."""
    try:
        st, folder = os.stat(path), os.stat(path.parent)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no owners to compare (Windows): the per-user profile folder is the protection
        return True
    uid = getuid()
    return all(s.st_uid == uid and not s.st_mode & (stat.S_IWGRP | stat.S_IWOTH) for s in (st, folder))


def _read(path: Path, key_text: str) -> Any | None:
    if not _trusted(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, object_hook=_decode_object)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key_text:  # a hash collision or a hand-edited file
        return None
    return doc.get("tables")


def _write(path: Path, key_text: str, tables: Any) -> None:
    """Written to a temporary file and renamed over the target, so a concurrent first run reads either
    nothing or a whole file; a folder that cannot be written leaves the tables unkept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"key": key_text, "tables": _encode(tables)}, f, separators=(",", ":"))
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def cached(name: str, key_text: str, build: Callable[[], tuple[T, Any]], load: Callable[[Any], T]) -> T:
    """The object `load` makes from the kept tables, or, when there are none or they do not load,
    the object `build` makes (with its tables, which are then kept for the next run)."""
    path = cache_file(name, key_text)
    tables = _read(path, key_text)
    if tables is not None:
        try:
            return load(tables)
        except Exception:  # a damaged file of the right shape: build the tables again, as if it were absent
            pass
    obj, tables = build()
    _write(path, key_text, tables)
    return obj
