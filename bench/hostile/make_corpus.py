"""Builds the hostile corpus on disk: each case's folder, the secret planted beside it, and the big inputs.

The big inputs (50 MB lines, JSON nested 100,000 deep, a million labels, programs thousands of levels
deep) are generated here at test time into a temporary folder, never committed.

    python bench/hostile/make_corpus.py OUT_DIR [CASE_ID ...]    # materialise cases to look at them
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from spec import GENERATORS, Case, Dir, Fifo, Gen, Link, Ref, generator  # noqa: E402

CASE_MODULES = ("cases_regex", "cases_inputs", "cases_encoding", "cases_folder", "cases_programs",
                "cases_numbers", "cases_cli", "cases_ops", "cases_files3", "cases_network",
                "cases_lsp", "cases_guards")


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for name in CASE_MODULES:
        cases.extend(importlib.import_module(name).CASES)
    ids = [c.id for c in cases]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, f"duplicate case ids: {sorted(dup)}"
    return cases


# ---- the planted secret ------------------------------------------------------------------------
def secret_files(token: str) -> dict[str, str]:
    """Files outside the case folder; each is written so that reading it would show the token somewhere.

    lib.act and evil.act fail to parse on the token's line (a diagnostic prints that line), labels.txt
    holds labels that did-you-mean hints would name, data.jsonl and secret.txt hold it plainly."""
    return {
        "secret.txt": f"{token}\n",
        "labels.txt": f"{token}\n/{token}\n",
        "lib.act": f"define leak(x: text) = count(words(x)) >= 0\n{token} {token} (\n",
        "evil.act": f"task {token} {{\n  {token} = 1 +\n}}\n",
        "data.jsonl": json.dumps({"context": token, "response": token, "pattern": token}) + "\n",
        "sub/evil.act": f"task t {{ {token} }}\n",
    }


def near(token: str) -> str:
    """A string one character away from the token: close enough for did-you-mean, never equal to it."""
    return token[:-1] + "Q"


# ---- writing a case folder ---------------------------------------------------------------------
@dataclass
class Prepared:
    case: Case
    root: Path                     # <tmp>/<case id>
    work: Path                     # the folder the command runs in (the .act file's folder)
    secret: Path                   # the planted secret folder, a sibling of work
    token: str
    before: dict[str, bytes | None] = field(default_factory=dict)   # sha256 of watched files before the run

    def arg(self, a: str | bytes) -> str | bytes:
        if isinstance(a, bytes):
            return a
        return a.replace("{work}", str(self.work)).replace("{secret}", str(self.secret))


def _fill(text: str, prep: Prepared) -> str:
    return (text.replace("$TOKEN_NEAR", near(prep.token)).replace("$TOKEN", prep.token)
            .replace("$SECRET", str(prep.secret)))


def _fill_bytes(data: bytes, prep: Prepared) -> bytes:
    return _fill(data.decode("utf-8"), prep).encode("utf-8") if b"$TOKEN" in data or b"$SECRET" in data else data


def _write(path: Path, spec: Any, prep: Prepared) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, Dir):
        path.mkdir(exist_ok=True)
    elif isinstance(spec, Fifo):
        os.mkfifo(path)
    elif isinstance(spec, Link):
        target = prep.arg(spec.target)
        if spec.hard:
            os.link(prep.work / target, path)
        else:
            os.symlink(target, path)
    elif isinstance(spec, Gen):
        made = GENERATORS[spec.fn](**dict(spec.params))
        if isinstance(made, dict):
            for rel, data in made.items():
                _write(path / rel, _fill_bytes(data, prep), prep)
        else:
            path.write_bytes(_fill_bytes(made, prep))
    elif isinstance(spec, Ref):
        data = (FILES / spec.name).read_bytes()
        try:
            path.write_text(_fill(data.decode("utf-8"), prep), encoding="utf-8")
        except UnicodeDecodeError:
            path.write_bytes(data)
    elif isinstance(spec, bytes):
        path.write_bytes(spec)
    else:
        path.write_text(_fill(spec, prep), encoding="utf-8", newline="")


def digest(path: Path) -> bytes | None:
    """sha256 of a regular file's bytes, b"" for anything else that exists, None when nothing is there."""
    if not os.path.lexists(path):
        return None
    if path.is_symlink() or not path.is_file():
        return b"<" + os.readlink(path).encode("utf-8", "surrogateescape") + b">" if path.is_symlink() else b""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.digest()


def materialize(case: Case, tmp: Path) -> Prepared:
    """Write one case under tmp/<id>/: work/ (its files) and secret/ (the planted files outside it)."""
    root = tmp / case.id
    if root.exists():
        shutil.rmtree(root)
    prep = Prepared(case, root, root / "work", root / "secret", "HOSTILE_SECRET_" + secrets.token_hex(8))
    for rel, text in secret_files(prep.token).items():
        _write(prep.secret / rel, text, prep)
    prep.work.mkdir(parents=True)
    # links last, so that a hard link can point at a file the case also creates
    for rel, spec in sorted(case.files.items(), key=lambda kv: isinstance(kv[1], Link)):
        _write(prep.work / rel, spec, prep)
    for rel, text in case.previous.items():
        _write(prep.work / rel, text, prep)
    watched = [*case.untouched, *case.previous]
    prep.before = {rel: digest(prep.work / rel) for rel in watched}
    for p in sorted(prep.secret.rglob("*")):
        prep.before["secret:" + str(p.relative_to(prep.secret))] = digest(p)
    return prep


# ---- generators of big inputs --------------------------------------------------------------------
GOOD_CTX = {"context": "The cat sat on the mat .", "response": "the cat"}   # CSR 1 under files/ctx.act
GOOD_NUM = {"n": 3, "context": "The cat sat on the mat .", "response": "the cat"}


def _line(obj: Any) -> bytes:
    return json.dumps(obj).encode("ascii") + b"\n"


def _around(bad: bytes, good: dict = GOOD_CTX) -> bytes:
    """A good record, the hostile line, a good record: the good ones must survive the bad one."""
    return _line(good) + bad.rstrip(b"\n") + b"\n" + _line(good)


@generator
def deep_record(depth: int, kind: str = "list", where: str = "extra") -> bytes:
    nest = "[" * depth + "]" * depth if kind == "list" else '{"a": ' * depth + "1" + "}" * depth
    head = '{"context": "The cat sat on the mat ."'
    if where == "response":
        return _around(f'{head}, "response": {nest}}}'.encode())
    return _around(f'{head}, "response": "the cat", "{where}": {nest}}}'.encode())


@generator
def digits_record(digits: int, where: str = "n", frac: bool = False) -> bytes:
    number = "1" + "0" * digits + (".5" if frac else "")
    base = {k: v for k, v in GOOD_NUM.items() if k != where}
    return _around((json.dumps(base)[:-1] + f', "{where}": {number}}}').encode(), GOOD_NUM)


@generator
def big_line(mb: float, kind: str = "response", tail: str = "") -> bytes:
    size = int(mb * 1_000_000)
    if kind == "garbage":
        return b"x" * size          # one line, no newline, not JSON
    if kind == "spaces":
        return _line(GOOD_CTX) + b" " * size + b"\n" + _line(GOOD_CTX)
    words = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size - len(tail)] + tail
    return _around(json.dumps({"context": "The cat sat on the mat .", "response": words}).encode())


@generator
def pair_items(n: int, same: bool = False) -> bytes:
    items = ", ".join("x" if same else f"item{i}" for i in range(n))
    return _line({"response": "red, green, blue"}) + _line({"response": items}) \
        + _line({"response": "red, green, blue"})


@generator
def label_file(n: int) -> bytes:
    return "".join(f"/type{i % 1000}/sub{i}\n" for i in range(n)).encode()


@generator
def label_answer(kb: int, items: bool = True) -> bytes:
    size = kb * 1000
    if items:
        body, i = [], 0
        while sum(map(len, body)) + 2 * len(body) < size:
            body.append(f"/typo{i % 977}/sbu{i}")
            i += 1
        text = ", ".join(body)
    else:
        text = ("/type1/sub" * (size // 10 + 1))[:size]
    return _line({"response": "/type1/sub1"}) + _line({"response": text}) + _line({"response": "/type2/sub2"})


@generator
def group_records(n: int) -> bytes:
    big = b"".join(_line({"subject": "Ann", "question": f"q{i}", "response": f"answer {i}"}) for i in range(n))
    small = _line({"subject": "Bob", "question": "q1", "response": "Paris"}) + \
        _line({"subject": "Bob", "question": "q2", "response": "London"})
    return small + big


def _words(n: int, seed: int = 7) -> list[str]:
    import random
    rng = random.Random(seed)
    vocab = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma",
             "omega", "river", "stone", "cloud", "paper", "light", "north", "field", "glass", "metal"]
    return [rng.choice(vocab) + str(rng.randrange(100)) for _ in range(n)]


@generator
def context_answer(ctx_kb: int, ans_kb: int, copy: bool = True) -> bytes:
    ctx = " ".join(_words(ctx_kb * 1000 // 8))[: ctx_kb * 1000]
    half = len(ctx) // 2
    ans = ctx[half: half + ans_kb * 1000] if copy else " ".join(_words(ans_kb * 150, 9))[: ans_kb * 1000]
    return _around(json.dumps({"context": ctx, "response": ans}).encode())


@generator
def responses_list(n: int) -> bytes:
    return _around(json.dumps({"context": "The cat sat on the mat .",
                               "responses": [f"the cat {i}" for i in range(n)]}).encode())


@generator
def many_keys(n: int) -> bytes:
    rec: dict[str, Any] = {**GOOD_CTX, **{f"k{i}": i for i in range(n)}}
    return _around(json.dumps(rec).encode())


@generator
def blank_lines(n: int) -> bytes:
    return b"\n" * n + _line(GOOD_CTX) + b"   \n" * n + _line(GOOD_CTX)


@generator
def many_records(n: int) -> bytes:
    return b"".join(_line({"context": f"The cat {i} sat on the mat .", "response": f"the cat {i}"}) for i in range(n))


@generator
def regex_many(n: int) -> bytes:
    return b"".join(_line({"pattern": f"^(a+)+b{i}$", "response": "a" * 40 + "!"}) for i in range(n))


@generator
def nfkc_bomb(kb: int) -> bytes:
    return _around(json.dumps({"context": "The cat sat on the mat .", "response": "\ufdfa" * (kb * 1000 // 3)},
                              ensure_ascii=False).encode())


@generator
def one_token(mb: float) -> bytes:
    return _around(json.dumps({"context": "The cat sat on the mat .", "response": "a" * int(mb * 1e6)}).encode())


@generator
def big_document(kb: int) -> bytes:
    doc = ("Barack Obama met Angela Merkel in Berlin . " * (kb * 1000 // 44 + 1))[: kb * 1000]
    good = {"document": "Barack Obama visited Paris .", "response": "Barack Obama visited Paris ."}
    return _around(json.dumps({"document": doc, "response": "Obama met Merkel ."}).encode(), good)


import gen_programs  # noqa: E402,F401  (the generated .act programs register themselves on import)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("ids", nargs="*")
    args = ap.parse_args()
    cases = [c for c in all_cases() if not args.ids or c.id in args.ids]
    for c in cases:
        prep = materialize(c, args.out)
        print(f"{c.id:<40} {prep.work}")
    print(f"{len(cases)} case(s) written under {args.out}")


if __name__ == "__main__":
    main()
