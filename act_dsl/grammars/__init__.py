"""Decode-time grammars derived from a task's format constraints (issue 28): see compile.py."""
