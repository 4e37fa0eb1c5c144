"""Text and list operations."""
from __future__ import annotations

import re
from functools import lru_cache

from act_dsl.ops.values import TextSpan, as_text, normalize

# a word: letters and digits with the combining marks that belong to them (`cafe\u0301`, `हिन्दी`), an apostrophe
# inside it kept (`it's`); `regex` (a dependency of dateparser and nltk) knows the Unicode classes `re` lacks
_WORD = r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[^\s])|\n+")
MAX_PATTERN = 500


def split(x: str, sep: str) -> tuple[str, ...]:
    if not sep:
        raise ValueError("split needs a non-empty separator")
    return tuple(p.strip() for p in as_text(x).split(sep) if p.strip())


def lines(x: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in as_text(x).splitlines() if s.strip())


def first_line(x: str) -> str:
    for s in as_text(x).splitlines():
        if s.strip():
            return s.strip()
    return ""


def strip(x: str) -> str:
    return as_text(x).strip()


def lower(x: str) -> str:
    return as_text(x).lower()


def upper(x: str) -> str:
    return as_text(x).upper()


@lru_cache(maxsize=1)
def _word_pattern():
    import regex  # imported on first use: `act lint` never needs it
    return regex.compile(_WORD)


def words(x: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _word_pattern().findall(as_text(x)))


def sentences(x: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SENT.split(as_text(x)) if s and s.strip())


def ngrams(x: str, n: float) -> tuple[str, ...]:
    k = int(n)
    if k < 1:
        raise ValueError(f"ngrams needs n >= 1, got {n}")
    ws = words(x)
    return tuple(" ".join(ws[i:i + k]) for i in range(len(ws) - k + 1))


def length(x: str) -> float:
    return float(len(as_text(x)))


@lru_cache(maxsize=256)
def _compiled(pattern: str):
    """An RE2 regular expression, compiled once per distinct pattern (bounded: patterns may come from data).

    RE2 runs in time linear in the text, so a pattern such as `^(\\w+\\s?)*$` cannot backtrack without
    bound on a long answer. Its syntax has no backreferences or lookaround; `\\w`, `\\d`, `\\b` are ASCII.
    re2 is imported here, on first use, so that `act lint` of files without patterns does not load it."""
    import re2
    options = re2.Options()
    options.log_errors = False  # errors become ValueError here, not lines on stderr
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:  # cached too: a bad pattern from data is diagnosed once, not once per row
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return f"invalid regular expression {_shown(pattern)}: {_explained(str(reason))}"


def _explained(reason: str) -> str:
    """RE2's message, naming the Python/PCRE feature it lacks where that is the cause."""
    if reason.startswith("invalid perl operator: (?=") or reason.startswith("invalid perl operator: (?!") \
            or reason.startswith("invalid perl operator: (?<"):
        return f"lookaround is not supported by RE2 ({reason})"
    if re.match(r"invalid escape sequence: \\[1-9]", reason):
        return f"backreferences are not supported by RE2 ({reason})"
    return reason


def _shown(pattern: str) -> str:
    return repr(pattern if len(pattern) <= 60 else pattern[:57] + "...")


def compile_pattern(pattern: str):
    """The compiled pattern, or ValueError (too long, invalid, or a feature RE2 does not have)."""
    if not isinstance(pattern, str):
        raise ValueError(f"a regular expression must be text, got {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"regular expression longer than {MAX_PATTERN} characters")
    compiled = _compiled(pattern)
    if isinstance(compiled, str):
        raise ValueError(compiled)
    return compiled


def pattern_error(pattern: str) -> str | None:
    """Why a pattern cannot be used (for lint), or None when it compiles."""
    try:
        compile_pattern(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def matches(x: str, pattern: str) -> bool:
    return compile_pattern(as_text(pattern)).search(as_text(x)) is not None


def starts_with(x: str, p: str, strict: bool = False) -> bool:
    if strict:  # as written, only case ignored (casefold, which needs no context: Σ is σ wherever it stands)
        return as_text(x).casefold().startswith(as_text(p).casefold())
    return normalize(as_text(x)).startswith(normalize(as_text(p)))


def ends_with(x: str, p: str, strict: bool = False) -> bool:
    if strict:
        return as_text(x).casefold().endswith(as_text(p).casefold())
    return normalize(as_text(x)).endswith(normalize(as_text(p)))


def count(xs: tuple) -> float:
    return float(len(xs))


def _norm_items(xs: tuple) -> list[str]:
    return [normalize(as_text(x)) for x in xs]


def overlap(a: tuple, b: tuple) -> float:
    if not a:
        return 0.0
    bs = set(_norm_items(b))
    return sum(1 for x in _norm_items(a) if x in bs) / len(a)


def disjoint(a: tuple, b: tuple) -> bool:
    return not (set(_norm_items(a)) & set(_norm_items(b)))


def unique(xs: tuple) -> tuple:
    seen: set[str] = set()
    out = []
    for x in xs:
        k = normalize(as_text(x))
        if k not in seen:
            seen.add(k)
            out.append(x)
    return tuple(out)


__all__ = ["as_text", "TextSpan"]  # `text:as_text` in the registry is the shared helper
