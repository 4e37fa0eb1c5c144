"""Syntax: the grammar, the parser (the only module importing lark) and the AST."""
