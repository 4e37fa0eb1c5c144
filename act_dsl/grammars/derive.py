"""From a task's verifier graph to the shape a decoding grammar can enforce, and a note per constraint saying
whether a grammar guarantees it (and how) or only verification and training can (and why)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from act_dsl.graph.graph import Constraint, Graph
from act_dsl.graph.nodes import Node
from act_dsl.grammars.regex import Refused, translate
from act_dsl.ops import types as T

LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True)
class Note:
    """One constraint's verdict: enforced at decode time (`how`) or verify-only (`why`)."""

    constraint: str
    enforced: bool
    text: str


@dataclass(frozen=True)
class Shape:
    """The answer a grammar allows. kind: `labels` (items joined by `sep`), `choice` (one of items), `regex`
    (a whole-answer pattern) or `json` (a JSON value of `schema`). `reader` is how the output reads the
    response: `response`, `strip` or `first_line` (the latter two allow one leading space and a final newline)."""

    kind: str
    output: str
    reader: str
    items: tuple[str, ...] = ()
    sep: str = ","
    min_count: int = 1
    max_count: int | None = None
    schema: dict[str, Any] = field(default_factory=dict)
    regex: str = ""
    gbnf: str = ""
    left_out: tuple[str, ...] = ()   # labels of the set a grammar cannot hold (with the reason in the note)


@dataclass(frozen=True)
class TaskGrammar:
    task: str
    shape: Shape | None
    notes: tuple[Note, ...]

    @property
    def enforced(self) -> list[str]:
        return [n.constraint for n in self.notes if n.enforced]


@dataclass
class _Fact:
    """What one constraint says about the answer's shape, before shapes on the same output are merged."""

    kind: str                 # labels, count, choice, regex, json
    target: int               # the node whose shape it fixes (a list, a read text, a json value)
    output: str
    reader: str
    items: tuple[str, ...] = ()
    sep: str = ","
    lo: int = 1
    hi: int | None = None
    how: str = ""
    regex: str = ""
    gbnf: str = ""
    schema: dict[str, Any] = field(default_factory=dict)


def derive(graph: Graph) -> TaskGrammar:
    """The task's grammar (None when no constraint can be enforced) and one note per constraint."""
    names = {n.id: name for name, n in graph.outputs.items()}
    facts: dict[str, _Fact] = {}
    why: dict[str, str] = {}
    for c in graph.constraints:
        got = _fact(graph, c, names)
        if isinstance(got, str):
            why[c.name] = got
        else:
            facts[c.name] = got
    shape, used = _merge(graph, facts, why)
    notes = []
    for c in graph.constraints:
        if c.name in used:
            notes.append(Note(c.name, True, used[c.name]))
        else:
            notes.append(Note(c.name, False, why.get(c.name, "not part of the grammar")))
    return TaskGrammar(graph.name, shape, tuple(notes))


def _unwrap(n: Node) -> Node:
    while n.op == "as":
        n = n.args[0]
    return n


def _call(n: Node, name: str) -> bool:
    return n.op == "call" and n.params[0] == name


def reader(n: Node) -> str | None:
    """How a text node reads the whole response: `response`, `strip`, `first_line`, or None (something else)."""
    n = _unwrap(n)
    if n.op == "response":
        return "response"
    if (_call(n, "strip") or _call(n, "first_line")) and n.args:
        inner = reader(n.args[0])
        if inner is None:
            return None
        return "first_line" if "first_line" in (inner, n.params[0]) else "strip"
    return None


def _const(n: Node) -> Any:
    return n.params[0] if n.op == "const" else None


def _options(graph: Graph, n: Node) -> tuple[str, ...] | None:
    """The items of a label set or of a list literal of texts; None for anything computed per record."""
    if n.op == "labels":
        return tuple(graph.labelsets[n.params[0]].labels)
    if n.op == "list" and all(a.op == "const" and isinstance(a.params[0], str) for a in n.args):
        return tuple(a.params[0] for a in n.args)
    return None


def _split_list(n: Node) -> tuple[str, str] | None:
    """(reader, separator) of a list read as `split(R, "SEP")` from the response."""
    n = _unwrap(n)
    if _call(n, "split") and len(n.args) == 2 and isinstance(_const(n.args[1]), str) and _const(n.args[1]):
        r = reader(n.args[0])
        if r is not None:
            return r, _const(n.args[1])
    return None


def _fact(graph: Graph, c: Constraint, names: dict[int, str]) -> _Fact | str:
    """The shape fact of one constraint, or why it is verify-only."""
    if c.group:
        return "compares answers across records (`group by`), which one answer's grammar cannot see"
    if c.when is not None:
        return "applies only `when` its condition holds, so a grammar for every record would over-reach"
    n = c.node
    if n.op == "quant" and n.params[0] == "all" and len(n.params[1]) == 1 and _const(n.args[1]) is True:
        lst, body = _unwrap(n.args[0]), n.args[2]
        split = _split_list(lst)
        if split and body.op == "in" and not body.params[0] and body.args[0].op == "var" \
                and body.args[0].params[0][1] == n.args[0].id:
            items = _options(graph, body.args[1])
            if items is not None:
                fuzzy = _const(body.args[2])
                how = "every label is written exactly as in the set" + (f", which `fuzzy {fuzzy:g}` accepts too"
                                                                         if fuzzy is not None else "")
                return _Fact("labels", lst.id, names.get(n.args[0].id, "response"), split[0], items, split[1],
                             how=how)
    if n.op == "bin" and n.params[0] in ("<", "<=", ">", ">=", "==") and _call(n.args[0], "count"):
        lst, bound = _unwrap(n.args[0].args[0]), _const(n.args[1])
        split = _split_list(lst)
        if split and isinstance(bound, float) and math.isfinite(bound):
            lo, hi = _bounds(n.params[0], bound)
            return _Fact("count", lst.id, "", split[0], sep=split[1], lo=lo, hi=hi,
                         how=f"the list holds {_range_text(lo, hi)} item(s)")
    if n.op == "bin" and n.params[0] == "!=" and _call(n.args[0], "json") and _const(n.args[1]) is None \
            and n.args[1].op == "const":
        return _json_fact(n.args[0], names, "the answer is one JSON value with the declared keys")
    if _call(n, "conforms") and _call(n.args[0], "json"):
        return _json_fact(n.args[0], names, "every declared field is present with its type (JSON Schema)")
    if _call(n, "matches") and isinstance(_const(n.args[1]), str):
        r = reader(n.args[0])
        if r is None:
            return "tests a part of the answer, not the whole of it"
        try:
            t = translate(_const(n.args[1]))
        except Refused as exc:
            return str(exc)
        if t.spaces and r != "response":
            return (f"the pattern may match white space that `{r}` removes, so the grammar could not promise the "
                    "stripped answer still matches")
        return _Fact("regex", _unwrap(n.args[0]).id, names.get(_unwrap(n.args[0]).id, "response"), r,
                     how="the whole answer matches the pattern", regex=t.regex, gbnf=t.gbnf)
    if n.op == "in" and not n.params[0] and reader(n.args[0]) is not None:
        items = _options(graph, n.args[1])
        if items is not None:
            r = reader(n.args[0]) or "response"
            return _Fact("choice", _unwrap(n.args[0]).id, names.get(_unwrap(n.args[0]).id, "response"), r, items,
                         how=f"the answer is one of {len(items)} option(s), written exactly")
    return _verify_reason(graph, n)


def _json_fact(j: Node, names: dict[int, str], how: str) -> _Fact | str:
    if _unwrap(j.args[0]).op != "response":
        return "reads JSON from a part of the answer, not the whole of it"
    return _Fact("json", j.id, names.get(j.id, "response"), "strip", how=how, schema=schema_of(j.type))


def _verify_reason(graph: Graph, n: Node) -> str:
    from act_dsl.graph.graph import closure
    nodes = closure([n])
    if not graph.reads_response(n):
        return "does not read the response"
    if any(x.op == "input" for x in nodes):
        return "compares the answer with the record's inputs (grounding, agreement), which a grammar cannot see"
    calls = sorted({x.params[0] for x in nodes if x.op == "call"} - {"first_line", "strip", "split"})
    return ("a property of the answer no grammar form here expresses" +
            (f" ({', '.join(f'`{c}`' for c in calls)})" if calls else ""))


def _bounds(op: str, b: float) -> tuple[int, int | None]:
    return {"<": (0, math.ceil(b) - 1), "<=": (0, math.floor(b)), ">": (math.floor(b) + 1, None),
            ">=": (math.ceil(b), None), "==": (int(b), int(b)) if b == int(b) else (1, 0)}[op]


def _range_text(lo: int, hi: int | None) -> str:
    return f"at least {lo}" if hi is None else f"{lo} to {hi}" if lo != hi else f"exactly {lo}"


def schema_of(t: str, nullable: bool = False, top: bool = True) -> dict[str, Any]:
    """The JSON Schema of a declared type: every field required, no other keys (a record `json` reads). With
    `nullable`, every value below the top may also be `null` and every field may be left out (the reader reads a
    missing field as none): what `parses` alone allows a right answer (a price a listing does not give), when no
    `conforms` constraint asks for every field's type."""
    if T.is_list(t):
        out: dict[str, Any] = {"type": "array", "items": schema_of(T.elem(t), nullable, False)}
    elif T.is_record(t):
        fields = T.record_fields(t)
        out = {"type": "object", "properties": {k: schema_of(v, nullable, False) for k, v in fields.items()},
               "required": [] if nullable else list(fields), "additionalProperties": False}
    else:
        out = {"type": {"text": "string", "label": "string", "number": "number", "bool": "boolean"}.get(t, "string")}
    if nullable and not top:
        out["type"] = [out["type"], "null"]
    return out


def _merge(graph: Graph, facts: dict[str, _Fact], why: dict[str, str]) -> tuple[Shape | None, dict[str, str]]:
    """The first shape fact picks the output; facts on the same output merge into it, others are verify-only."""
    primary = next((f for f in facts.values() if f.kind != "count"), None)
    if primary is None:
        for name in facts:
            why[name] = "bounds a list that no label-set constraint shapes"
        return None, {}
    used: dict[str, str] = {}
    shape = Shape(primary.kind, primary.output, primary.reader, primary.items, primary.sep, schema=primary.schema,
                  regex=primary.regex, gbnf=primary.gbnf)
    lo, hi = 1, None
    first = next(n for n, f in facts.items() if f is primary)
    for name, f in facts.items():
        same = f.target == primary.target and (f.kind == primary.kind or (f.kind == "count" and primary.kind == "labels"))
        if not same:
            why[name] = (f"the grammar already shapes the answer by `{first}`; one grammar holds one shape"
                         if f.kind != "count" or primary.kind != "labels" else
                         "bounds a list that no label-set constraint shapes")
            continue
        if f.kind == "regex" and f is not primary:
            why[name] = f"a second pattern on the answer beside `{first}`; one grammar holds one pattern"
            continue
        if f.kind in ("labels", "choice") and f is not primary:
            shape = replace(shape, items=tuple(x for x in shape.items if x in set(f.items)))
        if f.kind == "count":
            lo, hi = max(lo, f.lo), f.hi if hi is None else hi if f.hi is None else min(hi, f.hi)
        used[name] = f.how
    if shape.kind == "labels":
        if hi is not None and hi < lo:
            for name, f in facts.items():
                if f.kind == "count":
                    used.pop(name, None)
                    why[name] = "its bounds leave no list of labels"
            hi = None
        shape = replace(shape, min_count=lo, max_count=hi)
    if shape.kind == "json" and not any(f.how.startswith("every declared field") for n, f in facts.items()
                                        if n in used):
        shape = replace(shape, schema=schema_of(graph.fields[shape.output].type if shape.output in graph.fields
                                                else "", nullable=True))
    if shape.kind in ("labels", "choice"):
        keep, out = _stable(shape)
        shape = replace(shape, items=keep, left_out=out)
        if not keep:
            for name in list(used):
                why[name] = "no label of the set can be written so that the answer reads back as it"
            return None, {}
    return shape, used


def _stable(shape: Shape) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The items that read back as themselves through the output's reader (and the split), and those that cannot."""
    keep: list[str] = []
    out: list[str] = []
    for x in dict.fromkeys(shape.items):
        bad = not x.strip() or any(b in x for b in LINE_BREAKS)
        if shape.reader != "response" or shape.kind == "labels":
            bad = bad or x != x.strip()
        if shape.kind == "labels":
            bad = bad or shape.sep in x
        (out if bad else keep).append(x)
    return tuple(keep), tuple(out)
