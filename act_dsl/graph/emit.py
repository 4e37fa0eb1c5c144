"""The verifier graph for people: text, JSON and Graphviz dot; shared nodes appear once."""
from __future__ import annotations

import json

from act_dsl.graph.graph import Graph
from act_dsl.graph.nodes import GROUP, Node
from act_dsl.ops.values import to_json


def _roles(g: Graph) -> dict[int, list[str]]:
    roles: dict[int, list[str]] = {}
    for c in g.constraints:
        roles.setdefault(c.node.id, []).append(f"constraint {c.name}" + (f" weight {c.weight:g}" if c.weight != 1 else "")
                                               + (f" group by {', '.join(c.group)}" if c.group else ""))
        if c.when is not None:
            roles.setdefault(c.when.id, []).append(f"when of {c.name}")
    for name, node in g.outputs.items():
        roles.setdefault(node.id, []).append(f"output {name}")
    for name in g.lets:
        roles.setdefault(g.fields[name].id, []).append(f"let {name}")
    return roles


def emit_text(g: Graph) -> str:
    roles = _roles(g)
    lines = [f"task {g.name}: {len(g.nodes)} nodes, {len(g.constraints)} constraints"]
    for n in g.nodes:
        role = f"   <- {'; '.join(roles[n.id])}" if n.id in roles else ""
        scope = f"  [per {', '.join(sorted(v if v == GROUP else v[0] for v in n.free))}]" if n.free else ""
        lines.append(f"  #{n.id:<3} {n.type:<12} {n.describe()}{scope}{role}")
    return "\n".join(lines)


def emit_json(g: Graph) -> str:
    roles = _roles(g)
    nodes = [{"id": n.id, "op": n.op, "type": n.type, "params": to_json(_params(n)), "args": [a.id for a in n.args],
              "label": n.label, "roles": roles.get(n.id, [])} for n in g.nodes]
    cons = [{"name": c.name, "weight": c.weight, "node": c.node.id, "when": c.when.id if c.when else None,
             "group_by": list(c.group)} for c in g.constraints]
    return json.dumps({"task": g.name, "inputs": g.inputs, "outputs": {k: v.id for k, v in g.outputs.items()},
                       "constraints": cons, "nodes": nodes}, indent=2)


def _params(n: Node) -> tuple:
    if n.op in ("var", "quant"):
        return tuple(p if not isinstance(p, tuple) else tuple(v[0] if isinstance(v, tuple) else v for v in p)
                     for p in n.params)
    return n.params


def emit_dot(g: Graph) -> str:
    roles = _roles(g)
    lines = [f'digraph "{g.name}" {{', "  rankdir=LR;", '  node [shape=box, fontname="Helvetica", fontsize=10];']
    for n in g.nodes:
        text = (n.label or n.describe()).replace("\\", "\\\\").replace('"', '\\"')
        if len(text) > 48:
            text = text[:45] + "..."
        attrs = [f'label="#{n.id} {n.op}\\n{text}\\n: {n.type}"']
        if any(r.startswith("constraint") for r in roles.get(n.id, [])):
            attrs += ["style=filled", 'fillcolor="#c6e5c6"', "peripheries=2",
                      f'xlabel="{"; ".join(r for r in roles[n.id] if r.startswith("constraint"))}"']
        elif n.op in ("input", "response", "labels"):
            attrs += ["shape=ellipse", "style=filled", 'fillcolor="#e4ecf7"']
        lines.append(f"  n{n.id} [{', '.join(attrs)}];")
    for n in g.nodes:
        for a in n.args:
            lines.append(f"  n{a.id} -> n{n.id};")
    lines.append("}")
    return "\n".join(lines)
