"""K candidates per prompt, in one place: scoring them and picking the best of them.

`act sample --best-of`, `act eval --best-of`, the ranking stage of `act train` (act_dsl/training/data.py) and the
reward function's tests all go through `score_samples`, so they agree on every candidate's CSR. No sampling or
training is imported here: a sample is anything with `fields` and `responses` (act_dsl.sampling.samples.Sample).
"""
from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Protocol, Sequence

from act_dsl.graph.rules import connected_groups
from act_dsl.scoring.csr import Scores
from act_dsl.scoring.rows import Row, place
from act_dsl.scoring.verifier import Verifier


class Candidates(Protocol):
    """One prompt's record fields and its K sampled responses (a Sample; a samples-file line as a dict works too)."""

    @property
    def fields(self) -> Mapping[str, Any]: ...

    @property
    def responses(self) -> Sequence[str]: ...


def _fields(s: Candidates | Mapping[str, Any]) -> Mapping[str, Any]:
    return (s.get("fields") or {}) if isinstance(s, Mapping) else s.fields


def _responses(s: Candidates | Mapping[str, Any]) -> Sequence[str]:
    return tuple(s.get("responses") or ()) if isinstance(s, Mapping) else s.responses


def csr_value(csr: float | None) -> float:
    """The one rule for a response whose CSR is `none` (no constraint applied to it): it counts as 0.0 wherever
    candidates are compared (ranking, best-of, rewards), so a response that escapes every constraint never
    beats one that some constraint accepted."""
    return 0.0 if csr is None else float(csr)


class Scored(NamedTuple):
    """Every candidate of every sample scored: flat rows (sample-major), each row's candidate number and
    sample position, and the verifier's Scores over those rows."""

    rows: list[Row]
    candidate: list[int]
    owner: list[int]
    scores: Scores

    def table(self, n_samples: int) -> list[list[float]]:
        """CSR per sample and candidate (csr_value applied); a sample with fewer candidates is padded with 0.0."""
        k = max(self.candidate, default=-1) + 1
        out = [[0.0] * k for _ in range(n_samples)]
        for r, (s_i, c) in enumerate(zip(self.owner, self.candidate)):
            out[s_i][c] = csr_value(self.scores.csr[r])
        return out


def score_samples(verifier: Verifier, samples: Sequence[Candidates | Mapping[str, Any]], progress: bool = False
                  ) -> Scored:
    """Score every candidate. The k-th candidates of the prompts of one `group by` group are scored together,
    as one joint candidate, exactly as a TRL trainer's batch is by the reward function."""
    placed = place(((_fields(s), _responses(s)) for s in samples), fill_empty=False)
    return Scored(placed.rows, placed.candidate, placed.owner,
                  verifier.score(placed.rows, placed.candidate, progress=progress))


def best_of(table: Sequence[Sequence[float]]) -> list[tuple[int, float]]:
    """Per sample, (the best candidate, its CSR); among equal CSRs the earliest candidate wins."""
    out = []
    for row in table:
        best = max(range(len(row)), key=lambda k: (row[k], -k))
        out.append((best, row[best]))
    return out


def joint_groups(samples: Sequence[Candidates | Mapping[str, Any]], keys: list[tuple[str, ...]]) -> list[list[int]]:
    """Prompts that share a group under ANY `group by` block are ranked together: the connected components of
    "same values of every key field of one block", so every block's groups stay whole inside one item."""
    comps: dict[int, list[int]] = {}
    for i, c in enumerate(connected_groups([_fields(s) for s in samples], keys)):
        comps.setdefault(c, []).append(i)
    return list(comps.values())
