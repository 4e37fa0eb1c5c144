"""Label-set operations: the `/`-path hierarchy."""
from __future__ import annotations

from act_dsl.ops.values import LabelSet, as_text, normalize


def _prefixes(label: str) -> list[str]:
    parts = [p for p in as_text(label).strip().split("/") if p.strip()]
    return ["/" + "/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def ancestors(label: str, labels: LabelSet) -> tuple[str, ...]:
    return tuple(labels.normalized[normalize(p)] for p in _prefixes(label) if normalize(p) in labels.normalized)


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
