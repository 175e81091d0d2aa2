"""What every way into a class's room offers a socket, wherever the room's engine runs.

A class's room runs in exactly one process, its *home* (`lbteach.classroom.home`); every
other process with viewers of that class reaches it through one *relay*
(`lbteach.classroom.relay`). A consumer holds one `RoomHandle` and never needs to know
which it has; `lbteach.classroom.placement` decides.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lbteach.live.actions import Sender
from lbteach.live.broadcast import Viewer
from lbteach.live.consumers import Reply

log = logging.getLogger(__name__)
# Waits between tries while the channel layer (Redis) cannot be reached: short at first, so
# a blip costs little, never long, so frames flow again within seconds of it coming back.
LAYER_RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0)
RECONNECTING = "The class is reconnecting to the other servers: one moment."


class RoomEnded(LookupError):
    """The class has ended: there is no room to join."""


def group_name(code: str) -> str:
    return f"room_{code}"


@dataclass(eq=False)
class Member:
    """One connected screen: the teacher's, the projector's or a student's phone."""

    viewer: Viewer
    role: str
    student: int | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def sender(self) -> Sender:
        return Sender(self.role, self.student)


class RoomHandle(Protocol):
    """A socket's way into its class's room."""

    def join(self, member: Member) -> None:
        """Start sending this screen the room's frames (a snapshot first)."""

    def leave(self, member: Member) -> None: ...

    async def seat(self, member: Member, nickname: str) -> None:
        """Make sure a student's screen has a customer of its own in the room."""

    async def command(self, member: Member, text: str | None) -> Reply:
        """Carry out one message; the reply may instead arrive later as a frame."""

    def snapshot_for(self, member: Member) -> str | None:
        """This screen's full picture now, or None when it arrives as a frame later."""


async def receive_forever(
    layer: Any, channel: str, handle: Callable[[dict], Awaitable[None]], code: str
) -> None:
    """Hand every message on `channel` to `handle`, surviving a channel layer that goes away
    (Redis restarting, say) and carrying on when it is back."""
    failures = 0
    while True:
        try:
            message = await layer.receive(channel)
        except asyncio.CancelledError:
            raise
        except Exception:
            if not failures:
                log.warning("class %s: the channel layer is unreachable; retrying", code)
            await asyncio.sleep(LAYER_RETRY_SECONDS[min(failures, len(LAYER_RETRY_SECONDS) - 1)])
            failures += 1
            continue
        if failures:
            log.warning("class %s: the channel layer is back after %d tries", code, failures)
            failures = 0
        try:
            await handle(message)
        except Exception:
            log.exception("class %s: failed on %s", code, message.get("type"))
