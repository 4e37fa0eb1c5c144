"""llguidance against XGrammar for `--guided` on the hf backend (issue 28), without generating: for every shipped
task with a decode-time grammar, both engines walk real answers token by token with the default model's tokenizer.

    .venv/bin/python bench/guided_engines.py [--reps 3]

Per engine it measures the one-time cost (tokenizer build, grammar compile, first mask), the time to fill the
next-token bitmask at each step (mean and p99 per token), and whether, at each step, it allows exactly the tokens
llguidance (what act uses) allows; at the end of each answer, whether it accepts (end of text allowed), against
the answer's verdict by Python's `re` (regex forms) or `jsonschema` (JSON forms).

XGrammar is fed two of act's forms: its native one (the regex for labels, choice and patterns; the JSON Schema for
records, after the optional leading space act's Lark form allows) and act's GBNF (`act compile --emit grammar`),
as it is and with its JSON string rule written right-recursively (the same language, far faster masks).
XGrammar is not a dependency of act: without it (`pip install xgrammar==0.2.8`) this prints why and exits 0."""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILES = sorted([*ROOT.glob("examples/*/*.act"), *ROOT.glob("act_dsl/starters/*/*.act")])

# the two shapes the shipped files lack (a choice and a pattern): tests/test_grammars.py's program (its `short`
# constraint is verify-only, so the grammars are those of the choice and the pattern alone)
sys.path.insert(0, str(ROOT / "tests"))
from test_grammars import CHOICE_AND_PATTERN as EXTRA  # noqa: E402

EXTRA_ANSWERS = {"pick": (["red", " dark blue\n", "green?"], ["Red", "dark", "blue", "red, green?", "green"]),
                 "dated": (["2024-02-29", "1999-12-31", "2026-01-05"], ["2024-13-01", "24-01-01", "2024/01/01",
                                                                        "2024-02-29T10:00", " 2024-01-01"])}


@dataclasses.dataclass
class Case:
    name: str        # file:task
    guide: dict[str, Any]
    answers: list[tuple[str, str]]  # (answer, origin: gold / data / wrong)


# ---------------------------------------------------------------- answers and their verdicts

def _records(folder: Path) -> list[dict[str, Any]]:
    rows = []
    for name in ("eval.jsonl", "data.jsonl", "train.jsonl", "responses.jsonl"):
        p = folder / name
        if p.is_file():
            rows += [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
    return rows


def _fill(schema: dict[str, Any], gold: dict[str, Any] | None = None) -> Any:
    """A value of the schema: gold fields where the record has them, else a small filler."""
    kind = schema["type"][0] if isinstance(schema["type"], list) else schema["type"]
    if kind == "object":
        gold = gold or {}
        return {k: gold[k] if k in gold else _fill(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(schema["items"])]
    return {"string": "x", "number": 1, "boolean": True}[kind]


def answers_of(shape: Any, guide: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """Gold answers written as the verifier reads them, the data's own responses, and a few wrong ones."""
    rows = _records(folder)
    out: list[tuple[str, str]] = []
    if guide["kind"] == "json":
        props = guide["json_schema"].get("properties", {})
        golds = []
        for r in rows:
            whole = r.get(f"gold_{shape.output}")
            if isinstance(whole, dict):
                golds.append(whole)
            elif any(k.startswith("gold_") and k[5:] in props for k in r):
                golds.append(_fill(guide["json_schema"], {k[5:]: v for k, v in r.items() if k.startswith("gold_")}))
        if not golds:  # no gold in the data (invoice.act): one value built from the schema
            golds.append(_fill(guide["json_schema"]))
        out += [(json.dumps(g, ensure_ascii=False), "gold") for g in golds]
        out.append((" " + json.dumps(golds[0], ensure_ascii=False) + "\n", "gold"))  # `Answer: {...}` and its newline
        out += [(str(r["response"]), "data") for r in rows if isinstance(r.get("response"), str)]
        g = golds[0]
        first = next(iter(g))
        out += [("```json\n" + json.dumps(g) + "\n```", "wrong"), ("Sure! " + json.dumps(g), "wrong"),
                (json.dumps({k: v for k, v in g.items() if k != first}), "wrong"),
                (json.dumps({**g, first: [1]}), "wrong"), (json.dumps(g) + " done", "wrong"),
                (json.dumps(g, indent=2), "wrong?")]  # a pretty-printed answer: the schema allows it, act's GBNF not
    else:
        items = list(shape.items)
        lists = [r[f"gold_{shape.output}"] for r in rows if isinstance(r.get(f"gold_{shape.output}"), list)]
        out += [(f"{shape.sep} ".join(x), "gold") for x in lists]
        one = lists[0] if lists else items[:1]
        out += [(f"{shape.sep} ".join([*one, "not_a_label"]), "wrong"), (f"{shape.sep} ".join(items[:6]), "wrong"),
                ("Answer: " + f"{shape.sep} ".join(one), "wrong"), ("; ".join(items[:2]), "wrong"),
                (" " + f"{shape.sep} ".join(one) + "\n", "gold")]
    seen: set[str] = set()
    return [(a, o) for a, o in out if not (a in seen or seen.add(a))]  # type: ignore[func-returns-value]


def oracle(guide: dict[str, Any]) -> Callable[[str], bool]:
    """The answer's verdict by Python's `re` / `jsonschema` on the same form act hands the engines."""
    if guide["kind"] != "json":
        rx = re.compile(guide["regex"])
        return lambda a: rx.fullmatch(a) is not None
    import jsonschema
    check = jsonschema.Draft202012Validator(guide["json_schema"])
    lead = guide["reader"] != "response"

    def ok(a: str) -> bool:
        if lead:  # the one space after `Answer:` and the newline that ends the line, as act's regex and GBNF
            a = a[1:] if a.startswith(" ") else a
            a = a[:-1] if a.endswith("\n") else a
        if a != a.strip():
            return False
        try:
            return bool(check.is_valid(json.loads(a)))
        except ValueError:
            return False
    return ok


def cases() -> list[Case]:
    from act_dsl.grammars.derive import derive
    from act_dsl.grammars.forms import guide
    from act_dsl.program import load, loads
    out = []
    for f in FILES:
        program = load(f)
        if not program.ok:
            continue
        for t in program.tasks:
            shape = derive(program.graph(t)).shape
            if shape is not None:
                g = guide(shape)
                out.append(Case(f"{f.relative_to(ROOT)}:{t}", g, answers_of(shape, g, f.parent)))
    extra = loads(EXTRA, "shapes.act")
    for t, (good, bad) in EXTRA_ANSWERS.items():
        shape = derive(extra.graph(t)).shape
        assert shape is not None
        out.append(Case(f"(tests' {shape.kind} shape):{t}", guide(shape),
                        [(a, "gold") for a in good] + [(a, "wrong") for a in bad]))
    return out


# ---------------------------------------------------------------- the engines

class LLG:
    name = "llguidance (Lark)"

    def __init__(self, tok: Any, vocab: int) -> None:
        import llguidance
        import llguidance.hf
        import llguidance.torch
        self.llg = llguidance
        t0 = time.perf_counter()
        self.tok = llguidance.hf.from_tokenizer(tok, n_vocab=vocab)
        self.setup_s = time.perf_counter() - t0
        self.mask = llguidance.torch.allocate_token_bitmask(1, self.tok.vocab_size)

    def compile(self, guide: dict[str, Any]) -> Any:
        grammar = guide["lark"]
        problem = self.llg.LLMatcher.validate_grammar(grammar, self.tok)
        if problem and not problem.startswith("WARNING"):
            raise ValueError(problem.splitlines()[0])
        return grammar

    def matcher(self, compiled: Any) -> Any:
        return self.llg.LLMatcher(self.tok, compiled, log_level=0)

    def fill(self, m: Any) -> Any:
        self.llg.torch.fill_next_token_bitmask(m, self.mask, 0)
        return self.mask[0]

    def consume(self, m: Any, t: int) -> bool:
        return bool(m.consume_token(t)) and not m.is_error()


class XGR:
    def __init__(self, tok: Any, vocab: int, form: str) -> None:
        import xgrammar
        self.xgr, self.form = xgrammar, form
        self.name = {"gbnf": "XGrammar (GBNF)",
                     "native": "XGrammar (regex / JSON Schema)"}[form]
        t0 = time.perf_counter()
        info = xgrammar.TokenizerInfo.from_huggingface(tok, vocab_size=vocab, stop_token_ids=[tok.eos_token_id])
        self.compiler = xgrammar.GrammarCompiler(info, max_threads=2, cache_enabled=False)
        self.setup_s = time.perf_counter() - t0
        self.mask = xgrammar.allocate_token_bitmask(1, info.vocab_size)

    def compile(self, guide: dict[str, Any]) -> Any:
        c = self.compiler
        if self.form == "gbnf":
            return c.compile_grammar(guide["gbnf"])
        if guide["kind"] != "json":
            return c.compile_regex(guide["regex"])
        # act's Lark form: an optional space, then the schema; XGrammar's default JSON whitespace (any_whitespace)
        schema = self.xgr.Grammar.from_json_schema(json.dumps(guide["json_schema"]))
        if guide["reader"] == "response":
            return c.compile_grammar(schema)
        return c.compile_grammar(self.xgr.Grammar.concat(self.xgr.Grammar.from_ebnf('root ::= " " | ""'), schema))

    def matcher(self, compiled: Any) -> Any:
        return self.xgr.GrammarMatcher(compiled)

    def fill(self, m: Any) -> Any:
        m.fill_next_token_bitmask(self.mask, 0)
        return self.mask[0]

    def consume(self, m: Any, t: int) -> bool:
        return bool(m.accept_token(t))


# ---------------------------------------------------------------- walking answers

def allowed(row: Any, vocab: int) -> set[int]:
    import torch
    bits = (row.unsqueeze(-1) >> torch.arange(32, dtype=torch.int32)) & 1
    return set(torch.nonzero(bits.reshape(-1)[:vocab]).reshape(-1).tolist())


@dataclasses.dataclass
class Walk:
    masks: list[Any]          # the bitmask before each consumed token (and one after the last)
    times: list[float]        # seconds per fill
    rejected_at: int | None   # the step whose token the engine refused
    accepts: bool             # walked the whole answer and may end there (end of text allowed)


def walk(engine: Any, compiled: Any, ids: list[int], eos: int) -> Walk:
    m = engine.matcher(compiled)
    masks, times = [], []
    for i, t in enumerate([*ids, None]):
        t0 = time.perf_counter()
        row = engine.fill(m)
        times.append(time.perf_counter() - t0)
        masks.append(row.clone())
        word = eos if t is None else t
        ok = bool((int(row[word // 32]) >> (word % 32)) & 1)
        if t is None:
            return Walk(masks, times, None, ok)
        if not ok or not engine.consume(m, t):
            return Walk(masks, times, i, False)
    raise AssertionError("unreachable")


def difference(a: set[int], b: set[int], special: set[int], dels: set[int]) -> str:
    """How another engine's allowed set `b` differs from llguidance's `a`."""
    if a < b:
        if (b - a) & special and (b - a) <= special | dels:
            return "it also allows the special tokens (<|im_start|>, <|endoftext|>, ...) and the DEL character"
        if len(a) == 1:
            return "llguidance allows only the longest token of forced text, it every prefix"
        return "it allows more"
    if b < a:
        return "llguidance allows more"
    return "each allows tokens the other refuses"


def p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3, help="walks of each answer for the timings")
    args = ap.parse_args()
    try:
        import xgrammar  # noqa: F401
    except ImportError:
        print("bench/guided_engines.py: xgrammar is not installed, so there is nothing to compare llguidance with; "
              "`pip install xgrammar==0.2.8` (act does not depend on it)")
        return
    import torch
    from transformers import AutoConfig, AutoTokenizer

    from act_dsl.sampling import model as models
    torch.set_num_threads(2)
    ref = models.resolve(None)  # the default model's folder: only its tokenizer and config are read
    tok = AutoTokenizer.from_pretrained(ref)
    vocab = int(AutoConfig.from_pretrained(ref).vocab_size)
    eos = int(tok.eos_token_id)
    special = set(tok.added_tokens_decoder) - {eos}
    dels = {i for i in range(len(tok)) if tok.decode([i]) == "\x7f"}
    engines: list[Any] = [LLG(tok, vocab), XGR(tok, vocab, "native"), XGR(tok, vocab, "gbnf")]
    print(f"tokenizer {ref} (vocab {vocab}, end of text {eos} {tok.convert_ids_to_tokens(eos)!r}); "
          f"torch threads {torch.get_num_threads()}")
    for e in engines:
        print(f"  {e.name}: tokenizer build {e.setup_s * 1000:.0f} ms")
    base = engines[0]
    totals: dict[str, dict[str, Any]] = {e.name: {"compile": [], "first": [], "times": [], "steps": 0, "diff": 0,
                                                  "right": 0, "answers": 0, "wrong": [], "kinds": {}} for e in engines}
    for case in cases():
        verdict = oracle(case.guide)
        print(f"\n== {case.name} ({case.guide['kind']}, {len(case.answers)} answers)")
        compiled = {}
        for e in engines:
            t0 = time.perf_counter()
            try:
                compiled[e.name] = e.compile(case.guide)
            except Exception as exc:  # an engine that cannot take the form: say so, go on
                print(f"  {e.name}: does not compile: {str(exc).splitlines()[0][:200]}")
                continue
            c_s = time.perf_counter() - t0
            m = e.matcher(compiled[e.name])
            t0 = time.perf_counter()
            e.fill(m)
            first_s = time.perf_counter() - t0
            totals[e.name]["compile"].append(c_s)
            totals[e.name]["first"].append(first_s)
            print(f"  {e.name}: compile {c_s * 1000:.1f} ms, first mask {first_s * 1000:.2f} ms")
        here: dict[str, dict[str, Any]] = {e.name: {"times": [], "diff": {}, "steps": 0} for e in engines}
        for answer, origin in case.answers:
            ids = tok(answer, add_special_tokens=False)["input_ids"]
            want = verdict(answer)
            walks = {}
            for e in engines:
                if e.name not in compiled:
                    continue
                ws = [walk(e, compiled[e.name], ids, eos) for _ in range(args.reps)]
                walks[e.name] = ws[0]
                t = totals[e.name]
                # per step, the fastest of the walks: the lead's training shares these 2 cores, and scheduling
                # noise only ever adds time
                here[e.name]["times"] += [min(xs) for xs in zip(*(w.times for w in ws))]
                t["answers"] += 1
                t["right"] += ws[0].accepts == want
                if ws[0].accepts != want:
                    t["wrong"].append((case.name, origin, answer, ws[0].rejected_at))
            ref_walk = walks[base.name]
            for e in engines[1:]:
                w = walks.get(e.name)
                if w is None:
                    continue
                n = min(len(w.masks), len(ref_walk.masks))
                here[e.name]["steps"] += n
                for i in range(n):
                    if torch.equal(w.masks[i], ref_walk.masks[i]):
                        continue
                    a, b = allowed(ref_walk.masks[i], vocab), allowed(w.masks[i], vocab)
                    kind = difference(a, b, special, dels)
                    seen = here[e.name]["diff"].setdefault(kind, [0, None])
                    seen[0] += 1
                    if seen[1] is None:
                        only_l = [tok.convert_ids_to_tokens(x) for x in sorted(a - b)[:5]]
                        only_x = [tok.convert_ids_to_tokens(x) for x in sorted(b - a)[:5]]
                        seen[1] = (f"after {tok.decode(ids[:i])[-40:]!r}: llguidance allows {len(a)}, it {len(b)}; "
                                   f"only llguidance {only_l}{'...' if len(a - b) > 5 else ''}, "
                                   f"only it {only_x}{'...' if len(b - a) > 5 else ''}")
            if any(w.accepts != want for w in walks.values()):
                verdicts = ", ".join(f"{name}: {'accepts' if w.accepts else 'rejects'}" for name, w in walks.items())
                print(f"  {origin} answer {answer[:60]!r}: re/jsonschema {'accepts' if want else 'rejects'}; "
                      f"{verdicts}")
        for e in engines:
            h = here[e.name]
            if not h["times"]:
                continue
            us = [x * 1e6 for x in h["times"]]
            totals[e.name]["times"] += h["times"]
            totals[e.name]["steps"] += h["steps"]
            ndiff = sum(v[0] for v in h["diff"].values())
            totals[e.name]["diff"] += ndiff
            for kind, (count, _) in h["diff"].items():
                totals[e.name]["kinds"][kind] = totals[e.name]["kinds"].get(kind, 0) + count
            same = "" if e is base else f"; differs from llguidance at {ndiff} of {h['steps']} steps"
            print(f"  {e.name}: mask {statistics.mean(us):.0f} us/token mean, p99 {p99(us):.0f}{same}")
            for kind, (count, sample) in sorted(h["diff"].items()):
                print(f"    {count} x {kind}, e.g. {sample}")
    print("\n| engine | tokenizer build | compile ms (mean, max) | first mask ms (mean) | mask us/token mean | p99 "
          "| steps differing from llguidance | verdicts as re/jsonschema |")
    print("|---|---|---|---|---|---|---|---|")
    for e in engines:
        t = totals[e.name]
        us = [x * 1e6 for x in t["times"]]
        diff = "-" if e is base else f"{t['diff']} / {t['steps']}"
        print(f"| {e.name} | {e.setup_s * 1000:.0f} ms | {statistics.mean(t['compile']) * 1000:.1f}, "
              f"{max(t['compile']) * 1000:.1f} | {statistics.mean(t['first']) * 1000:.2f} | {statistics.mean(us):.0f} "
              f"| {p99(us):.0f} | {diff} | {t['right']} / {t['answers']} |")
    for e in engines:
        for kind, count in sorted(totals[e.name]["kinds"].items()):
            print(f"  {e.name}: {count} steps where {kind}")
        for name, origin, answer, at in totals[e.name]["wrong"]:
            print(f"  {e.name} disagrees with re/jsonschema on {name} {origin} {answer[:60]!r} (rejected at token {at})")
    print(f"\ncommand: .venv/bin/python bench/guided_engines.py --reps {args.reps}")


if __name__ == "__main__":
    main()
