"""`act explain NAME`: a diagnostic code, or a section of docs/language.md (functions, stdlib defines, statements).

The language reference is the one source: its headings such as "#### `split(x, sep)`" are read here at
explain time, so the command and the page cannot say different things (tests/test_docs.py checks that every
op and stdlib define has its heading). The page ships inside the wheel as act_dsl/docs/language.md.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_HEADING = re.compile(r"^(#{2,4})\s+(.*?)\s*$")
_FENCE = re.compile(r"^\s*```")
# the names a heading documents: each code span up to `(` or `=`, e.g. `split(x, sep)` -> split
_KEY = re.compile(r"`([^`(=]+?)\s*(?:\(|=|`)")


@dataclass(frozen=True)
class Section:
    """One documented name: its heading, the Markdown under it and the chapter it sits in."""

    key: str
    heading: str
    body: str
    chapter: str


def language_doc() -> Path:
    """docs/language.md: inside the wheel, or at the top of a source checkout."""
    for candidate in (_PKG / "docs" / "language.md", _PKG.parent / "docs" / "language.md"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"act_dsl is installed without docs/language.md (looked in {_PKG} and {_PKG.parent})")


def _keys(heading: str) -> list[str]:
    return [m.group(1).strip() for m in _KEY.finditer(heading)]


def parse_sections(text: str) -> dict[str, list[Section]]:
    """Every heading of the page that names something in a code span, by that name (and by its first word:
    `group by` is found as `group` too). A section runs to the next heading of its level or above."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []   # (line index, level, heading text), outside code blocks
    in_code = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        m = _HEADING.match(line)
        if m and not in_code:
            heads.append((i, len(m.group(1)), m.group(2)))
    out: dict[str, list[Section]] = {}
    chapter = ""
    for n, (i, level, title) in enumerate(heads):
        if level == 2:
            chapter = title
        end = next((j for j, lv, _ in heads[n + 1:] if lv <= level), len(lines))
        keys = _keys(title)
        if not keys:
            continue
        body = "\n".join(lines[i + 1:end]).strip("\n")
        section = Section(keys[0], title, body, chapter)
        for name in dict.fromkeys(k for key in keys for k in (key, key.split()[0])):
            out.setdefault(name, []).append(section)
    return out


@lru_cache(maxsize=1)
def sections() -> dict[str, list[Section]]:
    return parse_sections(language_doc().read_text(encoding="utf-8"))


def _code(name: str) -> str | None:
    from act_dsl.diagnostics.codes import CODES
    code = name.upper()
    if re.fullmatch(r"\d{3}", code):
        code = "ACT" + code
    return code if code in CODES else None


def render(name: str) -> str | None:
    """What `act explain NAME` prints, or None when NAME is neither a code nor documented."""
    code = _code(name)
    if code is not None:
        from act_dsl.diagnostics.codes import CODES
        c = CODES[code]
        text = f"{c.code} {c.name} ({c.severity.label})\n\n{c.explanation}"
        if code == "ACT102":
            text += "\n\nBuilt-in functions (`act explain NAME` for one of them):\n" + _function_list()
        return text
    found = sections().get(name.strip()) or sections().get(name.strip().lower())
    if not found:
        return None
    parts = [f"{s.heading.replace('`', '')}  ({s.chapter} in docs/language.md)\n\n{s.body}" for s in found]
    return "\n\n".join(parts)


def _function_list() -> str:
    """Every built-in with its keyword arguments (`entities(x, types: list<text>)`), then `load`, which is not an
    expression's function but is called in a file all the same."""
    from act_dsl.ops.registry import REGISTRY
    docs = sections()
    rows = []
    for op in REGISTRY.values():
        heading = next((s.heading.replace("`", "") for s in docs.get(op.name, [])), op.name)
        if op.kwargs:
            keywords = ", ".join(f"{name}: {typ}" for name, typ, _ in op.kwargs)
            heading = heading[:-1] + f", {keywords})" if heading.endswith(")") else f"{heading} ({keywords})"
        rows.append(f"  {heading}: {op.doc}")
    rows.append('  load("file"): a label set read from a file beside the .act file, one label a line '
                '(only in `labels NAME = load("file")`)')
    return "\n".join(rows)


def suggestions(name: str) -> list[str]:
    """The closest codes and documented names, for a did-you-mean."""
    import difflib
    from act_dsl.diagnostics.codes import CODES
    names = sorted(set(sections()) | set(CODES))
    return difflib.get_close_matches(name, names, n=3, cutoff=0.6) or \
        difflib.get_close_matches(name.lower(), [n.lower() for n in names], n=3, cutoff=0.6)


def explain(name: str) -> int:
    """Print the explanation of NAME; 0 when found, 2 (a usage error) with a did-you-mean when not."""
    try:
        text = render(name)
    except FileNotFoundError as exc:
        print(f"act explain: {exc}", file=sys.stderr)
        return 2
    if text is None:
        close = suggestions(name)
        hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        print(f"act explain: `{name}` is not a diagnostic code, a function, a stdlib define or a statement"
              f"{hint} (codes: `act explain ACT102` lists the functions; docs/language.md has everything)",
              file=sys.stderr)
        return 2
    print(text)
    return 0
