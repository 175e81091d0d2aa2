"""What a viewer may ask a room to do: the allow-list of actions and the checks on their fields.

A websocket message is JSON text. It is parsed and checked here, before a room sees it,
so a bad message never reaches the engine: it comes back as a `BadCommand` whose text
says what was wrong, for the viewer's status region.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MAX_MESSAGE_BYTES = 16 * 1024
MAX_ADD_CUSTOMERS = 200
SPEEDS = (1, 2, 3, 5, 8, 12, 20, 30, 50, 80)  # requests routed per tick at speed 1..10
TABLE_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class BadCommand(ValueError):
    """A message the room refuses, with a sentence for the viewer."""


@dataclass(frozen=True)
class Command:
    action: str
    params: dict = field(default_factory=dict)


def int_field(data: dict, name: str, low: int, high: int, default: int | None = None) -> int:
    raw = data.get(name, default)
    if raw is None:
        raise BadCommand(f"“{name}” is missing: give a whole number from {low} to {high}.")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise BadCommand(
            f"“{name}” must be a whole number from {low} to {high}, not {str(raw)[:20]!r}."
        ) from None
    if not low <= value <= high:
        raise BadCommand(f"“{name}” must be from {low} to {high}; {value} is out of range.")
    return value


def _table_field(data: dict, required: bool) -> str | None:
    raw = data.get("server")
    if raw in (None, "") and not required:
        return None
    name = str(raw).strip().upper()
    if len(name) != 1 or name not in TABLE_NAME_CHARS:
        raise BadCommand(f"“server” must be a table name such as A or B, not {str(raw)[:20]!r}.")
    return name


def _bool_field(data: dict, name: str) -> bool:
    raw = data.get(name)
    # An unticked checkbox is simply absent from a form, so absence means off.
    return str(raw).lower() in {"on", "true", "1", "yes"} if raw is not None else False


def _no_fields(data: dict) -> dict:
    return {}


# action -> function turning the message's fields into the command's checked params
def _parse_add(data: dict) -> dict:
    return {"count": int_field(data, "count", 1, MAX_ADD_CUSTOMERS, default=10)}


def _parse_speed(data: dict) -> dict:
    return {"speed": int_field(data, "speed", 1, len(SPEEDS))}


def _parse_balancer(data: dict) -> dict:
    raw = data.get("balancer")
    if not isinstance(raw, str) or not raw:
        raise BadCommand("“balancer” is missing: choose one of the balancers in the list.")
    return {"balancer": raw.strip()[:40]}


def _parse_shared(data: dict) -> dict:
    return {"shared_sessions": _bool_field(data, "shared_sessions")}


def _parse_optional_table(data: dict) -> dict:
    return {"server": _table_field(data, required=False)}


ROOM_CODE = re.compile(r"^lab-[A-Za-z0-9_-]{6,40}$")


def _parse_reattach(data: dict) -> dict:
    room = data.get("room")
    if not isinstance(room, str) or not ROOM_CODE.match(room):
        raise BadCommand("That is not a room this page can return to.")
    return {"room": room}


PARSERS = {
    "add_customers": _parse_add,
    "speed": _parse_speed,
    "pause": _no_fields,
    "resume": _no_fields,
    "step": _no_fields,
    "reset": _no_fields,
    "snapshot": _no_fields,
    "reattach": _parse_reattach,
    "set_balancer": _parse_balancer,
    "shared_sessions": _parse_shared,
    "change_ip": _no_fields,
    "clear_cookies": _no_fields,
    "expire_sessions": _no_fields,
    "add_table": _no_fields,
    "remove_table": _parse_optional_table,
    "crash_table": _parse_optional_table,
    "restore_table": _parse_optional_table,
}


def parse_command(
    text: str | None, allowed: frozenset[str] | None = None, parsers: dict | None = None
) -> Command:
    """Turn one websocket text message into a checked Command, or raise BadCommand.

    `parsers` maps each action to the function checking its fields (the lab's by default);
    `allowed` narrows them to what this viewer may do.
    """
    parsers = PARSERS if parsers is None else parsers
    if text is None:
        raise BadCommand("Send commands as JSON text, not binary data.")
    if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise BadCommand(f"That message is over {MAX_MESSAGE_BYTES // 1024} KiB.")
    try:
        data = json.loads(text)
    except ValueError:
        raise BadCommand("That message is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadCommand("A command must be a JSON object with an “action”.")
    data.pop("HEADERS", None)  # htmx's ws-send adds the request headers
    action = data.get("action")
    permitted = parsers.keys() if allowed is None else allowed
    if not isinstance(action, str) or action not in permitted:
        shown = str(action)[:30] if action is not None else "nothing"
        raise BadCommand(f"Unknown action {shown!r}. Use one of the room's buttons.")
    return Command(action, parsers[action](data))
