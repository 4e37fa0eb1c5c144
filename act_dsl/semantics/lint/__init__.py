"""Lint rules (ACT3xx/ACT4xx): one rule per module, registered with @rule, run over checked tasks."""
from __future__ import annotations

import importlib
from typing import Callable, Iterator

from act_dsl.diagnostics.codes import CODES
from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.semantics.check import CheckedTask
from act_dsl.source import Span

RuleFn = Callable[[CheckedTask], Iterator[tuple[Span | None, str, str | None]]]
RULES: dict[str, RuleFn] = {}
FILE_RULES: dict[str, Callable] = {}


def rule(code: str) -> Callable[[RuleFn], RuleFn]:
    """Register a lint rule; it yields (span, message, hint) and the code gives the severity."""
    def register(fn: RuleFn) -> RuleFn:
        assert code in CODES, code
        RULES[code] = fn
        return fn
    return register


def file_rule(code: str) -> Callable:
    """Register a rule over a whole file: it receives the file's Unit and its checked tasks."""
    def register(fn: Callable) -> Callable:
        assert code in CODES, code
        FILE_RULES[code] = fn
        return fn
    return register


# every rule module, by name: an explicit list, so importing one rule module first (a test, a plugin) can never
# leave the others unloaded; a new rule module is added here (tests/test_frontend.py checks the list is whole)
RULE_MODULES = ("bounds", "constant", "examples", "label_literal", "task_shape", "unused", "unused_import")


def _load_rules() -> None:
    for name in RULE_MODULES:
        importlib.import_module(f"{__name__}.{name}")  # a no-op once imported


def _collect(code: str, found) -> list[Diagnostic]:
    return [Diagnostic(code, message, span, CODES[code].severity, hint, tuple(related[0]) if related else ())
            for span, message, hint, *related in found]


def run_rules(unit, tasks: list[CheckedTask]) -> list[Diagnostic]:
    _load_rules()
    out: list[Diagnostic] = []
    for code, fn in sorted(FILE_RULES.items()):
        out.extend(_collect(code, fn(unit, tasks)))
    for task in tasks:
        for code, fn in sorted(RULES.items()):
            out.extend(_collect(code, fn(task)))
    return out
