"""A tiny GPT-2 with a byte-level BPE tokenizer trained on the spot: a real transformers model, offline."""
from __future__ import annotations

from pathlib import Path

CORPUS = [
    "/person, /person/politician", "/location, /location/city", "/organization, /organization/company",
    "/person/artist", "/location/country", "/product/software", "/event", "/building/airport",
    "Sentence: Obama visited Paris .", "Give the types of", "separated by commas, chosen from:", "Types:",
    "The war ended . Then the treaty was signed .", "Summary:", "Answer:", "Question:",
]


def make_tiny_model(folder: Path, seed: int = 0) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast
    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS * 20, vocab_size=400, min_frequency=1, special_tokens=["<|endoftext|>"])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>",
                                  bos_token="<|endoftext|>", unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=len(tok), n_positions=1024, n_embd=32, n_layer=2, n_head=2,
                     bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    GPT2LMHeadModel(cfg).save_pretrained(folder)
    return folder
