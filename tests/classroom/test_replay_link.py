"""A class replays in the lab: its log holds the seed and every event, the students' taps
included, within bounds no real class reaches, and the lab's replay reaches exactly the
class's restaurant."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from lbteach.classroom import room as room_module
from lbteach.classroom.actions import CLASS_ACTIONS
from lbteach.classroom.room import TEACHER, ClassRoom
from lbteach.lab.replay import replay
from lbteach.lab.replaystore import decode_stored
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LOG_LIMIT
from lbteach.live.actions import Sender
from lbteach.live.commands import SPEEDS

ROOT = Path(__file__).resolve().parents[2]

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


def replayed(room: ClassRoom) -> Room:
    log = room.replay_log()
    assert log is not None
    return replay("lab-replay", room.setup, decode_stored(log))


def test_the_lab_replays_the_class_run_to_the_same_restaurant():
    room = a_class_that_ran()
    lab = replayed(room)
    log = room.replay_log()
    assert log is not None
    assert log[-1] == f"{room.requests}.until"
    assert lab.setup == room.setup
    mine, theirs = room.sim.view(), lab.restaurants[0].sim.view()
    assert theirs["clients"] == mine["clients"]
    assert theirs["totals"] == mine["totals"]
    assert theirs["tables"] == mine["tables"]
    assert lab.requests == room.requests


def test_the_replay_survives_saving_and_a_reset_starts_it_again():
    room = ClassRoom.from_dict(a_class_that_ran().to_dict())
    student(room, 2, "checkout")
    lab = replayed(room)
    assert lab.restaurants[0].sim.view()["clients"] == room.sim.view()["clients"]
    teacher(room, action="reset")
    student(room, 1, "add_to_cart")
    assert room.replay[:4] == ["0.seat", "0.seat", "0.seat", "0.seat"]
    lab = replayed(room)
    assert lab.restaurants[0].sim.view()["clients"] == room.sim.view()["clients"]


def test_a_class_longer_than_a_share_link_still_replays_to_the_same_restaurant():
    room = ClassRoom("LONGER", seed=3)
    room.seat(1, "Ana")
    room.seat(2, "Ben")
    teacher(room, action="add_bots", count=5)
    for turn in range(LOG_LIMIT + 50):
        student(room, 1 + turn % 2, "add_to_cart")
        if turn % 7 == 0:
            room.tick()
    assert len(room.replay) == LOG_LIMIT + 53
    lab = replayed(room)
    assert lab.restaurants[0].sim.view()["clients"] == room.sim.view()["clients"]
    assert lab.requests == room.requests


def test_a_class_past_its_replay_steps_stops_recording_and_has_no_replay(monkeypatch):
    monkeypatch.setattr(room_module, "CLASS_REPLAY_STEPS", 30)
    room = ClassRoom("LONGER")
    room.seat(1, "Ana")
    for _ in range(29):
        student(room, 1, "add_to_cart")
    assert len(room.replay) == 30
    assert room.replay_log() is not None  # exactly at the bound: still whole
    student(room, 1, "add_to_cart")
    assert len(room.replay) == 30  # it stopped growing
    assert room.replay_full
    assert room.replay_log() is None
    assert ClassRoom.from_dict(room.to_dict()).replay_log() is None


def test_a_class_past_its_replay_requests_has_no_replay(monkeypatch):
    monkeypatch.setattr(room_module, "CLASS_REPLAY_REQUESTS", 40)
    room = ClassRoom("FASTER")
    room.seat(1, "Ana")
    teacher(room, action="add_bots", count=5)
    teacher(room, action="speed", speed=7)  # 20 requests a tick
    room.tick()
    room.tick()
    assert room.requests == 40
    assert room.replay_log() == ["0.seat", "0.add_customers.5", "40.until"]
    room.tick()
    assert room.replay_log() is None
    student(room, 1, "add_to_cart")
    assert room.replay_full
    assert room.replay == ["0.seat", "0.add_customers.5"]


def test_the_replay_bounds_are_derived_from_the_class_limits_and_documented():
    lesson_ticks = int(room_module.LESSON_SECONDS / settings.LIVE_TICK_SECONDS)
    assert room_module.CLASS_REPLAY_STEPS == settings.CLASS_MAX_STUDENTS * 90
    assert lesson_ticks * SPEEDS[-1] == room_module.CLASS_REPLAY_REQUESTS
    bounds = (ROOT / "docs" / "deploy.md").read_text().split("## Bounds")[1].split("\n## ")[0]
    documented = re.search(r"\*\*Class replays:\*\* (.*?)\n- \*\*", bounds, re.S)
    assert documented is not None
    words = " ".join(documented[1].split())
    assert f"`CLASS_REPLAY_STEPS` ({room_module.CLASS_REPLAY_STEPS:,})" in words
    assert f"{room_module.CLASS_REPLAY_REQUESTS:,} requests" in words
    assert "tests/classroom/test_replay_link.py" in words


@pytest.mark.parametrize("action", ["add_to_cart", "checkout", "switch_network"])
def test_every_student_tap_is_one_logged_step(action):
    room = ClassRoom("TAPS")
    room.seat(1, "Ana")
    student(room, 1, action)
    assert len(room.replay) == 2


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
