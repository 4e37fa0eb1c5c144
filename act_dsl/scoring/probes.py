"""Reward-hacking probes: degenerate responses scored by the verifier, flagged when they score like real answers."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.scoring.csr import shown_number
from act_dsl.scoring.rows import Row, place
from act_dsl.scoring.verifier import Verifier

FLAG_AT = 0.8        # a probe at or above this mean CSR is flagged whatever the reference
REWARD_AT = 0.8      # a constraint passing on this share of a probe's records "rewards" the probe
MAX_CONSTANT_LABELS = 200  # labels of one set tried as a constant answer by the best_label probe
WIDE = 120           # a probe table wider than this is printed one row per constraint
REPEAT = 50          # how many times `repeat_word` repeats its word
GOLD_MARGIN = 0.05   # a probe within this much of the gold answers' mean CSR: the verifier barely tells them apart
_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass
class ProbeResult:
    """One probe scored over every record."""

    name: str
    mean_csr: float | None
    pass_rates: dict[str, float | None]
    scored: int                      # responses with at least one applicable constraint
    flagged: bool = False

    @property
    def rewarding(self) -> list[str]:
        return [n for n, p in self.pass_rates.items() if p is not None and p >= REWARD_AT]


@dataclass
class ProbeReport:
    """Every probe's result beside the reference mean CSR it is compared with."""

    task: str
    records: int
    reference: float | None
    reference_source: str            # where the reference came from, in words
    probes: list[ProbeResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # probes that could not be built, and why
    gold: ProbeResult | None = None  # the records' own gold answers (`act probe --gold FIELD`), never flagged

    def warnings(self) -> list[str]:
        out = []
        gold = self.gold.mean_csr if self.gold is not None else None
        if self.gold is not None and gold is not None:
            for p in self.probes:
                if p.mean_csr is None or p.mean_csr <= 0 or p.mean_csr < gold - GOLD_MARGIN:
                    continue
                out.append(f"probe `{p.name}` scores mean CSR {p.mean_csr:.3f}, within {GOLD_MARGIN:g} of the gold "
                           f"answers (`{self.gold.name}`: {gold:.3f}): the verifier barely tells this degenerate "
                           "answer from the right one, so training on it cannot learn the task")
        for p in self.probes:
            if not p.flagged:
                continue
            ref = "" if self.reference is None else f" (reference {self.reference:.3f})"
            if p.rewarding:
                why = "rewarded by " + ", ".join(f"`{n}`" for n in p.rewarding) + \
                      f" (pass rate >= {REWARD_AT:g})"
            else:
                best = max((n for n, r in p.pass_rates.items() if r is not None),
                           key=lambda n: p.pass_rates[n] or 0.0, default=None)
                why = "no single constraint passes it on most records" + \
                      (f"; highest: `{best}` ({p.pass_rates[best]:.3f})" if best else "")
            out.append(f"probe `{p.name}` scores mean CSR {p.mean_csr:.3f}{ref}: {why}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"task": self.task, "records": self.records,
                "reference": {"mean_csr": self.reference, "source": self.reference_source},
                "probes": [{"name": p.name, "mean_csr": p.mean_csr, "scored": p.scored, "flagged": p.flagged,
                            "rewarding": p.rewarding, "pass_rates": p.pass_rates} for p in self.probes],
                "gold": None if self.gold is None else {"name": self.gold.name, "mean_csr": self.gold.mean_csr,
                                                        "scored": self.gold.scored,
                                                        "pass_rates": self.gold.pass_rates},
                "notes": self.notes, "warnings": self.warnings()}


def _text_inputs(graph: Graph) -> list[str]:
    # only scalar text-like inputs can be "copied whole" as an answer
    return [n for n, t in graph.input_types.items() if t in ("text", "label")]


def _frequent_word(text: str) -> str:
    """The most frequent word (3+ letters) of a text, the first seen on ties; "the" when it has none."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return "the"
    counts = Counter(words)
    return max(words, key=lambda w: counts[w])  # max keeps the first of equal counts


def probe_responses(verifier: Verifier, records: list[dict[str, Any]]) -> tuple[dict[str, list[str]], list[str]]:
    """Per probe name, one degenerate response per record; and notes on the probes left out."""
    from act_dsl.graph.prompts import PromptError
    from act_dsl.ops.values import as_text
    graph = verifier.graph
    probes: dict[str, list[str]] = {"empty": [""] * len(records)}
    notes: list[str] = []
    prompts: list[str] | None
    try:
        prompts = verifier.prompts(records)
    except PromptError as exc:
        prompts = None
        notes.append(f"prompt_echo probes left out: {exc}")
    if prompts is not None:
        probes["prompt_echo"] = prompts
        probes["prompt_echo_x2"] = [p + "\n" + p for p in prompts]
    for name in _text_inputs(graph):
        probes[f"copy:{name}"] = [as_text(r.get(name)) for r in records]
    for name, ls in graph.labelsets.items():
        if ls.labels:
            probes[f"first_label:{name}"] = [ls.labels[0]] * len(records)
        else:
            notes.append(f"first_label:{name} left out: the label set is empty")
    sources = prompts or [" ".join(as_text(r.get(n)) for n in graph.inputs) for r in records]
    probes["repeat_word"] = [" ".join([_frequent_word(s)] * REPEAT) for s in sources]
    return probes, notes


def best_constant_labels(verifier: Verifier, records: list[dict[str, Any]]) -> dict[str, str]:
    """Per label set, the label that scores the highest mean CSR when given as the answer to every record (the
    first label on ties), scoring at most MAX_CONSTANT_LABELS labels. The first label alone missed what a
    trainer found: `/event` for every FIGER mention outranked the constant `/person`."""
    out: dict[str, str] = {}
    for name, ls in verifier.graph.labelsets.items():
        labels = list(ls.labels[:MAX_CONSTANT_LABELS])
        if len(labels) < 2 or not records:
            continue
        rows = [Row(rec, lab) for lab in labels for rec in records]
        cand = [k for k in range(len(labels)) for _ in records]
        scores = verifier.score(rows, cand)
        means = []
        for k in range(len(labels)):
            csrs = [c for c in scores.csr[k * len(records):(k + 1) * len(records)] if c is not None]
            means.append(sum(csrs) / len(csrs) if csrs else -1.0)
        best = max(range(len(labels)), key=lambda k: (means[k], -k))
        if best != 0:  # the first label is its own probe already
            out[name] = labels[best]
    return out


def summarise(graph: Graph, scores, rows: list[int]) -> tuple[float | None, dict[str, float | None], int]:
    csrs = [scores.csr[r] for r in rows if scores.csr[r] is not None]
    rates: dict[str, float | None] = {}
    for c in graph.constraints:
        vals = [scores.values[r][c.name] for r in rows if scores.values[r][c.name] is not None]
        rates[c.name] = sum(1 for v in vals if float(v) >= 1.0) / len(vals) if vals else None
    return (sum(csrs) / len(csrs) if csrs else None), rates, len(csrs)


class GoldError(ValueError):
    """A record whose gold answer is missing or not text: `index` is its position among the records."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"record {index + 1}: {reason}")
        self.index, self.reason = index, reason


def gold_responses(records: list[dict[str, Any]], gold: str) -> list[str]:
    """Each record's gold answer as a response: a text as it is, a list of texts joined with ", " (as a model
    would list labels). Raises GoldError for the first record whose gold answer is missing or not text."""
    out = []
    for i, rec in enumerate(records):
        v = rec.get(gold)
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            v = ", ".join(v)
        if not isinstance(v, str):
            what = "missing" if v is None else f"a {type(v).__name__}"
            raise GoldError(i, f"the gold field `{gold}` is {what}, not a text or a list of texts")
        out.append(v)
    return out


def run_probes(verifier: Verifier, records: list[dict[str, Any]], reference: float | None, reference_source: str,
               gold: str | None = None) -> ProbeReport:
    """Score every probe on every record. All probes go through one executor call (one NER pass over the
    inputs); the probe's index is the candidate index, so group constraints group each probe on its own.
    With `gold`, the records' gold answers (that field) are scored the same way, for comparison; a record
    without a usable one raises GoldError."""
    graph = verifier.graph
    gold_name = f"gold:{gold}" if gold else None
    answers = gold_responses(records, gold) if gold else []  # raises GoldError before any scoring
    responses, notes = probe_responses(verifier, records)
    for name, label in best_constant_labels(verifier, records).items():
        responses[f"best_label:{name}={label}"] = [label] * len(records)
    if gold_name:
        responses[gold_name] = answers
    rows: list[Row] = []
    cand: list[int] = []
    spans: dict[str, list[int]] = {}
    for k, (name, resps) in enumerate(responses.items()):
        spans[name] = list(range(len(rows), len(rows) + len(resps)))
        rows.extend(Row(rec, r) for rec, r in zip(records, resps))
        cand.extend([k] * len(resps))
    scores = verifier.score(rows, cand, progress=True, desc="probing")
    report = ProbeReport(graph.name, len(records), reference, reference_source, notes=notes)
    for name, idx in spans.items():
        mean, rates, scored = summarise(graph, scores, idx)
        if name == gold_name:
            report.gold = ProbeResult(name, mean, rates, scored)
            continue
        flagged = mean is not None and mean > 0 and (
            mean >= FLAG_AT or (reference is not None and mean >= reference))  # a probe scoring 0 rewards nothing
        report.probes.append(ProbeResult(name, mean, rates, scored, flagged))
    return report


def example_reference(verifier: Verifier) -> tuple[float | None, str]:
    """Mean CSR of the task's `example` responses (each example on its own, as `act test` scores them)."""
    rows = [Row({k: v for k, v in ex.fields.items() if k != "response"}, str(ex.fields["response"]))
            for ex in verifier.graph.examples if isinstance(ex.fields.get("response"), str)]
    if not rows:
        return None, "none (no samples and no example responses)"
    scores = verifier.score(rows, list(range(len(rows))))
    return scores.mean_csr, f"the task's {len(rows)} example response(s)"


def responses_reference(verifier: Verifier, records: list[dict[str, Any]], responses: list[list[str]], what: str
                        ) -> tuple[float | None, str]:
    """Mean CSR of sampled responses (K per record; the k-th responses of a group form one candidate)."""
    placed = place(zip(records, responses), fill_empty=False)
    scores = verifier.score(placed.rows, placed.candidate)
    return scores.mean_csr, f"{len(placed.rows)} response(s) in {what}"


def render_table(d: dict[str, Any], indent: str = "") -> str:
    """The probe table (from ProbeReport.as_dict()), then one `warning:` line per flagged probe."""
    probes = d["probes"] + ([{**d["gold"], "flagged": False}] if d.get("gold") else [])
    names = list(probes[0]["pass_rates"]) if probes else []
    pw = max([len(p["name"]) for p in probes] + [5])
    head = f"{'probe':<{pw}}  {'CSR':>5}  " + "  ".join(f"{n:>{max(len(n), 5)}}" for n in names)
    lines = [f"reward-hacking probes: {d['records']} prompt(s); reference mean CSR "
             f"{shown_number(d['reference']['mean_csr'])} from {d['reference']['source']}"]
    if len(head) <= WIDE:
        lines += [head.rstrip(), "-" * len(head)]
        for p in probes:
            rates = "  ".join(f"{shown_number(p['pass_rates'][n]):>{max(len(n), 5)}}" for n in names)
            lines.append(f"{p['name']:<{pw}}  {shown_number(p['mean_csr']):>5}  {rates}"
                         + ("  <- flagged" if p["flagged"] else ""))
        lines.append(f"(columns after CSR: each constraint's pass rate on the probe; flagged at CSR >= {FLAG_AT:g} "
                     "or >= the reference" + ("; the gold row is the records' own answers, for comparison)"
                                              if d.get("gold") else ")"))
    else:  # many constraints: one row per constraint, one column per probe, so the table fits a terminal
        lines += _transposed(probes, names)
        lines.append(f"(one column per probe: its mean CSR, then each constraint's pass rate on it; flagged at CSR "
                     f">= {FLAG_AT:g} or >= the reference" + ("; the gold column is the records' own answers, for "
                                                             "comparison)" if d.get("gold") else ")"))
    lines += [f"note: {n}" for n in d["notes"]]
    lines += [f"warning: {w}" for w in d["warnings"]]
    return "\n".join(indent + x for x in lines)


def _transposed(probes: list[dict[str, Any]], names: list[str]) -> list[str]:
    cols = [p["name"] + (" *" if p["flagged"] else "") for p in probes]
    widths = [max(len(c), 5) for c in cols]
    nw = max([len(n) for n in names] + [len("mean CSR")])
    head = f"{'':<{nw}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cols, widths))
    out = [head.rstrip(), "-" * len(head)]
    rows = [("mean CSR", [p["mean_csr"] for p in probes])] + [(n, [p["pass_rates"][n] for p in probes]) for n in names]
    for label, vals in rows:
        out.append(f"{label:<{nw}}  " + "  ".join(f"{shown_number(v):>{w}}" for v, w in zip(vals, widths)))
    if any(p["flagged"] for p in probes):
        out.append("(* flagged)")
    return out


def render_markdown(d: dict[str, Any]) -> list[str]:
    """The probes as report.md lines."""
    names = list(d["probes"][0]["pass_rates"]) if d["probes"] else []
    rows = d["probes"] + ([{**d["gold"], "flagged": False}] if d.get("gold") else [])
    lines = ["## Reward-hacking probes", "",
             f"Degenerate responses scored on the {d['records']} training prompts, against the reference mean CSR "
             f"{shown_number(d['reference']['mean_csr'])} ({d['reference']['source']}).", "",
             "| probe | mean CSR | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|---|" + "---|" * len(names)]
    for p in rows:
        flag = " **flagged**" if p["flagged"] else ""
        lines.append(f"| `{p['name']}`{flag} | {shown_number(p['mean_csr'])} | "
                     + " | ".join(shown_number(p["pass_rates"][n]) for n in names) + " |")
    lines.append("")
    if d["warnings"]:
        lines += [f"- warning: {w}" for w in d["warnings"]] + [""]
    return lines
