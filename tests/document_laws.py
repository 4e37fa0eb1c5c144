"""What the document-function law tests share: the settings, generators and IFEval's rules, restated from the
published checkers (Zhou et al., 2023) so that a law can compare with the reference where it defines the behaviour.
"""
from __future__ import annotations

import json
import re
import string
from typing import Any, Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from act_dsl.ops.registry import REGISTRY
from conftest import examples

EXAMPLES = examples(500)
LAW = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def op(name: str) -> Callable[..., Any]:
    """The function as the executor calls it: through the registry."""
    return REGISTRY[name].function()

# ---- generators ----------------------------------------------------------------------------------------------
# the characters the line and span scans care about, mixed with any character at all
MARKUP = list("*-[]<>\n\t  ab_Z.,!?'\"3") + ["\u2003", "\r", "<<", ">>", "**", "\n\n"]
markup = st.lists(st.one_of(st.sampled_from(MARKUP), st.characters()), max_size=40).map("".join)
anything = st.text(max_size=60)
ascii_text = st.text(alphabet=string.printable, max_size=60)
WORD_CHARS = string.ascii_letters + string.digits + "_"
ascii_word = st.text(alphabet=WORD_CHARS, min_size=1, max_size=8)
# non-empty runs of characters that are not word characters (white space and punctuation, several scripts)
NON_WORD = list(" \n\t\u00a0\u3000.,;:!?-\u2014()[]{}\"'\u00ab\u00bb\u3002\u3001\u2026+=/\\@#%&*~\u00bf\u061f")
non_word = st.text(alphabet=NON_WORD, min_size=1, max_size=3)
LOWER_WORDS = ["green", "tea", "milk", "water", "is", "calm", "and", "the", "morning", "cup", "hot", "leaves"]
CAPITAL_WORDS = ["TEA", "NASA", "AI", "UK", "I", "GREEN", "OK", "BBC"]


def random_case(draw: Callable, s: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(s), max_size=len(s)))
    return "".join(c.swapcase() if f else c for c, f in zip(s, flips))


# ---- IFEval's rules, restated from the published checkers ------------------------------------------------
def ifeval_bullets(x: str) -> list[str]:
    return [m.strip() for m in re.findall(r"^\s*\*[^\*].*$", x, flags=re.MULTILINE)] + \
        [m.strip() for m in re.findall(r"^\s*-.*$", x, flags=re.MULTILINE)]


def ifeval_highlights(x: str) -> list[str]:
    found = re.findall(r"\*[^\n\*]*\*", x) + re.findall(r"\*\*[^\n\*]*\*\*", x)
    return [h.strip("*").strip() for h in found if h.strip("*").strip()]


def ifeval_titles(x: str) -> list[str]:
    return [t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", x)
            if t.lstrip("<").rstrip(">").strip()]


def ifeval_sections(x: str, splitter: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s?" + splitter + r"\s?\d+\s?", x)[1:]]


def ifeval_paragraphs(x: str) -> int | None:
    """number_paragraphs: the count of `***` paragraphs, or None where a blank one inside fails the answer."""
    found = re.split(r"\s?\*\*\*\s?", x)
    n = len(found)
    for i, p in enumerate(found):
        if not p.strip():
            if i in (0, len(found) - 1):
                n -= 1
            else:
                return None
    return n


def ifeval_two_responses(x: str) -> list[str] | None:
    """two_responses: the non-blank answers between `******`, or None where a blank one inside fails."""
    found = x.split("******")
    if any(not p.strip() for p in found[1:-1]):
        return None
    return [p.strip() for p in found if p.strip()]


def ifeval_first_word(paragraph: str) -> str:
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    out = ""
    for letter in word:
        if letter in {".", ",", "?", "!", "'", '"'}:
            break
        out += letter.lower()
    return out


def ifeval_postscript(x: str, marker: str) -> bool:
    pattern = {"P.P.S": r"\s*p\.\s?p\.\s?s.*$", "P.S.": r"\s*p\.\s?s\..*$"}[marker]
    return bool(re.findall(pattern, x.lower(), flags=re.MULTILINE))


def ifeval_json(x: str) -> bool:
    body = x.strip().removeprefix("```json").removeprefix("```Json").removeprefix("```JSON") \
        .removeprefix("```").removesuffix("```").strip()
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def ifeval_quotation(x: str) -> bool:
    v = x.strip()
    return len(v) > 1 and v[0] == '"' and v[-1] == '"'

