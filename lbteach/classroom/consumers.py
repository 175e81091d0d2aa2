"""The classroom's websocket consumer: who is connecting, then frames out and commands in."""

from __future__ import annotations

from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from lbteach.classroom import service
from lbteach.classroom.live import Member, RoomEnded, ended_frame, open_room
from lbteach.classroom.room import STUDENT
from lbteach.lab.broadcast import CLOSE_TOO_BIG, Viewer
from lbteach.lab.commands import MAX_MESSAGE_BYTES
from lbteach.lab.ratelimit import TokenBucket
from lbteach.lab.service import Reply

FORBIDDEN = 4403


def session_from(cookies: dict):
    """The browser's Django session, read from its cookie (the session engine's store)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key=cookies.get(settings.SESSION_COOKIE_NAME))


def identify(code: str, role: str, cookies: dict) -> tuple[int | None, str, int | None] | None:
    """(student id, nickname, customer) for a student, (None, "", None) for the teacher's
    screens, or None when this browser may not open this role in this class."""
    session = session_from(cookies)
    try:
        classroom = service.open_class(code)
    except service.ClassNotFound:
        return None
    if role == STUDENT:
        student = service.student_in(classroom, session)
        return (student.pk, student.nickname, student.customer) if student else None
    return (None, "", None) if service.is_teacher(classroom, session) else None


class ClassConsumer(AsyncWebsocketConsumer):
    # No channel of its own: frames reach viewers through the in-process registry, and
    # other processes reach a room through its relay (DESIGN.md: one channel per room).
    channel_layer_alias = "none"

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.code, self.role = kwargs["code"], kwargs["role"]
        cookies = self.scope.get("cookies", {})
        who = await database_sync_to_async(identify)(self.code, self.role, cookies)
        if who is None:
            await self.close(code=FORBIDDEN)
            return
        student, nickname, customer = who
        try:
            self.handle = await open_room(self.code)
        except RoomEnded:
            await self.accept()
            await self.send(text_data=ended_frame())
            await self.close(code=1000)
            return
        await self.accept()
        self.bucket = TokenBucket(settings.LAB_COMMAND_RATE, settings.LAB_COMMAND_BURST)
        self.member = Member(Viewer(self._send_frame, close=self._close_with), self.role, student)
        # Join first, so the card that seating produces finds this screen (here or remote).
        self.handle.join(self.member)
        if self.role == STUDENT:
            await self.handle.seat(self.member, student, nickname, customer)

    async def receive(self, text_data=None, bytes_data=None):
        if not hasattr(self, "member"):
            return
        size = len(text_data.encode("utf-8")) if text_data else len(bytes_data or b"")
        if size > MAX_MESSAGE_BYTES:
            limit = f"That message is {size} bytes; the limit is {MAX_MESSAGE_BYTES}."
            await self.send(text_data=Reply(limit, error=True).render())
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self.bucket.allow():
            reply = Reply("Too many commands at once: wait a moment and try again.", True)
        else:
            reply = await self.handle.command(self.member, text_data)
        if reply.message:
            self.member.viewer.offer_now(reply.render())
        elif not reply.error and hasattr(self.handle, "snapshot_for"):
            # A snapshot asked of this process's home; a relay's comes back through the home.
            self.member.viewer.offer_now(self.handle.snapshot_for(self.role, self.member.student))

    async def disconnect(self, code):
        if hasattr(self, "member"):
            self.handle.leave(self.member)

    async def _send_frame(self, frame: str) -> None:
        await self.send(text_data=frame)

    async def _close_with(self, code: int) -> None:
        await self.close(code=code)
