"""One editor buffer checked the way `act lint` checks the saved file, kept with what navigation needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from act_dsl.diagnostics.diagnostic import Diagnostic, Severity
from act_dsl.program import Program, check_source
from act_dsl.semantics.check import CheckedTask
from act_dsl.semantics.resolve import Resolver, Unit
from act_dsl.source import MAX_SOURCE_BYTES, Source, Span


@dataclass(frozen=True)
class Problem:
    """A diagnostic placed in this buffer: offsets [start, end) into the buffer text.

    A diagnostic found in an imported file is placed on the import that brought the file in (its own place
    goes into `related`), so that a broken import is visible in the file being edited."""

    diagnostic: Diagnostic
    start: int
    end: int
    message: str
    related: tuple[tuple[str, Span], ...] = ()

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity


@dataclass
class Analysis:
    """The checked buffer: the program `act lint` would build from it, the parsed unit and the problems."""

    path: Path
    text: str
    source: Source
    program: Program
    unit: Unit | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        """Whether the buffer parsed (navigation can trust its spans)."""
        return self.unit is not None and self.unit.module is not None

    def task_at(self, offset: int) -> CheckedTask | None:
        """The checked task whose block holds `offset` (None outside every task or when it did not check)."""
        for checked in self.program.tasks.values():
            span = checked.task.span
            if span is not None and span.source is self.source and span.start <= offset <= span.end:
                return checked
        return None


def _unusable(text: str) -> str | None:
    """Why buffer text cannot be checked at all; the messages Source.open gives for the same file on disk.
    A buffer over the size limit of an .act file is refused before parsing: parsing 17 MB would hold the
    server for minutes, and every later request of the editor with it."""
    if len(text) > MAX_SOURCE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        return f"is more than {MAX_SOURCE_BYTES / 1e6:.1f} MB, the limit for an .act file; it is not checked"
    if "\x00" in text:
        return "looks like a binary file (it contains NUL bytes), not an .act file"
    if not text.strip():
        return "is empty; an .act file needs at least one `task` block"
    return None


def analyze(text: str, path: Path) -> Analysis:
    """Check buffer `text` as if it were saved at `path`: imports resolve against the folder of `path` on disk.

    The diagnostics are those of `act lint PATH` (same codes, messages and spans), found by the same front end
    (act_dsl.program.check_source)."""
    path = path.resolve()
    text = text[1:] if text.startswith("\ufeff") else text  # as reading the file with utf-8-sig does
    source = Source.from_text(text, str(path))
    problem = _unusable(text)
    if problem is not None:
        program = Program(str(path), diagnostics=[Diagnostic("ACT002", problem, None)])
        return Analysis(path, text, source, program, None, [Problem(program.diagnostics[0], 0, 0, problem)])
    program = check_source(source, path.parent)
    if program.tasks:
        unit: Unit | None = next(iter(program.tasks.values())).unit
    else:  # no checked task to take the unit from: resolve the file again for its defines and imports
        unit = Resolver().load(source, path.parent, path)
    analysis = Analysis(path, text, source, program, unit)
    analysis.problems = [_place(d, analysis) for d in program.diagnostics]
    return analysis


def _message(d: Diagnostic) -> str:
    return d.message + (f"\nhelp: {d.hint}" if d.hint else "")


def _place(d: Diagnostic, analysis: Analysis) -> Problem:
    if d.span is None:
        return Problem(d, 0, 0, _message(d), d.related)
    if d.span.path == analysis.source.path:
        return Problem(d, d.span.start, d.span.end, _message(d), d.related)
    imp = _import_leading_to(analysis.unit, d.span.path)
    start, end = (imp.start, imp.end) if imp is not None else (0, 0)
    return Problem(d, start, end, f"in {d.span}: {_message(d)}", (("reported here", d.span),) + d.related)


def _import_leading_to(unit: Unit | None, path: str) -> Span | None:
    """The span of this file's import through which the file at `path` is read (directly or further down)."""
    if unit is None:
        return None
    for imp, sub in unit.imports:
        if imp.span is not None and _reaches(sub, path, set()):
            return imp.span
    return None


def _reaches(unit: Unit, path: str, seen: set[str]) -> bool:
    if unit.source.path == path:
        return True
    if unit.source.path in seen:
        return False
    seen.add(unit.source.path)
    return any(_reaches(sub, path, seen) for _, sub in unit.imports)
