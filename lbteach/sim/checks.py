"""Validators that turn a bad value into a ScenarioError naming field, value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TypeGuard

from lbteach.sim.errors import ScenarioError


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(field: str, value: object, lo: int, hi: int) -> int:
    if not is_int(value) or not lo <= value <= hi:
        raise ScenarioError(field, value, f"a whole number from {lo} to {hi}")
    return value


def check_number(field: str, value: object, lo: float, hi: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ScenarioError(field, value, f"a number from {lo:g} to {hi:g}")
    return float(value)


def check_share(field: str, value: object) -> float:
    return check_number(field, value, 0, 1)


def check_bool(field: str, value: object) -> bool:
    if type(value) is not bool:
        raise ScenarioError(field, value, "true or false")
    return value


def check_choice(field: str, value: object, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ScenarioError(field, value, "one of " + ", ".join(choices))
    return value


def check_text(field: str, value: object, max_length: int) -> str:
    if not isinstance(value, str) or len(value) > max_length:
        raise ScenarioError(field, value, f"text of at most {max_length} characters")
    return value


def check_list(field: str, value: object, lo: int, hi: int) -> list:
    if not isinstance(value, list | tuple) or not lo <= len(value) <= hi:
        raise ScenarioError(field, value, f"a list of {lo} to {hi} items")
    return list(value)


def check_keys(field: str, data: object, known: Collection[str]) -> dict:
    """A dict whose keys are all known; the first unknown key is the error."""
    if not isinstance(data, dict):
        raise ScenarioError(field or "scenario", data, "a table of fields (a JSON object)")
    for key in data:
        if key not in known:
            where = f"{field}.{key}" if field else str(key)
            raise ScenarioError(where, data[key], "known fields: " + ", ".join(sorted(known)))
    return data
