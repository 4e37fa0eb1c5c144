"""`act compile --emit grammar` and `act lint --explain-enforcement`: a task's grammar in every engine form and a
note per constraint, as text or JSON; and `guide_for`, what `--guided` hands the sampling backends."""
from __future__ import annotations

import json
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.grammars.derive import TaskGrammar, derive
from act_dsl.grammars.forms import guide


class NoGrammar(Exception):
    """`--guided` on a task none of whose constraints a grammar can enforce: the message says why."""


def guide_for(graph: Graph) -> dict[str, Any]:
    """The guide of the task's grammar; NoGrammar when no constraint can be enforced at decode time."""
    tg = derive(graph)
    if tg.shape is None:
        reasons = "; ".join(f"`{n.constraint}`: {n.text}" for n in tg.notes[:3])
        raise NoGrammar(f"task `{graph.name}` has no constraint a decoding grammar can enforce ({reasons}); "
                        "drop --guided (`act compile FILE --emit grammar` explains each constraint)")
    return guide(tg.shape)


def as_dict(tg: TaskGrammar) -> dict[str, Any]:
    return {"task": tg.task, "grammar": guide(tg.shape) if tg.shape else None,
            "left_out": list(tg.shape.left_out) if tg.shape else [],
            "constraints": [{"name": n.constraint, "enforcement": "decode" if n.enforced else "verify",
                             "note": n.text} for n in tg.notes]}


def notes_text(tg: TaskGrammar) -> list[str]:
    """One line per constraint: enforceable at decode time (how) or verify-only (why)."""
    return [f"  {n.constraint}: " + (f"enforceable at decode time ({n.text})" if n.enforced
                                     else f"verify-only ({n.text})") for n in tg.notes]


def render_text(tg: TaskGrammar) -> str:
    lines = [f"task {tg.task}"]
    if tg.shape is None:
        lines.append("  grammar: none (no constraint can be enforced while decoding)")
    else:
        g = guide(tg.shape)
        lines.append(f"  grammar: {tg.shape.kind} of output `{tg.shape.output}` (read by `{tg.shape.reader}`)")
        if g.get("choice") is not None:
            lines.append("  choice: " + json.dumps(g["choice"], ensure_ascii=False))
        if g.get("json_schema") is not None:
            lines.append("  json schema: " + json.dumps(g["json_schema"], ensure_ascii=False))
        if g.get("regex") is not None:
            lines.append("  regex: " + g["regex"])
        lines.append("  gbnf:")
        lines.extend("    " + line for line in g["gbnf"].splitlines())
        lines.append("  lark: " + g["lark"].rstrip("\n"))
        if tg.shape.left_out:
            lines.append("  left out (cannot read back as themselves): " + ", ".join(map(repr, tg.shape.left_out)))
    lines.append("  constraints:")
    lines.extend("  " + line for line in notes_text(tg))
    return "\n".join(lines)


def emit(graphs: list[Graph], fmt: str) -> str:
    found = [derive(g) for g in graphs]
    if fmt == "json":
        return json.dumps([as_dict(tg) for tg in found], indent=2, ensure_ascii=False)
    return "\n\n".join(render_text(tg) for tg in found)
