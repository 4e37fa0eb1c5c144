"""Attacks on a verifier derived from its graph (constant labels, all labels, copied inputs, the echoed prompt,
reused example responses, empty answers, a repeated token) and a bounded search adversary that edits answers
to raise the CSR while the task's metric says they stay wrong."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from act_dsl.graph.executor import Executor
from act_dsl.graph.graph import Graph
from act_dsl.ops.types import record_fields
from act_dsl.ops.values import as_text, normalize
from act_dsl.scoring.csr import Scores
from act_dsl.scoring.mutants import Context, Shape
from act_dsl.scoring.probes import best_constant_labels, probe_responses
from act_dsl.scoring.rows import Row, plain
from act_dsl.scoring.verifier import Verifier, score_in_chunks

MAX_EXAMPLES = 5       # example responses reused as attacks
MAX_PIECES = 60        # pieces one record offers the search adversary


def parse(ex: Executor, shape: Shape, records: list[dict[str, Any]], responses: list[str]) -> list[Any]:
    """The task's output read from each response, as plain JSON-like values (None where it reads nothing)."""
    from act_dsl.ops.values import to_json
    if not responses:
        return []
    rows = plain(Row(rec, r) for rec, r in zip(records, responses))
    col = ex.columns(rows, [ex.graph.outputs[shape.output]])[0]
    return [to_json(v) for v in col]


def empty_of(t: str) -> Any:
    return [] if t.startswith("list<") else 0 if t == "number" else False if t == "bool" else ""


def invented_labels(labels: list[str]) -> list[str]:
    """Labels written like the set's own but in none of them: a kind and, where the set's labels are `/`-paths,
    a child of it ("/unlisted", "/unlisted/kind"). A constraint that only looks at labels of the set passes them
    vacuously; a small model writes such labels often ("/movie/film" for FIGER's "/art/film")."""
    known = {normalize(x).lstrip("/") for x in labels}
    base = "unlisted"
    while any(k.startswith(base) for k in known):
        base += "x"
    if any(x.startswith("/") for x in labels):
        return [f"/{base}", f"/{base}/kind"]
    return [base]


def derived_attacks(verifier: Verifier, shape: Shape | None, records: list[dict[str, Any]],
                    ctxs: list[Context] | None) -> tuple[dict[str, list[str]], list[str]]:
    """Per attack name, one response per record, and notes on attacks left out. The probes of `act probe`
    (empty, prompt echoed, inputs copied, first label, one repeated word) plus: the best constant label of
    each set (every label scored), all labels of a set at once, labels invented in the set's style, each
    example response reused, and for a JSON answer the object with empty values and the object filled with
    copied input."""
    graph = verifier.graph
    attacks, notes = probe_responses(verifier, records)
    for name, label in best_constant_labels(verifier, records).items():
        attacks[f"best_label:{name}={label}"] = [label] * len(records)
    if shape is not None and shape.kind in ("list", "label"):
        for name, ls in graph.labelsets.items():
            if len(ls.labels) > 1:
                attacks[f"all_labels:{name}"] = [shape.render(list(ls.labels))] * len(records)
            if ls.labels:
                made_up = invented_labels(list(ls.labels))
                attacks[f"invented:{name}"] = [shape.render(made_up if shape.kind == "list" else made_up[0])] \
                    * len(records)
    seen: set[str] = set()
    for ex in graph.examples:
        r = ex.fields.get("response")
        if isinstance(r, str) and r not in seen and len(seen) < MAX_EXAMPLES:
            seen.add(r)
            attacks[f"example:{ex.name}"] = [r] * len(records)
    if shape is not None and shape.kind == "json":
        fields = record_fields(shape.type)
        attacks["json_empty"] = [shape.render({k: empty_of(t) for k, t in fields.items()})] * len(records)
        texts = [n for n, t in graph.input_types.items() if t == "text"]
        filled = []
        for i, rec in enumerate(records):
            src = as_text(rec.get(texts[0])) if texts else ""
            num = (ctxs[i].numbers[:1] if ctxs else []) or ["0"]
            filled.append(shape.render({k: (src if t == "text" else float(num[0].replace(",", "")) if t == "number"
                                            else empty_of(t)) for k, t in fields.items()}))
        attacks["json_copy_input"] = filled
    return attacks, notes


@dataclass
class Found:
    """The search adversary's best wrong answer for one record."""

    record: int
    response: str
    csr: float


def _pieces(graph: Graph, shape: Shape, rec: dict[str, Any], ctx: Context | None, prompt: str | None,
            rng: random.Random) -> list[Any]:
    """What edits may insert: labels of the sets and labels invented in their style, the input's entities,
    sentences and word windows, prompt lines."""
    out: list[Any] = []
    labels = [lab for ls in graph.labelsets.values() for lab in ls.labels]
    out += rng.sample(labels, min(20, len(labels)))
    out += [lab for ls in graph.labelsets.values() if ls.labels for lab in invented_labels(list(ls.labels))]
    if ctx is not None:
        out += [t for t, _ in ctx.entities] + ctx.sentences[:6] + ctx.numbers[:4]
    for n, t in graph.input_types.items():
        if t in ("text", "label") and rec.get(n):
            words = as_text(rec[n]).split()
            for _ in range(min(6, len(words))):
                a = rng.randrange(len(words))
                out.append(" ".join(words[a:a + rng.choice([1, 2, 3, 5])]))
            out.append(as_text(rec[n]))
    if prompt:
        lines = [x.strip() for x in prompt.splitlines() if x.strip()]
        out += rng.sample(lines, min(4, len(lines)))
    return list(dict.fromkeys(p for p in out if isinstance(p, str) and p.strip()))[:MAX_PIECES]


def _edits(shape: Shape, value: Any, pieces: list[Any], rng: random.Random, n: int) -> list[Any]:
    """`n` random one-step edits of an answer value: insert, delete or replace an item, copy or join pieces."""
    out: list[Any] = []
    for _ in range(n):
        p = rng.choice(pieces)
        if shape.kind == "list":
            items = [as_text(x) for x in (value or [])] if isinstance(value, list) else []
            move = rng.choice(["insert", "delete", "replace"] if items else ["insert"])
            if move == "insert":
                items.insert(rng.randrange(len(items) + 1), p)
            elif move == "delete":
                items.pop(rng.randrange(len(items)))
            else:
                items[rng.randrange(len(items))] = p
            out.append(items)
        elif shape.kind == "json":
            obj = dict(value) if isinstance(value, dict) else {}
            fields = record_fields(shape.type)
            key = rng.choice(list(fields) or ["value"])
            t = fields.get(key, "text")
            if t == "number":
                nums = [x for x in pieces if x.replace(",", "").replace(".", "", 1).isdigit()]
                obj[key] = float(rng.choice(nums).replace(",", "")) if nums else 0.0
            elif t.startswith("list<"):
                obj[key] = rng.choice([[], [p]])
            else:
                obj[key] = p
            out.append(obj)
        else:
            text = as_text(value) if value is not None else ""
            move = rng.choice(["copy", "join", "prefix"] if text else ["copy"])
            out.append(p if move == "copy" else f"{text} {p}" if move == "join" else f"{p} {text}")
    return out


def search(ex: Executor, shape: Shape, records: list[dict[str, Any]], seeds: list[list[Any]],
           ctxs: list[Context] | None, wrong: Callable[[list[int], list[Any], list[str]], list[bool]],
           rounds: int = 3, beam: int = 4,
           edits: int = 8, seed: int = 0, progress: bool = True) -> list[Found | None]:
    """Greedy beam search per record over edited answers, maximising CSR among answers `wrong` accepts (the
    task's metric says they are not the gold answer: `wrong(records, values, texts)` decides a round's answers at
    once). `seeds` are each record's starting answer values (the
    derived attacks, parsed: the adversary never sees the gold answer). One scoring call per round."""
    from act_dsl.graph.prompts import PromptError, render
    graph = ex.graph
    rngs = [random.Random(f"{seed}:search:{i}") for i in range(len(records))]
    pieces = []
    for i, rec in enumerate(records):
        try:
            prompt = render(graph, rec) if graph.prompt else None
        except PromptError:
            prompt = None
        pieces.append(_pieces(graph, shape, rec, ctxs[i] if ctxs else None, prompt, rngs[i]))
    best: list[Found | None] = [None] * len(records)
    frontier = [list(s) for s in seeds]
    seen: list[set[str]] = [set() for _ in records]
    for r in range(rounds + 1):
        rows: list[Row] = []
        owner: list[int] = []
        texts: list[str] = []
        for i, values in enumerate(frontier):
            cands = values if r == 0 else [e for v in values for e in _edits(shape, v, pieces[i], rngs[i], edits)]
            for v in cands:
                text = shape.render(v)
                if text in seen[i]:
                    continue
                seen[i].add(text)
                rows.append(Row(records[i], text))
                owner.append(i)
                texts.append(text)
        if not rows:
            break
        scores = score_in_chunks(ex, rows, [0] * len(rows), desc=f"search round {r}", progress=progress)
        parsed = parse(ex, shape, [records[i] for i in owner], texts)
        ranked: list[list[tuple[float, Any]]] = [[] for _ in records]
        is_wrong = wrong(owner, parsed, texts)
        for j, i in enumerate(owner):
            csr = scores.csr[j]
            if csr is None or not is_wrong[j]:
                continue
            ranked[i].append((csr, parsed[j]))
            if best[i] is None or csr > best[i].csr:  # type: ignore[union-attr]
                best[i] = Found(i, texts[j], csr)
        for i in range(len(records)):
            top = sorted(ranked[i], key=lambda x: -x[0])[:beam]
            if top:
                frontier[i] = [v for _, v in top]
    return best
