"""Benchmark: cold `act lint` against a bare `import lark` (and one file against `import lark, rapidfuzz`),
and parse+check throughput.

Run: .venv/bin/python bench/lint_speed.py
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def generated_program(lines: int) -> str:
    """Realistic .act text: LANGUAGE.md's four example tasks repeated under fresh names until `lines` long."""
    import re
    bodies = []
    paths = [ROOT / "tests" / "canonical" / "entity_typing.act"] + \
        [p for p in sorted((ROOT / "examples").glob("*/task.act")) if p.parent.name != "entity_typing"]
    for path in paths:
        text = path.read_text()
        text = "\n".join(x for x in text.splitlines() if not x.startswith("import"))
        bodies.append(text.replace('load("figer_types.txt")', '{"/person", "/person/politician", "/location"}'))
    out = ['import "std/labels"']
    i = 0
    while len(out) < lines:
        body = bodies[i % len(bodies)]
        for name in re.findall(r"^define (\w+)", body, flags=re.M):  # a define is top-level: one name a copy
            body = re.sub(rf"\b{name}\b", f"{name}_{i}", body)
        out.extend(re.sub(r"^task (\w+)", lambda m: f"task {m.group(1)}_{i}", body, flags=re.M).splitlines())
        i += 1
    return "\n".join(out) + "\n"


def first_run(cmd: list[str], runs: int = 3) -> float:
    """The median wall time of `cmd` with an empty cache folder each time (the parser's tables built)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False, env={**os.environ, "ACT_CACHE": d})
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    act = [sys.executable, "-m", "act_dsl", "lint", "examples", "stdlib_constraints"]
    lark = [sys.executable, "-c", "import lark"]
    t_lint, t_lark = wall(act), wall(lark)
    print(f"cold `act lint examples stdlib_constraints`: {t_lint * 1000:.0f} ms (median of 7)")
    print(f"bare `python -c 'import lark'`:             {t_lark * 1000:.0f} ms (median of 7)")
    print(f"ratio: {t_lint / t_lark:.2f}x (target: at most 4x)")

    one = [sys.executable, "-m", "act_dsl", "lint", "examples/entity_typing/task.act"]
    bare = [sys.executable, "-c", "import lark, rapidfuzz"]
    wall(one, runs=1)  # the parser's tables are built once per grammar version and kept in the cache folder
    t_one, t_bare, t_first = wall(one), wall(bare), first_run(one)
    print(f"cold `{' '.join(one[1:])}`: {t_one * 1000:.0f} ms (median of 7; tables read from the cache folder)")
    print(f"bare `python -c 'import lark, rapidfuzz'`: {t_bare * 1000:.0f} ms (median of 7)")
    print(f"ratio: {t_one / t_bare:.2f}x (target: at most 2.5x)")
    print(f"first run with an empty cache folder (tables built and written): {t_first * 1000:.0f} ms (median of 3)")

    import act_dsl
    text = generated_program(5000)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.act"
        path.write_text(text)
        act_dsl.load(path)  # warm the parser cache
        t = time.perf_counter()
        program = act_dsl.load(path)
        dt = time.perf_counter() - t
    n = text.count("\n")
    assert program.ok, program.errors[:3]
    print(f"parse+check of a generated {n}-line file: {dt:.2f} s, {n / dt:,.0f} lines/s (target: 20,000)")
    print("command: .venv/bin/python bench/lint_speed.py")


if __name__ == "__main__":
    main()
