"""Scoring: constraint values to CSR, summaries, and a reward function for RL trainers."""
