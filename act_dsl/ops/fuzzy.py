"""Membership (`x in y [fuzzy N]`), batched with rapidfuzz across a whole column.

`text in text` is a substring test; fuzzily, the best similarity of x to a window of y (never of y to a
window of x: an answer that merely contains the whole context is not in it); when x is at least as long as y
the two are compared whole. `text in list` and `label in labels` compare whole strings (fuzz.ratio), never a
partial-match scorer: `/person/wizard` is not `/person`.
"""
from __future__ import annotations

import math
from typing import Callable

from act_dsl.ops.limits import DEFAULT_LIMITS, Limits
from act_dsl.ops.values import NA, ErrorValue, LabelSet, as_text, normalize


def check_cutoff(cutoff: object) -> ErrorValue | None:
    """A computed `fuzzy N` must be a number in [0, 100] (literals are checked by `act lint`)."""
    if cutoff is None:
        return None
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float)) or not math.isfinite(cutoff) \
            or not 0 <= cutoff <= 100:
        return ErrorValue(f"`fuzzy {cutoff}` is outside 0-100")
    return None


def text_in_text(item: object, hay: object, cutoff: float | None, limits: Limits = DEFAULT_LIMITS,
                 norm: Callable[[str], str] = normalize) -> bool | ErrorValue:
    a, b = norm(as_text(item)), norm(as_text(hay))
    if not a:
        return False
    if a in b:
        return True
    if cutoff is None:
        return False
    from rapidfuzz import fuzz
    if len(a) >= len(b):
        # compared whole: y has no window as long as x but itself (rapidfuzz's partial_ratio would, at equal lengths,
        # also try windows of x). ratio is at most 200*len(b)/(len(a)+len(b)), so long answers fail without work
        if 200.0 * len(b) / (len(a) + len(b)) < cutoff:
            return False
        if len(b) > limits.fuzzy_chars:
            return ErrorValue(f"fuzzy `in` compares two texts of {len(a):,} and {len(b):,} characters; the limit is "
                              f"{limits.fuzzy_chars:,} (raise it with --limit fuzzy_chars=N)")
        return fuzz.ratio(a, b, score_cutoff=cutoff) >= cutoff
    if len(a) > limits.fuzzy_chars:
        return ErrorValue(f"fuzzy `in` aligns a text of {len(a):,} characters; the limit is {limits.fuzzy_chars:,} "
                          "(raise it with --limit fuzzy_chars=N)")
    return fuzz.partial_ratio(a, b, score_cutoff=cutoff) >= cutoff


def _whole(items: list[str], choices: list[str], exact: set[str], cutoff: float | None) -> list[bool]:
    """Whole-string membership of every (normalised) item among choices, fuzzy by ratio when asked."""
    result = [bool(i) and i in exact for i in items]
    if cutoff is None:
        return result
    pending = sorted({i for i, ok in zip(items, result) if not ok and i})
    if pending and choices:
        if cutoff <= 0:
            hit = dict.fromkeys(pending, True)
        else:
            import numpy as np
            from rapidfuzz import fuzz, process
            scores = process.cdist(pending, choices, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64,
                                   workers=1)
            hit = dict(zip(pending, (scores.max(axis=1) >= cutoff).tolist()))
        result = [ok or hit.get(i, False) for i, ok in zip(items, result)]
    return result


def _same(coll: tuple | LabelSet) -> object:
    """Rows whose lists are equal texts (IFEval's `instruction_id_list` on every record) share one preparation."""
    if isinstance(coll, tuple) and all(type(c) is str for c in coll):
        return ("texts", coll)
    return ("one", id(coll))


def _choices(coll: object) -> tuple[list[str], set[str]]:
    if isinstance(coll, LabelSet):
        return list(coll.normalized), set(coll.normalized)
    # not a label set, so the checker typed it a list
    norm = [normalize(as_text(c)) for c in coll if c is not None]  # type: ignore[attr-defined]
    return norm, set(norm)


def membership(rows: list[tuple], negated: bool, limits: Limits = DEFAULT_LIMITS) -> list:
    """rows: (item, collection, cutoff) per row; returns bools (or errors) in order.

    A `none` operand makes both `in` and `not in` false (LANGUAGE.md §4)."""
    out: list = [None] * len(rows)
    by_coll: dict[object, list[int]] = {}  # rows testing against equal lists / one label set share its preparation
    cutoff_errors: dict[object, ErrorValue | None] = {}
    normalised: dict[str, str] = {}  # each distinct text once: a 1 MB context tested against 1,000 items

    def norm(text: str) -> str:
        got = normalised.get(text)
        if got is None:
            got = normalised[text] = normalize(text)
        return got
    for r, (item, coll, cutoff) in enumerate(rows):
        if isinstance(item, ErrorValue):
            out[r] = item
        elif isinstance(coll, ErrorValue):
            out[r] = coll
        elif isinstance(cutoff, ErrorValue):
            out[r] = cutoff
        elif cutoff is not None and (cutoff_errors[cutoff] if cutoff in cutoff_errors
                                     else cutoff_errors.setdefault(cutoff, check_cutoff(cutoff))) is not None:
            out[r] = cutoff_errors[cutoff]
        elif coll is None or item is None or coll is NA or item is NA:
            out[r] = False
        elif isinstance(coll, (tuple, LabelSet)):
            by_coll.setdefault(_same(coll), []).append(r)
        else:
            ok = text_in_text(item, coll, cutoff, limits, norm)
            out[r] = ok if isinstance(ok, ErrorValue) else ok != negated
    for idxs in by_coll.values():
        choices, exact = _choices(rows[idxs[0]][1])
        by_cut: dict[float | None, list[int]] = {}
        for r in idxs:
            by_cut.setdefault(rows[r][2], []).append(r)
        for cutoff, rs in by_cut.items():
            items = [norm(as_text(rows[r][0])) for r in rs]
            for r, ok in zip(rs, _whole(items, choices, exact, cutoff)):
                out[r] = ok != negated
    return out
