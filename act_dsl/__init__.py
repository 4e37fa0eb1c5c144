"""act_dsl: write a task's constraints once in an .act file; score, sample and train against them."""
from act_dsl.api import ActError, Diagnostic, Program, Severity, load, loads, train  # train imports torch when called
from act_dsl.version import __version__

__all__ = ["ActError", "Diagnostic", "Program", "Severity", "load", "loads", "train", "__version__"]
