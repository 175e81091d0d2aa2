"""What events exist, which fields each takes, and how one is checked before it is applied."""

from __future__ import annotations

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
SERVER_EVENTS = ("remove_server", "crash_server", "restore_server")
# Events about the tables; the rest are about customers, the host's rule or the arrival rate.
TOPOLOGY_EVENTS = ("add_server", *SERVER_EVENTS)


def check_event(
    field: str,
    event: object,
    tables: int,
    regions: list[str],
    balancers,
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
    out: dict[str, object] = {"do": do}
    if "at" in event or need_at:
        out["at"] = check_int(f"{field}.at", event.get("at"), 0, MAX_AT)
    for name, default in fields.items():
        if name not in event and default is None:
            raise ScenarioError(f"{field}.{name}", None, _required(do, name, tables, balancers))
        value = event.get(name, default)
        where = f"{field}.{name}"
        if name == "share":
            value = check_share(where, value)
        elif name == "weight":
            value = check_int(where, value, 1, 10)
        elif name == "region":
            if value != "":
                value = check_choice(where, value, regions)
        elif name == "server":
            value = check_choice(where, value, TABLE_NAMES[:tables])
        elif name == "balancer":
            value = check_choice(where, value, balancers)
        elif name == "value":
            value = check_bool(where, value)
        elif name == "factor":
            value = check_number(where, value, 0.01, 100)
        out[name] = value
    if do == "add_server" and tables >= MAX_TABLES:
        raise ScenarioError(f"{field}.do", do, f"at most {MAX_TABLES} tables (A to Z)")
    return out


def _required(do: str, name: str, tables: int, balancers) -> str:
    if name == "server":
        return f"{do} needs a table name: one of " + ", ".join(TABLE_NAMES[:tables])
    if name == "balancer":
        return "set_balancer needs one of " + ", ".join(balancers)
    if name == "value":
        return "set_shared_sessions needs true or false"
    return "spike needs a factor: a number from 0.01 to 100"
