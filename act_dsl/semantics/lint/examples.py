"""ACT402, ACT403: constraints that no `example` block checks."""
from act_dsl.semantics.lint import rule


def _declared(task):
    return list(task.task.constraints) + [c for g in task.task.groups for c in g.constraints]


@rule("ACT402")
def unexercised_constraint(task):
    examples = task.task.examples
    if not examples:
        return
    named = {e.name for ex in examples for e in ex.expects}
    if "csr" in named:
        return
    for c in _declared(task):
        if c.name not in named:
            yield c.span, f"no example checks constraint `{c.name}`", "add `expect " + c.name + " = ...` to an example"


@rule("ACT403")
def no_examples(task):
    if not task.task.examples and _declared(task):
        yield task.task.span, f"task `{task.name}` has no `example` blocks", \
            "add one example that passes and one that fails; `act test` runs them"
