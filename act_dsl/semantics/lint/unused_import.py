"""ACT304: an import none of whose defines the file uses."""
from act_dsl.semantics.lint import file_rule


@file_rule("ACT304")
def unused_import(unit, tasks):
    used = set().union(*(t.used_defines for t in tasks)) if tasks else set()
    if unit.module is not None:  # defines of this file that call imported ones count as uses too
        own = [d for d in unit.module.defines]
        from act_dsl.syntax.ast import Call, walk
        used |= {e.func for d in own for e in walk(d.body) if isinstance(e, Call)}
    for imp, sub in unit.imports:
        provided = {n for n, i in unit.import_of.items() if i is imp}
        if not (provided & used):
            yield imp.span, f"nothing from `{imp.path}` is used", "remove the import"
