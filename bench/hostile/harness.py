"""Runs hostile cases through the real `act` command and checks what each run left behind.

    python bench/hostile/harness.py [CASE_ID ...]     # run the corpus (or some cases), print a table
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from make_corpus import Prepared, all_cases, digest, materialize  # noqa: E402
from spec import ERROR, Case  # noqa: E402

# what a crash looks like, whatever the exit status
CRASH = re.compile(r"Traceback \(most recent call last\)|\b(RecursionError|MemoryError|Fatal Python error|"
                   r"Segmentation fault|UnicodeEncodeError|UnicodeDecodeError|maximum recursion depth)\b")
AS_FLOOR_MB = 4096     # address-space cap for every child: protects the machine, far above each RSS budget
FSIZE_CAP = 1 << 30    # no child may write a file over 1 GB


@dataclass
class Result:
    exit: int | None            # None when killed (by the budget or by kill_after)
    timed_out: bool
    killed: bool                # killed on purpose by kill_after
    wall: float
    maxrss_mb: float
    stdout: bytes
    stderr: bytes
    interrupted_at: float | None = None   # seconds after the start when SIGINT was sent (None: never)

    @property
    def text(self) -> str:
        return (self.stdout + b"\n" + self.stderr).decode("utf-8", "replace")


@dataclass
class Outcome:
    case: Case
    result: Result
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


# The child's peak memory must be its own: a forked child inherits the parent's peak RSS (Linux keeps the
# larger of the two through exec), and this harness holds big generated inputs. So a small wrapper process
# sets the limits, forks the real command from its own small image, and reports the command's rusage.
_WRAPPER = """
import os, resource, signal, sys
report, cap, fsize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for what, v in ((resource.RLIMIT_AS, cap), (resource.RLIMIT_FSIZE, fsize), (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(what, (v, v))
signal.signal(signal.SIGINT, signal.SIG_IGN)   # an interrupt (Case.interrupt_after) is for the command
pid = os.fork()
if pid == 0:
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execv(sys.executable, [sys.executable, "-m", "act_dsl", *sys.argv[4:]])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(f"{status} {usage.ru_maxrss}")
"""


def _swap_links(prep: Prepared, stop: threading.Event) -> None:
    """Swap a symlink between two targets as fast as possible: a check-then-read race shows up here."""
    assert prep.case.race is not None
    name, a, b = prep.case.race
    link = prep.work / name
    spare = link.with_name(link.name + ".swap")
    targets = (prep.arg(a), prep.arg(b))
    i = 0
    while not stop.is_set():
        try:
            os.symlink(targets[i % 2], spare)
            os.replace(spare, link)
        except OSError:
            pass
        i += 1


def run(prep: Prepared) -> Result:
    """Run one materialised case: `python -m act_dsl ARGS` in its folder, under its budgets."""
    case = prep.case
    report = prep.root / "_rusage"
    cap = max(AS_FLOOR_MB, 3 * case.mem_mb) * 1024 * 1024
    server = None
    if case.server:   # a misbehaving server on 127.0.0.1 for this run only (it also stops by itself)
        from servers import ServerProcess
        server = ServerProcess(case.server, life_s=case.time_s + 30)
    args = [prep.arg(a) for a in case.args]
    if server is not None:
        args = [a.replace("{server}", server.url) if isinstance(a, str) else a for a in args]
    cmd = [sys.executable, "-c", _WRAPPER, str(report), str(cap), str(FSIZE_CAP), *args]
    env = {**os.environ, "ACT_CACHE": str(prep.root / "_cache"), "PYTHONDONTWRITEBYTECODE": "1",
           "TQDM_DISABLE": "1", **case.env}
    try:
        return _run(prep, cmd, env, report)
    finally:
        if server is not None:
            server.close()


def _interrupt_due(prep: Prepared, elapsed: float) -> bool:
    case = prep.case
    if case.interrupt_after is not None and elapsed >= case.interrupt_after:
        return True
    if case.interrupt_when:
        name, _, lines = case.interrupt_when.rpartition(":")
        path = prep.work / name
        return path.is_file() and path.read_bytes().count(b"\n") >= int(lines)
    return False


def _run(prep: Prepared, cmd: list, env: dict, report: Path) -> Result:
    case = prep.case
    out_path, err_path = prep.root / "_stdout", prep.root / "_stderr"
    stop = threading.Event()
    stdin = (prep.work / case.stdin).open("rb") if case.stdin else subprocess.DEVNULL
    interrupted = not (case.interrupt_after is not None or case.interrupt_when)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=prep.work, stdin=stdin, stdout=out, stderr=err, env=env,
                                start_new_session=True)
        racer = threading.Thread(target=_swap_links, args=(prep, stop), daemon=True) if case.race else None
        if racer:
            racer.start()
        limit = case.time_s if case.kill_after is None else min(case.time_s, case.kill_after)
        timed_out = killed = False
        interrupted_at: float | None = None
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            if not interrupted and _interrupt_due(prep, time.monotonic() - start):
                interrupted, interrupted_at = True, time.monotonic() - start
                os.killpg(proc.pid, signal.SIGINT)   # the wrapper ignores it; the command must exit by itself
            if time.monotonic() - start > limit:
                killed = case.kill_after is not None and limit == case.kill_after
                timed_out = not killed
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status = os.waitpid(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.monotonic() - start
        stop.set()
        if not isinstance(stdin, int):
            stdin.close()
        if racer:
            racer.join()
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here, so Popen must not wait again
    code, maxrss_kb = None, 0
    if report.is_file() and not (timed_out or killed):
        raw_status, raw_rss = report.read_text().split()
        code, maxrss_kb = os.waitstatus_to_exitcode(int(raw_status)), int(raw_rss)
    elif not (timed_out or killed):
        code = proc.returncode   # the wrapper itself died: report that
    return Result(code, timed_out, killed, wall, maxrss_kb / 1024, _head_tail(out_path), _head_tail(err_path),
                  interrupted_at)


def _head_tail(path: Path, keep: int = 4_000_000) -> bytes:
    size = path.stat().st_size
    with path.open("rb") as fh:
        if size <= 2 * keep:
            return fh.read()
        head = fh.read(keep)
        fh.seek(size - keep)
        return head + b"\n[...]\n" + fh.read()


# ---- checks ------------------------------------------------------------------------------------
def _excerpt(res: Result, n: int = 300) -> str:
    t = res.text.strip()
    return repr(t if len(t) <= n else "..." + t[-n:])


def _strict(text: str) -> Any:
    def bad(name: str) -> Any:
        raise ValueError(f"bare {name} is not JSON")
    return json.loads(text, parse_constant=bad)


def _opt(args: list[str], name: str) -> str | None:
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def _data_lines(path: Path) -> set[int]:
    """The non-blank line numbers of a data file, as a JSONL reader numbers them."""
    lines = set()
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if raw.decode("utf-8", "replace").strip():
                lines.add(n)
    return lines


def _unit(v: Any) -> bool:
    if isinstance(v, dict):   # a verifier error shows as {"error": message} (LANGUAGE.md §4)
        return set(v) == {"error"} and isinstance(v["error"], str)
    return v is None or isinstance(v, bool) or (isinstance(v, (int, float)) and 0.0 <= v <= 1.0)


def _score_lines(raw: bytes, where: str, fails: list[str]) -> dict[int, dict]:
    """Score output lines by data line; every line strict UTF-8 JSON with values in [0, 1] or null."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fails.append(f"{where} is not valid UTF-8 (byte {exc.start})")
        return {}
    got: dict[int, dict] = {}
    for k, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = _strict(line)
        except ValueError as exc:
            fails.append(f"{where} line {k} is not strict JSON ({exc}): {line[:120]!r}")
            return got
        if not isinstance(obj, dict) or not isinstance(obj.get("line"), int):
            fails.append(f"{where} line {k} is not a score record with a `line`: {line[:120]!r}")
            return got
        for res in obj.get("results", [obj]):
            vals = [res.get("csr"), *(res.get("constraints") or {}).values()]
            if not all(_unit(v) for v in vals):
                fails.append(f"{where} line {k} has a CSR or constraint value outside [0, 1]: {line[:160]!r}")
        if obj["line"] in got:
            fails.append(f"{where} scores data line {obj['line']} twice")
        got[obj["line"]] = obj
    return got


def _check_scores(prep: Prepared, res: Result, fails: list[str]) -> dict[int, dict] | None:
    """For `act score`: the lines written where they should be, complete, strict, with the stated values."""
    case = prep.case
    args = [prep.arg(a) for a in case.args if isinstance(a, str)]
    out, data = _opt(args, "--out"), _opt(args, "--data")
    if out is not None:
        target = prep.work / out
        raw = target.read_bytes() if target.is_file() else None
        if raw is None:
            fails.append(f"exit 0 but no output file {out}")
            return None
    else:
        raw = res.stdout
    got = _score_lines(raw, out or "stdout", fails)
    if case.complete and data is not None and (prep.work / data).is_file():
        want = _data_lines(prep.work / data)
        listed = {int(m) for m in re.findall(re.escape(Path(data).name) + r":(\d+)\b", res.text)}
        missing = sorted(want - set(got) - listed)
        if missing:
            fails.append(f"data line(s) {missing[:8]} neither scored nor listed as skipped")
    return got


def _check_values(case: Case, got: dict[int, dict], fails: list[str]) -> None:
    for line, expect in case.values.items():
        rec = got.get(line)
        if rec is None:
            fails.append(f"data line {line} has no score line (expected {dict(expect)})")
            continue
        for name, want in expect.items():
            have = rec.get("csr") if name == "csr" else (rec.get("constraints") or {}).get(name, "<missing>")
            if want == ERROR:  # a verifier error shows its message, never a plain false
                same = isinstance(have, dict) and isinstance(have.get("error"), str)
            else:
                same = have is None if want is None else (
                    isinstance(have, (bool, int, float)) and abs(float(have) - float(want)) < 1e-6)
            if not same:
                fails.append(f"data line {line}: `{name}` is {have!r}, expected {want!r}")


def _is_json_summary(case: Case) -> bool:
    args = [a for a in case.args if isinstance(a, str)]
    return _opt(args, "--format") == "json" and _opt(args, "--out") is not None


def _scan_for(token: bytes, root: Path) -> list[str]:
    hits = []
    for p in root.rglob("*"):
        if p.is_symlink() or not p.is_file():
            continue
        with p.open("rb") as fh:
            tail = b""
            for block in iter(lambda: fh.read(1 << 22), b""):
                if token in tail + block:
                    hits.append(str(p.relative_to(root)))
                    break
                tail = block[-len(token):]
    return hits


def check(prep: Prepared, res: Result) -> list[str]:
    """Every failure of one run against its case's expectations (empty when it behaved)."""
    case, fails = prep.case, []
    text = res.text
    if res.timed_out:
        fails.append(f"ran past its {case.time_s:g} s budget and was killed")
    elif not res.killed and res.exit is not None and res.exit < 0:
        fails.append(f"died of signal {-res.exit} " + _excerpt(res))
    if (case.interrupt_after is not None or case.interrupt_when) and res.interrupted_at is None:
        fails.append(f"was never interrupted: {case.interrupt_when or f'{case.interrupt_after:g} s'} did not come")
    elif res.interrupted_at is not None and res.wall - res.interrupted_at > case.after_interrupt_s:
        fails.append(f"still ran {res.wall - res.interrupted_at:.1f} s after SIGINT (at most "
                     f"{case.after_interrupt_s:g} s)")
    m = CRASH.search(text)
    if m:
        fails.append(f"crashed ({m.group(0)}): " + _excerpt(res, 600))
    if res.exit is not None and res.exit >= 0 and res.exit not in case.exit:
        fails.append(f"exit {res.exit}, expected {' or '.join(map(str, case.exit))}: " + _excerpt(res))
    if res.maxrss_mb > case.mem_mb:
        fails.append(f"peak memory {res.maxrss_mb:.0f} MB over its {case.mem_mb} MB budget")
    done = res.exit is not None
    for rx in [*case.has, *(case.has_if.get(res.exit, ()) if done else ())]:
        if done and not re.search(rx, text):
            fails.append(f"output lacks /{rx}/: " + _excerpt(res))
    for rx in case.lacks:
        if re.search(rx, text):
            fails.append(f"output shows /{rx}/: " + _excerpt(res))
    token = prep.token.encode()
    if token in res.stdout or token in res.stderr:
        fails.append("the secret planted outside the folder appears in the output")
    leaked = _scan_for(token, prep.work)
    if leaked:
        fails.append(f"the secret planted outside the folder was copied into {leaked}")
    for key, before in prep.before.items():
        path = prep.secret / key[7:] if key.startswith("secret:") else prep.work / key
        after = digest(path)
        if after == before:
            continue
        if key.startswith("secret:"):
            fails.append(f"the file outside the folder {key[7:]} was changed")
        elif key in case.untouched:
            fails.append(f"{key} was changed (it had to stay untouched)")
        elif key in case.previous and not (res.exit == 0 and after is not None):
            fails.append(f"{key} was changed by a run that did not succeed: neither complete nor untouched")
    for key in case.previous:
        # a replaced output must be complete: strict JSON lines covering the data (checked on exit 0 below);
        # after a kill, the file on disk must be the earlier one or a complete new one, never a part
        if res.killed and digest(prep.work / key) != prep.before[key]:
            sub: list[str] = []
            got = _score_lines((prep.work / key).read_bytes(), key, sub)
            data = _opt([prep.arg(a) for a in case.args if isinstance(a, str)], "--data")
            if sub or (data and set(got) != _data_lines(prep.work / data)):
                fails.append(f"after SIGKILL at {case.kill_after:g} s, {key} holds a partial output "
                             f"({len(got)} line(s))")
    for key in case.whole_jsonl:
        raw = (prep.work / key).read_bytes() if (prep.work / key).is_file() else None
        if raw is None:
            fails.append(f"{key} is missing (it had to hold whole JSON lines)")
        elif raw and not raw.endswith(b"\n"):
            fails.append(f"{key} ends in a torn line: {raw[-80:]!r}")
        else:
            sub: list[str] = []
            for k, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
                try:
                    _strict(line)
                except ValueError as exc:
                    sub.append(f"{key} line {k} is not strict JSON ({exc})")
            fails.extend(sub[:3])
    if sorted(p.name for p in prep.secret.iterdir()) != sorted({k[7:].split("/")[0] for k in prep.before
                                                               if k.startswith("secret:")}):
        fails.append("a file was created in the folder outside the .act file's folder")
    ok_score = res.exit == 0 and bool(case.args) and case.args[0] == "score"
    if ok_score:   # values are checked where the run succeeded; an unexpected exit status failed above
        got = _check_scores(prep, res, fails)
        if got is not None:
            _check_values(case, got, fails)
    if case.json_stdout or (ok_score and (case.errors_counted or case.invalid_counted or _is_json_summary(case))):
        try:
            summary = _strict(res.stdout.decode("utf-8"))
        except ValueError as exc:
            fails.append(f"stdout is not one strict JSON document ({exc}): " + _excerpt(res))
            summary = None
        if ok_score and case.errors_counted and isinstance(summary, dict):
            per = sum((c or {}).get("errors", 0) for c in (summary.get("constraints") or {}).values())
            if not (summary.get("errors") or per):
                fails.append("the summary counts no verifier error (one was expected)")
        if ok_score and case.invalid_counted and isinstance(summary, dict):
            if not summary.get("invalid") or summary.get("errors"):
                fails.append(f"the summary counts {summary.get('invalid')} invalid answer(s) and "
                             f"{summary.get('errors')} verifier error(s) (expected invalid answers only)")
    return fails


# ---- running many ------------------------------------------------------------------------------
def run_cases(cases: Iterable[Case], tmp: Path, workers: int = 2, keep: bool = False,
              done: Callable[[Outcome], None] | None = None) -> dict[str, Outcome]:
    """Materialise, run and check cases, `workers` at a time, the slowest budgets first."""
    def one(case: Case) -> Outcome:
        prep = materialize(case, tmp)
        try:
            res = run(prep)
            outcome = Outcome(case, res, check(prep, res))
        finally:
            if not keep:
                shutil.rmtree(prep.root, ignore_errors=True)
        if done:
            done(outcome)
        return outcome
    todo = sorted(cases, key=lambda c: -c.time_s)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {o.case.id: o for o in pool.map(one, todo)}


def main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Run the hostile corpus through `act` and report each case.")
    ap.add_argument("ids", nargs="*", help="case ids (default: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the case folders under this folder")
    args = ap.parse_args(argv)
    cases = [c for c in all_cases() if not args.ids or c.id in args.ids]
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="act-hostile-"))

    def show(o: Outcome) -> None:
        status = "ok  " if o.ok else "FAIL"
        print(f"{status} {o.case.cls:<14} {o.case.id:<42} {o.result.wall:6.1f} s {o.result.maxrss_mb:6.0f} MB"
              + ("" if o.ok else "  " + " | ".join(o.failures)[:400]), flush=True)
    start = time.monotonic()
    outcomes = run_cases(cases, tmp, args.workers, keep=bool(args.keep), done=show)
    bad = [o for o in outcomes.values() if not o.ok]
    print(f"\n{len(outcomes) - len(bad)} of {len(outcomes)} cases pass; {time.monotonic() - start:.1f} s wall")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
