"""The row a verifier scores (`Row`: a record's fields and one response) and the one place rows are built.

`Row.as_dict` is the only place in the package where a record's fields and a response become the dict the
executor reads (tests/test_one_home.py keeps it so); everything else builds `Row`s, with `place` or one by one,
and hands them to the Verifier (or to `plain`, for an executor's lower-level calls)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence


@dataclass(frozen=True)
class Row:
    """What the verifier scores: one record's fields and one response."""

    fields: Mapping[str, Any]
    response: str

    def as_dict(self) -> dict[str, Any]:
        """The executor's view of the row: the fields with `response` among them."""
        return {**self.fields, "response": self.response}


def plain(rows: Iterable["Row | Mapping[str, Any]"]) -> list[dict[str, Any]]:
    """The executor's view of rows: a Row as its dict, a mapping (a row already in that form) copied."""
    return [r.as_dict() if isinstance(r, Row) else dict(r) for r in rows]


@dataclass(frozen=True)
class Placed:
    """Rows with where each came from: the record (or sample) index and the response's number in it."""

    rows: list[Row]
    owner: list[int]
    candidate: list[int]


def place(responses: Iterable[tuple[Mapping[str, Any], Sequence[str]]], fill_empty: bool = True) -> Placed:
    """One row per response of each (fields, responses) pair, in order. With `fill_empty`, a record with no
    response gives one empty response (scored 0 on every constraint), as `act score` scores it; a sample with
    none gives no row."""
    rows: list[Row] = []
    owner: list[int] = []
    cand: list[int] = []
    for i, (fields_, resps) in enumerate(responses):
        for j, resp in enumerate(resps or (("",) if fill_empty else ())):
            rows.append(Row(fields_, resp))
            owner.append(i)
            cand.append(j)
    return Placed(rows, owner, cand)
