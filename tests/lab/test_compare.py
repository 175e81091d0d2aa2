"""Compare mode leads with the verdict: both sides' figures in one strip, Expect for each side."""

from __future__ import annotations

import html

import lxml.html
import pytest
from django.template.loader import render_to_string

from lbteach.lab.actions import EVENTS
from lbteach.lab.catalog import side_expects
from lbteach.lab.frames import room_context
from lbteach.lab.room import LabSetup, Room
from lbteach.live.commands import Command
from lbteach.sim import PRESETS
from lbteach.sim.trying import try_it


def compare_room() -> Room:
    room = Room(
        "c", LabSetup("mobile_ip_change", ("source_ip", "cookie_insert"), seed=3, customers=30)
    )
    room.speed = 4
    for _ in range(12):
        room.tick()
    room.apply(Command("change_ip", {}))
    room.apply(Command("crash_table", {"server": "B"}))
    for _ in range(6):
        room.tick()
    return room


def test_the_verdict_strip_holds_each_sides_metrics_and_marks_the_worse():
    room = compare_room()
    context = room_context(room)
    strip = lxml.html.fragment_fromstring(render_to_string("lab/live.html#verdict", context))
    for restaurant in context["restaurants"]:
        metrics = lxml.html.fragment_fromstring(
            render_to_string("lab/live.html#metrics", {**context, "r": restaurant})
        )
        side = restaurant["side"]
        for row, metric in (
            ("cart_breaks", "cart_breaks"),
            ("carts_lost", "carts_lost"),
            ("imbalance", "imbalance"),
        ):
            cell = strip.xpath(f'.//tr[@data-row="{row}"]/td[@data-side="{side}"]')[0]
            shown = metrics.xpath(f'.//*[@data-metric="{metric}"]')[0].text
            assert cell.text.strip() == shown, (side, row)
    breaks = [r["metrics"]["cart_breaks"] for r in context["restaurants"]]
    assert breaks[0] > breaks[1] == 0  # source IP hashing breaks carts; the cookie keeps them
    left, right = strip.xpath('.//tr[@data-row="cart_breaks"]/td[@data-side]')
    assert (left.get("class"), right.get("class")) == ("worse", "better")
    diff = strip.xpath('.//tr[@data-row="cart_breaks"]/td[@class="verdict-diff"]')[0].text
    assert int(diff) == breaks[0] - breaks[1]
    events = strip.find_class("verdict-events")[0].text_content()
    assert events == (
        "Events so far, on both sides: Change IPs (request 60) · Crash table B (request 60)"
    )


def test_expect_speaks_of_each_side(client):
    page = html.unescape(
        client.get(
            "/lab/compare/?scenario=mobile_ip_change&left=source_ip&right=cookie_insert"
        ).content.decode()
    )
    assert (
        '<strong>Expect:</strong> <span data-expect-left="breaks">left (Source IP hash): carts'
        ' break or are lost</span>; <span data-expect-right="none">right (Cookie insert): no cart'
        " breaks or is lost</span>." in page
    )
    assert page.index('id="verdict"') < page.index('id="left-floor"')


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_sides_expectation_is_the_engines_run_of_try_this(name):
    preset = PRESETS[name]
    sides = side_expects(name, preset.compare)
    for side, balancer in zip(sides, preset.compare, strict=True):
        assert side.expect == ("breaks" if try_it(name, EVENTS, balancer)[1] else "none")
        if balancer == preset.scenario["balancer"]:
            assert side.expect == preset.try_this.expect, (name, balancer)
