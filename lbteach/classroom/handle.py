"""What every way into a class's room offers a socket, wherever the room's engine runs.

A class's room runs in exactly one process, its *home* (`lbteach.classroom.home`); every
other process with viewers of that class reaches it through one *relay*
(`lbteach.classroom.relay`). A consumer holds one `RoomHandle` and never needs to know
which it has; `lbteach.classroom.placement` decides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from django.template.loader import render_to_string

from lbteach.lab.actions import Sender
from lbteach.lab.broadcast import Viewer
from lbteach.lab.service import Reply


class RoomEnded(LookupError):
    """The class has ended: there is no room to join."""


def group_name(code: str) -> str:
    return f"room_{code}"


def ended_frame() -> str:
    return render_to_string("classroom/live.html#ended", {"hx_oob": True, "class_ended": True})


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
