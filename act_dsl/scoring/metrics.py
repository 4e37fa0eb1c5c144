"""Task-quality metrics against gold answers, reported beside CSR (never used for training)."""
from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any, Callable

from act_dsl.ops.values import as_text, normalize

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def _answer_tokens(text: str) -> list[str]:
    return _ARTICLES.sub(" ", normalize(text).translate(_PUNCT)).split()


def _golds(gold: Any) -> list[str]:
    if gold is None:
        return []
    if isinstance(gold, (list, tuple)):
        return [as_text(g) for g in gold]
    return [as_text(gold)]


def micro_f1(preds: list[Any], golds: list[Any]) -> float:
    """Micro-averaged F1 over label sets: each prediction and gold is a list of labels."""
    tp = n_pred = n_gold = 0
    for p, g in zip(preds, golds):
        ps = {normalize(as_text(x)) for x in (p or ())}
        gs = {normalize(x) for x in _golds(g)}
        tp += len(ps & gs)
        n_pred += len(ps)
        n_gold += len(gs)
    if not tp:
        return 0.0
    precision, recall = tp / n_pred, tp / n_gold
    return 2 * precision * recall / (precision + recall)


def exact_match(preds: list[Any], golds: list[Any]) -> float:
    """Share of predictions equal (after normalisation) to one of their gold answers."""
    hits = sum(any(_answer_tokens(as_text(p)) == _answer_tokens(g) for g in _golds(gold))
               for p, gold in zip(preds, golds))
    return hits / len(preds) if preds else 0.0


def _token_f1(pred: str, gold: str) -> float:
    p, g = _answer_tokens(pred), _answer_tokens(gold)
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def token_f1(preds: list[Any], golds: list[Any]) -> float:
    """Mean over records of the best token-overlap F1 against any gold answer."""
    scores = [max((_token_f1(as_text(p), g) for g in _golds(gold)), default=0.0) for p, gold in zip(preds, golds)]
    return sum(scores) / len(scores) if scores else 0.0


METRICS: dict[str, Callable[[list[Any], list[Any]], float]] = {
    "micro_f1": micro_f1, "exact_match": exact_match, "token_f1": token_f1}


def default_metric(output_type: str) -> str:
    return "micro_f1" if output_type.startswith("list<") else "token_f1"


def find_gold_field(records: list[dict]) -> str | None:
    """The records' gold field when there is exactly one obvious one (`gold`, `gold_*`)."""
    keys = sorted({k for r in records for k in r if k == "gold" or k.startswith("gold_")})
    return keys[0] if len(keys) == 1 else None
