"""Operations of the language: one registry of signatures and implementations, read by checker and executor."""
