"""Per-response work budgets: hostile answers and data stop with a clear per-response error, never hang a run."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    """What one response may cost. Raise a limit with `--limit NAME=VALUE` or `Executor(limits=...)`."""

    max_items: int = 100_000          # elements one quantifier may range over for one response
    max_pairs: int = 1_000_000        # ordered pairs one pair quantifier (or a group) may form for one response
    max_work: int = 5_000_000         # quantifier elements evaluated for one response, nested levels summed
    fuzzy_chars: int = 2_000          # longest text aligned by a fuzzy `text in text` (the shorter side)
    fuzzy_cells: int = 20_000_000     # fuzzy label comparisons (items x labels) for one response in one `in` test

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"limit `{f.name}` must be a positive whole number, got {v!r}")

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...] = ()) -> "Limits":
        """Limits from NAME=VALUE strings (the command line's `--limit`)."""
        names = [f.name for f in fields(cls)]
        out = cls()
        for spec in specs:
            name, sep, value = spec.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in names:
                raise ValueError(f"`--limit {spec}`: write NAME=VALUE with NAME one of {', '.join(names)}")
            try:
                number = int(value.replace("_", "").replace(",", ""))
            except ValueError:
                raise ValueError(f"`--limit {spec}`: {value!r} is not a whole number") from None
            out = replace(out, **{name: number})
        return out


DEFAULT_LIMITS = Limits()
