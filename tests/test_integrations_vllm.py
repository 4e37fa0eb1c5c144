"""The vLLM backend's dtype on a CPU: float32 where the CPU has no bfloat16 units (issue 26), vLLM's choice else."""
from __future__ import annotations

from act_dsl.sampling.backends.vllm import cpu_dtype

AVX2 = "processor\t: 0\nmodel name\t: Intel(R) Core(TM) i7-8700\nflags\t\t: fpu vme sse sse2 avx avx2 fma\n\n"


def test_cpu_without_bfloat16_units_samples_in_float32() -> None:
    assert cpu_dtype(AVX2) == "float32"
    assert cpu_dtype(AVX2.replace("avx2", "avx2 avx512f avx512_bf16")) is None
    assert cpu_dtype(AVX2.replace("avx2", "avx2 amx_bf16 amx_tile")) is None
    assert cpu_dtype("processor\t: 0\nFeatures\t: fp asimd bf16 sve\n") is None       # Arm with BF16
    assert cpu_dtype("processor\t: 0\nFeatures\t: fp asimd\n") == "float32"
    assert cpu_dtype("") is None                                                     # unknown CPU: vLLM decides

