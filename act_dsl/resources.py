"""Where the grammar and the stdlib live: inside the wheel, or at the top of a source checkout."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"act_dsl is installed without its `{name}` folder (looked in {_PKG} and {_PKG.parent})")


def grammar_file() -> Path:
    return _find("grammar") / "act.lark"


def stdlib_dir() -> Path:
    return _find("stdlib_constraints")
