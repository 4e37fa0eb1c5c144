"""Sampling: K responses per prompt from a Hugging Face model (imports torch)."""
