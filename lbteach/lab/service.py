"""The lab's services: open a private room for a page, carry out one viewer message, return
a reconnected page to its run, and let go of rooms nobody watches.

Consumers call these and stay thin: they parse nothing themselves, decide nothing themselves.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.template.loader import render_to_string

from lbteach.lab import runstore
from lbteach.lab.actions import LAB, LAB_ACTIONS
from lbteach.lab.broadcast import LiveRoom, registry, slowest_round
from lbteach.lab.commands import BadCommand
from lbteach.lab.keeper import keeper
from lbteach.lab.replay import room_from_link_off_loop
from lbteach.lab.room import Room
from lbteach.lab.sharelink import LabSetup

BUSY_MESSAGE = "The lab is busy right now: try again in a minute."


class LabBusy(RuntimeError):
    """This process already runs LAB_MAX_ROOMS labs."""


@dataclass(frozen=True)
class Reply:
    """What the sender alone is told: a status line, and whether it reports an error."""

    message: str
    error: bool = False

    def render(self) -> str:
        return render_to_string(
            "lab/live.html#status", {"message": self.message, "error": self.error, "hx_oob": True}
        )


# A round of ticks slower than this means the labs already open would soon wait more than
# 2 s for a frame: no new lab until it speeds up again (bench/lab_rooms.py).
BUSY_INTERVAL_SECONDS = 1.5


def lab_is_busy() -> bool:
    """Full (LAB_MAX_ROOMS) or, whatever the count, too slow to take one more."""
    return len(registry) >= settings.LAB_MAX_ROOMS or slowest_round() > BUSY_INTERVAL_SECONDS


async def open_private_room(
    query: Mapping[str, str], compare: bool = False
) -> tuple[LiveRoom, Reply | None]:
    """A new room of one viewer, set up from the page's query string (a share link).

    A link's log is replayed in a worker thread; a link that is malformed or asks for too
    much still opens the restaurant, from the beginning, and says why.
    """
    if lab_is_busy():
        raise LabBusy(BUSY_MESSAGE)
    setup = LabSetup.from_query(query, compare=compare)
    code = "lab-" + secrets.token_urlsafe(9)
    room, problem = await room_from_link_off_loop(code, setup, query.get("log", ""))
    live = registry.add(LiveRoom(room))
    keeper().watch(live)
    return live, Reply(problem, error=True) if problem else None


async def handle_message(live: LiveRoom, text: str | None) -> tuple[Reply, LiveRoom]:
    """Check one message and apply it, pushing the resulting frame; a bad one changes nothing.

    Returns the reply and the room the viewer watches from now on: the same one, or, after a
    reconnect, the earlier room the page asked to return to.
    """
    try:
        command = LAB_ACTIONS.parse(text, LAB)
        if command.action == "reattach":
            return await reattach(live, command.params["room"])
        message = live.room.apply(command)
    except BadCommand as error:
        return Reply(str(error), error=True), live
    if not LAB_ACTIONS[command.action].pushes:
        return Reply(""), live
    live.push()
    keeper().changed_by_command(live)
    return Reply(message), live


def _restore(code: str) -> Room | None:
    state = runstore.load(code)
    return Room.from_dict(state) if state else None


async def reattach(live: LiveRoom, code: str) -> tuple[Reply, LiveRoom]:
    """Return a reconnected page to its earlier room: in this process, or as last saved."""
    earlier = registry.get(code)
    if earlier is None:
        restored = await database_sync_to_async(_restore)(code)
        earlier = registry.get(code)  # it may have come back while we read
        if earlier is None and restored is not None:
            earlier = registry.add(LiveRoom(restored))
            keeper().watch(earlier)
    if earlier is None or earlier is live:
        return Reply("That run has ended; this is a fresh restaurant."), live
    if earlier.viewers:
        return Reply("That run is open in another window.", error=True), live
    return Reply("Reconnected: carrying on where you were."), earlier


def drop_room(old: LiveRoom) -> None:
    """A page moved to its earlier run: the room it opened meanwhile goes at once."""
    registry.discard(old.room.code)
    keeper().forget(old)


def left(live: LiveRoom) -> None:
    """A viewer left: if nobody watches, the room stops ticking now and, unless its page
    comes back within LAB_REATTACH_SECONDS, is saved and let go."""
    if live.viewers:
        return
    asyncio.get_running_loop().call_later(
        settings.LAB_REATTACH_SECONDS, _release_if_unwatched, live
    )


def _release_if_unwatched(live: LiveRoom) -> None:
    if live.viewers or registry.get(live.room.code) is not live:
        return
    registry.discard(live.room.code)
    keeper().release(live)
