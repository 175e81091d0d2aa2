"""Fixtures shared by the whole suite, and the rule for tests that need real services.

A test that needs Chromium, PostgreSQL or Redis skips with a reason on a laptop without
them; under CI (CI=true) the same absence is a failure, so nothing required is skipped.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, reason: str) -> None:
    """Skip (or fail under CI) when a real service the test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)
