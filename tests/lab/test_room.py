"""A room's share link reproduces its run, and a saved room carries on exactly."""

from __future__ import annotations

import pytest

from lbteach.lab.commands import BadCommand, Command
from lbteach.lab.room import LabSetup, Room
from lbteach.lessons.catalogue import load_catalogue
from lbteach.sim import PRESETS


def played(room: Room) -> Room:
    for step in [
        Command("speed", {"speed": 8}),  # 30 requests a tick; speed is not part of the log
        Command("add_customers", {"count": 25}),
        "tick", "tick", "tick",
        Command("change_ip", {}),
        "tick",
        Command("crash_table", {"server": None}),
        "tick", "tick",
        Command("shared_sessions", {"shared_sessions": True}),
        Command("set_balancer", {"balancer": "cookie_insert"}),
        "tick",
        Command("add_table", {}),
        "tick",
    ]:  # fmt: skip
        if step == "tick":
            room.tick()
        else:
            room.apply(step)
    return room


def test_a_share_link_replays_the_same_run():
    setup = LabSetup("mobile_ip_change", ("source_ip",), seed=9, customers=5)
    original = played(Room("a", setup))
    link = original.share_query()
    assert original.share_url().startswith("/lab/?scenario=mobile_ip_change&seed=9&balancer=")
    assert link["log"].startswith("0.add_customers.25~")
    copy = Room("b", LabSetup.from_query(link), log=link["log"])
    copy.advance(original.requests - copy.requests)
    assert copy.restaurants[0].sim.view() == original.restaurants[0].sim.view()
    assert copy.restaurants[0].sim.metrics()["cart_breaks"] > 0


@pytest.mark.parametrize("log", ["3.launch_missiles", "x.add_table", "1.add_customers.<b>"])
def test_a_tampered_log_is_refused_whole(log):
    with pytest.raises(BadCommand, match="is not valid"):
        Room("c", LabSetup(), log=log)


def test_a_saved_room_carries_on_exactly_as_the_original():
    room = played(Room("a", LabSetup("ecommerce_cart", ("cookie_insert",), seed=3)))
    copy = Room.from_dict(room.to_dict())
    for r in (room, copy):
        r.apply(Command("change_ip", {}))
        for _ in range(5):
            r.tick()
    assert copy.restaurants[0].sim.view() == room.restaurants[0].sim.view()
    assert list(copy.restaurants[0].narration) == list(room.restaurants[0].narration)


def test_odd_query_strings_fall_back_to_the_presets_own_values():
    setup = LabSetup.from_query(
        {"scenario": "../../etc", "seed": "-5", "customers": "99999", "balancer": "magic"}
    )
    assert setup == LabSetup("ecommerce_cart", ("cookie_insert",), seed=0, customers=500)


def test_every_lesson_links_to_a_preset_that_exists():
    for lesson in load_catalogue().lessons:
        assert lesson.lab_preset in PRESETS, lesson.slug
