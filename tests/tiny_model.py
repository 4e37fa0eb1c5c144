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


def make_scripted_model(tokenizer_folder: Path, folder: Path, prompt: str, script: list[str]) -> Path:
    """A GPT-2 whose next token depends only on its position: after `prompt` it writes `script` (one
    token per piece), then end-of-text, whether decoding greedily or sampling at temperature 1.

    The transformer blocks are zeroed, so the last hidden state is the layer-normed one-hot position
    embedding, and the untied output layer maps each position to the scripted token."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel
    tok = AutoTokenizer.from_pretrained(tokenizer_folder)
    start = len(tok(prompt, add_special_tokens=False)["input_ids"]) - 1
    ids = []
    for piece in script:
        piece_ids = tok(piece, add_special_tokens=False)["input_ids"]
        assert len(piece_ids) == 1, f"{piece!r} is {len(piece_ids)} tokens of the tiny tokenizer"
        ids.append(piece_ids[0])
    ids.append(tok.eos_token_id)
    width = start + len(ids) + 1
    cfg = GPT2Config(vocab_size=len(tok), n_positions=width, n_embd=width, n_layer=1, n_head=1,
                     tie_word_embeddings=False, bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.transformer.wpe.weight.copy_(torch.eye(width))
        model.transformer.ln_f.weight.fill_(1.0)
        for i, t in enumerate(ids):
            model.lm_head.weight[t, start + i] = 60.0
    tok.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


def make_tiny_llama(tokenizer_folder: Path, folder: Path, seed: int = 0) -> Path:
    """A tiny Llama on the tiny tokenizer: vLLM applies LoRA to Llama layers (not to GPT-2's)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    tok = AutoTokenizer.from_pretrained(tokenizer_folder)
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024,
                      bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id, tie_word_embeddings=False)
    LlamaForCausalLM(cfg).save_pretrained(folder)
    return folder


def make_lora_adapter(model_folder: Path, folder: Path, seed: int = 1) -> Path:
    """A peft LoRA adapter (q/v, r=8) with large random weights, so that it changes the model's greedy text."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(model_folder, dtype=torch.float32)
    lora = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False,
                      task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, lora)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.mul_(20.0)   # peft's random init is small; make the adapter's effect unmistakable
    peft_model.save_pretrained(folder)
    return folder
