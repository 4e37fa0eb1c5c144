"""ACT305: a label literal that its label set does not contain."""
from act_dsl.semantics.lint import rule

MAX_HINTS = 50  # did-you-mean searches per task: each scans a whole label set, which may hold a million labels


def _hint(literal: str, names: list[str]) -> str | None:
    from rapidfuzz import fuzz, process  # imported only when a literal misses its set
    best = process.extractOne(literal, names, scorer=fuzz.ratio, score_cutoff=60)
    return f"did you mean `{best[0]}`?" if best is not None else None


@rule("ACT305")
def label_not_in_set(task):
    choices: dict[str, list[str]] = {}  # one candidate list per set (or for all sets), built once
    hints: dict[tuple[str, str], str | None] = {}
    for literal, set_name, span in task.label_literals:
        sets = [task.labelsets[set_name]] if set_name in task.labelsets else list(task.labelsets.values())
        if not sets or any(literal in s for s in sets):
            continue
        key = set_name if set_name in task.labelsets else ""
        if (literal, key) not in hints and len(hints) < MAX_HINTS:
            if key not in choices:
                choices[key] = sorted({lab for s in sets for lab in s.labels if lab and lab != literal})
            hints[(literal, key)] = _hint(literal, choices[key])
        where = f"label set `{sets[0].name}`" if len(sets) == 1 else "any label set"
        yield span, f"`{literal}` is not in {where}", hints.get((literal, key))
