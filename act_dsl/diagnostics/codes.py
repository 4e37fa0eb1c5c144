"""The registry of diagnostic codes: name, default severity and an explanation for `act explain`."""
from __future__ import annotations

import re
from dataclasses import dataclass

from act_dsl.diagnostics.diagnostic import Severity


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    explanation: str


# One entry a code: `CODE name severity`, then its explanation (for `act explain` and the docs) indented below.
# A text table rather than Python tuples, so that each explanation reads as the prose it is.
_TABLE = r"""
# ACT0xx: reading and parsing
ACT001 syntax-error error
    The file does not follow the .act grammar. The message names the token found and the hint lists what was
    expected there. Check for a missing `=`, an unclosed string or brace, or a keyword used as a name.
ACT002 unreadable-file error
    The file could not be read as .act source: it is missing, empty, binary, not UTF-8 or larger than 2 MB. Save
    the file as UTF-8 text.
ACT003 nesting-too-deep error
    An expression is nested more than 200 levels deep (each operator, call, list, quantifier and `not` is a
    level; parentheses are free), or the verifier graph it builds is, counting the lets and define calls it goes
    through (400 chained lets, or `f(f(f(...)))` 250 times). The limit bounds the work of checking and the depth
    of the executor's evaluation, so that no file can exhaust the stack; real verifiers need a few levels. Split
    the logic into separate constraints or simplify it.
ACT004 number-too-large error
    A number literal is too large to be held as a floating-point number (above about 1.8e308): it would read as
    infinity. Write a smaller number.
# ACT1xx: names and imports
ACT101 unknown-name error
    A name is used that is not an input, output, let, label set, define parameter or quantifier variable in
    scope. The hint suggests the closest name in scope.
ACT102 unknown-function error
    A call names a function that is neither built in nor defined with `define` in this file or its imports. Run
    `act explain ACT102` for the list of built-ins, or import the stdlib module that defines it.
ACT103 unknown-field error
    `a.field` reads a field that the value does not have. Group members have the task's inputs, outputs and
    lets; a record read with `json(...)` has the fields of its declared type; spans have `.text`, `.label`,
    `.start`, `.end` and dates `.start`, `.end`.
ACT104 unknown-label-set error
    A label set is expected here, but no `labels NAME = ...` declares this name.
ACT105 unknown-placeholder error
    A `{name}` in the prompt is not an input, let or label set of the task. Write `{{` and `}}` for literal
    braces.
ACT106 duplicate-definition error
    Two declarations share a name in the same scope. The related location points at the first one; rename or
    remove one of them.
ACT107 unresolved-import error
    An `import` names a file that does not exist. `std/NAME` loads stdlib_constraints/NAME.act; `./x.act` loads
    a file beside this one.
ACT108 import-cycle error
    Files import each other in a cycle. Move the shared defines into a third file.
ACT109 missing-data-file error
    `load("file")` names a file that does not exist beside the .act file.
ACT110 path-escapes-folder error
    `load()` and `import` may only read files inside the .act file's own folder (or the stdlib); absolute paths
    and `..` are refused so that a constraint file cannot read arbitrary files.
ACT111 unknown-expectation error
    `expect NAME = value` in an example names no constraint of the task (nor `csr`, nor an output or let).
ACT112 unknown-group-field error
    `group by F` names a field that is not an input of the task.
ACT113 unknown-example-field error
    An example sets a field that is not an input of the task nor `response`.
ACT114 missing-example-field error
    An example does not set one of the task's inputs, or its `response`.
ACT115 bad-label-file error
    A label file could not be read: it is empty, binary or not UTF-8.
ACT116 bad-reference-date error
    `reference date = F` names the input that relative dates ("last year", "since 2001") are read against,
    record by record. F must be an input of the task declared `date`, as in `input asked_on: date`; each
    record's value is checked as a date when the data is read.
# ACT2xx: types
ACT201 argument-type error
    An argument has the wrong type for the function, e.g. a temporal predicate (`before`, `after`, `overlaps`,
    `within`) applied to text. Read dates first with `dates(x)` or `timespan(x)`.
ACT202 fuzzy-range error
    `fuzzy N` takes a similarity threshold between 0 and 100 (a rapidfuzz score: 100 means exact). A negative or
    larger literal is reported here; a threshold computed from data outside 0-100 is an error for that record
    when scoring.
ACT203 weight-out-of-range error
    A constraint weight must be a positive finite number no larger than 1e6 (`weight -1`, `weight 0` and `weight
    1e7` are refused): drop a constraint instead of weighting it 0, and keep weights relative (a huge weight
    drowns every other constraint and loses precision in the CSR).
ACT204 constraint-type error
    A constraint must evaluate to a bool or a number in [0, 1]; this one has another type. Compare it with
    something (`count(x) >= 1`) or use a quantifier.
ACT205 arity error
    A function is called with the wrong number of positional arguments.
ACT206 unknown-keyword error
    A function is called with a keyword argument it does not take.
ACT207 membership-type error
    `x in y` needs y to be text (substring), a list or a label set.
ACT208 not-a-list error
    A quantifier (`all`, `any`, `share`) ranges over a list; this expression is not one.
ACT209 operand-type error
    An operator is applied to values of the wrong type (arithmetic on text, `and` on a date, an ordering
    comparison between text and a number).
ACT210 condition-type error
    A `when` or `where` condition must be a bool.
ACT211 output-type error
    An output's expression does not produce the declared type.
ACT212 unknown-type error
    A type name is not one of text, label, number, bool, date, span, list<T> or a record type `{field: T, ...}`;
    record types hold what JSON holds (no dates, spans or label sets) and are for outputs and define parameters,
    not inputs.
ACT213 group-outside-group error
    `group` and pair quantifiers over members are only meaningful inside a `group by` block.
ACT214 recursive-define error
    A define calls itself, directly or through others (`a` calls `b`, which calls `a`); defines are expanded
    inline, so recursion is not allowed. The message shows the cycle.
ACT215 bad-regular-expression error
    A regular expression written as a literal (the pattern of `matches`) does not compile. Patterns run on RE2,
    which matches in time linear in the text, so a model's answer cannot make a pattern backtrack for ever; RE2
    has no backreferences (`\1`) and no lookaround (`(?=...)`, `(?!...)`, `(?<=...)`), and its `\w`, `\d`, `\b`
    are ASCII (use `\pL` for any letter). Test the parts with separate `matches` joined by `and`/`not`. A
    pattern computed from data that does not compile is an error for that record when scoring, counted in the
    summary.
ACT216 bad-stop-rule error
    A task's `stop` statement says where sampling ends a response: `stop newline` (the default: at the first
    line break once the answer has started), `stop json` (right after the first complete JSON object or array),
    `stop end` (only at the end of the text) or `stop "TEXT"` (at that text, which is not kept; a quoted text is
    always literal, so `stop "json"` stops at the four letters json). Any other bare word, or an empty text, is
    this error.
ACT217 json-without-type error
    `json(x)` reads the first JSON object (or array) of `x` against a declared type: a field that is missing or
    of another JSON type reads as `none`. It therefore has to be the whole expression of an `output` declared
    with a record type or a list, as in `output item: {name: text, price: number} = json(response)`; read its
    fields from that output.
ACT218 example-value-type error
    An example sets an input to a value the data reader would refuse for that input's declared type (examples
    are read by the data's rules): `flag = "false"` for a `bool` (a string, which is not a bool: write
    `false`), `n = "3"` for a `number`, `none` for any input, a date that does not exist, or for a record type
    something that is not an object or a field of another type than declared (write it as the data would hold
    it, `{"num_words": 300, "relation": "at least"}`; fields the type declares may be left out). A `response`
    that is not a string is this error too.
# ACT3xx: lint warnings about the constraint logic
ACT301 unused-let warning
    A `let` is never used. Remove it, or use it in a constraint; unused lets still cost time when their
    extractor is expensive.
ACT302 unused-labels warning
    A label set is declared but never used.
ACT303 unused-input warning
    An input field is never used by the prompt, a constraint or a `group by`.
ACT304 unused-import warning
    Nothing from an imported file is used.
ACT305 label-not-in-set warning
    A label literal is compared with or tested against a label set that does not contain it: the test can never
    match. The hint suggests the closest label.
ACT306 constant-constraint warning
    A constraint is statically always true or always false, so it gives no signal: a verifier that passes or
    fails everything is the most common silent bug.
ACT307 contradictory-bounds warning
    Two constraints bound the same quantity so that no response can satisfy both (`count(words(s)) <= 10` and
    `count(words(s)) >= 20`).
ACT308 bad-date-literal warning
    A text literal given to `dates`, `timespan` or `dates_near` holds a date that does not exist ("31 February
    1990"): every record would count an error for it when scoring. Fix the date.
ACT309 pattern-matches-no-label warning
    A regular expression is tested against labels drawn from a label set (`any t in types: matches(t, "^/time")`
    where the items of `types` are tested against `FIGER`, or `t` ranges over the set itself), but it matches no
    label of that set, after the same `lower`/`upper`/`strip` the test applies: a label that satisfies the set
    can never satisfy the pattern, so no answer can satisfy both. Add the label to the set, or fix the pattern.
# ACT4xx: lint about the task as a whole
ACT401 no-constraints warning
    A task declares no constraints, so every response has CSR `none`: scoring it gives no signal and training
    cannot learn from it.
ACT402 unexercised-constraint hint
    No `example` block checks this constraint (by name or through `expect csr`). Examples are the constraint
    file's own tests; add one that passes and one that fails.
ACT403 no-examples hint
    The task has no `example` blocks. Add at least one passing and one failing example so that `act test`
    catches verifiers that pass or fail everything.
ACT404 no-prompt hint
    The task has no `prompt`, so `act sample` and `act train` cannot use it; `act score` still works.
ACT405 no-outputs warning
    The task declares no `output`, so constraints can only read the raw `response`.
"""


def _read_table(text: str) -> dict[str, Code]:
    codes: dict[str, Code] = {}
    entries = "\n".join(ln for ln in text.strip().splitlines() if not ln.startswith("#"))
    for entry in re.split(r"\n(?=ACT\d{3} )", entries):
        lines = entry.splitlines()
        code, name, severity = lines[0].split()
        codes[code] = Code(code, name, Severity[severity.upper()], " ".join(" ".join(lines[1:]).split()))
    return codes


CODES: dict[str, Code] = _read_table(_TABLE)


def severity_of(code: str) -> Severity:
    return CODES[code].severity
