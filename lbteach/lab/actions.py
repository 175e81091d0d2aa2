"""The lab's actions, declared once in the live framework's table (`lbteach.live.actions`).

Each entry says how its message is parsed, which roles may send it, whether (and with
which field) a share link's log records it, and what it does to the room. The classroom
extends this table with its own (`lbteach.classroom.actions`). Nothing else lists the lab's
actions: the consumers, the replay and the share-link codec all read this table.
"""

from __future__ import annotations

from typing import Protocol

from lbteach.live.actions import (
    DRIVERS,
    EVERYONE,
    LAB,
    NOBODY,
    PROJECTOR,
    STUDENT,
    TEACHER,
    Action,
    ActionTable,
    AsyncEffect,
    Effect,
    Params,
    Sender,
    no_fields,
)
from lbteach.live.commands import (
    MAX_ADD_CUSTOMERS,
    SPEEDS,
    bool_field,
    int_field,
    room_code_field,
    table_field,
    text_field,
)

# The framework's names the classroom still reads from here (it moves to
# `lbteach.live.actions` after issue 20's merge).
__all__ = [
    "LAB",
    "PROJECTOR",
    "STUDENT",
    "TEACHER",
    "Action",
    "ActionTable",
    "AsyncEffect",
    "Effect",
    "Params",
    "Sender",
]


class EventRoom(Protocol):
    """What the lab's button and replay effects need of a room (`lbteach.lab.room.Room`)."""

    def event(self, button: str, table: str | None) -> str: ...

    def customer_does(self, customer: int, kind: str) -> str: ...


# -- the lab's actions' fields -------------------------------------------------------------
def parse_add(data: dict) -> Params:
    return {"count": int_field(data, "count", 1, MAX_ADD_CUSTOMERS, default=10)}


def parse_speed(data: dict) -> Params:
    return {"speed": int_field(data, "speed", 1, len(SPEEDS))}


def parse_balancer(data: dict) -> Params:
    return {"balancer": text_field(data, "balancer", "choose one of the balancers in the list")}


def parse_shared(data: dict) -> Params:
    return {"shared_sessions": bool_field(data, "shared_sessions")}


def parse_optional_table(data: dict) -> Params:
    return {"server": table_field(data, required=False)}


def parse_reattach(data: dict) -> Params:
    return {"room": room_code_field(data)}


def parse_customer(data: dict) -> Params:
    return {"customer": int_field(data, "customer", 1, 10_000)}


# -- what they do (each delegates to one Room method) -------------------------------------
def _event(button: str) -> Effect:
    def run(room: EventRoom, params: Params, sender: Sender) -> str:
        return room.event(button, params.get("server"))

    return run


def _nothing(room: object, params: Params, sender: Sender) -> str:
    return ""


def _customer(kind: str) -> Effect:
    def run(room: EventRoom, params: Params, sender: Sender) -> str:
        return room.customer_does(params["customer"], kind)

    return run


# What one class student's phone did, replayed in the lab from the class's link (see
# `lbteach.classroom.room`): nobody sends these live (no roles); only a replay log holds them.
REPLAY_ONLY = NOBODY
CUSTOMER_REPLAYS = {
    "cart": "add_to_cart",
    "pay": "checkout",
    "newip": "change_ip",
    "nocookie": "clear_cookies",
}

# The restaurant-wide buttons, one line each: the engine event it sends, its label, what it
# does. `share` 1.0 makes the lesson unmissable: every mobile customer moves.
EVENT_BUTTONS: tuple[tuple[str, dict, str, str], ...] = (
    (
        "change_ip",
        {"do": "change_ip", "share": 1.0},
        "Change IPs",
        "Every mobile customer's phone switches network and gets a new IP address.",
    ),
    (
        "clear_cookies",
        {"do": "clear_cookies", "share": 1.0},
        "Clear cookies",
        "Customers clear their cookies, the host's affinity cookie with them.",
    ),
    (
        "expire_sessions",
        {"do": "expire_sessions"},
        "Expire sessions",
        "The host forgets which table each customer was given.",
    ),
    ("add_table", {"do": "add_server"}, "Add table", "A new table opens."),
    (
        "remove_table",
        {"do": "remove_server"},
        "Remove table",
        "Take the chosen table (or the fullest) out of service.",
    ),
    (
        "crash_table",
        {"do": "crash_server"},
        "Crash table",
        "The chosen table (or the fullest) crashes, with the carts it keeps.",
    ),
    (
        "restore_table",
        {"do": "restore_server"},
        "Restore table",
        "A table that is down comes back.",
    ),
)
EVENTS: dict[str, dict] = {name: event for name, event, _, _ in EVENT_BUTTONS}
# The buttons that name a table ("Which table"); the others act on the whole restaurant.
TABLE_EVENTS = frozenset({"remove_table", "crash_table", "restore_table"})

LAB_ACTIONS = ActionTable(
    {
        action.name: action
        for action in [
            Action(
                "add_customers",
                DRIVERS,
                parse_add,
                lambda room, p, s: room.add_customers(p["count"]),
                log="count",
                label="Add customers",
                description="Send this many new customers through the door.",
            ),
            Action(
                "speed",
                DRIVERS,
                parse_speed,
                lambda room, p, s: room.set_speed(p["speed"]),
                label="Speed",
                description="How many requests the host routes each tick.",
            ),
            Action(
                "pause",
                DRIVERS,
                run=lambda room, p, s: room.pause(),
                label="Pause",
                description="Stop the clock; Step then routes one request at a time.",
            ),
            Action(
                "resume",
                DRIVERS,
                run=lambda room, p, s: room.resume(),
                label="Resume",
                description="Start the clock again.",
            ),
            Action(
                "step",
                DRIVERS,
                run=lambda room, p, s: room.step(),
                label="Step",
                description="Route one request.",
            ),
            Action(
                "reset",
                DRIVERS,
                run=lambda room, p, s: room.reset(),
                label="Reset",
                description="Start again: a fresh restaurant with the same seed.",
            ),
            Action(
                "set_balancer",
                DRIVERS,
                parse_balancer,
                lambda room, p, s: room.set_balancer(p["balancer"]),
                log="balancer",
                label="Balancer",
                description="Switch how the host picks a table.",
            ),
            Action(
                "shared_sessions",
                DRIVERS,
                parse_shared,
                lambda room, p, s: room.set_shared_sessions(p["shared_sessions"]),
                log="shared_sessions",
                label="Shared session store",
                description="Keep every cart in a store all tables read: the pantry.",
            ),
            *(
                Action(
                    name,
                    DRIVERS,
                    parse_optional_table if name in TABLE_EVENTS else no_fields,
                    _event(name),
                    log="server" if name in TABLE_EVENTS else "",
                    label=label,
                    description=description,
                )
                for name, _, label, description in EVENT_BUTTONS
            ),
            Action("seat", REPLAY_ONLY, run=lambda room, p, s: room.seat_customer(), log=""),
            # Where a replayed class stopped: the replay routes every request up to it.
            Action("until", REPLAY_ONLY, run=_nothing, log=""),
            *(
                Action(name, REPLAY_ONLY, parse_customer, _customer(kind), log="customer")
                for name, kind in CUSTOMER_REPLAYS.items()
            ),
            # A viewer that missed a frame asks for the whole picture; nothing changes.
            Action("snapshot", EVERYONE, run=_nothing, pushes=False),
            # A reconnected lab page returns to its run (the page's host does it).
            Action(
                "reattach",
                frozenset({LAB}),
                parse_reattach,
                run_async=lambda page, p, s: page.reattach(p["room"]),
                pushes=False,
            ),
        ]
    }
)
