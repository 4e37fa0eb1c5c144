"""Membership (`x in y [fuzzy N]`), batched with rapidfuzz across a whole column."""
from __future__ import annotations

from act_dsl.ops.values import ErrorValue, LabelSet, as_text, normalize


def _text_in_text(item: str, hay: str, cutoff: float | None) -> bool:
    a, b = normalize(as_text(item)), normalize(as_text(hay))
    if not a:
        return False
    if a in b:
        return True
    if cutoff is None:
        return False
    from rapidfuzz import fuzz
    return fuzz.partial_ratio(a, b, score_cutoff=cutoff) >= cutoff


def _whole(items: list[str], choices: list[str], cutoff: float | None) -> list[bool]:
    """Whole-string membership of every item among choices (normalised), fuzzy by ratio when asked."""
    exact = set(choices)
    result = [i in exact for i in items]
    if cutoff is None:
        return result
    pending = sorted({i for i, ok in zip(items, result) if not ok and i})
    if pending and choices:
        import numpy as np
        from rapidfuzz import fuzz, process
        scores = process.cdist(pending, choices, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8,
                               workers=1)
        hit = dict(zip(pending, (scores.max(axis=1) >= max(cutoff, 1)).tolist()))
        result = [ok or hit.get(i, False) for i, ok in zip(items, result)]
    return result


def membership(rows: list[tuple], negated: bool) -> list:
    """rows: (item, collection, cutoff) per row; returns bools (or errors) in order."""
    out: list = [None] * len(rows)
    # group rows that test against the same label set / list so each collection is prepared once
    by_coll: dict[int, list[int]] = {}
    for r, (item, coll, cutoff) in enumerate(rows):
        if isinstance(item, ErrorValue) or isinstance(coll, ErrorValue) or isinstance(cutoff, ErrorValue):
            out[r] = next(v for v in (item, coll, cutoff) if isinstance(v, ErrorValue))
        elif coll is None or item is None:
            out[r] = negated
        elif isinstance(coll, (str,)) or not isinstance(coll, (tuple, LabelSet)):
            ok = _text_in_text(item, as_text(coll), cutoff)
            out[r] = ok != negated
        else:
            by_coll.setdefault(id(coll), []).append(r)
    for idxs in by_coll.values():
        coll = rows[idxs[0]][1]
        choices = list(coll.normalized) if isinstance(coll, LabelSet) else [normalize(as_text(c)) for c in coll]
        by_cut: dict[float | None, list[int]] = {}
        for r in idxs:
            by_cut.setdefault(rows[r][2], []).append(r)
        for cutoff, rs in by_cut.items():
            items = [normalize(as_text(rows[r][0])) for r in rs]
            for r, ok in zip(rs, _whole(items, choices, cutoff)):
                out[r] = ok != negated
    return out
