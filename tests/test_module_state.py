"""No module-level mutable state in act_dsl/: no `global` statement, and no function that changes a module-level
value in place. Results depend on arguments only (caches keyed by their inputs are lru_cache, not globals). The
one piece of ambient state, the progress reporter of the command running (act_dsl/progress.py), is a ContextVar
set for the length of a `with` block and reset after it."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "act_dsl"
# methods that change a dict, list or set in place
_MUTATORS = {"append", "add", "update", "clear", "pop", "popitem", "setdefault", "extend", "insert", "remove",
             "discard", "sort", "reverse", "__setitem__"}


def _modules() -> list[tuple[str, ast.Module]]:
    found = [(str(p.relative_to(PACKAGE.parent)), ast.parse(p.read_text(), str(p)))
             for p in sorted(PACKAGE.rglob("*.py"))]
    assert len(found) > 50, "the package was not found"
    return found


def _module_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) \
            else []
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _globals(path: str, tree: ast.Module) -> list[str]:
    return [f"{path}:{node.lineno}: global {', '.join(node.names)}"
            for node in ast.walk(tree) if isinstance(node, ast.Global)]


def _changes(path: str, tree: ast.Module) -> list[str]:
    """Places where a function changes a module-level value in place (a mutating call, an item or attribute set)."""
    names = _module_names(tree)
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in names \
                    and node.func.attr in _MUTATORS:
                found.append(f"{path}:{node.lineno}: {node.func.value.id}.{node.func.attr}(...)")
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else \
                [node.target] if isinstance(node, ast.AugAssign) else []
            for t in targets:
                if isinstance(t, (ast.Subscript, ast.Attribute)) and isinstance(t.value, ast.Name) \
                        and t.value.id in names:
                    found.append(f"{path}:{node.lineno}: {t.value.id} changed in place")
    return found


def test_no_global_statement_in_the_package() -> None:
    found = [g for path, tree in _modules() for g in _globals(path, tree)]
    assert found == [], "module-level state: pass the value as an argument instead\n" + "\n".join(found)


def test_no_function_changes_a_module_level_value() -> None:
    found = [c for path, tree in _modules() for c in _changes(path, tree)]
    assert found == [], "module-level state changed by a function:\n" + "\n".join(found)


def test_the_checks_find_module_state() -> None:
    tree = ast.parse("SEEN = {}\nFLAG = [True]\ncount = 0\ndef f(k):\n    global count\n    count += 1\n"
                     "    SEEN[k] = 1\n    FLAG.append(k)\n")
    assert _globals("m.py", tree) == ["m.py:5: global count"]
    assert _changes("m.py", tree) == ["m.py:7: SEEN changed in place", "m.py:8: FLAG.append(...)"]
