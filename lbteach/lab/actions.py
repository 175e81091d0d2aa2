"""The one table of what a live room can be asked to do: each action declared once.

An `Action` says how its message is parsed, which roles may send it, whether (and with
which field) it goes into a share link's replay log, and what it does to the room. The
lab's actions are declared here; the classroom extends the table with its own
(`lbteach.classroom.actions`). Nothing else lists actions: the consumers, the replay and
the share-link codec all read this table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lbteach.live.commands import (
    MAX_ADD_CUSTOMERS,
    SPEEDS,
    BadCommand,
    Command,
    bool_field,
    int_field,
    read_message,
    room_code_field,
    table_field,
    text_field,
)

if TYPE_CHECKING:
    from lbteach.lab.room import Room

# Who sends a message: a private lab's own page, or one of a class's screens.
LAB, TEACHER, PROJECTOR, STUDENT = "lab", "teacher", "projector", "student"
DRIVERS = frozenset({LAB, TEACHER})  # the screens that drive the restaurant
EVERYONE = frozenset({LAB, TEACHER, PROJECTOR, STUDENT})


@dataclass(frozen=True)
class Sender:
    """Who sent a command: their role, and for a student their id."""

    role: str
    student: int | None = None


Params = dict[str, Any]
Effect = Callable[["Room", Params, Sender], str]
AsyncEffect = Callable[[Any, Params, Sender], Awaitable[str]]


def no_fields(data: dict) -> Params:
    return {}


@dataclass(frozen=True)
class Action:
    """One thing a viewer may ask for.

    `run` changes the room and returns the sentence for the sender's status line; an action
    that must also reach the database (a class answer, say) has `run_async` instead, which
    the class's home awaits; `keep` records in the database what a `run` did. `log` names
    the param a share link records (`""` for an action
    without one); `None` keeps the action out of the replay log.
    """

    name: str
    roles: frozenset[str]
    parse: Callable[[dict], Params] = no_fields
    run: Effect | None = None
    run_async: AsyncEffect | None = None
    keep: AsyncEffect | None = None  # what the database keeps of it, once `run` has run
    log: str | None = None
    pushes: bool = True  # whether the room pushes a frame after it

    @property
    def logged(self) -> bool:
        return self.log is not None


@dataclass(frozen=True)
class ActionTable:
    """Actions by name, with the one way to turn a message into a checked Command."""

    actions: Mapping[str, Action] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Action:
        return self.actions[name]

    def __contains__(self, name: object) -> bool:
        return name in self.actions

    def names(self, role: str) -> frozenset[str]:
        return frozenset(name for name, action in self.actions.items() if role in action.roles)

    def extended(self, more: Iterable[Action]) -> ActionTable:
        return ActionTable({**self.actions, **{action.name: action for action in more}})

    def parse(self, text: str | None, role: str) -> Command:
        """Turn one websocket message into a checked Command this role may send, or raise.

        An action the role may not send is reported exactly like an unknown one: a student
        learns nothing about the teacher's controls by probing.
        """
        data = read_message(text)
        name = data.get("action")
        action = self.actions.get(name) if isinstance(name, str) else None
        if action is None or role not in action.roles:
            shown = str(name)[:30] if name is not None else "nothing"
            raise BadCommand(f"Unknown action {shown!r}. Use one of the room's buttons.")
        return Command(action.name, action.parse(data))

    def from_log(self, name: str, value: str | None) -> Command:
        """A Command from one share-link entry, checked by the action's own parser."""
        action = self.actions.get(name)
        if action is None or action.log is None:
            raise BadCommand(f"A shared link cannot replay {name[:30]!r}.")
        if value is not None and not action.log:
            raise BadCommand(f"“{name}” takes no value in a shared link.")
        data = {action.log: value} if action.log and value is not None else {}
        return Command(action.name, action.parse(data))

    def log_value(self, command: Command) -> str | None:
        """The value a share link records for this command (booleans as 0/1)."""
        action = self.actions[command.action]
        if not action.log:
            return None
        value = command.params.get(action.log)
        if value is None:
            return None
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(value)


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
    def run(room: Room, params: Params, sender: Sender) -> str:
        return room.event(button, params.get("server"))

    return run


def _nothing(room: Room, params: Params, sender: Sender) -> str:
    return ""


def _customer(kind: str) -> Effect:
    def run(room: Room, params: Params, sender: Sender) -> str:
        return room.customer_does(params["customer"], kind)

    return run


# What one class student's phone did, replayed in the lab from the class's link (see
# `lbteach.classroom.room`): nobody sends these live (no roles); only a replay log holds them.
REPLAY_ONLY: frozenset[str] = frozenset()
CUSTOMER_REPLAYS = {
    "cart": "add_to_cart",
    "pay": "checkout",
    "newip": "change_ip",
    "nocookie": "clear_cookies",
}

# Events a button sends; `share` 1.0 makes the lesson unmissable: every mobile customer moves.
EVENTS: dict[str, dict] = {
    "change_ip": {"do": "change_ip", "share": 1.0},
    "clear_cookies": {"do": "clear_cookies", "share": 1.0},
    "expire_sessions": {"do": "expire_sessions"},
    "add_table": {"do": "add_server"},
    "remove_table": {"do": "remove_server"},
    "crash_table": {"do": "crash_server"},
    "restore_table": {"do": "restore_server"},
}
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
            ),
            Action("speed", DRIVERS, parse_speed, lambda room, p, s: room.set_speed(p["speed"])),
            Action("pause", DRIVERS, run=lambda room, p, s: room.pause()),
            Action("resume", DRIVERS, run=lambda room, p, s: room.resume()),
            Action("step", DRIVERS, run=lambda room, p, s: room.step()),
            Action("reset", DRIVERS, run=lambda room, p, s: room.reset()),
            Action(
                "set_balancer",
                DRIVERS,
                parse_balancer,
                lambda room, p, s: room.set_balancer(p["balancer"]),
                log="balancer",
            ),
            Action(
                "shared_sessions",
                DRIVERS,
                parse_shared,
                lambda room, p, s: room.set_shared_sessions(p["shared_sessions"]),
                log="shared_sessions",
            ),
            *(
                Action(
                    name,
                    DRIVERS,
                    parse_optional_table if name in TABLE_EVENTS else no_fields,
                    _event(name),
                    log="server" if name in TABLE_EVENTS else "",
                )
                for name in EVENTS
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
            # A reconnected lab page returns to its run (handled by the lab's service).
            Action("reattach", frozenset({LAB}), parse_reattach, pushes=False),
        ]
    }
)
