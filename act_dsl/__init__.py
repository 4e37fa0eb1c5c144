"""act_dsl: write a task's constraints once in an .act file; score, sample and train against them."""
from act_dsl.api import ActError, Diagnostic, Program, Severity, load, loads, train  # train imports torch when called

__version__ = "0.1.0"
__all__ = ["ActError", "Diagnostic", "Program", "Severity", "load", "loads", "train", "__version__"]
