"""Semantics: resolve names and imports (ACT1xx), type-check (ACT2xx) and lint (ACT3xx/4xx)."""
