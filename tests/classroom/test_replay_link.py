"""A class replays in the lab: the link carries the seed and every event, the students' taps
included, and the lab's replay reaches exactly the class's restaurant."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from lbteach.classroom.actions import CLASS_ACTIONS
from lbteach.classroom.room import TEACHER, ClassRoom
from lbteach.lab.actions import Sender
from lbteach.lab.replay import replay
from lbteach.lab.sharelink import LOG_LIMIT, LabSetup, decode_log

TEACHER_SENDER = Sender(TEACHER)


def teacher(room: ClassRoom, **command) -> None:
    room.apply(CLASS_ACTIONS.parse(json.dumps(command), TEACHER), TEACHER_SENDER)


def student(room: ClassRoom, who: int, action: str) -> None:
    room.apply(
        CLASS_ACTIONS.parse(json.dumps({"action": action}), "student"), Sender("student", who)
    )


def a_class_that_ran() -> ClassRoom:
    room = ClassRoom("REPLAY", seed=7)
    for who in (1, 2, 3):
        room.seat(who, f"S{who}")
    teacher(room, action="set_balancer", balancer="source_ip")
    teacher(room, action="add_bots", count=6)
    for _ in range(3):
        room.tick()
    student(room, 1, "add_to_cart")
    student(room, 2, "add_to_cart")
    room.tick()
    student(room, 1, "switch_network")
    student(room, 1, "add_to_cart")
    teacher(room, action="speed", speed=4)
    room.tick()
    room.seat(4, "Late")
    student(room, 4, "add_to_cart")
    teacher(room, action="set_balancer", balancer="cookie_insert")
    teacher(room, action="crash_table", server="B")
    room.tick()
    student(room, 3, "clear_my_cookies")
    student(room, 3, "checkout")
    student(room, 2, "add_to_cart")
    room.tick()
    return room


def replayed(url: str):
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return replay("lab-replay", LabSetup.from_query(query), decode_log(query["log"])), query


def test_the_lab_replays_the_class_run_to_the_same_restaurant():
    room = a_class_that_ran()
    url = room.replay_url(customer=room.seats[1].customer)
    lab, query = replayed(url)
    assert url.startswith("/lab/?scenario=ecommerce_cart&seed=7&balancer=cookie_insert")
    assert query["highlight"] == str(room.seats[1].customer)
    mine, theirs = room.sim.view(), lab.restaurants[0].sim.view()
    assert theirs["clients"] == mine["clients"]
    assert theirs["totals"] == mine["totals"]
    assert theirs["tables"] == mine["tables"]
    assert lab.requests == room.requests


def test_the_replay_survives_saving_and_a_reset_starts_it_again():
    room = ClassRoom.from_dict(a_class_that_ran().to_dict())
    student(room, 2, "checkout")
    lab, _ = replayed(room.replay_url())
    assert lab.restaurants[0].sim.view()["clients"] == room.sim.view()["clients"]
    teacher(room, action="reset")
    student(room, 1, "add_to_cart")
    assert room.replay[:4] == ["0.seat", "0.seat", "0.seat", "0.seat"]
    lab, _ = replayed(room.replay_url())
    assert lab.restaurants[0].sim.view()["clients"] == room.sim.view()["clients"]


def test_a_class_too_long_for_a_link_offers_no_replay():
    room = ClassRoom("LONGER")
    room.seat(1, "Ana")
    for _ in range(LOG_LIMIT):
        student(room, 1, "add_to_cart")
    assert room.replay_url() == ""
    assert len(room.replay) == LOG_LIMIT  # it stopped growing
    assert ClassRoom.from_dict(room.to_dict()).replay_url() == ""


def test_nobody_can_send_the_replay_only_actions_live():
    from lbteach.lab.actions import LAB_ACTIONS
    from lbteach.live.commands import BadCommand

    for role in ("lab", "teacher", "projector", "student"):
        for action in ("seat", "cart", "pay", "newip", "nocookie"):
            try:
                LAB_ACTIONS.parse(json.dumps({"action": action, "customer": 1}), role)
            except BadCommand:
                continue
            raise AssertionError(f"{role} may send {action}")
