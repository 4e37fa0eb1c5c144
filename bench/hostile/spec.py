"""The shape of one hostile case: what to run, which files to create, and what the run must show."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

#: the classes of issue 10 that the corpus covers; every one must have cases (the test checks)
CLASSES = ("regex", "huge", "encoding", "folder", "program", "number", "no-constraints", "cli", "isolation",
           "files", "network", "lsp")


@dataclass(frozen=True)
class Ref:
    """A small committed file under bench/hostile/files/ (copied, text placeholders filled in)."""
    name: str


@dataclass(frozen=True)
class Gen:
    """A file (or, for a key ending in "/", a folder of files) made by a generator in make_corpus.py."""
    fn: str
    params: tuple[tuple[str, Any], ...] = ()

    @staticmethod
    def of(fn: str, **params: Any) -> "Gen":
        return Gen(fn, tuple(sorted(params.items())))


@dataclass(frozen=True)
class Link:
    """A symbolic link (`hard=True`: a hard link to a file of the case) to `target`.

    `{secret}` in the target is the absolute path of the planted secret folder outside the case's folder."""
    target: str
    hard: bool = False


@dataclass(frozen=True)
class Fifo:
    """A named pipe that nobody writes to: reading it blocks forever."""


@dataclass(frozen=True)
class Dir:
    """An empty directory."""


FileSpec = Union[str, bytes, Ref, Gen, Link, Fifo, Dir]
ERROR = "error"  # an expected value: a verifier error, `{"error": message}` (LANGUAGE.md §4)


@dataclass(frozen=True)
class Case:
    """One hostile input and the behaviour the issue and LANGUAGE.md demand for it.

    Every case also gets the checks that hold for all of them (see harness.check): no traceback, no
    death by signal, inside its time and memory budget, the planted secret never in any output and never
    changed, every score line strict JSON with a CSR in [0, 1] or null.
    """
    id: str
    cls: str
    why: str                                   # the hostile thing, in a few words
    args: Sequence[str | bytes]                # after `python -m act_dsl`; `{work}`/`{secret}` are filled in
    files: Mapping[str, FileSpec] = field(default_factory=dict)
    exit: Sequence[int] = (0,)                 # allowed exit statuses
    has: Sequence[str] = ()                    # regexes that must match stdout+stderr
    has_if: Mapping[int, Sequence[str]] = field(default_factory=dict)  # more regexes, per exit status
    lacks: Sequence[str] = ()                  # regexes that must not match stdout+stderr
    time_s: float = 10.0                       # wall-clock budget; the child is killed at it
    mem_mb: int = 600                          # budget on the child's peak resident memory
    complete: bool = True                      # `act score` with exit 0: every data line scored or listed
    values: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # data line -> constraint/csr values
    #                                            (ERROR: a verifier error, shown as {"error": message})
    errors_counted: bool = False               # the JSON summary (stdout, with --out) counts >= 1 error
    invalid_counted: bool = False              # ... counts >= 1 invalid answer and no verifier error
    untouched: Sequence[str] = ()              # files of the case that must keep their exact bytes
    previous: Mapping[str, str] = field(default_factory=dict)  # outputs present before the run: complete or untouched
    json_stdout: bool = False                  # stdout must be one strict JSON document
    race: tuple[str, str, str] | None = None   # (link, target a, target b): swapped back and forth during the run
    kill_after: float | None = None            # SIGKILL the run after this many seconds
    server: str | None = None                  # a behaviour of servers.py, served on 127.0.0.1 during the run;
    #                                            `{server}` in args is its API root
    env: Mapping[str, str] = field(default_factory=dict)  # more environment variables for the run
    stdin: str | None = None                   # a file of the case fed to the command's stdin (default: none)
    interrupt_after: float | None = None       # SIGINT the run after this many seconds (it must then exit itself)
    interrupt_when: str | None = None          # ... or once this file of the case holds this many lines: "FILE:N"
    after_interrupt_s: float = 5.0             # ... and then it must end within this many seconds
    whole_jsonl: Sequence[str] = ()            # files that must hold only whole, strict JSON lines afterwards

    def __post_init__(self) -> None:
        assert self.cls in CLASSES, self.cls
        assert self.exit, self.id


#: generators of big inputs, by name (make_corpus.py and gen_programs.py register theirs with @generator)
GENERATORS: dict[str, Callable[..., Union[bytes, dict[str, bytes]]]] = {}


def generator(fn: Callable[..., Union[bytes, dict[str, bytes]]]) -> Callable[..., Union[bytes, dict[str, bytes]]]:
    GENERATORS[fn.__name__] = fn
    return fn


# ---- shorthand for the case modules --------------------------------------------------------------
SKIP = ("--on-error", "skip")
OUT_JSON = ("--out", "out.jsonl", "--format", "json")     # rows to out.jsonl, the JSON summary to stdout
PREVIOUS = '{"line": 1, "csr": 1.0, "constraints": {}}\n'  # an earlier complete output, kept by failed runs
PATTERN_MSG = r"(?i)pattern|regular expression|regex"      # a diagnostic about a regular expression
LINE2 = r"data\.jsonl:2\b"                                 # a message naming the data file's second line


def score(*extra: str, task: str = "task.act", data: str = "data.jsonl") -> tuple[str, ...]:
    return ("score", task, "--data", data, *extra)


def jl(*records: Any) -> str:
    """JSON lines; lone surrogates come out as `\\ud800` escapes, exactly as a careless writer makes them."""
    import json
    return "".join(json.dumps(r) + "\n" for r in records)


def task(body: str, inputs: Sequence[str] = (), name: str = "hostile") -> str:
    """A one-output task around `body` (constraints and lets), with `input NAME: text` for each of inputs."""
    ins = "".join(f"  input {i}: text\n" for i in inputs)
    return f"task {name} {{\n{ins}  output answer: text = strip(response)\n{body}}}\n"
