"""Label-set operations: the `/`-path hierarchy."""
from __future__ import annotations

from functools import lru_cache

from act_dsl.ops.values import LabelSet, as_text, normalize


def _segments(label: str) -> tuple[str, ...]:
    """The steps of a `/`-path, each normalised: "/Person/ Artist/" and "/person/artist" are one path."""
    return tuple(normalize(p) for p in as_text(label).split("/") if p.strip())


@lru_cache(maxsize=64)  # a label set is one object per task (hashed by identity): built once, not per call
def _by_path(labels: LabelSet) -> dict[tuple[str, ...], str]:
    """Each path of the set to its label as written; of two labels with one path, the first in the set."""
    out: dict[tuple[str, ...], str] = {}
    for lab in labels.labels:
        out.setdefault(_segments(lab), lab)
    return out


def ancestors(label: str, labels: LabelSet) -> tuple[str, ...]:
    """The proper prefixes of label's path that are in the set, nearest first, as the set writes them."""
    steps, paths = _segments(label), _by_path(labels)
    return tuple(paths[steps[:k]] for k in range(len(steps) - 1, 0, -1) if steps[:k] in paths)


def parent(label: str, labels: LabelSet) -> str | None:
    found = ancestors(label, labels)
    return found[0] if found else None


def labels_of(labels: LabelSet) -> tuple[str, ...]:
    return labels.labels


def read_label_file(text: str) -> tuple[str, ...]:
    """One label a line; blank lines and lines starting with # are skipped; duplicates kept once."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            seen.setdefault(s, None)
    return tuple(seen)
