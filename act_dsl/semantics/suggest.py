"""Did-you-mean hints: rapidfuzz over the names in scope."""
from __future__ import annotations

from typing import Iterable


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    from rapidfuzz import fuzz, process
    choices = sorted({c for c in candidates if c and c != name})
    if not choices or not name:
        return None
    best = process.extractOne(name, choices, scorer=fuzz.ratio, score_cutoff=60)
    if best is None:
        lowered = [c for c in choices if c.lower() == name.lower()]
        return f"did you mean `{lowered[0]}`?" if lowered else None
    return f"did you mean `{best[0]}`?"
