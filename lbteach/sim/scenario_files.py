"""Loading a scenario by preset name or from a JSON or TOML file (the engine's only I/O)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from lbteach.sim.errors import ScenarioError
from lbteach.sim.presets import PRESETS
from lbteach.sim.scenario import Scenario

SUFFIXES = (".json", ".toml")


def load_scenario(name_or_path: str | Path, overrides: dict | None = None) -> Scenario:
    """A preset by name, or a .json/.toml file; `overrides` (None values skipped) win."""
    changes = {k: v for k, v in (overrides or {}).items() if v is not None}
    text = str(name_or_path)
    if text in PRESETS:
        return Scenario.from_dict({**PRESETS[text].scenario, **changes})
    path = Path(text)
    if path.suffix not in SUFFIXES:
        raise ScenarioError(
            "scenario", text, "a preset name (" + ", ".join(PRESETS) + ") or a .json/.toml file"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError("scenario", text, f"a readable file ({error.strerror})") from None
    try:
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode())
    except (ValueError, UnicodeDecodeError) as error:
        kind = "JSON" if path.suffix == ".json" else "TOML"
        raise ScenarioError("scenario", text, f"valid {kind} ({error})") from None
    if not isinstance(data, dict):
        raise ScenarioError("scenario", text, "a JSON object or TOML table of fields")
    data.setdefault("name", path.stem)
    return Scenario.from_dict({**data, **changes})
