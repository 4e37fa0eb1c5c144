"""Verifier graphs: interned typed nodes, the compiler's views of them, and the batched executor."""
