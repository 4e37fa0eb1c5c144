"""Import resolution (ACT107, ACT108, ACT110) and the defines each file can see (ACT106)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.ops.registry import REGISTRY
from act_dsl.resources import stdlib_dir
from act_dsl.source import Source, SourceError, Span
from act_dsl.syntax import ast as A
from act_dsl.syntax import parser
from act_dsl.syntax.parser import parse

IMPORTS_KEPT = 64            # imported files whose parse a process keeps (the least recently used goes first)
IMPORT_KEPT_CHARS = 262_144  # a larger imported file is parsed again at every load rather than held


def parse_import(source: Source) -> tuple[A.Module | None, list[Diagnostic]]:
    """parse() of an imported file, kept by its path and its whole text (Source's equality): the files a program
    imports (the stdlib, a shared file beside it) are parsed once a process instead of at every load of every
    program that imports them (an editor checks the buffer at every change; half of a stdlib-importing lint was
    spent parsing its imports again). The AST is immutable, so sharing it is safe; the file itself is still read
    at every load, and any change to its text is a new key. The top-level file is never kept: the editor tells
    its own spans by their Source object."""
    if len(source.text) > IMPORT_KEPT_CHARS:
        return parser.parse(source)
    module, diags = _parse_kept(source)
    return module, list(diags)


@lru_cache(maxsize=IMPORTS_KEPT)
def _parse_kept(source: Source) -> tuple[A.Module | None, tuple[Diagnostic, ...]]:
    module, diags = parser.parse(source)
    return module, tuple(diags)


@dataclass
class Unit:
    """One parsed file with the defines it can see (its own and those of its imports)."""

    source: Source
    module: A.Module | None
    folder: Path
    defines: dict[str, A.Define] = field(default_factory=dict)
    define_sources: dict[str, str] = field(default_factory=dict)   # define name -> path of the file it is in
    import_of: dict[str, A.Import] = field(default_factory=dict)  # define name -> the import that brought it
    imports: list[tuple[A.Import, "Unit"]] = field(default_factory=list)


def written_outside(spec: str) -> bool:
    """Whether a path written in an .act file (`import "x"`, `load("x")`) leaves the file's folder as written:
    absolute, or with a `..` part (ACT110). Symlinks are judged once the file is opened (safe_files)."""
    p = Path(spec)
    return p.is_absolute() or ".." in p.parts


def import_target(spec: str, folder: Path) -> tuple[Path | None, str | None]:
    """The file an import names, or an error code (ACT110 when it is written to leave the folder).

    Symlinks are not judged here: the file is checked once opened (Source.open with the folder)."""
    if spec.startswith("std/"):
        name = spec[4:]
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return None, "ACT107"
        return stdlib_dir() / (name if name.endswith(".act") else name + ".act"), None
    if written_outside(spec):
        return None, "ACT110"
    return folder / spec, None


class Resolver:
    def __init__(self) -> None:
        self.units: dict[Path, Unit] = {}
        self.diagnostics: list[Diagnostic] = []
        self._stack: list[Path] = []

    def load(self, source: Source, folder: Path, key: Path | None = None, imported: bool = False) -> Unit:
        module, diags = parse_import(source) if imported else parse(source)
        self.diagnostics.extend(diags)
        unit = Unit(source, module, folder)
        if key is not None:
            self.units[key] = unit
            self._stack.append(key)
        if module is not None:
            for imp in module.imports:
                self._import(unit, imp)
            self._own_defines(unit)
        if key is not None:
            self._stack.pop()
        return unit

    def _import(self, unit: Unit, imp: A.Import) -> None:
        target, err = import_target(imp.path, unit.folder)
        if err == "ACT110":
            self.diagnostics.append(Diagnostic("ACT110", f"import `{imp.path}` leaves the folder of this file",
                                               imp.span, hint="import files beside this one (`./x.act`) or the "
                                               "stdlib (`std/labels`)"))
            return
        if target is None:
            self._not_found(imp)
            return
        # open first, then judge the file actually opened: a symlink swapped after a path check is never read
        allowed = stdlib_dir() if imp.path.startswith("std/") else unit.folder
        try:
            src, key = Source.open(target, allowed)
        except SourceError as exc:
            if exc.reason == "missing":
                self._not_found(imp)
            elif exc.reason == "outside":
                self.diagnostics.append(Diagnostic("ACT110", f"import `{imp.path}` {exc.message}", imp.span,
                                                   hint="import files beside this one, not symlinks out of the folder"))
            else:
                self.diagnostics.append(Diagnostic("ACT107", f"cannot read `{imp.path}`: {exc.message}", imp.span))
            return
        if key in self._stack:
            chain = " -> ".join(p.name for p in self._stack[self._stack.index(key):]) + f" -> {key.name}"
            self.diagnostics.append(Diagnostic("ACT108", f"import cycle: {chain}", imp.span,
                                               hint="move the shared defines into a file that imports neither"))
            return
        sub = self.units.get(key)
        if sub is None:
            sub = self.load(src, key.parent, key, imported=True)
        unit.imports.append((imp, sub))
        for name, d in sub.defines.items():
            unit.defines.setdefault(name, d)
            unit.define_sources.setdefault(name, sub.define_sources.get(name, sub.source.path))
            unit.import_of.setdefault(name, imp)

    def _not_found(self, imp: A.Import) -> None:
        hint = None
        if imp.path.startswith("std/"):
            names = sorted(p.stem for p in stdlib_dir().glob("*.act"))
            hint = "the stdlib has " + ", ".join(f"`std/{n}`" for n in names)
        self.diagnostics.append(Diagnostic("ACT107", f"cannot find `{imp.path}`", imp.span, hint=hint))

    def _own_defines(self, unit: Unit) -> None:
        assert unit.module is not None
        own: dict[str, A.Define] = {}
        for d in unit.module.defines:
            first = own.get(d.name)
            if first is not None:
                self._dup(d, f"`{d.name}` is defined twice", first.name_span)
                continue
            if d.name in REGISTRY:
                self.diagnostics.append(Diagnostic("ACT106", f"define `{d.name}` has the name of a built-in function",
                                                   d.name_span, hint="pick another name"))
                continue
            own[d.name] = d
            if d.name in unit.defines and unit.define_sources.get(d.name) != unit.source.path:
                self._dup(d, f"`{d.name}` is already defined by an import", unit.defines[d.name].name_span)
            unit.defines[d.name] = d
            unit.define_sources[d.name] = unit.source.path
            unit.import_of.pop(d.name, None)

    def _dup(self, d: A.Define, msg: str, first: Span | None) -> None:
        rel = (("first defined here", first),) if first is not None else ()
        self.diagnostics.append(Diagnostic("ACT106", msg, d.name_span, related=rel))
