"""Constraint values -> constraint satisfaction rate (CSR) per response, and per-constraint summaries.

Two kinds of failure are told apart (LANGUAGE.md §4): an invalid answer (a failing node that reads the
response) is simply false and counted as `invalid`; a verifier error (the program's or the data's fault) scores
0 and shows as `{"error": message}` in `Scores.values` and in `act score`'s lines."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from act_dsl.graph.rules import InvalidAnswer
from act_dsl.ops.values import EMPTY, NA, ErrorValue


class VerifierError(dict):
    """A constraint's value where the verifier failed: `{"error": message}`, as the output line shows it. It scores
    0 (falsy, `float()` is 0.0), so code that sums or compares values needs no special case."""

    def __init__(self, message: str) -> None:
        super().__init__(error=message)

    @property
    def message(self) -> str:
        return str(self["error"])

    def __bool__(self) -> bool:
        return False

    def __float__(self) -> float:
        return 0.0

    def __repr__(self) -> str:
        return f"VerifierError({self.message!r})"


@dataclass
class ConstraintSummary:
    name: str
    weight: float
    applicable: int = 0
    passed: int = 0          # value 1 (true)
    total: float = 0.0       # sum of values over applicable rows
    not_applicable: int = 0
    errors: int = 0          # verifier errors: the program's or the data's fault
    invalid: int = 0         # invalid answers: a failing node that reads the response (scored false)
    none: int = 0            # the value was `none` (scored 0): `act trace` shows which node was none

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.applicable if self.applicable else None

    @property
    def mean(self) -> float | None:
        return self.total / self.applicable if self.applicable else None

    def as_dict(self) -> dict[str, Any]:
        return {"weight": self.weight, "pass_rate": self.pass_rate, "mean": self.mean,
                "applicable": self.applicable, "not_applicable": self.not_applicable, "errors": self.errors,
                "invalid": self.invalid, "none": self.none}


@dataclass
class Scores:
    """Per-row constraint values (True/False/float/None, or a VerifierError) and CSR, with the verifier errors
    and the invalid answers met on the way."""

    constraints: list[str]
    weights: dict[str, float]
    values: list[dict[str, Any]]
    csr: list[float | None]
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, constraint, message)
    invalid: list[tuple[int, str, str]] = field(default_factory=list)  # (row, constraint, why the answer failed)
    summary: dict[str, ConstraintSummary] = field(default_factory=dict)
    empty: list[bool] = field(default_factory=list)                 # the response was empty: CSR 0

    @property
    def empty_responses(self) -> int:
        return sum(self.empty)

    @property
    def mean_csr(self) -> float | None:
        vals = [c for c in self.csr if c is not None]
        return sum(vals) / len(vals) if vals else None

    def row(self, i: int) -> dict[str, Any]:
        return {**self.values[i], "csr": self.csr[i]}

    def __len__(self) -> int:
        return len(self.csr)


def _value(v: Any) -> tuple[Any, str | None]:
    """A constraint's raw value -> (its scored value: bool, float or None when not applicable; an error message)."""
    if v is NA:
        return None, None            # `when` false, or `share` over nothing: left out of the CSR
    if v is None or v is EMPTY or isinstance(v, InvalidAnswer):
        return False, None           # `none`, empty responses and invalid answers score 0
    if isinstance(v, ErrorValue):
        return False, v.message
    if isinstance(v, bool):
        return v, None
    if isinstance(v, (int, float)):
        x = float(v)
        if not 0.0 <= x <= 1.0:      # NaN fails this too
            return False, f"value {x:g} is outside [0, 1]"
        return x, None
    return False, f"value of type {type(v).__name__} is neither a bool nor a number"


def combine(graph, values: dict[str, list], n: int | None = None) -> Scores:
    """`n`: the number of responses (needed when the task has no constraint: every CSR is then none)."""
    names = [c.name for c in graph.constraints]
    weights = {c.name: c.weight for c in graph.constraints}
    if n is None:
        n = len(next(iter(values.values()))) if values else 0
    scores = Scores(names, weights, [dict() for _ in range(n)], [None] * n, empty=[False] * n)
    scores.summary = {name: ConstraintSummary(name, weights[name]) for name in names}
    for name in names:
        s = scores.summary[name]
        for i, raw in enumerate(values[name]):
            v, err = _value(raw)
            scores.values[i][name] = v if err is None else VerifierError(err)
            if raw is EMPTY:
                scores.empty[i] = True
            elif raw is None:
                s.none += 1
            elif isinstance(raw, InvalidAnswer):
                s.invalid += 1
                scores.invalid.append((i, name, raw.message))
            if err is not None:
                s.errors += 1
                scores.errors.append((i, name, err))
            if v is None:
                s.not_applicable += 1
                continue
            s.applicable += 1
            x = float(v)
            s.total += x
            s.passed += x >= 1.0
    for i, row in enumerate(scores.values):
        num = den = 0.0
        for name, v in row.items():
            if v is not None:
                num += weights[name] * float(v)
                den += weights[name]
        scores.csr[i] = num / den if den else None
    return scores


def shown_number(x: float | None) -> str:
    """A CSR, rate or mean as every table prints it: three decimals, `-` for none."""
    return "-" if x is None else f"{x:.3f}"
