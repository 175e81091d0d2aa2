"""A room's share link reproduces its run, and a saved room carries on exactly."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from lbteach.lab.frames import remember_scenes, room_context
from lbteach.lab.replay import replay, room_from_link
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LOG_LIMIT, MAX_REPLAY_REQUESTS, LabSetup, decode_log
from lbteach.lessons.catalogue import load_catalogue
from lbteach.live.commands import BadCommand, Command
from lbteach.sim import PRESETS
from tests.text import search


def played(room: Room) -> Room:
    steps: list[Command | str] = [
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
    ]  # fmt: skip
    for step in steps:
        if step == "tick":
            room.tick()
        else:
            assert isinstance(step, Command), step
            room.apply(step)
    return room


def test_a_share_link_replays_the_same_run():
    setup = LabSetup("mobile_ip_change", ("source_ip",), seed=9, customers=5)
    original = played(Room("a", setup))
    link = original.share_query()
    assert original.share_url().startswith("/lab/?scenario=mobile_ip_change&seed=9&balancer=")
    assert link["log"].startswith("0.add_customers.25~")
    copy = replay("b", LabSetup.from_query(link), decode_log(link["log"]))
    copy.advance(original.requests - copy.requests)
    assert copy.restaurants[0].sim.view() == original.restaurants[0].sim.view()
    assert copy.restaurants[0].sim.metrics()["cart_breaks"] > 0


@pytest.mark.parametrize(
    ("log", "why"),
    [
        ("3.launch_missiles", "cannot replay 'launch_missiles'"),
        ("x.add_table", "is not valid"),
        ("1.add_customers.<b>", "is not valid"),
        ("0.add_customers.abc", "must be a whole number from 1 to 200, not 'abc'"),
        ("0.add_customers.0", "must be from 1 to 200; 0 is out of range"),
        ("0.crash_table.AB", "must be a table name such as A or B"),
        ("0.change_ip.A", "takes no value in a shared link"),
        ("2000000.change_ip", "asks to replay 2,000,000 requests; a link may replay at most"),
        ("5.change_ip~3.change_ip", "goes back in time"),
        ("0.reattach", "cannot replay 'reattach'"),
        ("~".join(["0.change_ip"] * 201), "a link may replay at most 200"),
    ],
)
def test_a_malformed_or_greedy_log_is_refused_whole_with_its_reason(log, why):
    with pytest.raises(BadCommand, match=re.escape(why)):
        decode_log(log)


def test_a_refused_link_still_opens_a_fresh_run_and_says_why():
    room, problem = room_from_link("c", LabSetup(customers=3), "0.add_customers.abc")
    assert room.customers == 3
    assert room.log == []
    assert problem.startswith("The shared link's step '0.add_customers.abc'")
    assert problem.endswith("Started the run from the beginning instead.")


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


def floor_summary(room: Room) -> str:
    """The scene's words for its floor, without this moment's arrivals (a replay routes the
    requests between two steps at once, a page a tick at a time), as its next frame draws it."""
    remember_scenes(room)
    context = room_context(room)
    html = render_to_string("lab/live.html#floor", {**context, "r": context["restaurants"][0]})
    return search(r"<desc [^>]*>(.*?)</desc>", html).split(" Just now")[0]


def test_a_shared_run_draws_the_crashed_tables_lost_carts_as_the_original_did():
    setup = LabSetup("mobile_ip_change", ("source_ip",), seed=11, customers=0)
    original = Room("a", setup)
    original.apply(Command("speed", {"speed": 8}))
    original.apply(Command("add_customers", {"count": 20}))
    for _ in range(6):
        original.tick()
        floor_summary(original)  # the page draws every tick
    original.running = False  # Pause: the link's last steps happen where the page shows them
    for command in (Command("change_ip", {}), Command("crash_table", {"server": "B"})):
        original.apply(command)
        floor_summary(original)
    link = original.share_query()
    assert link["log"] == "0.add_customers.20~180.change_ip~180.crash_table.B"
    copy = replay("b", LabSetup.from_query(link), decode_log(link["log"]))
    assert copy.requests == original.requests == 180
    assert floor_summary(copy) == floor_summary(original)
    assert floor_summary(copy) == (
        "20 customers. Table A open, seated: 18 3 7, 2 carts; Table B closed, 0 carts, 2 lost;"
        " Table C open, seated: 10 15 13 6, 5 carts, 3 waiting;"
        " Table D open, seated: 2 20 8 1, 7 carts. 0 cart breaks, 2 lost carts."
    )


def test_a_shared_run_shows_one_ticks_arrivals_not_every_replayed_request():
    setup = LabSetup("mobile_ip_change", ("source_ip",), seed=11, customers=20)
    copy = replay("b", setup, decode_log("150.change_ip"))
    assert copy.requests == 150
    assert [len(r.recent) for r in copy.restaurants] == [2]  # speed 2: two requests a tick
    assert copy.restaurants[0].recent[-1].index == 149


def frame_meta(room: Room) -> str:
    return render_to_string("lab/live.html#frame_meta", room_context(room))


@pytest.mark.parametrize("past", ["steps", "requests"])
def test_a_run_a_link_cannot_carry_offers_no_link_and_says_why(past):
    setup = LabSetup("mobile_ip_change", ("source_ip",), seed=9, customers=5)
    room = Room("long", setup)
    if past == "steps":
        for _ in range(LOG_LIMIT):
            room.apply(Command("change_ip", {}))
    else:
        room.advance(MAX_REPLAY_REQUESTS + 1)
    assert "Link to this run" in frame_meta(room)
    room.apply(Command("change_ip", {}))  # the step a link would lose
    assert len(room.log) == (LOG_LIMIT if past == "steps" else 0)
    for shown in (room, Room.from_dict(room.to_dict())):  # and after a restart
        meta = frame_meta(shown)
        assert "Link to this run" not in meta
        assert f"Too long for a link: a link replays {LOG_LIMIT} events at most" in meta
