"""Reading pages and frames in tests: a pattern that must be there, or the test fails."""

from __future__ import annotations

import re


def search(pattern: str | re.Pattern[str], text: str, group: int = 1) -> str:
    """`group` of the first match of `pattern` in `text`; fails the test when there is none."""
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not found in {text[:300]!r}"
    return match[group]
