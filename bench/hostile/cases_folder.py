"""The folder rule: `import` and `load()` read only inside the .act file's folder, walking a folder never
follows a symlink out of it, and loops, FIFOs, directories and over-long names get a clean message."""
from __future__ import annotations

from spec import Case, Dir, Fifo, Gen, Link, Ref, jl, score

IMPORT = Ref("import_lib.act")
LABELS = Ref("labels.act")
GOOD = Ref("ctx.act")
DATA = jl({"response": "/person"})
LINT = ("lint", "task.act")
WALK = ("lint", ".")
LONG = "x" * 300


def loads(path: str) -> str:
    return ('task hostile_load {\n  output types: list<label> = split(response, ",")\n'
            f'  labels L = load("{path}")\n  constraint in_set = all t in types: t in L\n}}\n')


def imports(path: str) -> str:
    return (f'import "{path}"\n\ntask hostile_import {{\n  output answer: text = strip(response)\n'
            "  constraint short = short_answer(answer)\n}\n")


def out(cid: str, why: str, files: dict, args: tuple = LINT, code: str = "ACT110") -> Case:
    """A case that must be refused with `code` (and never show the planted secret)."""
    return Case(cid, "folder", why, args, files, exit=(1,), has=(code,))


CASES = [
    # ---- symlinks out of the folder -----------------------------------------------------------------
    out("folder-import-symlink-out", "import of a symlink to a file outside the folder",
        {"task.act": IMPORT, "lib.act": Link("../secret/lib.act")}),
    out("folder-import-symlink-out-absolute", "import of an absolute symlink outside",
        {"task.act": IMPORT, "lib.act": Link("{secret}/lib.act")}),
    out("folder-import-symlink-out-score", "`act score` with an import that leaves through a symlink",
        {"task.act": IMPORT, "lib.act": Link("../secret/lib.act"), "data.jsonl": DATA}, score()),
    out("folder-load-symlink-out", "load() of a symlink to a label file outside",
        {"task.act": LABELS, "labels.txt": Link("../secret/labels.txt")}),
    out("folder-load-symlink-out-absolute", "load() of an absolute symlink outside",
        {"task.act": LABELS, "labels.txt": Link("{secret}/labels.txt")}),
    out("folder-load-symlink-out-test", "`act test` of a file whose label set leaves through a symlink",
        {"task.act": Ref("labels_test.act"), "labels.txt": Link("../secret/labels.txt")}, ("test", "task.act")),
    out("folder-load-symlink-chain-out", "a symlink inside pointing at a symlink out",
        {"task.act": LABELS, "labels.txt": Link("hop.txt"), "hop.txt": Link("../secret/labels.txt")}),
    out("folder-load-dir-symlink-out", "load() through a symlinked folder outside",
        {"task.act": loads("sub/labels.txt"), "sub": Link("../secret")}),
    out("folder-import-dir-symlink-out", "import through a symlinked folder outside",
        {"task.act": imports("./sub/lib.act"), "sub": Link("../secret")}),
    out("folder-load-absolute", "load() of an absolute path", {"task.act": loads("/etc/passwd")}),
    out("folder-load-absolute-secret", "load() of the secret's absolute path",
        {"task.act": loads("$SECRET/labels.txt")}),
    out("folder-load-dotdot", "load() of ../", {"task.act": loads("../secret/labels.txt")}),
    out("folder-load-dotdot-inner", "load() of a path that goes down then up and out",
        {"task.act": loads("sub/../../secret/labels.txt"), "sub": Dir()}),
    out("folder-import-dotdot", "import of ../", {"task.act": imports("../secret/lib.act")}),
    Case("folder-import-std-escape", "folder", "import \"std/../../\" out of the stdlib", LINT,
         {"task.act": imports("std/../../secret/lib")}, exit=(1,), has=(r"ACT10[78]|ACT110",)),
    # ---- symlinks that stay inside are fine ------------------------------------------------------------
    Case("folder-load-symlink-inside", "folder", "load() of a symlink to a file inside the folder (allowed)",
         LINT, {"task.act": LABELS, "labels.txt": Link("data/real.txt"), "data/real.txt": Ref("labels.txt")}),
    Case("folder-load-symlink-out-and-back", "folder", "a symlink whose target leaves and comes back in",
         LINT, {"task.act": LABELS, "labels.txt": Link("../work/real.txt"), "real.txt": Ref("labels.txt")}),
    Case("folder-import-symlink-inside", "folder", "import of a symlink to a file inside (allowed)", LINT,
         {"task.act": IMPORT, "lib.act": Link("libs/real.act"), "libs/real.act": Ref("lib.act")}),
    # ---- walking a folder ---------------------------------------------------------------------------
    Case("folder-walk-symlink-file-out", "folder", "`act lint DIR` with a *.act symlink out of DIR", WALK,
         {"good.act": GOOD, "evil.act": Link("../secret/evil.act")}, exit=(0, 2)),
    Case("folder-walk-symlink-dir-out", "folder", "`act lint DIR` with a symlinked folder out of DIR", WALK,
         {"good.act": GOOD, "sub": Link("../secret")}, exit=(0, 2)),
    Case("folder-walk-symlink-root", "folder", "`act lint DIR` with a symlink to / inside DIR", WALK,
         {"good.act": GOOD, "root": Link("/")}, exit=(0, 2)),
    Case("folder-walk-test-symlink-out", "folder", "`act test DIR` with a *.act symlink out of DIR",
         ("test", "."), {"good.act": Ref("labels_test.act"), "labels.txt": Ref("labels.txt"),
                         "evil.act": Link("../secret/evil.act")}, exit=(0, 1, 2)),
    Case("folder-walk-dir-loop", "folder", "`act lint DIR` where a subfolder links back to its parent", WALK,
         {"sub/good.act": GOOD, "sub/again": Link("..")}, exit=(0, 2)),
    # ---- loops, dangling links ------------------------------------------------------------------------
    Case("folder-symlink-loop", "folder", "`act lint` of a two-link loop", ("lint", "a.act"),
         {"a.act": Link("b.act"), "b.act": Link("a.act")}, exit=(2,), has=(r"a\.act",)),
    Case("folder-symlink-self-loop", "folder", "`act lint` of a link to itself", ("lint", "loop.act"),
         {"loop.act": Link("loop.act")}, exit=(2,), has=(r"loop\.act",)),
    Case("folder-symlink-loop-score", "folder", "`act score` of a link loop", score(task="loop.act"),
         {"loop.act": Link("loop.act"), "data.jsonl": DATA}, exit=(2,), has=(r"loop\.act",)),
    Case("folder-walk-symlink-loop", "folder", "`act lint DIR` with a link loop beside a good file", WALK,
         {"good.act": GOOD, "a.act": Link("b.act"), "b.act": Link("a.act")}, exit=(0, 2)),
    out("folder-import-symlink-loop", "import of a link loop",
        {"task.act": IMPORT, "lib.act": Link("lib2.act"), "lib2.act": Link("lib.act")}, code="ACT107"),
    Case("folder-load-symlink-loop", "folder", "load() of a link loop", LINT,
         {"task.act": LABELS, "labels.txt": Link("labels.txt")}, exit=(1,), has=(r"ACT109|ACT115",)),
    out("folder-import-dangling", "import of a dangling symlink",
        {"task.act": IMPORT, "lib.act": Link("missing.act")}, code="ACT107"),
    out("folder-load-dangling", "load() of a dangling symlink",
        {"task.act": LABELS, "labels.txt": Link("missing.txt")}, code="ACT109"),
    # ---- over-long names ------------------------------------------------------------------------------
    Case("folder-long-name-lint", "folder", "`act lint` of a 300-character file name", ("lint", LONG + ".act"),
         exit=(2,)),
    Case("folder-long-path-lint", "folder", "`act lint` of a 6,000-character path", ("lint", "a/" * 3000 + "t.act"),
         exit=(2,)),
    out("folder-long-name-import", "import of a 300-character name", {"task.act": imports(f"./{LONG}.act")},
        code="ACT107"),
    out("folder-long-name-load", "load() of a 300-character name", {"task.act": loads(LONG + ".txt")},
        code="ACT109|ACT115"),
    Case("folder-long-name-data", "folder", "--data with a 300-character name", score(data=LONG + ".jsonl"),
         {"task.act": GOOD}, exit=(1, 2)),
    Case("folder-long-name-out", "folder", "--out with a 300-character name", score("--out", LONG + ".jsonl"),
         {"task.act": GOOD, "data.jsonl": Ref("ctx.jsonl")}, exit=(2,)),
    # ---- FIFOs and directories where files belong ---------------------------------------------------
    Case("folder-fifo-task", "folder", "`act lint` of a FIFO named task.act", LINT, {"task.act": Fifo()},
         exit=(2,), has=(r"task\.act",), time_s=5),
    Case("folder-fifo-task-score", "folder", "`act score` of a FIFO named task.act", score(),
         {"task.act": Fifo(), "data.jsonl": DATA}, exit=(2,), has=(r"task\.act",), time_s=5),
    Case("folder-walk-fifo", "folder", "`act lint DIR` with a FIFO named x.act", WALK,
         {"good.act": GOOD, "x.act": Fifo()}, exit=(0, 2), time_s=5),
    Case("folder-fifo-labels", "folder", "load() of a FIFO named labels.txt", LINT,
         {"task.act": LABELS, "labels.txt": Fifo()}, exit=(1,), has=(r"ACT109|ACT115",), time_s=5),
    Case("folder-fifo-import", "folder", "import of a FIFO", LINT, {"task.act": IMPORT, "lib.act": Fifo()},
         exit=(1,), has=(r"ACT107",), time_s=5),
    Case("folder-walk-dir-named-act", "folder", "`act lint DIR` with an empty folder named x.act", WALK,
         {"good.act": GOOD, "x.act": Dir()}),
    Case("folder-walk-dir-named-act-inside", "folder", "a folder named x.act holding a good file", WALK,
         {"x.act/inner.act": GOOD}),
    Case("folder-dir-as-task", "folder", "`act score` of a folder named x.act", score(task="x.act"),
         {"x.act": Dir(), "data.jsonl": DATA}, exit=(2,), has=(r"(?i)director|folder",)),
    Case("folder-dir-as-data", "folder", "--data naming a folder", score(data="sub"),
         {"task.act": GOOD, "sub": Dir()}, exit=(1, 2), has=(r"(?i)director|folder",)),
    Case("folder-dir-as-labels", "folder", "load() of a folder", LINT, {"task.act": LABELS, "labels.txt": Dir()},
         exit=(1,), has=(r"ACT109|ACT115",)),
    out("folder-dir-as-import", "import of a folder", {"task.act": IMPORT, "lib.act": Dir()}, code="ACT107"),
    # ---- a symlink swapped while it is being read ---------------------------------------------------
    Case("folder-race-load", "folder", "labels.txt swapped between inside and outside while 300 files load it",
         WALK, {".": Gen.of("race_labels", n=300), "labels.txt": Link("real_labels.txt")}, exit=(0, 1),
         race=("labels.txt", "real_labels.txt", "../secret/labels.txt"), time_s=30),
    Case("folder-race-import", "folder", "lib.act swapped between inside and outside while 300 files import it",
         WALK, {".": Gen.of("race_imports", n=300), "lib.act": Link("real_lib.act")}, exit=(0, 1),
         race=("lib.act", "real_lib.act", "../secret/lib.act"), time_s=30),
]
