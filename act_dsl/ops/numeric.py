"""Arithmetic over numbers and lists of numbers: `sum` and `abs`."""
from __future__ import annotations

import math
from collections.abc import Sequence


def total(xs: Sequence[float | None]) -> float | None:
    """The sum of the numbers of xs: 0 for an empty list, none when an item is none (a total with a part missing is
    not a total: `sum(items.amount)` is none when one item has no amount, so `total == sum(...)` is false).

    `math.fsum` adds exactly and rounds once, so the order of the items never changes the result and the sum of a
    concatenation equals the sum of the sums up to that one rounding."""
    items = [x for x in xs if x is not None]
    if len(items) < len(xs):
        return None
    result = math.fsum(items)
    if not math.isfinite(result):
        raise ValueError("the sum is too large to hold")
    return result


def absolute(x: float) -> float:
    """The absolute value of x (`abs(-3)` = 3): never negative, and abs(abs(x)) = abs(x)."""
    return abs(float(x))
