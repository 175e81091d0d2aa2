"""The lab's services: open a private room for a page, and carry out one viewer message.

Consumers call these and stay thin: parse nothing themselves, decide nothing themselves.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.template.loader import render_to_string

from lbteach.lab.broadcast import LiveRoom, registry
from lbteach.lab.commands import BadCommand, parse_command
from lbteach.lab.room import LabSetup, Room


@dataclass(frozen=True)
class Reply:
    """What the sender alone is told: a status line, and whether it reports an error."""

    message: str
    error: bool = False

    def render(self) -> str:
        return render_to_string(
            "lab/live.html#status", {"message": self.message, "error": self.error, "hx_oob": True}
        )


def open_private_room(query, compare: bool = False) -> tuple[LiveRoom, Reply | None]:
    """A new room of one viewer, set up from the page's query string (a share link)."""
    setup = LabSetup.from_query(query, compare=compare)
    code = "lab-" + secrets.token_urlsafe(9)
    try:
        room = Room(code, setup, log=query.get("log", ""))
        reply = None
    except BadCommand as error:
        # A tampered share link still opens the restaurant, just without its history.
        room = Room(code, setup)
        reply = Reply(f"{error} Started the run from the beginning instead.", error=True)
    return registry.add(LiveRoom(room)), reply


def handle_message(live: LiveRoom, text: str | None) -> tuple[Reply, LiveRoom]:
    """Check one message and apply it, pushing the resulting frame; a bad one changes nothing.

    Returns the reply and the room the viewer watches from now on: the same one, or, after a
    reconnect, the earlier room the page asked to return to.
    """
    try:
        command = parse_command(text)
        if command.action == "reattach":
            return reattach(live, command.params["room"])
        message = live.room.apply(command)
    except BadCommand as error:
        return Reply(str(error), error=True), live
    if command.action == "snapshot":
        return Reply(""), live
    live.push()
    return Reply(message), live


def reattach(live: LiveRoom, code: str) -> tuple[Reply, LiveRoom]:
    """Return a reconnected page to its earlier private room, if nobody else holds it."""
    earlier = registry.get(code)
    if earlier is None or earlier is live:
        return Reply("That run has ended; this is a fresh restaurant."), live
    if earlier.viewers:
        return Reply("That run is open in another window.", error=True), live
    return Reply("Reconnected: carrying on where you were."), earlier


def forget_if_unwatched(code: str) -> None:
    """Close a private room nobody came back to (a page gets REATTACH_SECONDS to return)."""
    live = registry.get(code)
    if live is not None and not live.viewers:
        registry.discard(code)
