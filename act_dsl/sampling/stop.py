"""Where sampling ends a response (a task's `stop` rule), as pure functions any generation engine can call.

A rule is "newline", "json", "end" or a literal string (None, "" and "end" never stop: the response runs to end of
text); a rule in double quotes is the literal text inside them (`stop "json"` stops at the four letters json):

- newline: the response ends before the first newline that follows some non-blank text, so a model that
  starts its answer on a new line (after "Summary:") is not cut to nothing;
- a literal string: the response ends before its first occurrence after some non-blank text (same reason);
- json: the response ends right after the first complete JSON object or array, so prose before it is
  kept and read; brackets inside JSON strings (escapes included) do not count, and a balanced span that
  is not valid JSON (`[see note]`) is passed over. A response whose value never closes is kept whole.

`stop_at(rule, text)` says where to cut (or None), `cut(rule, text)` cuts. `StopScanner` does the same work
one piece of text at a time, in time linear in the text; `StopCriteria` wraps it for transformers'
`generate(stopping_criteria=...)`, decoding each sequence's new tokens incrementally.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

__all__ = ["NEWLINE", "JSON", "StopScanner", "StopCriteria", "stop_at", "should_stop", "cut"]

NEWLINE = "newline"
END = "end"
JSON = "json"
_CLOSERS = {"}": "{", "]": "["}
_MAX_PENDING = 8                          # tokens held back at most while they decode to half a character


class StopScanner:
    """The stop rule fed one piece of text at a time; `end` is where the response ends once it is known."""

    def __init__(self, rule: str | None) -> None:
        self.rule = None if rule in (None, "", END) else rule  # `stop end`: run to the end of text
        # what ends the response: a complete JSON value, or the first occurrence of this text
        self._json = self.rule == JSON
        self._stop = "\n" if self.rule == NEWLINE else literal_text(self.rule or "")
        self.end: int | None = None       # cut position in the whole text fed so far, once found
        self._size = 0                    # characters fed so far
        self._start: int | None = None    # index of the first non-blank character, once seen
        self._tail = ""                   # the last len(stop) - 1 characters of the answer, for a split stop
        # json state: the open brackets of the current candidate value, and whether we are inside a string
        self._stack: list[str] = []
        self._candidate: list[str] = []   # earlier pieces of the open candidate, validated when it closes
        self._in_string = False
        self._escaped = False

    @property
    def stopped(self) -> bool:
        return self.end is not None

    def feed(self, piece: str) -> int | None:
        """Add the next piece of the response; returns the cut position once the rule has fired (then fixed)."""
        if self.end is not None or not piece or self.rule is None:
            return self.end
        offset = self._size
        self._size += len(piece)
        if self._json:
            self._feed_json(piece, offset)
            return self.end
        stop = self._stop
        if self._start is None:
            blank = len(piece) - len(piece.lstrip())
            if blank == len(piece):       # still blank: the answer has not started, nothing can end it
                return None
            self._start = offset + blank  # text before the answer never holds the stop
            piece, offset = piece[blank:], offset + blank
        # the previous piece's last characters come first, so a stop split across two pieces is found
        window = self._tail + piece
        hit = window.find(stop)
        if hit >= 0:
            self.end = offset - len(self._tail) + hit
        else:
            self._tail = window[-(len(stop) - 1):] if len(stop) > 1 else ""
        return self.end

    def _feed_json(self, piece: str, offset: int) -> None:
        stack = self._stack
        begin = 0 if stack else None      # where the open candidate starts in this piece
        for i, ch in enumerate(piece):
            if not stack:                 # outside any candidate: prose, only an opening bracket matters
                if ch == "{" or ch == "[":
                    stack.append(ch)
                    self._candidate, begin = [], i
                continue
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif ch == "\\":
                    self._escaped = True
                elif ch == '"':
                    self._in_string = False
                continue
            if ch == '"':
                self._in_string = True
            elif ch == "{" or ch == "[":
                stack.append(ch)
            elif ch in _CLOSERS:
                if stack[-1] != _CLOSERS[ch]:  # `{ ]`: not JSON; look for the next candidate after it
                    stack.clear()
                    begin = None
                    continue
                stack.pop()
                if not stack:
                    text = "".join(self._candidate) + piece[begin:i + 1]
                    self._candidate, begin = [], None
                    if _is_json(text):
                        self.end = offset + i + 1
                        return
        if stack and begin is not None:
            self._candidate.append(piece[begin:])


def literal_text(rule: str) -> str:
    """The text a literal rule stops at. A rule in double quotes is the text inside them, so the rule `"json"`
    (with its quotes, as `stop "json"` in a task gives it) stops at the four letters json, not after JSON."""
    if len(rule) >= 2 and rule[0] == rule[-1] == '"':
        return rule[1:-1]
    return rule


def _is_json(text: str) -> bool:
    """A balanced span is one JSON value (each span is checked once: candidates never overlap)."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def stop_at(rule: str | None, text: str) -> int | None:
    """Where the response in `text` ends under `rule` (the cut is `text[:end]`), or None if it goes on."""
    scanner = StopScanner(rule)
    return scanner.feed(text)


def should_stop(rule: str | None, text: str) -> bool:
    """Whether generation that has written `text` so far is finished under `rule`."""
    return stop_at(rule, text) is not None


def cut(rule: str | None, text: str) -> str:
    """The response as the task reads it: `text` up to where the rule ends it, or whole."""
    end = stop_at(rule, text)
    return text if end is None else text[:end]


class _Row:
    """Incremental decoding of one sequence: new tokens become text only once they decode cleanly (a byte-level
    token may hold half of a UTF-8 character), decoded with a few tokens of context before them."""

    def __init__(self, rule: str | None) -> None:
        self.ids: list[int] = []
        self.prefix = 0                   # first token of the context window decoded with the new ones
        self.read = 0                     # tokens whose text has been fed to the scanner
        self.scanner = StopScanner(rule)

    def push(self, tok: Any, new_ids: Sequence[int]) -> bool:
        self.ids.extend(new_ids)
        before = tok.decode(self.ids[self.prefix:self.read], skip_special_tokens=True)
        after = tok.decode(self.ids[self.prefix:], skip_special_tokens=True)
        # a pending tail that never decodes cleanly (a model writing stray bytes) is read as it is after a while,
        # so the decoding window stays short
        clean = not after.endswith("\ufffd") or len(self.ids) - self.read > _MAX_PENDING
        if len(after) > len(before) and clean:
            self.scanner.feed(after[len(before):])
            self.prefix, self.read = self.read, len(self.ids)
        return self.scanner.stopped


class StopCriteria:
    """A `transformers` stopping criterion (duck-typed: `__call__(input_ids, scores) -> BoolTensor`) that ends
    each sequence once its new text meets the stop rule; a finished sequence stays finished.

    `prompt_len` is the width of the (left-padded) prompt batch: new tokens start there in every row."""

    def __init__(self, tokenizer: Any, rule: str | None, prompt_len: int) -> None:
        self.tokenizer = tokenizer
        self.rule = rule
        self.prompt_len = prompt_len
        self._rows: list[_Row] = []
        self._seen = prompt_len           # tokens of each row already pushed

    def __call__(self, input_ids: Any, scores: Any = None, **kwargs: Any) -> Any:
        import torch
        if not self._rows:
            self._rows = [_Row(self.rule) for _ in range(input_ids.shape[0])]
        width = input_ids.shape[1]
        fresh = input_ids[:, self._seen:width].tolist()
        self._seen = width
        done = [row.scanner.stopped or row.push(self.tokenizer, ids) for row, ids in zip(self._rows, fresh)]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)
