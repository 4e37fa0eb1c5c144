"""The public face of act_dsl: load and check .act files, score records, train."""
from act_dsl.diagnostics.diagnostic import ActError, Diagnostic, Severity
from act_dsl.program import Program, load, loads

__all__ = ["ActError", "Diagnostic", "Program", "Severity", "load", "loads"]
