"""What each event kind is made of: its fields, their defaults, and how an event is checked.

An event is checked (`check_event`) before anything happens, so a bad one changes nothing.
The scenario checks its events here; what each kind then does lives in `events`. The table
of names here is the one list of events the engine understands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lbteach.sim.balancers import BALANCERS
from lbteach.sim.checks import (
    check_bool,
    check_choice,
    check_int,
    check_keys,
    check_number,
    check_share,
)
from lbteach.sim.errors import ScenarioError
from lbteach.sim.model import MAX_TABLES, TABLE_NAMES

MAX_AT = 5_000_000


@dataclass(frozen=True)
class Where:
    """What an event's fields are checked against: the tables that exist when it happens."""

    tables: int
    regions: list[str]


@dataclass(frozen=True)
class Field:
    check: Callable[[str, object, Where], object]
    needs: Callable[[str, Where], str] = lambda do, where: f"{do} needs this field"


def _region(name: str, value: object, where: Where) -> object:
    return value if value == "" else check_choice(name, value, where.regions)


# field -> how its value is checked, and what to say when a required one is missing
FIELDS: dict[str, Field] = {
    "share": Field(lambda name, value, where: check_share(name, value)),
    "weight": Field(lambda name, value, where: check_int(name, value, 1, 10)),
    "region": Field(_region),
    "server": Field(
        lambda name, value, where: check_choice(name, value, TABLE_NAMES[: where.tables]),
        lambda do, where: (
            f"{do} needs a table name: one of " + ", ".join(TABLE_NAMES[: where.tables])
        ),
    ),
    "balancer": Field(
        lambda name, value, where: check_choice(name, value, BALANCERS),
        lambda do, where: "set_balancer needs one of " + ", ".join(BALANCERS),
    ),
    "value": Field(
        lambda name, value, where: check_bool(name, value),
        lambda do, where: "set_shared_sessions needs true or false",
    ),
    "factor": Field(
        lambda name, value, where: check_number(name, value, 0.01, 100),
        lambda do, where: "spike needs a factor: a number from 0.01 to 100",
    ),
}

# do -> {field: default}; a default of None means the field is required.
EVENT_FIELDS: dict[str, dict[str, object]] = {
    "add_server": {"weight": 1, "region": ""},
    "remove_server": {"server": None},
    "crash_server": {"server": None},
    "restore_server": {"server": None},
    "change_ip": {"share": 1.0},
    "clear_cookies": {"share": 1.0},
    "expire_sessions": {"share": 1.0},
    "set_balancer": {"balancer": None},
    "set_shared_sessions": {"value": None},
    "spike": {"factor": None},
}
EVENT_TYPES = tuple(EVENT_FIELDS)


def check_event(
    field: str,
    event: object,
    tables: int,
    regions: list[str],
    need_at: bool = True,
) -> dict:
    """A normalised copy of one event (defaults filled in), or a ScenarioError.

    `tables` is how many tables exist when the event happens, so a server name can be checked.
    """
    if not isinstance(event, dict):
        raise ScenarioError(field, event, "an event: a table with at least a 'do' field")
    do = event.get("do")
    if do is None:
        raise ScenarioError(f"{field}.do", None, "one of " + ", ".join(EVENT_TYPES))
    check_choice(f"{field}.do", do, EVENT_TYPES)
    fields = EVENT_FIELDS[do]
    check_keys(field, event, {"at", "do", *fields})
    where = Where(tables, regions)
    out: dict[str, object] = {"do": do}
    if "at" in event or need_at:
        out["at"] = check_int(f"{field}.at", event.get("at"), 0, MAX_AT)
    for name, default in fields.items():
        spec = FIELDS[name]
        if name not in event and default is None:
            raise ScenarioError(f"{field}.{name}", None, spec.needs(do, where))
        out[name] = spec.check(f"{field}.{name}", event.get(name, default), where)
    if do == "add_server" and tables >= MAX_TABLES:
        raise ScenarioError(f"{field}.do", do, f"at most {MAX_TABLES} tables (A to Z)")
    return out
