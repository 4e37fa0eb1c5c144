"""Training: the ACT ranking objective on the policy, built on transformers/accelerate (imports torch)."""
