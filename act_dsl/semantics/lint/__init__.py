"""Lint rules (ACT3xx/ACT4xx): one rule per module, marked with @rule, run over checked tasks."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

from act_dsl.diagnostics.codes import CODES
from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.semantics.check import CheckedTask
from act_dsl.source import Span

RuleFn = Callable[[CheckedTask], Iterator[tuple[Span | None, str, str | None]]]


@dataclass(frozen=True)
class Rule:
    """One lint rule: `fn` yields (span, message, hint); the code gives the severity. A file rule's `fn`
    receives the file's Unit and its checked tasks, a task rule's one checked task."""

    code: str
    fn: Callable
    per_file: bool = False

    def __call__(self, *args: Any) -> Iterator:
        return self.fn(*args)


def rule(code: str) -> Callable[[RuleFn], Rule]:
    """Mark a function as the lint rule for `code`, run over each checked task."""
    assert code in CODES, code
    return lambda fn: Rule(code, fn)


def file_rule(code: str) -> Callable[[Callable], Rule]:
    """Mark a function as the lint rule for `code`, run over a whole file."""
    assert code in CODES, code
    return lambda fn: Rule(code, fn, per_file=True)


# every rule module, by name: an explicit list, so importing one rule module first (a test, a plugin) can never
# leave the others unloaded; a new rule module is added here (tests/test_frontend.py checks the list is whole)
RULE_MODULES = ("bounds", "constant", "examples", "label_literal", "label_pattern", "task_shape", "unused",
                "unused_import")


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule of the modules in RULE_MODULES, by code (read from the modules, never registered into a global)."""
    found = {r.code: r for name in RULE_MODULES
             for r in vars(importlib.import_module(f"{__name__}.{name}")).values() if isinstance(r, Rule)}
    return tuple(found[c] for c in sorted(found))


def _collect(code: str, found) -> list[Diagnostic]:
    return [Diagnostic(code, message, span, CODES[code].severity, hint, tuple(related[0]) if related else ())
            for span, message, hint, *related in found]


def run_rules(unit, tasks: list[CheckedTask]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for r in rules():
        if r.per_file:
            out.extend(_collect(r.code, r(unit, tasks)))
    for task in tasks:
        for r in rules():
            if not r.per_file:
                out.extend(_collect(r.code, r(task)))
    return out
