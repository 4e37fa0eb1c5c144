"""The last line of defence of the `act` command: an unexpected exception becomes one line naming the command
and a log file holding the traceback, and exit status 70 (EX_SOFTWARE), so a user can report it."""
from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Sequence

EXIT_INTERNAL = 70          # an internal error (a bug): distinct from 1 (the check failed) and 2 (usage)
SELF_TEST = "ACT_CRASH_TEST"  # `ACT_CRASH_TEST=score act score ...` fails on purpose: checks crash reporting


class SelfTestCrash(RuntimeError):
    """The internal error ACT_CRASH_TEST asks for."""


def self_test(command: str) -> None:
    """Raise the deliberate internal error when ACT_CRASH_TEST names this command (or is `all`)."""
    wanted = os.environ.get(SELF_TEST, "")
    if wanted and wanted in (command, "all"):
        raise SelfTestCrash(f"a deliberate internal error ({SELF_TEST}={wanted})")


def log_folders() -> list[Path]:
    """Where crash logs go: the act_dsl cache folder ($ACT_CACHE, else ~/.cache/act_dsl)/crash, else the
    system's temporary folder."""
    cache = Path(os.environ.get("ACT_CACHE") or Path.home() / ".cache" / "act_dsl")
    return [cache / "crash", Path(tempfile.gettempdir())]


def write_log(command: str, argv: Sequence[str], exc: BaseException) -> Path | None:
    """The traceback and what is needed to reproduce it, in a new file; None when no folder takes it."""
    from act_dsl.version import __version__
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"act {__version__}, Python {platform.python_version()} on {platform.platform()}\n"
            f"command: act {' '.join(argv)}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for folder in log_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"crash-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(text)
            return Path(name)
        except OSError:
            continue
    return None


def report(command: str, argv: Sequence[str], exc: BaseException) -> int:
    """One line on stderr for an unexpected exception; the traceback goes to a log file."""
    path = write_log(command, argv, exc)
    what = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    what = what if len(what) <= 200 else what[:200] + "..."
    where = f"the traceback is in {path}" if path else "no folder could take the traceback log"
    try:
        print(f"act {command}: internal error ({what}); {where}; please report it", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return EXIT_INTERNAL
