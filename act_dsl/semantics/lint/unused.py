"""ACT301-303: a let, label set or input that nothing uses."""
from act_dsl.semantics.lint import rule


def _unused(task, kind):
    for decl in getattr(task.task, kind):
        if decl.name not in task.used:
            yield decl


@rule("ACT301")
def unused_let(task):
    for decl in _unused(task, "lets"):
        yield decl.span, f"`let {decl.name}` is never used", "remove it, or use it in a constraint"
    for g in task.task.groups:
        for let in g.lets:
            if let.name not in task.used:
                yield let.span, f"`let {let.name}` is never used", "remove it, or use it in a constraint"


@rule("ACT302")
def unused_labels(task):
    for decl in _unused(task, "labels"):
        yield decl.span, f"label set `{decl.name}` is never used", "use it in a constraint or the prompt, or remove it"


@rule("ACT303")
def unused_input(task):
    for decl in _unused(task, "inputs"):
        yield (decl.span, f"input `{decl.name}` is never used",
               f"mention it in the prompt as `{{{decl.name}}}`, use it in a constraint, or remove it")

