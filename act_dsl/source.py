"""Source text and spans: the ground floor every other layer imports."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

MAX_SOURCE_BYTES = 2_000_000  # an .act file larger than this is almost certainly not one


class SourceError(Exception):
    """A file that cannot be read as .act source (missing, binary, not UTF-8, too large, empty)."""

    def __init__(self, path: str, message: str, reason: str = "unreadable") -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.reason = reason  # "missing", "outside" (leaves the allowed folder) or "unreadable"


@dataclass(frozen=True)
class Source:
    """The text of one .act file and where it came from."""

    path: str
    text: str
    _line_starts: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @staticmethod
    def from_text(text: str, path: str = "<string>") -> "Source":
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        return Source(path, text, tuple(starts))

    @staticmethod
    def read(path: str | Path, folder: str | Path | None = None) -> "Source":
        """Read an .act file; with `folder`, only when the file really lies inside that folder."""
        return Source.open(path, folder)[0]

    @staticmethod
    def open(path: str | Path, folder: str | Path | None = None) -> tuple["Source", Path]:
        """The source and the real path of the file that was read (symlinks resolved, as opened)."""
        from act_dsl.safe_files import SafeFileError, read_file
        try:
            data, real = read_file(path, MAX_SOURCE_BYTES, folder, what="an .act file")
        except SafeFileError as exc:
            raise SourceError(str(path), exc.message, exc.reason) from None
        if b"\x00" in data:
            raise SourceError(str(path), "looks like a binary file (it contains NUL bytes), not an .act file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(str(path), f"is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
        if not text.strip():
            raise SourceError(str(path), "is empty; an .act file needs at least one `task` block")
        return Source.from_text(text, str(path)), real

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self._line_starts or (0,)
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_text(self, line: int) -> str:
        starts = self._line_starts or (0,)
        if not 1 <= line <= len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1]:end].rstrip("\r")

    def span(self, start: int, end: int) -> "Span":
        return Span(self, start, max(start, end))


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) in a Source."""

    source: Source = field(compare=False, repr=False)
    start: int
    end: int

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def line(self) -> int:
        return self.source.position(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.position(self.start)[1]

    @property
    def text(self) -> str:
        return self.source.text[self.start:self.end]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"
