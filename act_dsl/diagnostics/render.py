"""Renderers for diagnostics: human text, JSON and SARIF 2.1.0. Separate from the checks."""
from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

from act_dsl.diagnostics.codes import CODES
from act_dsl.diagnostics.diagnostic import Diagnostic, Severity

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.HINT: "note"}


def _snippet(d: Diagnostic) -> list[str]:
    if d.span is None:
        return []
    line = d.span.line
    text = d.span.source.line_text(line)
    col = d.span.column
    # the caret run covers the span on its first line
    first_line_end = d.span.source.text.find("\n", d.span.start)
    end = d.span.end if first_line_end == -1 else min(d.span.end, first_line_end)
    width = max(1, end - d.span.start)
    gutter = f"{line:>4} | "
    return [gutter + text.expandtabs(1), " " * (len(gutter) + col - 1) + "^" * width]


def render_text(diags: Iterable[Diagnostic]) -> str:
    out: list[str] = []
    for d in diags:
        out.append(f"{d.location()}: {d.code} {d.message} [{d.severity.label}]")
        out.extend(_snippet(d))
        if d.hint:
            out.append(f"     = help: {d.hint}")
        for note, span in d.related:
            out.append(f"     = note: {span}: {note}")
    return "\n".join(out)


def summary_line(diags: list[Diagnostic], files: int) -> str:
    counts = Counter(d.severity for d in diags)
    parts = [f"{counts[Severity.ERROR]} error(s)", f"{counts[Severity.WARNING]} warning(s)"]
    if counts[Severity.HINT]:
        parts.append(f"{counts[Severity.HINT]} hint(s)")
    return f"checked {files} file(s): " + ", ".join(parts)


def _as_dict(d: Diagnostic) -> dict:
    loc = None
    if d.span is not None:
        end_line, end_col = d.span.source.position(d.span.end)
        loc = {"path": d.span.path, "line": d.span.line, "column": d.span.column,
               "end_line": end_line, "end_column": end_col}
    return {"code": d.code, "name": CODES[d.code].name if d.code in CODES else d.code,
            "severity": d.severity.label, "message": d.message, "hint": d.hint, "location": loc,
            "related": [{"message": m, "path": s.path, "line": s.line, "column": s.column} for m, s in d.related]}


def render_json(diags: list[Diagnostic], files: int) -> str:
    counts = Counter(d.severity.label for d in diags)
    return json.dumps({"files": files, "errors": counts["error"], "warnings": counts["warning"],
                       "hints": counts["hint"], "diagnostics": [_as_dict(d) for d in diags]}, indent=2)


def render_sarif(diags: list[Diagnostic], version: str) -> str:
    used = sorted({d.code for d in diags if d.code in CODES})
    rules = [{"id": c, "name": CODES[c].name, "shortDescription": {"text": CODES[c].name.replace("-", " ")},
              "fullDescription": {"text": CODES[c].explanation},
              "defaultConfiguration": {"level": SARIF_LEVEL[CODES[c].severity]}} for c in used]
    results = []
    for d in diags:
        res: dict = {"ruleId": d.code, "level": SARIF_LEVEL[d.severity],
                     "message": {"text": d.message + (f" (help: {d.hint})" if d.hint else "")}}
        if d.code in used:
            res["ruleIndex"] = used.index(d.code)
        if d.span is not None:
            end_line, end_col = d.span.source.position(d.span.end)
            res["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": d.span.path.replace("\\", "/")},
                "region": {"startLine": d.span.line, "startColumn": d.span.column,
                           "endLine": end_line, "endColumn": max(end_col, d.span.column + 1)}}}]
        if d.related:
            res["relatedLocations"] = [{"id": i, "message": {"text": m}, "physicalLocation": {
                "artifactLocation": {"uri": s.path}, "region": {"startLine": s.line, "startColumn": s.column}}}
                for i, (m, s) in enumerate(d.related)]
        results.append(res)
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "act", "informationUri": "https://pypi.org/project/act-dsl/",
                                         "version": version, "rules": rules}}, "results": results}]}
    return json.dumps(doc, indent=2)
