"""ACT305: a label literal that its label set does not contain."""
from act_dsl.semantics.lint import rule
from act_dsl.semantics.suggest import did_you_mean


@rule("ACT305")
def label_not_in_set(task):
    for literal, set_name, span in task.label_literals:
        sets = [task.labelsets[set_name]] if set_name in task.labelsets else list(task.labelsets.values())
        if not sets or any(literal in s for s in sets):
            continue
        names = [lab for s in sets for lab in s.labels]
        where = f"label set `{sets[0].name}`" if len(sets) == 1 else "any label set"
        yield span, f"`{literal}` is not in {where}", did_you_mean(literal, names)
