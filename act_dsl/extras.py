"""Optional extras: which packages each one brings, and a one-line message when a command needs one that is missing.

`pip install act-dsl` alone lints, tests, scores, traces and probes; sampling, evaluation and training need
the `train` extra, the language server the `lsp` extra. Commands call `require` before any work, so a user
without an extra reads which one to install instead of a traceback. Nothing here imports the extras."""
from __future__ import annotations

import importlib.util

# extra -> the modules it provides (import names), in the order they are reported
EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("torch", "transformers", "accelerate", "peft"),
    "lsp": ("pygls",),
    "vllm": ("vllm",),
    "serve": ("starlette", "uvicorn", "prometheus_client"),
}

# what each command needs of its extra (a command may need fewer modules than the extra brings)
NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sample": ("train", ("torch", "transformers")),
    "eval": ("train", ("torch", "transformers", "peft")),
    "train": ("train", ("torch", "transformers", "accelerate", "peft")),
    "lsp": ("lsp", ("pygls",)),
    "serve": ("serve", ("starlette", "uvicorn", "prometheus_client")),
}


class MissingExtra(ImportError):
    """A command needs an optional extra that is not installed; str() is the one-line message for the user."""

    def __init__(self, extra: str, missing: list[str], what: str = "") -> None:
        self.extra, self.missing = extra, missing
        who = f"{what} needs" if what else "needs"
        super().__init__(f"{who} the `{extra}` extra ({', '.join(missing)} not installed): "
                         f"pip install {install_hint(extra)}")


def install_hint(extra: str) -> str:
    """The exact argument of `pip install` for an extra, quoted for a shell."""
    return f"'act-dsl[{extra}]'"


def available(module: str) -> bool:
    """True when `module` can be found; a finder that refuses it (ImportError) counts as missing.

    The module is found, never imported, so checking torch costs nothing."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module in sys.modules without a spec
        return False


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if not available(m)]


def require(command: str, what: str = "") -> None:
    """Raise MissingExtra unless the modules `act COMMAND` needs are installed (no-op for other commands).

    The message starts with `what` (say, "act_dsl.train()"); the command line prefixes `act COMMAND:` itself."""
    if command not in NEEDS:
        return
    extra, modules = NEEDS[command]
    missing = missing_modules(modules)
    if missing:
        raise MissingExtra(extra, missing, what)


def require_lsp() -> None:
    """For `act lsp`: MissingExtra naming `pip install 'act-dsl[lsp]'` when pygls is not installed."""
    require("lsp")
