"""Percentile bootstrap over prompts: 95 % intervals for a mean, any per-sample statistic and a paired difference.

Pure Python (random.Random, seeded), so `act eval --compare` and reports need no numpy. Resampling is over
prompts, the unit a held-out set is drawn in: a statistic that is not a mean over prompts (micro-F1 pools
label counts) is recomputed on each resample of prompts, and a paired difference resamples the same prompts
for both runs, which is what makes it tighter than two separate intervals.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Sequence

RESAMPLES = 2000
LEVEL = 0.95
SEED = 0


@dataclass(frozen=True)
class Interval:
    """A point estimate with its percentile-bootstrap interval over `n` prompts (lo/hi None when n == 0)."""

    value: float | None
    lo: float | None
    hi: float | None
    n: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {"value": self.value, "lo": self.lo, "hi": self.hi, "n": self.n}

    @classmethod
    def from_dict(cls, d: dict) -> "Interval":
        return cls(d.get("value"), d.get("lo"), d.get("hi"), int(d.get("n") or 0))

    def text(self, digits: int = 3, signed: bool = False) -> str:
        """`0.800 [0.700, 0.890]`; `-` when there is no value."""
        if self.value is None:
            return "-"
        fmt = f"{{:+.{digits}f}}" if signed else f"{{:.{digits}f}}"
        if self.lo is None or self.hi is None:
            return fmt.format(self.value)
        return f"{fmt.format(self.value)} [{fmt.format(self.lo)}, {fmt.format(self.hi)}]"


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values by linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        raise ValueError("quantile of no values")
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def bootstrap(n: int, statistic: Callable[[Sequence[int]], float | None], resamples: int = RESAMPLES,
              seed: int = SEED, level: float = LEVEL) -> Interval:
    """The statistic of all n prompts, with the percentile interval of its value on `resamples` resamples
    (n prompts drawn with replacement, the statistic given their indices). A resample on which the statistic
    is undefined (None) is left out of the percentiles."""
    if n <= 0:
        return Interval(None, None, None, 0)
    value = statistic(range(n))
    if value is None:
        return Interval(None, None, None, n)
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        v = statistic([rng.randrange(n) for _ in range(n)])
        if v is not None:
            draws.append(v)
    if not draws:
        return Interval(value, None, None, n)
    draws.sort()
    alpha = (1 - level) / 2
    return Interval(value, quantile(draws, alpha), quantile(draws, 1 - alpha), n)


def mean_of(values: Sequence[float | None]) -> Callable[[Sequence[int]], float | None]:
    """The statistic "mean of the defined values among the chosen prompts" (None values are not applicable)."""
    def stat(idx: Sequence[int]) -> float | None:
        vals = [v for v in (values[i] for i in idx) if v is not None]
        return sum(vals) / len(vals) if vals else None
    return stat


def bootstrap_mean(values: Sequence[float | None], resamples: int = RESAMPLES, seed: int = SEED,
                   level: float = LEVEL) -> Interval:
    """Mean over prompts with its interval; None values (not applicable) are left out, n counts the rest."""
    iv = bootstrap(len(values), mean_of(values), resamples, seed, level)
    return Interval(iv.value, iv.lo, iv.hi, sum(1 for v in values if v is not None))


def paired(before: Callable[[Sequence[int]], float | None], after: Callable[[Sequence[int]], float | None],
           n: int, resamples: int = RESAMPLES, seed: int = SEED, level: float = LEVEL) -> Interval:
    """after - before, both statistics computed on the same resampled prompts."""
    def diff(idx: Sequence[int]) -> float | None:
        a, b = after(idx), before(idx)
        return None if a is None or b is None else a - b
    return bootstrap(n, diff, resamples, seed, level)


def bootstrap_paired(before: Sequence[float | None], after: Sequence[float | None], resamples: int = RESAMPLES,
                     seed: int = SEED, level: float = LEVEL) -> Interval:
    """The paired difference of two per-prompt series (the same prompts, in the same order)."""
    if len(before) != len(after):
        raise ValueError(f"a paired difference needs the same prompts: {len(before)} against {len(after)}")
    pairs = [(b, a) for b, a in zip(before, after) if a is not None and b is not None]  # defined in both
    return bootstrap(len(pairs), mean_of([a - b for b, a in pairs]), resamples, seed, level)


def spread(values: Sequence[float | None]) -> dict[str, float | int | None]:
    """Mean, sample standard deviation, min and max of the defined values (across seeds, say)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return {"mean": None, "sd": None, "min": None, "max": None, "n": 0}
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
    return {"mean": mean, "sd": sd, "min": min(vals), "max": max(vals), "n": len(vals)}
