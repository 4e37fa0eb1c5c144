"""A task's shape in the forms decoding engines take: a whole-response regex, a choice list, a JSON Schema, a
GBNF grammar (XGrammar, llama.cpp) and a Lark grammar (llguidance); and `guide`, the one JSON-able value that
`--guided` hands every backend."""
from __future__ import annotations

import json
from typing import Any

from act_dsl.grammars.derive import Shape
from act_dsl.grammars.regex import _esc


def _rx(text: str) -> str:
    return "".join(_esc(ord(c), "rx") for c in text)


def _str(text: str) -> str:
    return '"' + "".join(_esc(ord(c), "str") for c in text) + '"'


def _ends(shape: Shape) -> tuple[str, str, str, str]:
    """(regex prefix, regex suffix, GBNF prefix, GBNF suffix): a reader that strips the answer allows the one
    space a model writes after `Answer:` and the newline that ends its line (the stop rule drops it)."""
    if shape.reader == "response":
        return "", "", "", ""
    return "[ ]?", "\\n?", '" "? ', ' "\\n"?'


def _repeat(lo: int, hi: int | None) -> str:
    lo = max(lo - 1, 0)
    if hi is None:
        return "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
    hi = max(hi - 1, 0)
    return f"{{{lo}}}" if lo == hi else "?" if (lo, hi) == (0, 1) else f"{{{lo},{hi}}}"


def regex(shape: Shape) -> str | None:
    """A regex the whole response must match (None for JSON, whose form is the schema)."""
    pre, post, _, _ = _ends(shape)
    if shape.kind == "json":
        return None
    if shape.kind == "regex":
        return f"{pre}({shape.regex}){post}"
    alt = "(" + "|".join(_rx(x) for x in shape.items) + ")"
    if shape.kind == "choice":
        return f"{pre}{alt}{post}"
    rest = f"({_rx(shape.sep)}[ ]?{alt}){_repeat(shape.min_count, shape.max_count)}"
    if shape.max_count == 1:
        rest = ""
    return f"{pre}{alt}{rest}{post}"


def gbnf(shape: Shape) -> str:
    """The same language as a GBNF grammar (rule `root`)."""
    _, _, pre, post = _ends(shape)
    if shape.kind == "regex":
        return f"root ::= {pre}({shape.gbnf}){post}\n"
    if shape.kind == "json":
        rules: dict[str, str] = {}
        top = _json_rule(shape.schema, rules)
        lines = [f"root ::= {pre}{top}{post}"] + [f"{k} ::= {v}" for k, v in rules.items()]
        return "\n".join(lines + _JSON_BASE) + "\n"
    alt = " | ".join(_str(x) for x in shape.items)
    if shape.kind == "choice":
        return f"root ::= {pre}item{post}\nitem ::= {alt}\n"
    rest = "" if shape.max_count == 1 else \
        f" ({_str(shape.sep)} \" \"? item){_repeat(shape.min_count, shape.max_count)}"
    return f"root ::= {pre}item{rest}{post}\nitem ::= {alt}\n"


_JSON_BASE = [
    # right-recursive: XGrammar spends milliseconds a token on `char*` inside a string and microseconds on this
    # (bench/guided_engines.py), and the language is the same
    'string ::= "\\"" chars',
    'chars ::= "\\"" | [^"\\\\\\x00-\\x1F] chars | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) chars',
    'number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?',
    'boolean ::= "true" | "false"',
    'ws ::= " "?',
]


def _json_rule(schema: dict[str, Any], rules: dict[str, str]) -> str:
    """The rule name for a schema, adding the rules it needs (objects keep the declared key order)."""
    kind = schema.get("type")
    if isinstance(kind, list):  # [T, "null"]: a value that may be left null
        inner = _json_rule({**schema, "type": kind[0]}, rules)
        name = f"{inner}-or-null"
        rules.setdefault(name, f'{inner} | "null"')
        return name
    if kind == "string":
        return "string"
    if kind == "number":
        return "number"
    if kind == "boolean":
        return "boolean"
    name = f"{'array' if kind == 'array' else 'object'}{len(rules) + 1}"
    rules[name] = ""  # reserve the name before the parts take theirs
    if kind == "array":
        item = _json_rule(schema["items"], rules)
        rules[name] = f'"[" ws ({item} (ws "," ws {item})*)? ws "]"'
    else:
        props = schema["properties"]
        parts = [f'{_str(json.dumps(k))} ws ":" ws {_json_rule(v, rules)}' for k, v in props.items()]
        required = set(schema.get("required", props))
        if not parts:
            rules[name] = '"{" ws "}"'
        elif required >= set(props):
            rules[name] = '"{" ws ' + ' ws "," ws '.join(parts) + ' ws "}"'
        else:  # every field optional, in the declared order: `name-k` is a non-empty run of the fields from k on
            assert not required, "a record's fields are all required or all optional"
            for i, part in enumerate(parts):
                here = f"{name}-{i + 1}"
                rules[here] = part if i == len(parts) - 1 else f'{part} (ws "," ws {name}-{i + 2})? | {name}-{i + 2}'
            rules[name] = f'"{{" ws ({name}-1 ws)? "}}"'
    return name


def lark(shape: Shape) -> str:
    """A Lark grammar for llguidance: the regex as one terminal, or its `%json` for a record."""
    if shape.kind == "json":
        _, _, lead, tail = _ends(shape)  # the space after `Answer:` and the line's newline, as in the other forms
        return f"start: {lead}%json {json.dumps(shape.schema)}{tail}\n"
    return "start: /" + (regex(shape) or "").replace("/", "\\/") + "/\n"


def guide(shape: Shape) -> dict[str, Any]:
    """What a backend needs to enforce the shape: its kind and every form (plain JSON, kept in run configs)."""
    out: dict[str, Any] = {"kind": shape.kind, "output": shape.output, "reader": shape.reader,
                           "regex": regex(shape), "gbnf": gbnf(shape), "lark": lark(shape)}
    if shape.kind == "json":
        out["json_schema"] = shape.schema
    if shape.kind == "choice":
        out["choice"] = list(shape.items)
    return out
