"""Adapters for RL engines that take rewards from outside act_dsl (verl)."""
