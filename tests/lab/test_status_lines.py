"""Every number in an event's status line is one the engine counted, on every balancer.

The test drives each lab event on each balancer and recounts, from the engine's own state
before and after, what the sentence claims: customers touched, carts lost or held, customers
the host's rule now sends elsewhere ("would": the engine asked the rule), customers seated
afresh; then, once everyone touched is back, where they were seated and which carts broke.
"""

from __future__ import annotations

import re

import pytest

from lbteach.lab.actions import EVENTS
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LabSetup
from lbteach.live.commands import Command
from lbteach.sim import BALANCERS, Decision
from lbteach.sim.stories import FOLLOWED
from tests.text import search


def numbers(sentence: str) -> list[int]:
    """The counts in a sentence (not a table's weight, not request numbers)."""
    return [
        int(n) for n in re.findall(r"(?<![\w.])\d+(?![\w.])", sentence.replace("(weight 1)", ""))
    ]


def busy_room(balancer: str) -> Room:
    room = Room("s", LabSetup("mobile_ip_change", (balancer,), seed=4, customers=30))
    room.speed = 4
    for _ in range(15):
        room.tick()
    return room


def expected_numbers(room: Room, action: str, before: dict, seats: list[int]) -> list[int]:
    """The numbers the engine's own state says the sentence should hold, in order."""
    r = room.restaurants[0].sim.restaurant
    outcome = r.outcomes[-1]
    counts = [v for k, v in outcome.details.items() if isinstance(v, int) and k != "weight"]
    after = r.predictions()
    moved = sum(1 for c, t in before.items() if t >= 0 and after.get(c, -1) not in (t, -1))
    afresh = sum(1 for c, t in before.items() if t >= 0 and after.get(c, -1) == -1)
    assert outcome.remapped == moved + afresh
    if action == "crash_table":
        assert outcome.details["carts_lost"] == r.lost - seats[0]
    return counts + [n for n in (moved, afresh) if n]


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_each_events_status_line_counts_what_the_engine_counted(balancer):
    for action in EVENTS:
        room = busy_room(balancer)
        r = room.restaurants[0].sim.restaurant
        if action == "restore_table":
            room.apply(Command("crash_table", {"server": "A"}))
        before = r.predictions()
        seats = [r.lost]
        last_table = list(r.last_table)
        params = {"server": "A"} if action == "restore_table" else {}
        said = room.apply(Command(action, params))
        assert numbers(said) == expected_numbers(room, action, before, seats), (action, said)
        assert "would" not in said or " would now go to a different table." in said
        if EVENTS[action]["do"] in FOLLOWED:
            check_follow_up(room, EVENTS[action]["do"], last_table)


def check_follow_up(room: Room, do: str, last_table: list[int]) -> None:
    """Once everyone an event touched is back, the narration says where they sat."""
    restaurant = room.restaurants[0]
    r = restaurant.sim.restaurant
    touched = sorted(c + 1 for c, note in r.notes.items())
    first: dict[int, Decision] = {}
    for _ in range(200):
        if len(first) == len(touched):
            break
        room.tick()
        for decision in restaurant.recent:
            if decision.client in touched and decision.client not in first and not decision.error:
                first[decision.client] = decision
    told = restaurant.narration[-1][1]
    assert told.startswith(f"The {len(touched)} customer"), told
    elsewhere = sum(
        1
        for c, d in first.items()
        if last_table[c - 1] >= 0 and d.server != r.names[last_table[c - 1]]
    )
    broken = sum(1 for d in first.values() if d.cart_broken)
    assert f"{elsewhere} {'was' if elsewhere == 1 else 'were'} seated at a different table" in told
    assert (f"{broken} cart" in told) if broken else ("no cart broke" in told)
    assert search(r"who (.*?) (?:is|are)", told) == FOLLOWED[do]
