"""Go-to-definition and completion over an Analysis, in character offsets and paths (no protocol types).

The analysis may be older than the buffer (the last one that parsed while the user is mid-edit), so what is
under the cursor is read from the current text, and the item it sits in is found by name when spans are stale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from act_dsl.lsp.analysis import Analysis
from act_dsl.ops import types as T
from act_dsl.ops.registry import REGISTRY
from act_dsl.resources import grammar_file
from act_dsl.semantics.resolve import import_target
from act_dsl.source import Source
from act_dsl.syntax import ast as A

_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
_ITEM_LINE = re.compile(r"(?m)^[ \t]*(task|define)[ \t]+([A-Za-z_][A-Za-z0-9_]*)")
_IMPORT_LINE = re.compile(r'^\s*import\s+"([^"\n]*)"')
_FIELD_PREFIX = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z0-9_]*$")
# fields of the built-in value types that `.` reads (the checker's table for spans and dates)
BUILTIN_FIELDS = {"span": {"text": "text", "label": "text", "start": "number", "end": "number"},
                  "date": {"start": "date", "end": "date"}}


@lru_cache(maxsize=1)
def grammar_keywords() -> tuple[str, ...]:
    """Every keyword of grammar/act.lark: its quoted words and the alternatives of its QUANT terminal."""
    text = grammar_file().read_text(encoding="utf-8")
    words = set(re.findall(r'"([a-z]+)"', text))
    quant = re.search(r"QUANT[^:]*:\s*/\(\?:([a-z|]+)\)", text)
    if quant:
        words.update(quant.group(1).split("|"))
    return tuple(sorted(words))


@dataclass(frozen=True)
class Target:
    """A place to jump to: offsets into `source` (None for the top of a file that was not read)."""

    path: Path
    source: Source | None = field(repr=False)
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str     # variable, field, function, constant, keyword, module
    detail: str = ""
    doc: str = ""


def word_at(text: str, offset: int) -> tuple[int, int, str] | None:
    """The name under (or just before) the cursor: (start, end, word)."""
    start = end = max(0, min(offset, len(text)))
    while start > 0 and _WORD_CHAR.match(text[start - 1]):
        start -= 1
    while end < len(text) and _WORD_CHAR.match(text[end]):
        end += 1
    word = text[start:end]
    return (start, end, word) if word and not word[0].isdigit() else None


def is_call(text: str, end: int) -> bool:
    """Whether the name ending at `end` is called: `name(`."""
    rest = text[end:end + 80].lstrip(" \t")
    return rest.startswith("(")


def line_at(text: str, offset: int) -> tuple[int, str]:
    """(offset of the line start, the line's text) for the line holding `offset`."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, text[start:end if end != -1 else len(text)]


def context(nav: Analysis, text: str, offset: int) -> tuple[A.Task | None, A.Define | None]:
    """The task or define holding `offset` in the current `text`, as declared in the analysed module."""
    module = nav.unit.module if nav.unit is not None else None
    if module is None:
        return None, None
    if nav.text == text:  # spans are current: use them
        for task in module.tasks:
            if task.span is not None and task.span.start <= offset <= task.span.end:
                return task, None
        for define in module.defines:
            if define.span is not None and define.span.start <= offset <= define.span.end:
                return None, define
        return None, None
    found = None
    for m in _ITEM_LINE.finditer(text, 0, offset):  # the buffer changed since it parsed: go by the item's name
        found = m
    if found is None:
        return None, None
    kind, name = found.group(1), found.group(2)
    if kind == "task":
        return next((t for t in module.tasks if t.name == name), None), None
    return None, next((d for d in module.defines if d.name == name), None)


def task_decls(task: A.Task) -> dict[str, A.Input | A.Output | A.Labels | A.Let]:
    """The names a task declares, first declaration first (group-block lets included)."""
    out: dict[str, A.Input | A.Output | A.Labels | A.Let] = {}
    decls: list[A.Input | A.Output | A.Labels | A.Let] = [*task.inputs, *task.outputs, *task.labels, *task.lets]
    for decl in decls + [let for g in task.groups for let in g.lets]:
        out.setdefault(decl.name, decl)
    return out


def name_offsets(decl: A.Input | A.Output | A.Labels | A.Let) -> tuple[int, int] | None:
    """Where the declared name sits in a declaration (`let NAME = ...`): its span's second word."""
    if decl.span is None:
        return None
    m = re.match(r"[A-Za-z]+\s+", decl.span.text)
    start = decl.span.start + (m.end() if m else 0)
    return start, start + len(decl.name)


def import_under(nav: Analysis, text: str, offset: int) -> tuple[str, Path | None] | None:
    """The import statement on the cursor's line: (spec, the file it reads or None when there is none)."""
    _, line = line_at(text, offset)
    m = _IMPORT_LINE.match(line)
    if m is None:
        return None
    spec = m.group(1)
    if nav.unit is not None:
        for imp, sub in nav.unit.imports:
            if imp.path == spec:
                return spec, Path(sub.source.path)
    target, err = import_target(spec, nav.path.parent)
    return spec, target if target is not None and err is None and target.is_file() else None


def definition(nav: Analysis, text: str, offset: int) -> Target | None:
    """Where the name under the cursor is declared: an imported file, a task's input, output, let or label
    set, a define's parameter, or a define (in this file, an imported one or the stdlib)."""
    imported = import_under(nav, text, offset)
    if imported is not None:
        spec, path = imported
        if path is None:
            return None
        sub = next((s for i, s in nav.unit.imports if i.path == spec), None) if nav.unit is not None else None
        return Target(path, sub.source if sub is not None else None)
    found = word_at(text, offset)
    if found is None or nav.unit is None:
        return None
    word = found[2]
    task, define = context(nav, text, offset)
    if define is not None and not is_call(text, found[1]):
        for p in define.params:
            if p.name == word and p.span is not None:
                return Target(nav.path, p.span.source, p.span.start, p.span.start + len(p.name))
    if task is not None and not is_call(text, found[1]):
        decl = task_decls(task).get(word)
        where = name_offsets(decl) if decl is not None else None
        if decl is not None and decl.span is not None and where is not None:
            return Target(Path(decl.span.path), decl.span.source, *where)
    d = nav.unit.defines.get(word)
    if d is not None and d.name_span is not None:
        return Target(Path(d.name_span.path), d.name_span.source, d.name_span.start, d.name_span.end)
    return None


# ---- completion ---------------------------------------------------------------------------------------------
def completions(nav: Analysis, text: str, offset: int) -> list[Completion]:
    """What may be typed at `offset`: a record's fields after `x.`, else the names in scope, functions and
    keywords."""
    _, line = line_at(text, offset)
    before = line[:offset - (text.rfind("\n", 0, offset) + 1)]
    m = _FIELD_PREFIX.search(before)
    if m is not None and not before[:m.start()].rstrip().endswith("."):
        return field_completions(nav, text, offset, m.group(1))
    if m is not None:
        return []  # `a.b.` chains: no guess rather than a wrong one
    return name_completions(nav, text, offset)


def _fields_of(t: str) -> dict[str, str]:
    if T.is_record(t):
        return T.record_fields(t)
    return BUILTIN_FIELDS.get(t, {})


def type_of(nav: Analysis, text: str, offset: int, name: str, depth: int = 0) -> str | None:
    """The type of `name` where the cursor is: a quantifier variable (from its collection), a define's
    parameter, or a task's input, output or let (the checker's type)."""
    task, define = context(nav, text, offset)
    if depth < 4:
        binder = None
        pattern = rf"\b(?:all|any|share)\s+([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\s+([A-Za-z_]\w*)"
        for q in re.finditer(pattern, text[:offset]):
            if name in (q.group(1), q.group(2)):
                binder = q
        if binder is not None:
            coll = binder.group(3)
            if coll == "group":
                return "group-member"
            t = type_of(nav, text, binder.start(), coll, depth + 1)
            return T.elem(t) if t is not None and T.is_list(t) else None
    if define is not None:
        for p in define.params:
            if p.name == name:
                return str(p.type)
    if task is not None:
        checked = nav.program.tasks.get(task.name)
        if checked is not None and name in checked.fields:
            return checked.fields[name].type
        decl = task_decls(task).get(name)
        if isinstance(decl, (A.Input, A.Output)):
            return str(decl.type)
    return None


def field_completions(nav: Analysis, text: str, offset: int, name: str) -> list[Completion]:
    t = type_of(nav, text, offset, name)
    if t == "group-member":  # `all a, b in group: a.` reads any non-label name of the task
        task, _ = context(nav, text, offset)
        names = [n for n, d in task_decls(task).items() if not isinstance(d, A.Labels)] if task else []
        return [Completion(n, "field", "a group member's value") for n in names + ["response"]]
    if t is None:
        return []
    return [Completion(f, "field", ftype) for f, ftype in _fields_of(t).items()]


def name_completions(nav: Analysis, text: str, offset: int) -> list[Completion]:
    out: list[Completion] = []
    task, define = context(nav, text, offset)
    if define is not None:
        out.extend(Completion(p.name, "variable", f"parameter: {p.type}") for p in define.params)
    if task is not None:
        checked = nav.program.tasks.get(task.name)
        for name, decl in task_decls(task).items():
            if isinstance(decl, A.Labels):
                size = len(checked.labelsets[name].labels) if checked and name in checked.labelsets else None
                out.append(Completion(name, "constant", "label set" + (f" ({size} labels)" if size else "")))
                continue
            kind = type(decl).__name__.lower()
            t = checked.fields[name].type if checked and name in checked.fields else None
            out.append(Completion(name, "variable", f"{kind}: {t}" if t else kind))
        out.append(Completion("response", "variable", "the model's response: text"))
    if nav.unit is not None:
        for name, d in nav.unit.defines.items():
            params = ", ".join(f"{p.name}: {p.type}" for p in d.params)
            where = Path(nav.unit.define_sources.get(name, "")).name
            out.append(Completion(name, "function", f"define {name}({params})", f"from {where}" if where else ""))
    for op in REGISTRY.values():
        out.append(Completion(op.name, "function", signature(op.name), op.doc))
    taken = {c.label for c in out}
    out.extend(Completion(k, "keyword") for k in grammar_keywords() if k not in taken)
    return out


def signature(op_name: str) -> str:
    """How docs/language.md writes a function's heading (`split(x, sep)`), else its name with its arity."""
    from act_dsl.explain import sections
    for s in sections().get(op_name, []):
        if s.key == op_name and "(" in s.heading:
            return s.heading.replace("`", "")
    op = REGISTRY[op_name]
    return f"{op.name}({', '.join(op.params)})"
