"""The folder holds: imports, label files and `act lint DIR` never read outside the .act file's folder,
whatever symlinks, loops, FIFOs or over-long names the folder holds; each gives a one-line diagnostic."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import act_dsl
from act_dsl.diagnostics.render import render_text
from conftest import run_act

SECRET = "SECRET_OUTSIDE_zq7"

LIB = "define short(x: text) = count(words(x)) <= 3\n"

MAIN = """\
import "./lib.act"
task t {
  input q: text
  output a: text = strip(response)
  labels L = load("labels.txt")
  constraint s = short(a)
  constraint known = a in L
  example "a known short answer" {
    q = "anything"
    response = "alpha"
    expect s = true
    expect known = true
  }
}
"""


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    """A task folder with an import and a label file, and a folder beside it holding secrets."""
    task, outside = tmp_path / "task", tmp_path / "outside"
    task.mkdir()
    outside.mkdir()
    (task / "lib.act").write_text(LIB)
    (task / "labels.txt").write_text("alpha\nbeta\n")
    (task / "main.act").write_text(MAIN)
    (outside / "secret.act").write_text(f"{SECRET} this line is not .act source\n")
    (outside / "secret.txt").write_text(f"{SECRET}\n")
    return task, outside


def _clean(r) -> None:
    assert "Traceback" not in r.stdout + r.stderr
    assert SECRET not in r.stdout + r.stderr, "an outside file's content was printed"


def test_imports_and_label_files_inside_the_folder_are_read(tmp_path: Path) -> None:
    task, _ = _folder(tmp_path)
    (task / "sub").mkdir()
    os.symlink("../lib.act", task / "sub" / "lib_link.act")  # a symlink that stays inside is fine
    (task / "main.act").write_text(MAIN.replace("./lib.act", "./sub/lib_link.act"))
    r = run_act("lint", str(task / "main.act"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 error(s)" in r.stdout
    r = run_act("test", str(task / "main.act"))
    assert r.returncode == 0 and "2 passed, 0 failed" in r.stdout, r.stdout + r.stderr



def test_an_imported_file_is_parsed_once_a_process_and_again_once_its_text_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program's imports are kept parsed by path and text (an editor rechecks at every keystroke): a second
    load does not parse the imported file again, and an edit of it is read and parsed afresh."""
    import act_dsl
    from act_dsl.syntax import parser
    task, _ = _folder(tmp_path)
    parsed: list[str] = []
    real = parser.parse
    monkeypatch.setattr(parser, "parse", lambda source: parsed.append(Path(source.path).name) or real(source))

    def syntax_errors() -> list[str]:
        return [Path(d.span.path).name for d in act_dsl.load(task / "main.act").diagnostics
                if d.code == "ACT001" and d.span is not None]
    assert syntax_errors() == [] and parsed == ["lib.act"]  # (the top-level file is parsed by resolve's own name)
    assert syntax_errors() == [] and parsed == ["lib.act"]
    (task / "lib.act").write_text(LIB.replace("<= 3", "<= "))  # a syntax error now
    assert syntax_errors() == ["lib.act"] and parsed == ["lib.act", "lib.act"]

def test_symlinks_out_of_the_folder_are_act110_and_never_read(tmp_path: Path) -> None:
    task, outside = _folder(tmp_path)
    os.symlink(outside / "secret.act", task / "lib.act.link")
    os.replace(task / "lib.act.link", task / "lib.act")
    os.symlink(outside / "secret.txt", task / "labels.link")
    os.replace(task / "labels.link", task / "labels.txt")
    r = run_act("lint", str(task / "main.act"))
    _clean(r)
    assert r.returncode == 1
    assert "main.act:1:1: ACT110 import `./lib.act` leads outside the folder of the .act file" in r.stdout
    assert "main.act:5:14: ACT110 `load(\"labels.txt\")` leads outside the folder" in r.stdout


@pytest.mark.slow
def test_a_symlink_swapped_during_the_read_never_leaks_an_outside_file(tmp_path: Path) -> None:
    """A thread swaps lib.act and labels.txt between the real files and links to outside files while the
    program is loaded again and again: every load reads the inside file or refuses, never the outside one."""
    task, outside = _folder(tmp_path)
    for name in ("lib.act", "labels.txt"):
        os.rename(task / name, task / f"real_{name}")
    pairs = [(task / name, task / f"real_{name}", outside / ("secret.act" if name.endswith(".act") else "secret.txt"))
             for name in ("lib.act", "labels.txt")]
    stop = threading.Event()

    def swap() -> None:
        i = 0
        while not stop.is_set():
            for link, inside, out in pairs:  # atomic replace of the link: the path always exists
                tmp = link.with_name(link.name + ".swap")
                os.symlink(inside.name if i % 2 else out, tmp)
                os.replace(tmp, link)
            i += 1

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    outcomes = {"read": 0, "refused": 0}
    try:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            program = act_dsl.load(task / "main.act")
            text = render_text(program.diagnostics)
            assert SECRET not in text, "an outside file was read and shown"
            for checked in program.tasks.values():
                assert all(SECRET not in "".join(ls.labels) for ls in checked.labelsets.values())
            outcomes["refused" if "ACT110" in text else "read"] += 1
    finally:
        stop.set()
        swapper.join()
    assert outcomes["refused"] > 0, f"the swap was never caught, so the race was not exercised: {outcomes}"


def test_lint_dir_never_follows_symlinks_out_of_it_and_survives_loops(tmp_path: Path) -> None:
    task, outside = _folder(tmp_path)
    (outside / "other.act").write_text(f"task {SECRET}x {{ doc \"outside\" }}\n")
    os.symlink(outside / "secret.act", task / "evil.act")
    os.symlink(outside, task / "linked_folder")                # a folder symlink out of DIR
    os.symlink(task, task / "self_loop")                       # a folder symlink back into DIR (a cycle)
    os.symlink("loop_b.act", task / "loop_a.act")
    os.symlink("loop_a.act", task / "loop_b.act")
    os.symlink("main.act", task / "alias.act")                 # inside DIR: the same file, linted once
    r = run_act("lint", str(task), timeout=60)
    _clean(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "checked 2 file(s)" in r.stdout  # lib.act and main.act, nothing else
    assert f"{task / 'evil.act'}: a symlink to a file outside {task}; skipped (not read)" in r.stderr
    assert f"{task / 'loop_a.act'}: is a symlink loop" in r.stderr
    assert "other.act" not in r.stdout + r.stderr


@pytest.mark.slow
def test_fifo_directory_and_loop_named_act_give_one_line_errors_without_blocking(tmp_path: Path) -> None:
    task, _ = _folder(tmp_path)
    os.mkfifo(task / "pipe.act")
    os.mkfifo(task / "pipe.txt")
    (task / "folder.act").mkdir()
    os.symlink("loop.act", task / "loop.act")
    start = time.monotonic()
    r = run_act("lint", str(task / "pipe.act"), timeout=30)  # opened non-blocking: no writer needed
    assert r.returncode == 2 and "pipe.act: ACT002 is not a regular file (a FIFO, socket or device)" in r.stdout
    r = run_act("lint", str(task / "loop.act"), timeout=30)
    assert r.returncode == 2 and "loop.act: ACT002 is a symlink loop" in r.stdout
    (task / "main.act").write_text(MAIN.replace("./lib.act", "./pipe.act").replace("labels.txt", "pipe.txt"))
    r = run_act("lint", str(task / "main.act"), timeout=30)
    _clean(r)
    assert r.returncode == 1
    assert "ACT107 cannot read `./pipe.act`: is not a regular file" in r.stdout
    assert "ACT115 label file `pipe.txt` is not a regular file" in r.stdout
    (task / "main.act").write_text(MAIN.replace("./lib.act", "./folder.act").replace("labels.txt", "folder.act"))
    r = run_act("lint", str(task / "main.act"), timeout=30)
    assert r.returncode == 1 and "cannot read `./folder.act`: is a directory" in r.stdout
    assert "label file `folder.act` is a directory" in r.stdout
    r = run_act("lint", str(task), timeout=30)  # the walk meets the FIFO too
    _clean(r)
    assert r.returncode == 2 and "pipe.act: ACT002 is not a regular file" in r.stdout
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("name, words", [
    ("n" * 300 + ".act", "the file name is too long"),
    ("/".join(["d" * 200] * 30) + ".act", "the file name is too long"),
    ("lib.act/inner.act", "cannot find"),  # a part of the path is a file, not a folder
])
def test_over_long_and_odd_import_names_are_diagnostics(tmp_path: Path, name: str, words: str) -> None:
    task, _ = _folder(tmp_path)
    (task / "main.act").write_text(MAIN.replace("./lib.act", "./" + name))
    r = run_act("lint", str(task / "main.act"))
    _clean(r)
    assert r.returncode == 1 and "main.act:1:1: ACT107" in r.stdout and words in r.stdout, r.stdout + r.stderr
    r = run_act("lint", str(task / ("x" * 300 + ".act")))
    _clean(r)
    assert r.returncode == 2 and "no such file" in r.stderr
