"""Which way imports run: the package edges of act_dsl/ against docs/architecture.md's table, and no import circle.

Every import counts, at module level or inside a function (or under TYPE_CHECKING): a lazy import only defers
when a dependency loads, to keep `act lint` fast; it is still a dependency, and an arrow back up through a
function is as much a circle in the design as one at the top of a file. A name imported from a package that is
no module counts as an import of the package (its __init__).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "act_dsl"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
_ROW = re.compile(r"^\|\s*`([\w.]+)`\s*\|(.*)\|\s*$")


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (a package is its __init__)."""
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def module_imports() -> dict[str, set[str]]:
    """Module -> the act_dsl modules it imports anywhere in its text."""
    mods = modules()

    def owner(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        pkg = m if f.name == "__init__.py" else m.rpartition(".")[0]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                names = [f"{base}.{a.name}" for a in node.names]
            for name in names:
                target = owner(name)
                if target and target != m and target.split(".")[0] == "act_dsl":
                    graph[m].add(target)
    return graph


def unit(module: str) -> str:
    """The layer a module belongs to: its package under act_dsl/, or a top-level module; `act_dsl` is the face."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "act_dsl"


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> an example import for each."""
    out: dict[tuple[str, str], list[str]] = {}
    for m, targets in module_imports().items():
        for t in sorted(targets):
            if unit(m) != unit(t):
                out.setdefault((unit(m), unit(t)), []).append(f"{m} imports {t}")
    return out


def allowed_table() -> dict[str, set[str]]:
    """docs/architecture.md's table under "Which way imports run": unit -> the units it may import."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Which way imports run", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        m = _ROW.match(line.strip())
        if m:  # | `unit` | what it owns | the units it may import |
            table[m.group(1)] = set(re.findall(r"`([\w.]+)`", m.group(2).split("|")[-1]))
    return table


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on:
                    low[v] = min(low[v], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_every_package_edge_is_in_the_architecture_table() -> None:
    table = allowed_table()
    units = {unit(m) for m in modules()}
    assert units <= table.keys(), f"docs/architecture.md's import table has no row for: {sorted(units - table.keys())}"
    wrong = [f"`{a}` -> `{b}` ({ex[0]})" for (a, b), ex in sorted(package_edges().items()) if b not in table[a]]
    assert not wrong, "imports the table does not allow:\n" + "\n".join(wrong)


def test_the_table_describes_the_code_as_it_is() -> None:
    """No row names a unit that does not exist or an edge nothing uses: the table is the layering, not a wish."""
    table, edges, units = allowed_table(), package_edges(), {unit(m) for m in modules()}
    stale = [f"`{a}` -> `{b}`" for a, targets in sorted(table.items()) for b in sorted(targets) if (a, b) not in edges]
    assert not table.keys() - units, f"rows for units that do not exist: {sorted(table.keys() - units)}"
    assert not stale, "allowed in docs/architecture.md but imported nowhere (remove them):\n" + "\n".join(stale)


def test_the_allowed_layers_form_no_circle() -> None:
    assert circles(allowed_table()) == []


def test_no_module_import_circle() -> None:
    assert circles(module_imports()) == []


def test_the_circle_finder_finds_circles() -> None:
    """The check above can fail: a made-up graph with a circle and a tail."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
