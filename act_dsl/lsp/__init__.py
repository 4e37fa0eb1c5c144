"""`act lsp`: a language server for .act files (diagnostics of `act lint`, hover, completion, go-to-definition).

analysis.py and navigate.py work on plain text and offsets with no pygls import, so they can be reused by other
tools; server.py adapts them to the Language Server Protocol with pygls (the optional `lsp` extra).
"""
