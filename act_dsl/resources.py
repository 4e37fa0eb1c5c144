"""Where the grammar and the stdlib live (inside the wheel, or at the top of a source checkout), and the cache folder."""
from __future__ import annotations

import os
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


def cache_dir() -> Path:
    """act_dsl's cache folder: $ACT_CACHE, else $XDG_CACHE_HOME/act_dsl, else ~/.cache/act_dsl."""
    if os.environ.get("ACT_CACHE"):
        return Path(os.environ["ACT_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG spec ignores relative paths
    return base / "act_dsl"
