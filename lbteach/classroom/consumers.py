"""The classroom's websocket consumer: who is connecting, then frames out and commands in."""

from __future__ import annotations

import logging
from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from lbteach.classroom import ending, identity, lifecycle
from lbteach.classroom.handle import RECONNECTING, Member, RoomEnded, RoomHandle
from lbteach.classroom.models import Classroom
from lbteach.classroom.placement import open_room
from lbteach.classroom.room import PROJECTOR, STUDENT
from lbteach.live.broadcast import CLOSE_MOVED
from lbteach.live.consumers import Reply, RoomConsumer
from lbteach.live.ratelimit import TokenBucket, people, shared_allows

FORBIDDEN = 4403
log = logging.getLogger(__name__)


def session_from(cookies: dict[str, str]) -> SessionBase:
    """The browser's Django session, read from its cookie (the session engine's store)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key=cookies.get(settings.SESSION_COOKIE_NAME))


def identify(code: str, role: str, cookies: dict) -> tuple[int | None, str] | None:
    """(student id, nickname) for a student, (None, "") for the teacher's screens, or None
    when this browser may not open this role in this class (open, or ended with its results
    kept: then the screen is shown its ending)."""
    session = session_from(cookies)
    classroom: Classroom | None
    try:
        classroom = lifecycle.open_class(code)
    except lifecycle.ClassNotFound:
        classroom = lifecycle.ended_class(code)
    if classroom is None:
        return None
    if role == STUDENT:
        student = identity.student_in(classroom, session)
        return (student.pk, student.nickname) if student else None
    if role == PROJECTOR:
        return (None, "") if identity.may_project(classroom, session) else None
    return (None, "") if identity.is_teacher(classroom, session) else None


class ClassConsumer(RoomConsumer):
    handle: RoomHandle
    member: Member

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.code, self.role = kwargs["code"], kwargs["role"]
        cookies = self.scope.get("cookies", {})
        who = await database_sync_to_async(identify)(self.code, self.role, cookies)
        if who is None:
            await self.close(code=FORBIDDEN)
            return
        student, nickname = who
        try:
            self.handle = await open_room(self.code)
        except RoomEnded:
            await self.accept()
            frame = await database_sync_to_async(ending.screen_frame)(self.code, self.role, student)
            await self.send(text_data=frame)
            await self.close(code=1000)
            return
        except Exception:
            # The other servers cannot be reached (Redis down): the page tries again shortly.
            log.warning("class %s: could not open its room", self.code, exc_info=True)
            await self.refuse(RECONNECTING, CLOSE_MOVED)
            return
        await self.accept()
        self.viewer = self.new_viewer()
        self.member = Member(self.viewer, self.role, student)
        self.bucket = self.rate_bucket()
        # Join first, so the card that seating produces finds this screen (here or remote).
        self.handle.join(self.member)
        if self.role == STUDENT:
            await self.handle.seat(self.member, nickname)

    def rate_bucket(self) -> TokenBucket:
        """One budget per person: a student's every socket shares it, and so do the teacher's
        screens (the teacher page and the projector)."""
        return people.get(self.person(), settings.LAB_COMMAND_RATE, settings.LAB_COMMAND_BURST)

    def person(self) -> tuple[str, ...]:
        who = ("student", str(self.member.student)) if self.role == STUDENT else ("teacher",)
        return (self.code, *who)

    async def within_budget(self) -> bool:
        """This person's budget; with Redis, one bucket across every process (a student with
        sockets on two processes gets one budget, not two)."""
        if not settings.REDIS_URL:
            return self.bucket.allow()
        name = "class-commands:" + ":".join(self.person())
        return await shared_allows(name, settings.LAB_COMMAND_RATE, settings.LAB_COMMAND_BURST)

    async def command(self, text: str | None) -> Reply:
        return await self.handle.command(self.member, text)

    def snapshot(self) -> str | None:
        return self.handle.snapshot_for(self.member)

    async def disconnect(self, code: int) -> None:
        if self.viewer is not None:
            self.handle.leave(self.member)
