"""Reading JSONL files safely: lines within a byte limit (never a whole huge line in memory), each parsed as
strict JSON (no NaN, no duplicate keys, bounded nesting), and DataError for a file that cannot be used."""
from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# A line longer than this is reported and skipped without being held in memory. The limit grows with
# --max-chars (4 UTF-8 bytes per allowed response character, plus 1 MiB for the other fields).
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 200          # JSON nesting deeper than this is refused (deeper would exhaust Python's stack)
# Every line `act sample` writes starts with this key, so a samples file is known by its first bytes (even a
# first line cut short by a kill), and `act score` reads such a line as its `fields` and `responses`.
SAMPLES_FORMAT = "act-samples/1"
SAMPLES_PREFIX = ('{"format": "%s",' % SAMPLES_FORMAT).encode()


class DataError(ValueError):
    """Data that cannot be used as asked (an unreadable file, a bad line under --on-error fail, a bad row)."""


class LineError(Exception):
    """A line that cannot be used as a record: its message says why."""


def _no_constant(name: str) -> Any:
    raise LineError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _float(text: str) -> float:
    x = float(text)
    if x in (float("inf"), float("-inf")):
        raise LineError(f"the number {text[:40]} is too large for a float")
    return x


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise LineError(f"the key {json.dumps(dup)} appears twice in one object (which value is meant?)")
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_no_constant, parse_float=_float)
_DIGITS = re.compile(r"value has (\d+) digits")


def parse_line(text: str) -> Any:
    """One JSONL line parsed strictly; LineError says why it cannot be used."""
    if text.count("[") + text.count("{") > MAX_DEPTH:  # only then can the nesting be too deep
        depth = deepest = 0
        for ch in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text):
            if ch in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif ch in "]}":
                depth -= 1
        if deepest > MAX_DEPTH:
            raise LineError(f"JSON nested {deepest:,} levels deep (the limit is {MAX_DEPTH})")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except ValueError as exc:  # Python's limit of 4,300 digits for an integer
        m = _DIGITS.search(str(exc))
        raise LineError(f"a number of {int(m.group(1)):,} digits (the limit is 4,300)" if m
                         else f"not usable JSON ({str(exc).split(';')[0]})") from None
    except RecursionError:  # nesting the decoder cannot follow, in spite of the check above
        raise LineError(f"JSON nested too deep (the limit is {MAX_DEPTH})") from None


def _is_devnull(fd: int) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    st = os.fstat(fd)
    return (st.st_rdev, st.st_mode) == (null.st_rdev, null.st_mode)


def lines(path: Path, max_bytes: int) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, problem): each line read with at most max_bytes in memory."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a JSONL file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        mode = os.fstat(fh.fileno()).st_mode
        if (stat.S_ISCHR(mode) or stat.S_ISBLK(mode)) and not _is_devnull(fh.fileno()):
            # /dev/zero or /dev/urandom never end a line: refuse devices (/dev/null reads as an empty file)
            raise DataError(f"{path}: is a device, not a JSONL file")
        n = 0
        while True:
            try:
                raw = fh.readline(max_bytes + 1)
            except OSError as exc:
                raise DataError(f"{path}:{n + 1}: cannot read: {exc.strerror or exc}") from None
            if not raw:
                return
            n += 1
            if len(raw) > max_bytes and not raw.endswith(b"\n"):
                size = len(raw)
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line without keeping it
                    raw = fh.readline(1 << 20)
                    size += len(raw)
                size -= raw.endswith(b"\n")  # the newline is not part of the line
                yield n, None, (f"line is {size:,} bytes long, over the limit of {max_bytes:,} bytes "
                                "(a longer line needs a larger --max-chars)")
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield n, None, f"line is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1})"
                continue
            yield n, text[1:] if n == 1 and text.startswith("\ufeff") else text, None


def line_limit(max_chars: int) -> int:
    """The longest line read: MAX_LINE_BYTES, or more when --max-chars allows longer responses."""
    return max(MAX_LINE_BYTES, 4 * max_chars + (1 << 20))
