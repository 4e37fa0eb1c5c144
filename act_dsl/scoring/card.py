"""The verifier card: how the gold answers score, which mutants of them the verifier catches, what the derived
attacks and a search adversary reach, and (with samples) how well CSR ranks answers by the task's metric."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from act_dsl.graph.graph import Graph
from act_dsl.scoring.gold import TaskMetric, complete_gold, gold_values, proxy_part
from act_dsl.scoring.choice import choice_part, mean
from act_dsl.scoring.mutants import contexts, mutate, output_shape
from act_dsl.scoring.probes import REWARD_AT, summarise
from act_dsl.scoring.rows import Row
from act_dsl.scoring.verifier import Verifier, score_in_chunks

GOLD_AT = 0.95       # the gold answers' CSR a card asks for
TIE_BREAKER_COST = 0.01  # a constraint costing the gold answers less CSR than this on average gets no fix
ATTACK_GAP = 0.15    # how far below gold the best attack and the search adversary must stay
KILL_AT = 0.80       # the share of each kind of mutant a card asks the verifier to catch
GATE_GAP = 0.05      # `act train` refuses an attack within this much of gold
WRONG_AT = 0.5       # the search adversary's answers are wrong at most this share of the gold answer's metric
SHOW_REJECTED = 10   # rejected gold records named in the card
SHOW_SURVIVORS = 3   # surviving mutants shown per mutation kind


@dataclass
class Card:
    """One task's verifier card; every part is plain data (as_dict() is the JSON format)."""

    task: str
    records: int
    output: str | None
    metric: str | None
    gold_field: str | None
    gold: dict[str, Any] | None = None
    mutants: dict[str, Any] | None = None
    attacks: list[dict[str, Any]] = field(default_factory=list)
    adversary: dict[str, Any] | None = None
    proxy: dict[str, Any] | None = None
    choice: dict[str, Any] | None = None  # the verifier's favourite among answer_space's answers
    notes: list[str] = field(default_factory=list)
    reference: dict[str, Any] | None = None  # without gold: {mean_csr, source} of real answers, to compare with

    def best_attack(self) -> dict[str, Any] | None:
        scored = [a for a in self.attacks if a["mean_csr"] is not None]
        return max(scored, key=lambda a: a["mean_csr"], default=None)

    def checks(self) -> dict[str, bool | None]:
        """Each threshold of a passing card: True, False, or None where the card cannot tell (no gold)."""
        g = self.gold["csr"] if self.gold else None
        best = self.best_attack()
        kinds = (self.mutants or {}).get("kinds", {})
        adv = self.adversary
        return {"gold_csr": None if g is None else g >= GOLD_AT,
                "attacks": None if g is None or best is None else best["mean_csr"] <= g - ATTACK_GAP,
                # an adversary that found no wrong answer at all is beaten outright
                "adversary": None if g is None or adv is None else
                not adv["found"] or adv["mean_csr"] <= adv["gold_csr"] - ATTACK_GAP,
                "mutants": None if not kinds else all(k["killed"] >= KILL_AT for k in kinds.values())}

    def passes(self) -> bool:
        """Whether the card passes: gold answers given and every threshold that applies met (no mutant kind
        applies to some outputs; without gold nothing can be checked, so no card passes)."""
        return self.gold is not None and all(v is not False for v in self.checks().values())

    def fixes(self) -> list[str]:
        out = []
        if self.gold:
            weights = self.gold.get("weights") or {}
            total = sum(weights.values()) or 1.0
            for c, rate in self.gold["pass_rates"].items():
                if rate is None or rate >= GOLD_AT:
                    continue
                if c in weights and (1 - rate) * weights[c] / total < TIE_BREAKER_COST:
                    continue  # a light tie-breaker: it may reject many gold answers at little cost to their CSR
                first = next((r["where"] for r in self.gold["rejected"] if c in r["failed"]), None)
                out.append(f"`{c}` rejects {1 - rate:.0%} of gold answers" + (f" (first: {first})" if first else "")
                           + ": loosen it, or read the answer the way the gold is written")
        g = self.gold["csr"] if self.gold else None
        for a in self.attacks:
            if g is not None and a["mean_csr"] and a["mean_csr"] > g - ATTACK_GAP:
                why = ", ".join(f"`{c}`" for c in a["rewarding"]) or "no single constraint"
                out.append(f"`{a['name']}` scores {a['mean_csr']:.3f}, within {ATTACK_GAP:g} of gold ({g:.3f}), "
                           f"rewarded by {why}: {_advice(a['name'])}")
        ref = (self.reference or {}).get("mean_csr")
        for a in self.attacks if g is None and ref is not None else []:
            if a["mean_csr"] is not None and a["mean_csr"] > ref:
                why = ", ".join(f"`{c}`" for c in a["rewarding"]) or "no single constraint"
                out.append(f"`{a['name']}` scores {a['mean_csr']:.3f}, above the real answers' {ref:.3f}, rewarded "
                           f"by {why}: {_advice(a['name'])}")
        if self.checks()["adversary"] is False and self.adversary:
            ex = self.adversary["examples"][:1]
            out.append(f"the search adversary reaches {self.adversary['mean_csr']:.3f} with wrong answers"
                       + (f" (e.g. {ex[0]['response']!r} at {ex[0]['where']})" if ex else "")
                       + ": some constraint must reward what only the right answer has")
        for kind, k in ((self.mutants or {}).get("kinds") or {}).items():
            if k["killed"] < KILL_AT:
                out.append(f"only {k['killed']:.0%} of `{kind}` mutants score below gold: no constraint tells "
                           f"{_KIND_WORDS.get(kind, kind)} from the right answer")
        return out

    def verdict(self) -> str:
        checks = self.checks()
        failed = [n for n, ok in checks.items() if ok is False]
        if self.gold is None:
            best = self.best_attack()
            ref = (self.reference or {}).get("mean_csr")
            if best is None:
                return "no gold answers (--gold) and no attack could be scored"
            against = "" if ref is None else (f", {'above' if best['mean_csr'] > ref else 'below'} the "
                                              f"{ref:.3f} of {self.reference['source']}")  # type: ignore[index]
            return (f"no gold answers (--gold), so the card cannot pass; attacks only: the best, `{best['name']}`, scores "
                    f"{best['mean_csr']:.3f}{against}")
        if self.passes():
            return "passes its card: gold answers accepted, attacks and mutants kept below gold"
        words = {"gold_csr": f"gold CSR {self.gold['csr']:.3f} < {GOLD_AT:g}",
                 "attacks": "an attack scores within 0.15 of gold",
                 "adversary": "the search adversary scores within 0.15 of gold",
                 "mutants": f"some mutation kind is caught less than {KILL_AT:.0%} of the time"}
        return "fails its card: " + "; ".join(words[n] for n in failed)

    def gate(self, mean_sample: float | None = None) -> str | None:
        """Why training should not start (the card's verdict), or None: an attack within GATE_GAP of the gold
        answers, or without gold, above the mean sample."""
        best = self.best_attack()
        if best is None:
            return None
        g = self.gold["csr"] if self.gold else None
        if g is not None and best["mean_csr"] >= g - GATE_GAP:
            against = f"within {GATE_GAP:g} of the gold answers' {g:.3f}"
        elif g is None and mean_sample is not None and best["mean_csr"] > mean_sample:
            against = f"above the mean sample's {mean_sample:.3f}"
        else:
            return None
        why = ", ".join(f"`{c}`" for c in best["rewarding"]) or "no single constraint"
        return (f"training refused: the attack `{best['name']}` scores mean CSR {best['mean_csr']:.3f}, {against}, "
                f"rewarded by {why} (card: {self.verdict()}); run `act card` for the fixes it suggests, or pass "
                "--force to train anyway")

    def as_dict(self) -> dict[str, Any]:
        return {"task": self.task, "records": self.records, "output": self.output, "metric": self.metric,
                "gold_field": self.gold_field, "gold": self.gold, "mutants": self.mutants, "attacks": self.attacks,
                "adversary": self.adversary, "proxy": self.proxy, "choice": self.choice, "checks": self.checks(),
                "passes": self.passes(), "verdict": self.verdict(), "reference": self.reference, "fixes": self.fixes(), "notes": self.notes}


def _advice(attack: str) -> str:
    """What to change when an attack scores like the right answer, by the attack's family."""
    if attack.startswith(("copy:", "prompt_echo", "json_copy", "repeat_word")):
        return ("an answer copied from the input passes: bound its length or shape, or require what only a right "
                "answer has")
    return "the same answer for every input passes: add a constraint that ties the answer to the input"


_KIND_WORDS = {"label_sibling": "a sibling label", "label_parent": "the parent label alone",
               "label_unrelated": "an unrelated label", "label_drop": "a dropped label", "label_add": "an added label",
               "entity_swap": "another entity of the input", "number_shift": "a shifted number",
               "date_shift": "a shifted date", "sentence_swap": "a sentence from elsewhere in the input",
               "json_drop": "a dropped field", "json_swap": "a field holding another field's value",
               "json_type": "a field of the wrong type", "choice_other": "another option",
               "item_drop": "a dropped item"}


def pass_rates(graph: Graph, scores: Any, rows: list[int]) -> dict[str, float | None]:
    return summarise(graph, scores, rows)[1]  # act probe's own summary of a probe's rows


def rewarding(rates: dict[str, float | None]) -> list[str]:
    return [n for n, p in rates.items() if p is not None and p >= REWARD_AT]


def build_card(verifier: Verifier, records: list[dict[str, Any]], where: list[str], gold: str | None = None,
               samples: tuple[list[dict[str, Any]], list[list[str]]] | None = None, per_record: int = 20,
               search_records: int = 40, progress: bool = True, seed: int = 0,
               reference: tuple[float | None, str] | None = None, metric_task: Verifier | None = None) -> Card:
    """Assemble a card of the verifier's task over `records` (`where` names each one, `file:line`), with the
    verifier's run settings (its reference date and work limits). Gold answers, their mutants and the derived
    attacks go through one scoring call (spaCy runs once per distinct text); the search adversary and the samples
    reuse the same executor and its caches. `metric_task`: the task metric is that verifier's CSR of an answer
    (TaskMetric). Raises GoldError for a record without a usable gold."""
    from act_dsl import progress as reporting
    from act_dsl.scoring.attacks import derived_attacks, parse, search
    graph = verifier.graph
    shape = output_shape(graph)
    ex = verifier.executor()
    golds = gold_values(records, gold, shape) if gold and shape else None  # GoldError before any work
    metric = None if shape is None or golds is None else TaskMetric(
        shape, records, golds, gold or "",
        None if metric_task is None else metric_task.executor())
    card = Card(graph.name, len(records), shape.output if shape else None, metric.name() if metric else None, gold)
    if reference is not None:
        card.reference = {"mean_csr": reference[0], "source": reference[1]}
    ctxs = None
    if shape is not None and any(t == "text" for t in graph.input_types.values()):
        reporting.message("card: reading the inputs' sentences and entities")
        ctxs = contexts(graph, records, card.notes)
    attack_resps, notes = derived_attacks(verifier, shape, records, ctxs)
    card.notes += notes
    rows: list[Row] = []
    cand: list[int] = []
    spans: dict[str, list[int]] = {}

    def add(name: str, recs: list[int], texts: list[str], k: int) -> None:
        spans[name] = list(range(len(rows), len(rows) + len(texts)))
        rows.extend(Row(records[i], t) for i, t in zip(recs, texts))
        cand.extend([k] * len(texts))

    everyone = list(range(len(records)))
    for k, (name, resps) in enumerate(attack_resps.items(), 1):
        add("attack:" + name, everyone, resps, k)
    gold_texts: list[str] = []
    parsed_gold: list[Any] = []
    muts: list[Any] = []
    if golds is not None and shape is not None and metric is not None:
        gold_texts = [shape.render(complete_gold(shape, g, card.notes)) for g in golds]
        parsed_gold = parse(ex, shape, records, gold_texts)
        add("gold", everyone, gold_texts, 0)
        raw = mutate(shape, graph, parsed_gold, ctxs or [], per_record, seed)
        texts = [shape.render(m.value) for m in raw]
        back = parse(ex, shape, [records[m.record] for m in raw], texts)
        base = metric(everyone, parsed_gold, gold_texts)
        # kept: read back as written (a JSON reader turns a dropped or mistyped field into none, which is the
        # mutation), a different answer from the gold's, and wrong by the task metric (any drop below the gold's:
        # a mutant is one small change, unlike the adversary's answers, which must lose half the metric)
        mval = metric([m.record for m in raw], back, texts)
        muts = [(m, t) for m, t, b, v in zip(raw, texts, back, mval)
                if (shape.kind == "json" or shape.same(b, m.value)) and not shape.same(b, parsed_gold[m.record])
                and v < base[m.record]]
        if len(muts) < len(raw):
            card.notes.append(f"{len(raw) - len(muts)} of {len(raw)} mutants left out: the output reader does not "
                              "read them back as written, or the task metric scores them as right")
        add("mutants", [m.record for m, _ in muts], [t for _, t in muts], 1 + len(attack_resps))
    scores = score_in_chunks(ex, rows, cand, desc="card")
    gold_csr = [scores.csr[r] for r in spans.get("gold", [])]
    if golds is not None:
        card.gold = _gold_part(graph, scores, spans["gold"], where)
        card.mutants = _mutant_part(graph, scores, spans["mutants"], muts, spans["gold"], len(raw), where, gold_texts)
    for name in attack_resps:
        idx = spans["attack:" + name]
        rates = pass_rates(graph, scores, idx)
        m = mean([scores.csr[r] for r in idx])
        card.attacks.append({"name": name, "mean_csr": m, "rewarding": rewarding(rates), "pass_rates": rates,
                             "gap": None if card.gold is None or m is None else card.gold["csr"] - m})
    if golds is not None and shape is not None and metric is not None and search_records > 0:
        take = everyone[:search_records]
        values = parse(ex, shape, [records[i] for i in take for _ in attack_resps],
                       [resps[i] for i in take for resps in attack_resps.values()])
        n = len(attack_resps)
        seeds = [values[j * n:(j + 1) * n] for j in range(len(take))]
        found = search(ex, shape, [records[i] for i in take], seeds, [ctxs[i] for i in take] if ctxs else None,
                       lambda js, vs, ts: [v <= WRONG_AT * base[take[j]]
                                           for j, v in zip(js, metric([take[j] for j in js], vs, ts))],
                       seed=seed, progress=progress)
        hits = [(j, f) for j, f in enumerate(found) if f is not None]
        card.adversary = {"records": len(take), "found": len(hits), "wrong_at": WRONG_AT,
                          "mean_csr": mean([f.csr for _, f in hits]) or 0.0,
                          "gold_csr": mean([gold_csr[take[j]] for j, _ in hits]) or 0.0,
                          "examples": [{"where": where[take[j]], "response": f.response[:200], "csr": f.csr}
                                       for j, f in sorted(hits, key=lambda x: -x[1].csr)[:3]]}
    if golds is not None and shape is not None and metric is not None:
        card.choice = choice_part(ex, graph, shape, records, metric, base, where, gold_texts, card.notes, ctxs,
                                  WRONG_AT, progress)
    if samples is not None and gold and shape is not None:
        card.proxy = proxy_part(ex, shape, gold, samples, progress, metric.reference if metric else None)
    return card


def _gold_part(graph: Graph, scores: Any, idx: list[int], where: list[str]) -> dict[str, Any]:
    rejected = []
    for i, r in enumerate(idx):
        failed = [c.name for c in graph.constraints
                  if scores.values[r][c.name] is not None and float(scores.values[r][c.name]) < 1.0]
        if failed:
            rejected.append({"where": where[i], "csr": scores.csr[r], "failed": failed})
    return {"csr": mean([scores.csr[r] for r in idx]) or 0.0, "pass_rates": pass_rates(graph, scores, idx),
            "rejected_count": len(rejected), "rejected": rejected[:SHOW_REJECTED], "weights": dict(scores.weights)}


def _mutant_part(graph: Graph, scores: Any, idx: list[int], muts: list[Any], gold_idx: list[int],
                 made: int, where: list[str], gold_texts: list[str]) -> dict[str, Any]:
    """Per mutation kind: how many mutants, the share scoring below the gold answer of their record (killed),
    per constraint the share it scores below gold, and the first few that survived (what the verifier misses)."""
    kinds: dict[str, dict[str, Any]] = {}
    for (m, text), r in zip(muts, idx):
        g = gold_idx[m.record]
        k = kinds.setdefault(m.kind, {"n": 0, "killed_n": 0, "by": {c.name: [0, 0] for c in graph.constraints},
                                      "survivors": []})
        k["n"] += 1
        killed = (scores.csr[r] or 0.0) < (scores.csr[g] or 0.0)
        k["killed_n"] += killed
        if not killed and len(k["survivors"]) < SHOW_SURVIVORS:
            k["survivors"].append({"where": where[m.record], "gold": gold_texts[m.record][:200],
                                   "mutant": text[:200], "csr": scores.csr[r], "gold_csr": scores.csr[g]})
        for c in graph.constraints:
            mv, gv = scores.values[r][c.name], scores.values[g][c.name]
            if mv is None or gv is None:
                continue
            k["by"][c.name][1] += 1
            k["by"][c.name][0] += float(mv) < float(gv)
    return {"total": len(muts), "made": made, "kinds": {
        kind: {"n": k["n"], "killed": k["killed_n"] / k["n"],
               "by_constraint": {c: (a / b if b else None) for c, (a, b) in k["by"].items()},
               "survivors": k["survivors"]}
        for kind, k in kinds.items()}}
