"""A `matches` pattern (RE2 syntax) rewritten for decoding engines: an unanchored regex of the portable subset
(explicit ASCII classes, `\\uXXXX` escapes) and the same language as a GBNF rule body, or a reason it is refused."""
from __future__ import annotations

import re._constants as C
import re._parser as sre
from dataclasses import dataclass
from typing import Any

MAX_CODE = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]

# RE2's classes are ASCII (docs/language.md, `matches`): spelled out, so that no engine reads them as Unicode
_CATEGORY: dict[object, Ranges] = {
    C.CATEGORY_DIGIT: ((48, 57),),
    C.CATEGORY_WORD: ((48, 57), (65, 90), (95, 95), (97, 122)),
    C.CATEGORY_SPACE: ((9, 10), (12, 13), (32, 32)),
}
_NEGATED = {C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT, C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
            C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE}
WHITESPACE = tuple(c for c in range(MAX_CODE + 1) if chr(c).isspace())  # what strip and splitlines act on
_META = {"rx": set("\\^$.|?*+()[]{}"), "cls": set("\\]^-["), "str": set("\\\"")}


class Refused(Exception):
    """A pattern this translation cannot carry to an engine with the same meaning: the message says why."""


@dataclass(frozen=True)
class Translated:
    regex: str           # unanchored; matches exactly the texts RE2 matches with `^...$`
    gbnf: str            # a GBNF/XGrammar rule body for the same language
    spaces: bool         # some matched text may hold white space (strip or first_line could change it)


def translate(pattern: str) -> Translated:
    """The whole-text language of an anchored pattern `^BODY$`; Refused when it is not anchored at both ends or
    uses what RE2 and the engines read differently (flags, word boundaries, groups by reference)."""
    try:
        tree = sre.parse(pattern)
    except Exception as exc:  # RE2-only syntax such as \pL or \z: Python's reader cannot check it
        raise Refused(f"the pattern uses syntax outside the portable subset ({exc})") from None
    items = list(tree.data)
    if tree.state.flags & (C.SRE_FLAG_IGNORECASE | C.SRE_FLAG_MULTILINE | C.SRE_FLAG_DOTALL | C.SRE_FLAG_VERBOSE):
        raise Refused("the pattern sets flags ((?i), (?m), (?s), (?x)), which engines read differently")
    starts = items[:1] == [(C.AT, C.AT_BEGINNING)] or items[:1] == [(C.AT, C.AT_BEGINNING_STRING)]
    ends = items[-1:] == [(C.AT, C.AT_END)] or items[-1:] == [(C.AT, C.AT_END_STRING)]
    if not (starts and ends and len(items) >= 2):
        raise Refused("the pattern is not anchored with `^` and `$` around the whole answer, so it constrains a part")
    w = _Writer()
    body = items[1:-1]
    return Translated(w.seq(body, rx=True), w.seq(body, rx=False) or '""', w.spaces)


class _Writer:
    def __init__(self) -> None:
        self.spaces = False

    def seq(self, items: list, rx: bool) -> str:
        return ("" if rx else " ").join(self.item(op, av, rx) for op, av in items)

    def item(self, op: object, av: Any, rx: bool) -> str:
        if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
            return self.chars(_ranges(op, av), rx)
        if op is C.SUBPATTERN:
            _group, add, drop, sub = av
            if add or drop:
                raise Refused("the pattern sets flags inside a group, which engines read differently")
            return f"({self.seq(list(sub.data), rx)})" if rx else f"({self.seq(list(sub.data), rx) or chr(34) * 2})"
        if op is C.BRANCH:
            parts = [self.seq(list(b.data), rx) for b in av[1]]
            if rx:
                return "(" + "|".join(parts) + ")"
            return "(" + " | ".join(p or '""' for p in parts) + ")"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):  # laziness changes no language
            lo, hi, sub = av
            inner = self.seq(list(sub.data), rx)
            inner = f"({inner})" if rx else f"({inner or chr(34) * 2})"
            return inner + _count(lo, hi)
        raise Refused(f"the pattern uses {str(op).lower()} (anchors inside, word boundaries, references or "
                      "lookaround), which a decoding grammar does not carry")

    def chars(self, ranges: Ranges, rx: bool) -> str:
        if not ranges:
            raise Refused("the pattern holds a class that matches no character")
        if any(lo <= c <= hi for lo, hi in ranges for c in WHITESPACE):
            self.spaces = True
        if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
            c = ranges[0][0]
            return _esc(c, "rx") if rx else '"' + _esc(c, "str") + '"'
        other = complement(ranges)
        if ranges[-1][1] == MAX_CODE and other and len(other) <= len(ranges):  # a negated class reads shorter
            return f"[^{_class_body(other)}]"
        return f"[{_class_body(ranges)}]"


def _class_body(ranges: Ranges) -> str:
    return "".join(_esc(lo, "cls") if lo == hi else f"{_esc(lo, 'cls')}-{_esc(hi, 'cls')}" for lo, hi in ranges)


def _count(lo: int, hi: int) -> str:
    if hi == C.MAXREPEAT:
        return "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
    if (lo, hi) == (0, 1):
        return "?"
    return f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"


def _esc(c: int, where: str) -> str:
    """One character written for a regex (`rx`), inside a class (`cls`) or inside a GBNF string (`str`)."""
    ch = chr(c)
    if 0x20 <= c < 0x7F or (c > 0xA0 and ch.isprintable() and not ch.isspace()):
        return "\\" + ch if ch in _META[where] else ch
    return f"\\x{c:02X}" if c < 0x100 else f"\\u{c:04X}" if c <= 0xFFFF else f"\\U{c:08X}"


def _ranges(op: object, av: object) -> Ranges:
    if op is C.LITERAL:
        return ((int(av), int(av)),)  # type: ignore[call-overload]
    if op is C.NOT_LITERAL:
        return complement(((int(av), int(av)),))  # type: ignore[call-overload]
    if op is C.ANY:
        return complement(((10, 10),))
    out: list[tuple[int, int]] = []
    negate = False
    for sub, val in av:  # type: ignore[attr-defined]
        if sub is C.NEGATE:
            negate = True
        elif sub is C.LITERAL:
            out.append((val, val))
        elif sub is C.RANGE:
            out.append(tuple(val))
        elif sub is C.CATEGORY and val in _CATEGORY:
            out.extend(_CATEGORY[val])
        elif sub is C.CATEGORY and val in _NEGATED:
            out.extend(complement(_CATEGORY[_NEGATED[val]]))
        else:
            raise Refused(f"the pattern uses a class item ({sub}) that engines read differently")
    merged = merge(out)
    return complement(merged) if negate else merged


def merge(ranges: list[tuple[int, int]] | Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def complement(ranges: Ranges) -> Ranges:
    out, at = [], 0
    for lo, hi in merge(ranges):
        if lo > at:
            out.append((at, lo - 1))
        at = hi + 1
    if at <= MAX_CODE:
        out.append((at, MAX_CODE))
    return tuple(out)
