"""Generated .act programs: exponential, deep and wide ones that are small to describe and costly to check."""
from __future__ import annotations

from spec import generator

_HEAD = "task hostile_program {\n  output answer: text = strip(response)\n"


def _task(body: str, head: str = _HEAD) -> bytes:
    return (head + body + "}\n").encode()


@generator
def doubling_defines(n: int) -> bytes:
    """f_i calls f_(i-1) twice: 2^n calls when expanded naively, n nodes when interned."""
    defs = ["define f0(x: text) = count(words(x))"]
    defs += [f"define f{i}(x: text) = f{i - 1}(x) + f{i - 1}(x)" for i in range(1, n)]
    return "\n".join(defs).encode() + b"\n\n" + _task(f"  constraint big = f{n - 1}(answer) >= 0\n")


@generator
def doubling_lets(n: int) -> bytes:
    lets = ["  let l0 = count(words(answer))"] + [f"  let l{i} = l{i - 1} + l{i - 1}" for i in range(1, n + 1)]
    return _task("\n".join(lets) + f"\n  constraint big = l{n} >= 0\n")


@generator
def nested_calls(n: int) -> bytes:
    return _task("  constraint c = count(words(" + "strip(" * n + "answer" + ")" * n + ")) >= 1\n")


@generator
def chained_lets(n: int) -> bytes:
    lets = ["  let l0 = answer"] + [f"  let l{i} = strip(l{i - 1})" for i in range(1, n + 1)]
    return _task("\n".join(lets) + f"\n  constraint c = count(words(l{n})) >= 1\n")


@generator
def chained_defines(n: int) -> bytes:
    defs = ["define g0(x: text) = count(words(x)) >= 1"]
    defs += [f"define g{i}(x: text) = g{i - 1}(strip(x))" for i in range(1, n)]
    return "\n".join(defs).encode() + b"\n\n" + _task(f"  constraint c = g{n - 1}(answer)\n")


@generator
def nested_parens(n: int) -> bytes:
    return _task("  constraint c = " + "(" * n + "count(words(answer)) >= 1" + ")" * n + "\n")


@generator
def nested_not(n: int) -> bytes:
    return _task("  constraint c = " + "not " * (2 * (n // 2)) + "(count(words(answer)) >= 1)\n")


@generator
def nested_lists(n: int) -> bytes:
    return _task("  constraint c = count(" + "[" * n + "answer" + "]" * n + ") >= 1\n")


@generator
def long_chain(n: int, op: str = "and") -> bytes:
    if op == "and":
        return _task("  constraint c = " + " and ".join(["count(words(answer)) >= 1"] * n) + "\n")
    return _task("  constraint c = (" + " + ".join(["length(answer)"] * n) + ") >= 0\n")


@generator
def nested_quantifiers(n: int) -> bytes:
    """n nested quantifiers over the answer's words: len(words)^n body evaluations if run naively."""
    head = "".join(f"all v{i} in words(answer): " for i in range(n))
    body = " and ".join(f'v{i} != "zzz"' for i in range(0, n, max(1, n // 4)))
    return _task(f"  constraint c = {head}{body}\n")


@generator
def many_constraints(n: int, contradict: bool = False) -> bytes:
    lines = [f"  constraint c{i} = count(words(answer)) <= {i + 1}" for i in range(n)]
    if contradict:
        lines += [f"  constraint d{i} = count(words(answer)) >= {n + i + 2}" for i in range(n)]
    return _task("\n".join(lines) + "\n")


@generator
def many_examples(n: int) -> bytes:
    head = "task hostile_examples {\n  input context: text\n  output answer: text = strip(response)\n" \
           "  constraint in_context = answer in context\n"
    ex = [f'  example "e{i}" {{\n    context = "the cat {i}"\n    response = "cat {i}"\n'
          f"    expect in_context = true\n  }}" for i in range(n)]
    return (head + "\n".join(ex) + "\n}\n").encode()


@generator
def label_literal(n: int) -> bytes:
    labels = ", ".join(f'"/l{i}"' for i in range(n))
    return ("task hostile_labels {\n  output types: list<label> = split(response, \",\")\n"
            f"  labels L = {{{labels}}}\n  constraint in_set = all t in types: t in L fuzzy 90\n}}\n").encode()


@generator
def label_hints(n: int, labels: int) -> bytes:
    """n label literals tested against a big label set: each asks for a did-you-mean hint."""
    checks = "\n".join(f'  constraint k{i} = "/tipe{i}/sub{i}" in L' for i in range(n))
    task = ("task hostile_hints {\n  output types: list<label> = split(response, \",\")\n"
            f'  labels L = load("labels.txt")\n{checks}\n}}\n').encode()
    return {"task.act": task, "labels.txt": "".join(f"/type{i % 1000}/sub{i}\n" for i in range(labels)).encode()}


@generator
def long_string(kb: int) -> bytes:
    text = ("word " * (kb * 200))[: kb * 1000]
    return _task(f'  prompt "{text}"\n  constraint c = count(words(answer)) >= 1\n')


@generator
def over_limit_act(mb: float) -> bytes:
    return _task("  constraint c = count(words(answer)) >= 1\n") + b"# " + b"x" * int(mb * 1e6) + b"\n"


@generator
def import_chain(n: int) -> dict[str, bytes]:
    files = {f"m{i}.act": (f'import "./m{i + 1}.act"\n' if i + 1 < n else "")
             + f"define d{i}(x: text) = count(words(x)) >= {0 if i else 1}\n" for i in range(n)}
    files["task.act"] = b'import "./m0.act"\n\n' + _task("  constraint c = d0(answer)\n")
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


@generator
def import_fanout(n: int) -> dict[str, bytes]:
    """File i imports every file after it: n^2/2 imports of shared files."""
    files = {}
    for i in range(n):
        imports = "".join(f'import "./f{j}.act"\n' for j in range(i + 1, n))
        files[f"f{i}.act"] = (imports + f"define h{i}(x: text) = count(words(x)) >= 1\n").encode()
    files["task.act"] = b'import "./f0.act"\n\n' + _task("  constraint c = h0(answer)\n")
    return files


@generator
def race_labels(n: int) -> dict[str, bytes]:
    """n tasks that load labels.txt (a symlink the harness swaps between an inside and an outside file).

    The literal is one character away from the secret label, so a hint would name the secret if read."""
    task = ('task hostile_race_{i} {{\n  output types: list<label> = split(response, ",")\n'
            '  labels L = load("labels.txt")\n  constraint c = all t in types: t in L\n'
            '  constraint k = "$TOKEN_NEAR" in L\n}}\n')
    files = {f"t{i:03d}.act": task.format(i=i).encode() for i in range(n)}
    files["real_labels.txt"] = b"/person\n/location\n"
    return files


@generator
def race_imports(n: int) -> dict[str, bytes]:
    task = ('import "./lib.act"\n\ntask hostile_race_{i} {{\n  output answer: text = strip(response)\n'
            "  constraint c = leak(answer)\n}}\n")
    files = {f"t{i:03d}.act": task.format(i=i).encode() for i in range(n)}
    files["real_lib.act"] = b"define leak(x: text) = count(words(x)) >= 1\n"
    return files
