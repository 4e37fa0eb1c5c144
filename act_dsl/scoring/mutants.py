"""Mutants of gold answers, made from the task's declared output type and its inputs (never written per task),
and the shape that renders an answer value back as the response text the task's output reader parses."""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.ops.types import elem, is_list, is_record, record_fields
from act_dsl.ops.values import as_text, normalize

_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
PER_KIND = 3  # variants of one kind tried at each place of an answer, and the least kept of a kind per record


@dataclass(frozen=True)
class Shape:
    """How an answer value of the task's output is written as a response: `kind` is list, json, label or text;
    `joiner` joins list items where the reader splits the response at a separator."""

    output: str
    type: str
    kind: str
    joiner: str = ", "

    def render(self, value: Any) -> str:
        if self.kind == "list" and self.joiner:
            return self.joiner.join(as_text(v) for v in value or [])
        if self.kind in ("list", "json"):
            return json.dumps(value, ensure_ascii=False)
        return as_text(value)

    def same(self, a: Any, b: Any) -> bool:
        """Whether two parsed answers are the same answer (labels and texts compared normalised)."""
        return _canon(a) == _canon(b)


def _canon(v: Any) -> Any:
    if isinstance(v, dict):
        return {normalize(str(k)): _canon(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_canon(x) for x in v]
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return normalize(as_text(v))


def output_shape(graph: Graph, output: str | None = None) -> Shape | None:
    """The shape of `output` (default: the task's first output); None when the task has no output."""
    name = output or next(iter(graph.outputs), None)
    if name is None:
        return None
    node = graph.outputs[name]
    t = node.type
    while node.op == "as" and node.args:  # a declared type over the reader: look at the reader itself
        node = node.args[0]
    if is_list(t):
        if node.op == "call" and node.params[0] == "split" and len(node.args) > 1 and node.args[1].op == "const":
            sep = str(node.args[1].params[0])
            # the reader strips each part, so a space after a punctuation separator is how people write it
            return Shape(name, t, "list", sep + " " if sep.strip() and len(sep.strip()) == 1 else sep)
        return Shape(name, t, "list", "")
    if is_record(t):
        return Shape(name, t, "json")
    return Shape(name, t, "label" if t == "label" else "text")


@dataclass(frozen=True)
class Mutant:
    record: int
    kind: str
    value: Any


@dataclass
class Context:
    """What a record offers mutations: its input texts' sentences and entities (with spaCy's labels)."""

    sentences: list[str]
    entities: list[tuple[str, str]]
    numbers: list[str]


def contexts(graph: Graph, records: list[dict[str, Any]], notes: list[str] | None = None) -> list[Context]:
    """Sentences, spaCy entities and numbers of each record's text inputs (one NER pass over distinct texts);
    without spaCy's English pipeline, no entities (and a note saying so)."""
    names = [n for n, t in graph.input_types.items() if t == "text"]
    texts = [[as_text(r.get(n)) for n in names if r.get(n)] for r in records]
    ents_of: dict[str, tuple] = {}
    distinct = sorted({t for ts in texts for t in ts})
    if distinct:
        from act_dsl.ops.spans import MissingPipeline, entities
        try:
            for t, found in zip(distinct, entities([(t, None) for t in distinct])):  # None: every type
                ents_of[t] = found if isinstance(found, tuple) else ()
        except (MissingPipeline, ImportError) as exc:
            if notes is not None:
                notes.append(f"no `entity_swap` mutants: {exc}")
    out = []
    for ts in texts:
        sents = [s.strip() for t in ts for s in _SENTENCE.split(t) if len(s.split()) >= 3]
        ents = list(dict.fromkeys((e.text, e.label) for t in ts for e in ents_of.get(t, ())))
        nums = list(dict.fromkeys(m.group() for t in ts for m in _NUMBER.finditer(t)))
        out.append(Context(sents, ents, nums))
    return out


def label_parent(label: str) -> str | None:
    cut = label.rstrip("/").rfind("/")
    return label[:cut] if cut > 0 else None


def _label_mutants(items: list[str], labels: list[str], rng: random.Random) -> dict[str, list[list[str]]]:
    have = {normalize(x) for x in items}
    others = [lab for lab in labels if normalize(lab) not in have]
    out: dict[str, list[list[str]]] = {}
    for i, lab in enumerate(items):
        par = label_parent(lab)
        sibs = [o for o in others if par is not None and label_parent(o) == par]
        for sib in rng.sample(sibs, min(PER_KIND, len(sibs))):
            out.setdefault("label_sibling", []).append(items[:i] + [sib] + items[i + 1:])
        if par is not None:
            swapped = items[:i] + ([] if normalize(par) in have else [par]) + items[i + 1:]
            out.setdefault("label_parent", []).append(swapped)
        top = lab.strip("/").split("/")[0]
        far = [o for o in others if o.strip("/").split("/")[0] != top]
        for lab2 in rng.sample(far, min(PER_KIND, len(far))):
            out.setdefault("label_unrelated", []).append(items[:i] + [lab2] + items[i + 1:])
        if len(items) > 1:
            out.setdefault("label_drop", []).append(items[:i] + items[i + 1:])
    if others:
        out["label_add"] = [items + [lab2] for lab2 in rng.sample(others, min(2 * PER_KIND, len(others)))]
    return out


def _shift_number(text: str, rng: random.Random) -> tuple[str, str] | None:
    """(kind, text) with one number of `text` changed: a year-like number is a date shifted by a few years."""
    found = list(_NUMBER.finditer(text))
    if not found:
        return None
    m = rng.choice(found)
    raw = m.group().replace(",", "")
    value = float(raw)
    if "." not in raw and 1000 <= value <= 2100:
        new, kind = str(int(value) + rng.choice([-3, -2, -1, 1, 2, 3])), "date_shift"
    else:
        step = rng.choice([1.1, 0.9, 2.0])
        shifted = value * step if value else 1.0
        new = f"{shifted:.2f}" if "." in raw else str(int(round(shifted)) + (0 if round(shifted) != value else 1))
        kind = "number_shift"
    return kind, text[:m.start()] + new + text[m.end():]


def _text_mutants(gold: str, ctx: Context, rng: random.Random) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    g = normalize(gold)
    label = next((lab for t, lab in ctx.entities if normalize(t) == g), None)
    inside = [(t, lab) for t, lab in ctx.entities if normalize(t) and normalize(t) in g]
    for t, lab in ctx.entities:
        n = normalize(t)
        if not n or n in g or g in n:
            continue
        if label is not None and lab == label:
            out.setdefault("entity_swap", []).append(t)
        elif inside and lab == inside[0][1] and len(out.get("entity_swap", [])) < PER_KIND:
            out.setdefault("entity_swap", []).append(gold.replace(inside[0][0], t, 1))
    if label is not None and not out.get("entity_swap"):  # no entity of the same kind: any other entity
        out["entity_swap"] = [t for t, _ in ctx.entities if normalize(t) not in g and g not in normalize(t)]
    for _ in range(2):
        shifted = _shift_number(gold, rng)
        if shifted and shifted[1] != gold:
            out.setdefault(shifted[0], []).append(shifted[1])
    far = [s for s in ctx.sentences if g not in normalize(s) and normalize(s) not in g]
    if far:
        out["sentence_swap"] = rng.sample(far, min(2, len(far)))
    return out


def _json_mutants(gold: dict, ctx: Context, rng: random.Random) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    keys = list(gold)
    for k in keys:
        v = gold[k]
        out.setdefault("json_drop", []).append({x: y for x, y in gold.items() if x != k})
        others = [x for x in keys if x != k and not _canon(gold[x]) == _canon(v)]
        if others:
            out.setdefault("json_swap", []).append({**gold, k: gold[rng.choice(others)]})
        wrong: Any = [v] if isinstance(v, str) else (str(v) if isinstance(v, (int, float)) else
                                                   ", ".join(map(as_text, v)) if isinstance(v, list) else 0)
        out.setdefault("json_type", []).append({**gold, k: wrong})
        if isinstance(v, str):
            for kind, texts in _text_mutants(v, ctx, rng).items():
                out.setdefault(kind, []).extend({**gold, k: t} for t in texts[:2])
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            shifted = _shift_number(str(v), rng)
            if shifted:
                out.setdefault("number_shift", []).append({**gold, k: float(shifted[1])})
    return out


def mutate(shape: Shape, graph: Graph, gold: list[Any], ctxs: list[Context], per_record: int = 20,
           seed: int = 0) -> list[Mutant]:
    """Up to `per_record` mutants of each parsed gold answer (at most PER_KIND of a kind), by the output's type:
    labels swapped for a sibling, the parent or an unrelated label, dropped or added; entities swapped for another
    of the same input; numbers and dates shifted; sentences taken from elsewhere in the input; JSON fields
    dropped, swapped or given the wrong type; another option of a `label` answer."""
    labels = [lab for ls in graph.labelsets.values() for lab in ls.labels]
    out: list[Mutant] = []
    for i, (g, ctx) in enumerate(zip(gold, ctxs)):
        if g is None:
            continue
        rng = random.Random(f"{seed}:{i}")
        kinds: dict[str, list[Any]]
        if shape.kind == "list":
            items = [as_text(x) for x in g]
            if elem(shape.type) == "label" and labels:
                kinds = dict(_label_mutants(items, labels, rng))
            else:
                kinds = {}
                if len(items) > 1:
                    kinds["item_drop"] = [items[:j] + items[j + 1:] for j in range(len(items))]
                far = [s for s in ctx.sentences if all(normalize(x) not in normalize(s) for x in items)]
                if far:
                    kinds["sentence_swap"] = [items[:-1] + [s] for s in rng.sample(far, min(2, len(far)))]
        elif shape.kind == "json" and isinstance(g, dict):
            kinds = dict(_json_mutants(g, ctx, rng))
        elif shape.kind == "label":
            kinds = {"choice_other": [lab for lab in labels if normalize(lab) != normalize(as_text(g))]}
        else:
            kinds = dict(_text_mutants(as_text(g), ctx, rng))
        picked: list[Mutant] = []
        cap = max(PER_KIND, -(-per_record // max(len(kinds), 1)))  # enough of each kind to reach per_record
        for kind, values in kinds.items():
            seen: list[Any] = []
            for v in values:
                if not shape.same(v, g) and not any(shape.same(v, s) for s in seen):
                    seen.append(v)
            rng.shuffle(seen)
            picked.extend(Mutant(i, kind, v) for v in seen[:cap])
        if len(picked) > per_record:  # keep every kind represented: take round-robin over kinds
            by_kind: dict[str, list[Mutant]] = {}
            for m in picked:
                by_kind.setdefault(m.kind, []).append(m)
            picked = [m for tier in range(cap) for ms in by_kind.values() if tier < len(ms)
                      for m in [ms[tier]]][:per_record]
        out.extend(picked)
    return out
