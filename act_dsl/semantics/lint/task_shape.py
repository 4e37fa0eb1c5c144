"""ACT401, ACT404, ACT405: a task without constraints, prompt or outputs."""
from act_dsl.semantics.lint import rule


@rule("ACT401")
def no_constraints(task):
    if not task.task.constraints and not any(g.constraints for g in task.task.groups):
        yield task.task.span, f"task `{task.name}` has no constraints", "add `constraint NAME = ...`"


@rule("ACT404")
def no_prompt(task):
    if task.task.prompt is None:
        yield (task.task.span, f"task `{task.name}` has no prompt, so it cannot be sampled or trained",
               "add `prompt \"...{field}...\"`")


@rule("ACT405")
def no_outputs(task):
    if not task.task.outputs:
        yield task.task.span, f"task `{task.name}` declares no output", "add `output NAME: TYPE = strip(response)`"
