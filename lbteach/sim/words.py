"""Counted nouns for the engine's sentences: "1 customer", "2 customers", never "1 customers"."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """The noun for n of it; `many` defaults to `one` + "s"."""
    return one if n == 1 else (many or one + "s")


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {plural(n, one, many)}"
