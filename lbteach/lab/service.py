"""The lab's services: open a private room for a page, carry out one viewer message, return
a reconnected page to its run, and let go of rooms nobody watches (`labs`, the live rooms
glue: `lbteach.live.rooms`).

Consumers call these and stay thin: they parse nothing themselves, decide nothing themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from channels.db import database_sync_to_async
from django.conf import settings

from lbteach.lab import runstore
from lbteach.lab.actions import LAB_ACTIONS
from lbteach.lab.frames import FrameRenderer
from lbteach.lab.keeper import keeper
from lbteach.lab.replay import open_from_query
from lbteach.lab.room import LAB_SENDER, Room
from lbteach.lab.sharelink import decode_log
from lbteach.live.actions import Sender
from lbteach.live.broadcast import LiveRoom
from lbteach.live.commands import BadCommand, Command
from lbteach.live.consumers import Reply
from lbteach.live.rooms import Place, Rooms

BUSY_MESSAGE = "The lab is busy right now: try again in a minute."
REPLAYING = "Replaying the shared link… its run appears as soon as it is ready."
STILL_REPLAYING = "Still replaying the shared link: one moment."


# This process's live labs: at most LAB_MAX_ROOMS watched ones; a lab nobody watches is let
# go LAB_REATTACH_SECONDS after its page left, or sooner to make way for a new one.
labs: Rooms[Room] = Rooms(
    keeper,
    max_rooms=lambda: settings.LAB_MAX_ROOMS,
    reattach_seconds=lambda: settings.LAB_REATTACH_SECONDS,
)
registry = labs.registry  # this process's live labs, by code


def lab_is_busy() -> bool:
    """Full of watched labs (LAB_MAX_ROOMS) or, whatever the count, too slow to take one more."""
    return labs.busy()


def will_replay(query: Mapping[str, str]) -> bool:
    """Whether a page's query carries a link log to replay (a malformed one is not replayed:
    its run opens at once, from the beginning, saying why) or names a stored run."""
    if query.get("replay"):
        return True
    try:
        return bool(decode_log(query.get("log", "")))
    except BadCommand:
        return False


async def open_private_room(
    query: Mapping[str, str], address: str, place: Place, compare: bool = False
) -> tuple[LiveRoom[Room], Reply | None]:
    """A new room of one viewer, set up from the page's query string (a share link, or a
    stored run's token), in the `place` the caller reserved (`labs.reserve()`).

    A link's log is replayed in its turn in the replay queue; a link that is malformed, asks
    for too much or waits too long still opens the restaurant, from the beginning, and says
    why.
    """
    code = "lab-" + secrets.token_urlsafe(9)
    try:
        opened = await open_from_query(code, query, address, compare=compare)
    finally:
        place.release()  # the room takes its place in the registry in this same step
    live = labs.add(LiveRoom(opened.room, FrameRenderer(opened.room)), address)
    return live, Reply(opened.said, error=opened.error) if opened.said else None


class Page:
    """A lab page's hold on its room: the host the lab's action table dispatches on.

    `live` is None while the page's link is still replaying: there is no room yet, so only an
    action on the page itself (an async effect: a reconnected page's return to its earlier
    run) means anything.
    """

    def __init__(self, live: LiveRoom[Room] | None, address: str) -> None:
        self.live = live
        self.address = address

    def admit(self, command: Command, sender: Sender) -> None:
        if self.live is None and LAB_ACTIONS[command.action].run_async is None:
            raise BadCommand(STILL_REPLAYING)

    def apply(self, command: Command, sender: Sender) -> str:
        assert self.live is not None  # admit() let nothing else through while replaying
        return self.live.room.apply(command, sender)

    async def changed(self, command: Command) -> None:
        assert self.live is not None
        self.live.push()
        keeper().changed_by_command(self.live)

    async def reattach(self, code: str) -> str:
        """Return to an earlier room: in this process, being let go, or as last saved.
        The page stays where it is (and is told why) when there is none to return to."""
        current = self.live
        earlier = labs.get(code)
        if earlier is None:
            restored = await database_sync_to_async(_restore)(code)
            earlier = labs.get(code)  # back while we read?
            if earlier is None and restored is not None:
                earlier = LiveRoom(restored, FrameRenderer(restored))
        if earlier is None or earlier is current:
            if current is None:
                return f"That run has ended. {REPLAYING}"
            return "That run has ended; this is a fresh restaurant."
        if earlier.viewers:
            raise BadCommand("That run is open in another window.")
        if registry.get(code) is not earlier:
            labs.make_way()
            labs.add(earlier, self.address, worth_keeping=True)
        self.live = earlier
        return "Reconnected: carrying on where you were."


async def handle_message(
    live: LiveRoom[Room] | None, text: str | None, address: str
) -> tuple[Reply, LiveRoom[Room] | None]:
    """Check one message and carry it out (the lab's table dispatches it), pushing the
    resulting frame; a bad one changes nothing.

    Returns the reply and the room the viewer watches from now on: the same one (None while
    its link replays), or, after a reconnect, the earlier room the page asked to return to.
    """
    page = Page(live, address)
    reply = await LAB_ACTIONS.dispatch(page, text, LAB_SENDER)
    return reply, page.live


def _restore(code: str) -> Room | None:
    state = runstore.load(code)
    return Room.from_dict(state) if state else None
