"""Progress, messages and library warnings of long jobs, behind one small interface the library calls.

Library code (sampling, evaluation, training, scoring) asks `bar(...)`, `stage(...)` and `message(...)` of the
current Reporter and never knows how they are shown. The command line picks the reporter: `TextReporter`
(tqdm bars on a terminal, a plain line every few seconds otherwise), `QuietReporter` (nothing) or
`JsonReporter` (one JSON event a line on stdout). Without a command line, the text reporter is used.
`capture_warnings` sends the warnings of transformers, peft, accelerate and torch to a log file and counts them.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import IO, Any, Iterator

PLAIN_EVERY_S = float(os.environ.get("ACT_PROGRESS_EVERY", "10"))  # plain-text progress lines: at most this often
JSON_EVERY_S = 1.0                                                 # JSON progress events: at most this often


def _eta(done: int, total: int | None, elapsed: float) -> tuple[float, float | None]:
    """(items per second, seconds left or None when unknown)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = None if not total or rate <= 0 else max(total - done, 0) / rate
    return rate, left


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min"


class Bar:
    """One counted loop: `update(n, **info)` after each batch, `close()` at the end (or use `with`).

    `info` carries what a stage wants shown beside the count (a training step's loss and pairs)."""

    def __init__(self, desc: str, total: int | None, unit: str, initial: int = 0) -> None:
        self.desc, self.total, self.unit = desc, total, unit
        self.done = self.initial = initial
        self.info: dict[str, Any] = {}
        self.t0 = time.perf_counter()
        self.closed = False

    def update(self, n: int = 1, **info: Any) -> None:
        self.done += n
        self.info.update(info)
        self._show(final=False)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._show(final=True)

    def rate_eta(self) -> tuple[float, float | None]:
        return _eta(self.done - self.initial, None if self.total is None else self.total - self.initial,
                    time.perf_counter() - self.t0)

    def _show(self, final: bool) -> None:
        """Draw the bar; the base class shows nothing (quiet)."""

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _TqdmBar(Bar):
    def __init__(self, desc: str, total: int | None, unit: str, initial: int = 0) -> None:
        super().__init__(desc, total, unit, initial)
        from tqdm import tqdm
        self._bar = tqdm(total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)

    def update(self, n: int = 1, **info: Any) -> None:
        self.done += n
        if info:
            self.info.update(info)
            self._bar.set_postfix({k: f"{v:.3f}" if isinstance(v, float) else v for k, v in self.info.items()},
                                  refresh=False)
        self._bar.update(n)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bar.close()


class _PlainBar(Bar):
    """A line on stderr at most every PLAIN_EVERY_S seconds and one at the end: logs and CI see progress too."""

    def __init__(self, desc: str, total: int | None, unit: str, initial: int = 0) -> None:
        super().__init__(desc, total, unit, initial)
        self._last = self.t0
        self._shown = False

    def _show(self, final: bool) -> None:
        now = time.perf_counter()
        if now - self._last < PLAIN_EVERY_S and not (final and (self._shown or now - self.t0 >= 2.0)):
            return  # a loop done within two seconds needs no line; a longer one ends with its total
        self._last, self._shown = now, True
        rate, left = self.rate_eta()
        count = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
        extra = "".join(f", {k} {v:.3f}" if isinstance(v, float) else f", {k} {v}" for k, v in self.info.items())
        when = f"in {_duration(now - self.t0)}" if final else ("ETA " + _duration(left) if left is not None else "")
        speed = f"{rate:.1f}" if rate < 10 else f"{rate:,.0f}"
        print(f"{self.desc}: {count} {self.unit}s, {speed} {self.unit}s/s{extra}, {when}".rstrip(", "),
              file=sys.stderr, flush=True)


class _JsonBar(Bar):
    def __init__(self, reporter: "JsonReporter", desc: str, total: int | None, unit: str, initial: int = 0) -> None:
        super().__init__(desc, total, unit, initial)
        self._reporter = reporter
        self._last = 0.0

    def _show(self, final: bool) -> None:
        now = time.perf_counter()
        if not final and now - self._last < JSON_EVERY_S:
            return
        self._last = now
        rate, left = self.rate_eta()
        self._reporter.event("progress", task=self.desc, done=self.done, total=self.total, unit=self.unit,
                             rate=round(rate, 3), eta_s=None if left is None else round(left, 1),
                             final=final, **self.info)


class Reporter:
    """How progress is shown. The base class is silent (`--quiet`); subclasses show it."""

    def bar(self, desc: str, total: int | None, unit: str = "item", initial: int = 0) -> Bar:
        return Bar(desc, total, unit, initial)

    def message(self, text: str) -> None:
        """A line of news for people (a stage's result, a note); not an error."""

    def stage_start(self, name: str) -> None:
        pass

    def stage_end(self, name: str, seconds: float, skipped: bool = False) -> None:
        pass

    def result(self, **data: Any) -> None:
        """The command's final result (only the JSON reporter writes it; the others print their own)."""


class QuietReporter(Reporter):
    """`--quiet`: no progress and no news; errors and the final line are printed by the command itself."""


class TextReporter(Reporter):
    """tqdm bars when stderr is a terminal, a plain line every few seconds otherwise; messages on stderr."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def bar(self, desc: str, total: int | None, unit: str = "item", initial: int = 0) -> Bar:
        stream = self.stream or sys.stderr
        if stream.isatty():
            return _TqdmBar(desc, total, unit, initial)
        return _PlainBar(desc, total, unit, initial)

    def message(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def stage_start(self, name: str) -> None:
        self.message(f"[{name}] started")


class JsonReporter(Reporter):
    """`--json`: one JSON object a line on stdout, each with an "event" key: stage_start, stage_end, progress,
    message, warnings and result."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def event(self, kind: str, **data: Any) -> None:
        out = self.stream or sys.stdout
        out.write(json.dumps({"event": kind, **data}, ensure_ascii=False, default=str) + "\n")
        out.flush()

    def bar(self, desc: str, total: int | None, unit: str = "item", initial: int = 0) -> Bar:
        return _JsonBar(self, desc, total, unit, initial)

    def message(self, text: str) -> None:
        self.event("message", text=text)

    def stage_start(self, name: str) -> None:
        self.event("stage_start", stage=name)

    def stage_end(self, name: str, seconds: float, skipped: bool = False) -> None:
        self.event("stage_end", stage=name, seconds=round(seconds, 2), skipped=skipped)

    def result(self, **data: Any) -> None:
        self.event("result", **data)


# The reporter of the command now running: a context variable, set by `use` for the length of a `with`
# block and reset after it, so library code reports without taking a reporter argument through every call.
_current: contextvars.ContextVar[Reporter] = contextvars.ContextVar("act_reporter", default=TextReporter())


def current() -> Reporter:
    return _current.get()


@contextlib.contextmanager
def use(reporter: Reporter) -> Iterator[Reporter]:
    """Make `reporter` the current one for the duration of a command."""
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)


def bar(desc: str, total: int | None, unit: str = "item", initial: int = 0, enabled: bool = True) -> Bar:
    """A progress bar of the current reporter (a silent one when not `enabled`)."""
    return current().bar(desc, total, unit, initial) if enabled else Bar(desc, total, unit, initial)


def message(text: str) -> None:
    current().message(text)


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Report the start and end of a named stage of a job."""
    current().stage_start(name)
    t0 = time.perf_counter()
    yield
    current().stage_end(name, time.perf_counter() - t0)


# ---- library warnings ----------------------------------------------------------------------------------------
LIBRARY_LOGGERS = ("transformers", "peft", "accelerate", "torch", "huggingface_hub", "safetensors")


class WarningLog:
    """Library warnings written to one file, opened on the first one (no file when there were none)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh: IO[str] | None = None

    def write(self, text: str) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        self.count += 1
        self._fh.write(f"{time.strftime('%H:%M:%S')} {text.rstrip()}\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def summary(self) -> str | None:
        """The one line shown at the end, or None when nothing was captured."""
        if not self.count:
            return None
        return f"{self.count} library warning{'s' if self.count != 1 else ''}, see {self.path}"


class _ToLog(logging.Handler):
    def __init__(self, log: WarningLog) -> None:
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.log.write(f"[{record.name}] {record.levelname.lower()}: {record.getMessage()}")
        except Exception:  # a broken message must not stop a training run
            self.handleError(record)


_capturing: contextvars.ContextVar[WarningLog | None] = contextvars.ContextVar("act_warning_log", default=None)


def capturing() -> bool:
    """True while library warnings go to a log file (so transformers' own verbosity is left at warning)."""
    return _capturing.get() is not None


@contextlib.contextmanager
def capture_warnings(path: Path) -> Iterator[WarningLog]:
    """Send Python warnings and the warning logs of the model libraries to `path` for the duration."""
    log = WarningLog(path)
    handler = _ToLog(log)
    saved: list[tuple[logging.Logger, list[logging.Handler], int, bool]] = []
    for name in LIBRARY_LOGGERS:
        lg = logging.getLogger(name)
        saved.append((lg, list(lg.handlers), lg.level, lg.propagate))
        lg.handlers = [handler]
        lg.setLevel(logging.WARNING)
        lg.propagate = False

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        log.write(f"[{category.__name__}] {filename}:{lineno}: {message}")

    token = _capturing.set(log)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            yield log
    finally:
        _capturing.reset(token)
        for lg, handlers, level, propagate in saved:
            lg.handlers, lg.propagate = handlers, propagate
            lg.setLevel(level)
        log.close()
