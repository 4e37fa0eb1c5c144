"""Diagnostics: one type for every problem found in an .act file, its code registry and renderers."""
from act_dsl.diagnostics.diagnostic import Diagnostic, Severity, ActError

__all__ = ["Diagnostic", "Severity", "ActError"]
