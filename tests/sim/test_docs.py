"""docs/scenarios.md documents every preset, field, event, balancer and reported figure."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

from lbteach.sim import BALANCERS, PRESETS, RunResult, Scenario
from lbteach.sim.event_fields import EVENT_FIELDS
from lbteach.sim.readout import VIEW_FIGURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def _text() -> str:
    return DOC.read_text()


def _section(heading: str) -> str:
    """The body under a `## heading`, up to the next `## `."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", _text(), re.M | re.S)
    assert match, f"docs/scenarios.md has no section '## {heading}'"
    return match.group(1)


def _table_rows(section: str) -> dict[str, list[str]]:
    """First-column name (in backticks) -> the row's cells, for a Markdown table."""
    rows = {}
    in_body = False  # header rows come before the |---| line
    for line in section.splitlines():
        if not line.startswith("|"):
            in_body = False
            continue
        if line.startswith("|---"):
            in_body = True
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if in_body:
            for name in re.findall(r"`([a-z_0-9]+)`", cells[0]):
                rows[name] = cells
    return rows


def test_every_preset_has_its_own_documented_section():
    text = _text()
    for name, preset in PRESETS.items():
        match = re.search(rf"^### `{name}`\n(.*?)(?=^### |^## |\Z)", text, re.M | re.S)
        assert match, f"preset {name} is not documented in docs/scenarios.md"
        body = match.group(1)
        assert f"**{preset.title}.**" in body, name
        assert f"Lesson: `{preset.lesson}`" in body, name
        assert preset.description in " ".join(body.split()), name


def test_the_docs_test_notices_a_missing_preset():
    assert not re.search(r"^### `no_such_preset`\n", _text(), re.M)


def test_every_field_is_documented_with_its_real_default():
    rows = _table_rows(_section("Fields"))
    defaults = Scenario().to_dict()
    for f in fields(Scenario):
        assert f.name in rows, f"field {f.name} is not in the Fields table"
        documented = json.loads(rows[f.name][1].strip("`"))
        assert documented == defaults[f.name], f.name
    assert set(rows) == {f.name for f in fields(Scenario)}


def test_every_event_and_its_fields_are_documented():
    rows = _table_rows(_section("Events"))
    assert set(rows) == set(EVENT_FIELDS)
    for do, event_fields in EVENT_FIELDS.items():
        for name in event_fields:
            assert f"`{name}`" in rows[do][1], (do, name)


def test_every_balancer_is_documented_with_its_kind():
    rows = _table_rows(_section("Balancers"))
    assert list(rows) == list(BALANCERS)
    for name, info in BALANCERS.items():
        assert rows[name][1] == info.kind, name


def test_every_reported_figure_is_explained():
    section = _section("What a run reports")
    for f in fields(RunResult):
        assert f"`{f.name}`" in section, f.name


def test_every_preset_documents_its_try_this_and_comparison():
    text = " ".join(_text().split())
    for name, preset in PRESETS.items():
        assert f"Try this: {preset.try_this.text}" in text, name
        assert preset.try_this.outcome in text, name
        left, right = preset.compare
        assert f"Compare: `{left}` vs `{right}`." in text, name


def test_the_live_figures_are_documented():
    section = _section("Live figures and balancer switches")
    for key in (*VIEW_FIGURES, "since_request", "since_ms", "totals", "segment"):
        assert f"`{key}`" in section, key
