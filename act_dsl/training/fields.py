"""Reading the JSON files `act train` writes, field by field: a missing field or one of the wrong type is a
ResultError naming the file and the field (never a KeyError)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ResultError(ValueError):
    """A saved result that is not what `act train` writes."""


NUM, INT, STR, BOOL, OBJ, LIST = "a number", "a whole number", "a text", "true or false", "an object", "a list"


def _is(value: Any, kind: str) -> bool:
    if kind == NUM:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {STR: str, BOOL: bool, OBJ: dict, LIST: list}[kind])


def kind_of(value: Any) -> str:
    for kind in (INT, NUM, STR, BOOL, OBJ, LIST):
        if _is(value, kind):
            return kind
    return "null" if value is None else type(value).__name__


class Fields:
    """The fields of one JSON object read from `source` (a file, and where in it), each checked for its type."""

    def __init__(self, obj: Any, source: str) -> None:
        if not isinstance(obj, dict):
            raise ResultError(f"{source}: is {kind_of(obj)}, not a JSON object")
        self.obj, self.source = obj, source

    def need(self, key: str, kind: str, none: bool = False) -> Any:
        """The field `key`, which must be there; `none`: null is allowed."""
        if key not in self.obj:
            raise ResultError(f"{self.source}: the field `{key}` is missing")
        return self._checked(key, kind, none)

    def may(self, key: str, kind: str, default: Any = None) -> Any:
        """The field `key`, `default` when it is absent (written by an older version) or null."""
        if self.obj.get(key) is None:
            return default
        return self._checked(key, kind, False)

    def _checked(self, key: str, kind: str, none: bool) -> Any:
        value = self.obj[key]
        if value is None and none:
            return None
        if not _is(value, kind):
            raise ResultError(f"{self.source}: the field `{key}` is {kind_of(value)}, not {kind}")
        return value

    def inner(self, key: str) -> str:
        return f"{self.source}, `{key}`"


def read_json_file(path: str | Path) -> Any:
    """The JSON in `path`; ResultError naming the file when it cannot be read or is not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ResultError(f"{path}: not JSON ({exc})") from None


def optional(obj: Any, kind: str, source: str) -> Any:
    if obj is not None and not _is(obj, kind):
        raise ResultError(f"{source}: is {kind_of(obj)}, not {kind}")
    return obj
