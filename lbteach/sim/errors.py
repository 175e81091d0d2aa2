"""ScenarioError: what is wrong with a scenario, event or request, in words a user can act on."""

from __future__ import annotations

import json


class ScenarioError(ValueError):
    """A field with a value that is not allowed; the message names all three."""

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: {_show(value)} is not allowed; allowed: {allowed}")


def _show(value: object) -> str:
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
