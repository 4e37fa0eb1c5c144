"""The only module that imports lark: parse .act text into the AST, turning lark errors into Diagnostics."""
from __future__ import annotations

from typing import Any, Callable
from functools import lru_cache

import lark
from lark import Token, Tree
from lark.grammar import Rule
from lark.lexer import TerminalDef
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from act_dsl.diagnostics.diagnostic import Diagnostic
from act_dsl.resources import grammar_file
from act_dsl.source import Source, Span
from act_dsl.syntax import ast as A
from act_dsl.syntax.strings import string_value
from act_dsl.syntax.tables import cached

_TOKEN_NAMES = {
    "NAME": "a name", "STRING": "a string", "LONG_STRING": "a string", "NUMBER": "a number", "QUANT": "all/any/share",
    "COMP_OP": "a comparison", "ADD_OP": "`+` or `-`", "MUL_OP": "`*` or `/`", "LBRACE": "`{`", "RBRACE": "`}`",
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "COLON": "`:`", "EQUAL": "`=`",
    "DOT": "`.`", "MORETHAN": "`>`", "LESSTHAN": "`<`", "MINUS": "`-`", "$END": "end of file",
}


# The deepest expression nesting a program may have (operators, calls, lists, quantifiers; parentheses are free).
# The checker applies the same bound to the verifier graph (through lets and define calls), and the executor
# evaluates that graph recursively, so this number also bounds the executor's recursion.
MAX_NESTING = 200

# lark rules that add one level of expression nesting
_NESTING = frozenset({"arith", "compare", "or_", "and_", "not_", "neg", "in_", "not_in", "quantifier", "call",
                      "attr", "index", "list_", "lit_list", "lit_record", "type", "record_type"})

# the largest number a literal may hold: a float beyond it is infinite
_NUMBER_LIMIT = 1.7976931348623157e308


class _TooDeep(Exception):
    def __init__(self, meta) -> None:
        super().__init__()
        self.meta = meta


_OPTIONS: dict[str, Any] = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": True}


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    """The grammar's parser; its LALR tables are built once per grammar and lark version and then read back
    from the cache folder (building them is most of a cold `act lint`)."""
    grammar = grammar_file().read_text(encoding="utf-8")

    def build() -> tuple[lark.Lark, Any]:
        parser = lark.Lark(grammar, cache=False, **_OPTIONS)
        return parser, parser.memo_serialize([TerminalDef, Rule])

    def load(tables: Any) -> lark.Lark:
        data, memo = tables
        return lark.Lark._load_from_dict(data, memo)

    key = f"lark {lark.__version__}\n{sorted(_OPTIONS.items())}\n{grammar}"
    return cached("act", key, build, load)


def _describe(term: str) -> str:
    if term in _TOKEN_NAMES:
        return _TOKEN_NAMES[term]
    if term.startswith("__ANON") or term.startswith("_"):
        return term
    pattern = _parser().get_terminal(term).pattern if term in {t.name for t in _parser().terminals} else None
    if pattern is not None and pattern.type == "str":
        return f"`{pattern.value}`"
    return term.lower()


class _ToAst:
    """Builds the AST from lark's tree: one method per rule, each given the node's meta and its children.

    A plain dispatch table rather than lark's Transformer: the same work at about half the cost."""

    def __init__(self, source: Source) -> None:
        self.src = source
        self._table: dict[str, Callable[[Any, list], Any]] = {}  # rule name -> its method, looked up once
        self.diags: list[Diagnostic] = []

    def build(self, node, depth: int = 0):
        if not isinstance(node, Tree):
            return node
        name = str(node.data)
        if name in _NESTING:
            depth += 1
            if depth > MAX_NESTING:  # checked on the way down, long before Python's own recursion limit
                raise _TooDeep(node.meta)
        items = [self.build(c, depth) if isinstance(c, Tree) else c for c in node.children]
        fn = self._table.get(name)
        if fn is None:
            fn = self._table[name] = getattr(self, name)
        return fn(node.meta, items)

    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return self.src.span(meta.start_pos, meta.end_pos)

    def _tok(self, tok: Token) -> Span:
        return self.src.span(tok.start_pos or 0, tok.end_pos or 0)

    # -- terminals and literals
    def string(self, meta, items):
        return items[0]

    def string_(self, meta, items):
        return A.Literal(string_value(str(items[0])), span=self._span(meta))

    def _float(self, tok: Token) -> float:
        value = float(tok)
        if value > _NUMBER_LIMIT:  # float() gives inf rather than an error for a thousand digits
            self.diags.append(Diagnostic("ACT004", f"the number `{_short(str(tok))}` is too large",
                                         self._tok(tok), hint="numbers must be below 1.8e308"))
        return value

    def number(self, meta, items):
        return A.Literal(self._float(items[0]), span=self._span(meta))

    def true_(self, meta, items):
        return A.Literal(True, span=self._span(meta))

    def false_(self, meta, items):
        return A.Literal(False, span=self._span(meta))

    def none_(self, meta, items):
        return A.Literal(None, span=self._span(meta))

    def name(self, meta, items):
        return A.Name(str(items[0]), span=self._span(meta))

    def group_ref(self, meta, items):
        return A.GroupRef(span=self._span(meta))

    def list_(self, meta, items):
        return A.ListExpr(tuple(i for i in items if i is not None), span=self._span(meta))

    def attr(self, meta, items):
        return A.Attr(items[0], str(items[1]), span=self._span(meta))

    def index(self, meta, items):
        return A.Index(items[0], items[1], span=self._span(meta))

    def call(self, meta, items):
        name, args = items[0], [a for a in items[1:] if a is not None]
        pos = tuple(a for a in args if not isinstance(a, tuple))
        kw = tuple(a for a in args if isinstance(a, tuple))
        return A.Call(str(name), pos, kw, span=self._span(meta), func_span=self._tok(name))

    def kwarg(self, meta, items):
        return (str(items[0]), items[1])

    def arith(self, meta, items):
        return A.BinOp(str(items[1]), items[0], items[2], span=self._span(meta))

    def compare(self, meta, items):
        return A.BinOp(str(items[1]), items[0], items[2], span=self._span(meta))

    def or_(self, meta, items):
        return A.BinOp("or", items[0], items[1], span=self._span(meta))

    def and_(self, meta, items):
        return A.BinOp("and", items[0], items[1], span=self._span(meta))

    def not_(self, meta, items):
        return A.Not(items[0], span=self._span(meta))

    def neg(self, meta, items):
        x = items[0]
        if isinstance(x, A.Literal) and isinstance(x.value, float):  # `-3` is a number, so `fuzzy -5` is checked
            return A.Literal(-x.value, span=self._span(meta))
        return A.Neg(x, span=self._span(meta))

    def fuzzy(self, meta, items):
        return items[0]

    def in_(self, meta, items):
        return A.In(items[0], items[1], False, items[2], span=self._span(meta))

    def not_in(self, meta, items):
        return A.In(items[0], items[1], True, items[2], span=self._span(meta))

    def quantifier(self, meta, items):
        kind, v1, v2, coll, where, body = items
        names = (str(v1),) + ((str(v2),) if v2 is not None else ())
        return A.Quant(str(kind), names, coll, where, body, span=self._span(meta))

    # -- literals in examples
    def lit_string(self, meta, items):
        return string_value(str(items[0]))

    def lit_number(self, meta, items):
        return items[0]

    def lit_true(self, meta, _):
        return True

    def lit_false(self, meta, _):
        return False

    def lit_none(self, meta, _):
        return None

    def lit_list(self, meta, items):
        return tuple(i for i in items if i is not None) if items != [None] else ()

    def lit_record(self, meta, items):
        return A.RecordLiteral(tuple(i for i in items if i is not None))

    def lit_field(self, meta, items):
        key = str(items[0])
        return (string_value(key) if key.startswith('"') else key), items[1]

    def signed_number(self, meta, items):
        return self._float(items[0])

    def negative_number(self, meta, items):
        return -self._float(items[0])

    # -- declarations
    def type(self, meta, items):
        return A.TypeRef(str(items[0]), items[1], span=self._span(meta))

    def record_field(self, meta, items):
        return (str(items[0]), items[1], self._tok(items[0]))

    def record_type(self, meta, items):
        fs = [i for i in items if i is not None]
        return A.TypeRef("{}", None, span=self._span(meta), fields=tuple((n, t) for n, t, _ in fs),
                         field_spans=tuple(s for _, _, s in fs))

    def import_stmt(self, meta, items):
        return A.Import(string_value(str(items[0])), span=self._span(meta))

    def param(self, meta, items):
        return A.Param(str(items[0]), items[1], span=self._span(meta))

    def define(self, meta, items):
        name, *params, body = items
        return A.Define(str(name), tuple(p for p in params if p is not None), body, span=self._span(meta),
                        name_span=self._tok(name))

    def doc(self, meta, items):
        return ("doc", string_value(str(items[0])))

    def input_decl(self, meta, items):
        return A.Input(str(items[0]), items[1], span=self._span(meta))

    def output_decl(self, meta, items):
        return A.Output(str(items[0]), items[1], items[2], span=self._span(meta))

    def label_literal(self, meta, items):
        return tuple(string_value(str(i)) for i in items if i is not None)

    def labels_decl(self, meta, items):
        name, value = items
        span = self._span(meta)
        if isinstance(value, A.Call):
            arg = value.args[0] if len(value.args) == 1 and isinstance(value.args[0], A.Literal) else None
            path = arg.value if arg is not None and isinstance(arg.value, str) and value.func == "load" else None
            return A.Labels(str(name), path, (), span=span, value_span=value.span, call=value)
        return A.Labels(str(name), None, value, span=span)

    def let_decl(self, meta, items):
        return A.Let(str(items[0]), items[1], span=self._span(meta))

    def prompt_decl(self, meta, items):
        return A.Prompt(string_value(str(items[0])), span=self._span(meta))

    def reference_decl(self, meta, items):
        return A.Reference(str(items[0]), span=self._span(meta), field_span=self._tok(items[0]))

    def stop_decl(self, meta, items):
        tok = items[0]
        if isinstance(tok, Token) and tok.type == "NAME":
            return A.Stop(str(tok), False, span=self._span(meta))
        return A.Stop(string_value(str(tok)), True, span=self._span(meta))

    def weight(self, meta, items):
        return (items[0], self._span(meta))

    def when(self, meta, items):
        return ("when", items[0])

    def constraint(self, meta, items):
        name, weight, expr, when = items
        w, wspan = weight if weight is not None else (1.0, None)
        return A.Constraint(str(name), expr, w, when[1] if when else None, span=self._span(meta), weight_span=wspan)

    def group_block(self, meta, items):
        fields = [i for i in items if isinstance(i, Token)]
        body = [i for i in items if not isinstance(i, Token)]
        fs = tuple(str(f) for f in fields)
        lets = tuple(b for b in body if isinstance(b, A.Let))
        cons = tuple(A.Constraint(c.name, c.expr, c.weight, c.when, span=c.span, weight_span=c.weight_span, group=fs)
                     for c in body if isinstance(c, A.Constraint))
        return A.GroupBlock(fs, lets, cons, span=self._span(meta), field_spans=tuple(self._tok(f) for f in fields))

    def example_field(self, meta, items):
        return A.ExampleField(str(items[0]), items[1], span=self._span(meta))

    def expect(self, meta, items):
        return A.Expect(str(items[0]), items[1], span=self._span(meta))

    def example(self, meta, items):
        name, *body = items
        return A.Example(string_value(str(name)), tuple(b for b in body if isinstance(b, A.ExampleField)),
                         tuple(b for b in body if isinstance(b, A.Expect)), span=self._span(meta))

    def task(self, meta, items):
        name, *body = items
        docs = [b[1] for b in body if isinstance(b, tuple) and b[0] == "doc"]
        prompts = [b for b in body if isinstance(b, A.Prompt)]
        dups: list[tuple[str, Span | None]] = []
        if len(prompts) > 1:
            dups.extend(("prompt", p.span) for p in prompts[1:])
        if len(docs) > 1:
            dups.append(("doc", None))
        refs = [b for b in body if isinstance(b, A.Reference)]
        dups.extend(("reference date", r.span) for r in refs[1:])
        stops = [b for b in body if isinstance(b, A.Stop)]
        dups.extend(("stop", s.span) for s in stops[1:])
        pick = lambda cls: tuple(b for b in body if isinstance(b, cls))  # noqa: E731
        return A.Task(str(name), docs[0] if docs else "", pick(A.Input), pick(A.Output), pick(A.Labels),
                      pick(A.Let), prompts[0] if prompts else None, pick(A.Constraint), pick(A.GroupBlock),
                      pick(A.Example), span=self._span(meta), duplicates=tuple(dups),
                      reference=refs[0] if refs else None, stop=stops[0] if stops else None)

    def start(self, meta, items):
        return A.Module(tuple(i for i in items if isinstance(i, A.Import)),
                        tuple(i for i in items if isinstance(i, A.Define)),
                        tuple(i for i in items if isinstance(i, A.Task)))


def _syntax_error(source: Source, exc: UnexpectedInput) -> Diagnostic:
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        pos = tok.start_pos if tok.start_pos is not None else len(source.text)
        found = "end of file" if tok.type == "$END" else f"`{tok}`"
        expected = sorted({_describe(t) for t in exc.expected})
        end = pos + max(1, len(str(tok))) if tok.type != "$END" else pos
        msg = f"unexpected {found}"
        if tok.type == "$END":
            msg = "unexpected end of file (an unclosed `{`, `(`, `[` or string?)"
        hint = "expected " + ", ".join(expected[:8]) + (" ..." if len(expected) > 8 else "") if expected else None
        return Diagnostic("ACT001", msg, source.span(pos, end), hint=hint)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(source.text)
        ch = source.text[pos] if pos < len(source.text) else ""
        if ch == '"':
            return Diagnostic("ACT001", "unterminated string", source.span(pos, pos + 1),
                              hint='close the string with `"` on the same line, or use `"""` for several lines')
        allowed = sorted({_describe(t) for t in (exc.allowed or ())})
        hint = ("expected " + ", ".join(allowed[:8])) if allowed else None
        return Diagnostic("ACT001", f"unexpected character `{ch}`", source.span(pos, pos + 1), hint=hint)
    if isinstance(exc, UnexpectedEOF):
        end = len(source.text)
        return Diagnostic("ACT001", "unexpected end of file (an unclosed `{`, `(`, `[` or string?)",
                          source.span(end, end))
    return Diagnostic("ACT001", "syntax error", source.span(pos or 0, (pos or 0) + 1))


def parse(source: Source) -> tuple[A.Module | None, list[Diagnostic]]:
    """Parse a Source; returns the module, or None and the syntax diagnostic."""
    try:
        tree = _parser().parse(source.text)
    except UnexpectedInput as exc:
        return None, [_syntax_error(source, exc)]
    except RecursionError:
        return None, [too_deep(source.span(0, 1), "this program")]
    builder = _ToAst(source)
    try:
        return builder.build(tree), builder.diags
    except _TooDeep as exc:
        return None, [too_deep(source.span(exc.meta.start_pos, exc.meta.end_pos))]
    except (ValueError, OverflowError) as exc:  # any other value lark gave that Python cannot hold
        return None, [Diagnostic("ACT001", f"cannot read this program: {exc}", source.span(0, 1))]
    except RecursionError:  # not expected past the nesting limit; kept so that no input gives a traceback
        return None, [too_deep(source.span(0, 1))]


def too_deep(span: Span | None, what: str = "this expression") -> Diagnostic:
    """ACT003: nesting past MAX_NESTING (shared with the checker, which counts through lets and defines)."""
    return Diagnostic("ACT003", f"{what} is nested more than {MAX_NESTING} levels deep", span,
                      hint="simplify it: the limit bounds the work of checking and scoring, and real verifiers "
                      "need a few levels")


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} digits)"
