"""The one Diagnostic type shared by the parser, resolver, checker and linter."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from act_dsl.source import Span


class Severity(IntEnum):
    HINT = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    severity: Severity = Severity.ERROR
    hint: str | None = None
    related: tuple[tuple[str, Span], ...] = ()
    fix: str | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        return str(self.span) if self.span else "<unknown>"

    def __str__(self) -> str:
        return f"{self.location()}: {self.code} {self.message}"


class ActError(Exception):
    """Raised once by the public API with every error diagnostic of a program."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error] or self.diagnostics
        lines = [str(d) for d in errors[:20]]
        more = len(errors) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__("\n".join(lines) if lines else "invalid program")
