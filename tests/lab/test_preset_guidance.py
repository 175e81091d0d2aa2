"""The lab page tells each preset's own Try this and opens the comparison it is about."""

from __future__ import annotations

import html

import pytest

from lbteach.lab.actions import EVENTS, LAB_ACTIONS
from lbteach.lab.catalog import preset_story
from lbteach.lab.sharelink import LabSetup
from lbteach.live.actions import LAB
from lbteach.sim import PRESETS
from lbteach.sim.event_fields import EVENT_TYPES

pytestmark = pytest.mark.django_db

# The lab's buttons that change the run: a share link replays them, a preset may suggest them.
RUN_ACTIONS = {name for name in LAB_ACTIONS.names(LAB) if LAB_ACTIONS[name].logged}


def test_every_button_that_changes_the_run_has_its_label_and_description():
    for name in RUN_ACTIONS:
        assert LAB_ACTIONS[name].label, name
        assert LAB_ACTIONS[name].description, name


def test_the_lab_buttons_send_only_events_the_engine_understands():
    assert {event["do"] for event in EVENTS.values()} <= set(EVENT_TYPES)
    assert set(EVENTS) <= RUN_ACTIONS


def test_each_try_this_names_the_buttons_it_asks_for():
    for name, preset in PRESETS.items():
        text = preset.try_this.text
        for action in preset.try_this.actions:
            assert LAB_ACTIONS[action.name].label in text, (name, action.name)
            if action.name.endswith("_table") and action.target:
                assert f"table {action.target}" in text, (name, action.target)


def test_the_default_lab_promises_no_breaks_and_compares_source_ip_with_cookies(client):
    page = html.unescape(client.get("/lab/").content.decode())
    story = preset_story("ecommerce_cart")
    assert (
        f"<strong>Try this:</strong> {story.text} <strong>Expect:</strong> {story.outcome}" in page
    )
    assert "Watch the cart breaks" not in page
    assert 'data-expect="none"' in page
    assert (
        '<a href="/lab/compare/?scenario=ecommerce_cart&left=source_ip&right=cookie_insert">'
        "Compare Source IP hash and Cookie insert side by side</a>"
    ) in page


def test_every_preset_page_shows_its_own_instruction_and_pair(client):
    for name, preset in PRESETS.items():
        page = html.unescape(client.get(f"/lab/?scenario={name}").content.decode())
        assert preset.try_this.text in page, name
        assert f'data-expect="{preset.try_this.expect}"' in page, name
        left, right = preset.compare
        assert f"/lab/compare/?scenario={name}&left={left}&right={right}" in page, name


def test_the_compare_link_opens_the_pair(client):
    page = client.get("/lab/compare/?scenario=mobile_ip_change&left=source_ip&right=cookie_insert")
    text = page.content.decode()
    assert '<option value="source_ip" selected>' in text
    assert '<option value="cookie_insert" selected>' in text


def test_compare_without_a_pair_opens_the_scenarios_own_pair(client):
    text = client.get("/lab/compare/?scenario=mobile_ip_change").content.decode()
    left, right = select_html(text, "left"), select_html(text, "right")
    assert '<option value="source_ip" selected>' in left
    assert '<option value="cookie_insert" selected>' in right
    assert left.count(" selected>") == 1
    assert right.count(" selected>") == 1


def test_a_setup_from_a_compare_query_takes_each_presets_pair():
    for name, preset in PRESETS.items():
        assert LabSetup.from_query({"scenario": name}, compare=True).balancers == preset.compare
    mixed = LabSetup.from_query({"scenario": "mobile_ip_change", "left": "least_connections"}, True)
    assert mixed.balancers == ("least_connections", "cookie_insert")


def select_html(page: str, name: str) -> str:
    start = page.index(f'<select id="{name}"')
    return page[start : page.index("</select>", start)]
