"""Hover text (Markdown) for the name under the cursor: functions, stdlib defines and statements from the
sections of docs/language.md that `act explain` prints, and label sets, defines and fields from the file."""
from __future__ import annotations

from pathlib import Path

from act_dsl.lsp.analysis import Analysis
from act_dsl.lsp.navigate import context, import_under, is_call, task_decls, word_at
from act_dsl.ops.registry import REGISTRY
from act_dsl.resources import stdlib_dir
from act_dsl.syntax import ast as A

_SHOWN_LABELS = 20  # a hover lists this many labels of a set, then says how many more there are


def documented(name: str) -> str | None:
    """The sections of docs/language.md for `name` (the source of `act explain NAME`), as Markdown."""
    from act_dsl.explain import sections
    try:
        found = sections().get(name)
    except FileNotFoundError:  # an install without the page: hovers fall back to the one-line docs
        return None
    if not found:
        return None
    return "\n\n---\n\n".join(f"**{s.heading}** ({s.chapter}, docs/language.md)\n\n{s.body}" for s in found)


def hover(nav: Analysis, text: str, offset: int) -> tuple[str, int, int] | None:
    """(Markdown, start, end of the hovered name) or None when there is nothing to say about it."""
    imported = import_under(nav, text, offset)
    if imported is not None:
        return _import_hover(nav, *imported), offset, offset
    found = word_at(text, offset)
    if found is None:
        return None
    start, end, word = found
    called = is_call(text, end)
    task, define = context(nav, text, offset)
    body = None
    if not called:
        body = _param_hover(define, word) if define is not None else None
        if body is None and task is not None:
            body = _task_name_hover(nav, task, word)
    if body is None:
        body = _define_hover(nav, word) or _op_hover(word)
    if body is None and not called:
        body = documented(word)  # statements and keywords: `labels`, `constraint`, `fuzzy`, `none`, ...
    return (body, start, end) if body else None


def _import_hover(nav: Analysis, spec: str, path: Path | None) -> str:
    if path is None:
        return f'`import "{spec}"`: no such file'
    names = []
    if nav.unit is not None:
        names = [n for n, src in nav.unit.define_sources.items() if Path(src) == path]
    listed = ", ".join(f"`{n}`" for n in names) or "no defines"
    return f'`import "{spec}"` reads `{path}`\n\nDefines: {listed}'


def _param_hover(define: A.Define, word: str) -> str | None:
    for p in define.params:
        if p.name == word:
            return f"```act\n{p.name}: {p.type}\n```\nparameter of `{define.name}`"
    return None


def _task_name_hover(nav: Analysis, task: A.Task, word: str) -> str | None:
    checked = nav.program.tasks.get(task.name)
    if word == "response":
        return "```act\nresponse: text\n```\nthe model's raw response"
    decl = task_decls(task).get(word)
    if decl is None:
        return None
    if isinstance(decl, A.Labels):
        return _labels_hover(nav, task, decl)
    kind = type(decl).__name__.lower()
    t = checked.fields[word].type if checked is not None and word in checked.fields else None
    if t is None and isinstance(decl, (A.Input, A.Output)):
        t = str(decl.type)
    head = f"{kind} {word}" + (f": {t}" if t else "")
    return f"```act\n{head}\n```\n" + (f"declared in task `{task.name}`")


def _labels_hover(nav: Analysis, task: A.Task, decl: A.Labels) -> str:
    checked = nav.program.tasks.get(task.name)
    labelset = checked.labelsets.get(decl.name) if checked is not None else None
    origin = f' from `{decl.load}`' if decl.load else ""
    if labelset is None:
        return f"```act\nlabels {decl.name}\n```\nlabel set{origin} (not read: see the diagnostics)"
    labels = labelset.labels
    shown = ", ".join(f"`{lab}`" for lab in labels[:_SHOWN_LABELS])
    more = f", and {len(labels) - _SHOWN_LABELS} more" if len(labels) > _SHOWN_LABELS else ""
    return f"```act\nlabels {decl.name}\n```\nlabel set of {len(labels)} labels{origin}: {shown}{more}"


def _define_hover(nav: Analysis, word: str) -> str | None:
    if nav.unit is None or word not in nav.unit.defines:
        return None
    d = nav.unit.defines[word]
    path = Path(nav.unit.define_sources.get(word, nav.unit.source.path))
    if _in_stdlib(path):
        doc = documented(word)
        if doc:
            return doc
    params = ", ".join(f"{p.name}: {p.type}" for p in d.params)
    comment = _comment_above(d)
    where = "this file" if str(path) == nav.unit.source.path else f"`{path.name}`"
    return f"```act\ndefine {d.name}({params})\n```\n" + (f"{comment}\n\n" if comment else "") + f"defined in {where}"


def _op_hover(word: str) -> str | None:
    op = REGISTRY.get(word)
    if op is None:
        return None
    return documented(word) or f"```act\n{op.name}({', '.join(op.params)})\n```\n{op.doc}"


def _in_stdlib(path: Path) -> bool:
    try:
        return path.resolve().parent == stdlib_dir().resolve()
    except (OSError, FileNotFoundError):
        return False


def _comment_above(d: A.Define) -> str:
    """The `#` comment lines right above a define: how files document their defines."""
    if d.span is None:
        return ""
    src = d.span.source
    line = d.span.line - 1
    lines: list[str] = []
    while line >= 1:
        text = src.line_text(line).strip()
        if not text.startswith("#"):
            break
        lines.append(text.lstrip("#").strip())
        line -= 1
    return " ".join(reversed(lines))
