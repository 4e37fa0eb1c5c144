"""The checker's labels part: label sets and their files (ACT109, ACT110, ACT115), the prompt and the examples."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from act_dsl.graph.graph import PLACEHOLDER
from act_dsl.graph.nodes import Node
from act_dsl.ops.values import LabelSet
from act_dsl.semantics.resolve import written_outside
from act_dsl.semantics.scope import ROOT, CheckerBase, Scope
from act_dsl.semantics.suggest import did_you_mean
from act_dsl.source import Span
from act_dsl.syntax import ast as A

MAX_LABEL_FILE = 20_000_000

# report(code, message, span, hint): how a label file's problem reaches the user
Report = Callable[[str, str, "Span | None", "str | None"], None]


def read_labels(decl: A.Labels, folder: Path, act_path: str, report: Report) -> tuple[str, ...] | None:
    """The labels of `labels NAME = {...}` or `= load("file")`, a file read only from `folder`; None once reported."""
    from act_dsl.ops.labels import read_label_file
    if decl.call is None:
        return decl.items
    if decl.load is None:
        report("ACT201", "a label set is `load(\"file\")` or a literal such as `{\"a\", \"b\"}`", decl.value_span, None)
        return None
    from act_dsl.safe_files import SafeFileError, read_file
    if written_outside(decl.load):
        report("ACT110", f"`load(\"{decl.load}\")` reads outside the folder of this file", decl.value_span,
               "put the label file beside the .act file")
        return None
    try:  # opened first, then the opened file is checked to lie in the folder, then read from it
        data, _ = read_file(folder / decl.load, MAX_LABEL_FILE, folder, what="a label file")
    except SafeFileError as exc:
        if exc.reason == "outside":
            report("ACT110", f"`load(\"{decl.load}\")` {exc.message}", decl.value_span,
                   "put the label file itself beside the .act file, not a symlink to it")
        elif exc.reason == "missing":
            try:
                near = sorted(f.name for f in folder.iterdir() if f.suffix in (".txt", ".tsv", ".csv"))
            except OSError:
                near = []
            report("ACT109", f"label file `{decl.load}` not found next to {act_path}", decl.value_span,
                   did_you_mean(decl.load, near))
        else:
            report("ACT115", f"label file `{decl.load}` {exc.message}", decl.value_span, None)
        return None
    if b"\x00" in data:
        report("ACT115", f"label file `{decl.load}` is binary (it contains NUL bytes), not text", decl.value_span,
               None)
        return None
    try:
        labels = read_label_file(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        report("ACT115", f"label file `{decl.load}` is not UTF-8 text", decl.value_span, None)
        return None
    if not labels:
        report("ACT115", f"label file `{decl.load}` has no labels", decl.value_span, "write one label a line")
        return None
    return labels


class Labels(CheckerBase):
    """Label sets, the prompt's placeholders and the examples' fields: the task's parts that are not expressions."""

    def labels(self, decl: A.Labels, sc: Scope) -> Node | None:
        if decl.name not in self.out.labelsets:
            def report(code: str, msg: str, span: Span | None, hint: str | None) -> None:
                self.fail(sc, code, msg, span, hint=hint)
            labels = read_labels(decl, self.unit.folder, self.unit.source.path, report)
            if labels is None:
                return None
            self.out.labelsets[decl.name] = LabelSet(decl.name, labels)
        node = self.b.make("labels", (decl.name,), (), "labelset", decl.name)
        self.out.fields[decl.name] = node
        return node

    def check_prompt(self, prompt: A.Prompt) -> None:
        allowed = [n for n, d in self.decls.items() if not isinstance(d, A.Output)]
        for m in PLACEHOLDER.finditer(prompt.text):
            name = m.group(1)
            if name is None:
                continue
            name = name.strip()
            if name in self.decls and not isinstance(self.decls[name], A.Output):
                self.out.used.add(name)
                self.lookup(name, None, ROOT)
                continue
            self.error("ACT105", f"prompt placeholder `{{{name}}}` is not an input, let or label set",
                       prompt.span, hint=did_you_mean(name, allowed) or "write `{{` for a literal brace")

    def check_example(self, ex: A.Example, constraints: dict[str, A.Constraint]) -> None:
        inputs = [i.name for i in self.task.inputs]
        given = set()
        for f in ex.fields:
            if f.name not in inputs and f.name != "response":
                self.error("ACT113", f"example sets `{f.name}`, which is not an input of the task", f.span,
                           hint=did_you_mean(f.name, inputs + ["response"]))
            given.add(f.name)
        types = {i.name: str(i.type) for i in self.task.inputs}
        for f in ex.fields:
            if f.name == "response" and not isinstance(f.value, str):
                self.error("ACT218", f"example \"{ex.name}\": `response` is the model's raw text, a string, "
                           f"got {_shown(f.value)}", f.span, hint='write it in quotes, as `response = "..."`')
            elif f.name in types:  # read by the data's rules: the string "false" is not a bool, "3" not a number
                problem = example_value_problem(f.value, types[f.name], f.name)
                if problem:
                    self.error("ACT218", f"example \"{ex.name}\": {problem}", f.span,
                               hint=_example_hint(f.value, types[f.name]))
        missing = [n for n in inputs + ["response"] if n not in given]
        if missing:
            self.error("ACT114", f"example \"{ex.name}\" does not set " + ", ".join(f"`{m}`" for m in missing),
                       ex.span)
        names = list(constraints) + ["csr"] + [n for n, d in self.decls.items() if isinstance(d, (A.Output, A.Let))]
        for e in ex.expects:
            if e.name not in names:
                self.error("ACT111", f"`expect {e.name}`: the task has no constraint `{e.name}`", e.span,
                           hint=did_you_mean(e.name, names))


def example_value(value: object, declared: str, name: str) -> object:
    """An example's literal for an input, read by the data reader's rules (RowError if it refuses): the value the
    same field of a JSON record would give (lists become tuples, numbers floats, dates stay as written)."""
    from act_dsl.records import FieldReader
    return FieldReader(None).value(_as_json(A.literal_json(value)), declared, name)


def _as_json(value: object) -> object:
    """A literal as JSON would hold it: `2004` is a whole number there (a year for a `date`), not 2004.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    return value


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, float):
        return f"the number {value:g}"
    return "a list" if isinstance(value, tuple) else "an object"


def _example_hint(value: object, declared: str) -> str | None:
    if declared == "bool" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return f"write `{value.strip().lower()}` without quotes"
    if declared == "number" and isinstance(value, str):
        return "write the number without quotes"
    if value is None:
        return "an input is never none in the data; give it a value"
    if "{" in declared:
        return "write it as the data would hold it, e.g. `{\"num_words\": 300}`; declared fields may be left out"
    return None


def example_value_problem(value: object, declared: str, name: str) -> str | None:
    from act_dsl.records import RowError
    try:
        example_value(value, declared, name)
    except RowError as exc:
        return exc.message
    return None

