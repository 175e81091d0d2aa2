"""Reading a viewer's message: size and JSON checks, and the checks on each kind of field.

A websocket message is JSON text. It is read and its fields are checked here, before a
room sees it, so a bad message never reaches the engine: it comes back as a `BadCommand`
whose text says what was wrong, for the viewer's status region. Which actions exist and
which fields each takes is declared once, in an action table (`lbteach.live.actions`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGE_BYTES = 16 * 1024
# Deeper JSON than this is refused before it is parsed: a 6 KB message of 3,000 nested
# brackets would otherwise exhaust the parser's recursion limit.
MAX_JSON_DEPTH = 20
MAX_ADD_CUSTOMERS = 200
SPEEDS = (1, 2, 3, 5, 8, 12, 20, 30, 50, 80)  # requests routed per tick at speed 1..10
TABLE_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ROOM_CODE = re.compile(r"^lab-[A-Za-z0-9_-]{6,40}$")


class BadCommand(ValueError):
    """A message the room refuses, with a sentence for the viewer."""


@dataclass(frozen=True)
class Command:
    action: str
    params: dict[str, Any] = field(default_factory=dict)


def message_size(text: str | None, data: bytes | None = None) -> int:
    return len(text.encode("utf-8")) if text else len(data or b"")


def _nesting(text: str) -> int:
    """How deeply brackets nest in `text`, ignoring those inside strings (a cheap scan)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def read_message(text: str | None) -> dict[str, Any]:
    """The JSON object a message carries, or BadCommand saying what is wrong with it."""
    if text is None:
        raise BadCommand("Send commands as JSON text, not binary data.")
    if message_size(text) > MAX_MESSAGE_BYTES:
        raise BadCommand(f"That message is over {MAX_MESSAGE_BYTES // 1024} KiB.")
    if _nesting(text) > MAX_JSON_DEPTH:
        raise BadCommand(f"That message nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(text)
    except ValueError:
        raise BadCommand("That message is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadCommand("A command must be a JSON object with an “action”.")
    data.pop("HEADERS", None)  # htmx's ws-send adds the request headers
    return data


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


def text_field(data: dict, name: str, hint: str, limit: int = 40) -> str:
    raw = data.get(name)
    if not isinstance(raw, str) or not raw.strip():
        raise BadCommand(f"“{name}” is missing: {hint}.")
    return raw.strip()[:limit]


def table_field(data: dict, required: bool) -> str | None:
    raw = data.get("server")
    if raw in (None, "") and not required:
        return None
    name = str(raw).strip().upper()
    if len(name) != 1 or name not in TABLE_NAME_CHARS:
        raise BadCommand(f"“server” must be a table name such as A or B, not {str(raw)[:20]!r}.")
    return name


def bool_field(data: dict, name: str) -> bool:
    raw = data.get(name)
    # An unticked checkbox is simply absent from a form, so absence means off.
    return str(raw).lower() in {"on", "true", "1", "yes"} if raw is not None else False


def room_code_field(data: dict) -> str:
    room = data.get("room")
    if not isinstance(room, str) or not ROOM_CODE.match(room):
        raise BadCommand("That is not a room this page can return to.")
    return room
