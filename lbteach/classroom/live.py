"""Run each class's room in exactly one process, and reach it from every process.

The process that runs a room's engine is its *home* (recorded in the database with a
heartbeat). It ticks the room, renders each frame once, hands it to its own viewers and
sends it once to the channel-layer group `room_{code}`. Every other process that has
viewers of that room joins the group with ONE relay channel and fans each frame out to its
own viewers; their commands travel to the home's channel and the reply comes back. When a
home goes silent (its process stopped), the next process to need the room claims it and
restores it from the state the old home saved. With the embedded defaults there is one
process, and it is always the home.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.template.loader import render_to_string

from lbteach.classroom import service
from lbteach.classroom.frames import ClassFrameRenderer, render_student, render_students
from lbteach.classroom.room import STUDENT, ClassRoom, now_ms, parse_class_command
from lbteach.lab.broadcast import CLOSE_MOVED, LiveRoom, Viewer
from lbteach.lab.commands import BadCommand, Command
from lbteach.lab.service import Reply
from lbteach.quiz import bank

log = logging.getLogger(__name__)

KEEPER_SECONDS = 1.0
RELAY_KEEPALIVE_SECONDS = 5.0
# A home with no viewers anywhere stops ticking after this long (it resumes on the next one).
UNWATCHED_SECONDS = 30.0


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


def ended_frame() -> str:
    return render_to_string("classroom/live.html#ended", {"hx_oob": True, "class_ended": True})


class ClassHome:
    """This process runs the room: engine, frames, saving, and answering other processes."""

    def __init__(self, code: str, room: ClassRoom, channel: str) -> None:
        self.code = code
        self.room = room
        self.channel = channel
        self.layer = get_channel_layer()
        self.live = LiveRoom(room, renderer=ClassFrameRenderer(room))
        self.live.keep_ticking = True
        self.live.on_push = self._after_push
        self.phones: dict[int, set[Viewer]] = {}
        self.cards: dict[int, str] = {}
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.dirty = True
        self.active = True
        self.remote_seen = 0.0
        self.last_used = time.monotonic()
        self.tasks: list[asyncio.Task] = []
        self.closed = False

    # -- life -------------------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.tasks = [
            loop.create_task(self._listen()),
            loop.create_task(self._send_outbox()),
            loop.create_task(self._keep()),
        ]
        self.live.start_ticking()

    def _stop(self) -> None:
        self.closed = True
        self.live.stop_ticking()
        for task in self.tasks:
            task.cancel()
        homes.pop(self.code, None)

    def _watched(self) -> bool:
        local = bool(self.live.viewers) or any(self.phones.values())
        return local or time.monotonic() - self.remote_seen < UNWATCHED_SECONDS

    async def _keep(self) -> None:
        """Heartbeat, save what changed, end an idle class, rest when nobody watches."""
        while True:
            await asyncio.sleep(KEEPER_SECONDS)
            state = self.room.to_dict() if self.dirty else None
            self.dirty = False
            try:
                still_home = await database_sync_to_async(service.heartbeat)(
                    self.code, self.channel, state, self.active
                )
            except Exception:
                log.exception("class %s: heartbeat failed", self.code)
                self.dirty = self.dirty or state is not None
                continue
            if self.active:
                self.last_used = time.monotonic()
            self.active = False
            if not still_home:
                # Another process took the room over (we stalled): hand our viewers to it.
                log.warning("class %s: lost its home to another process", self.code)
                self._drop_everyone(code=CLOSE_MOVED)
                self._stop()
                return
            self.outbox.put_nowait({"type": "room.beat"})
            if time.monotonic() - self.last_used > settings.CLASS_IDLE_MINUTES * 60:
                log.info(
                    "class %s: idle for %s minutes, ending it",
                    self.code,
                    settings.CLASS_IDLE_MINUTES,
                )
                await self.end()
                return
            if self._watched():
                self.live.start_ticking()
            else:
                self.live.stop_ticking()

    def _drop_everyone(self, code: int) -> None:
        for viewer in [*self.live.viewers, *(v for vs in self.phones.values() for v in vs)]:
            if viewer.close:
                asyncio.get_running_loop().create_task(viewer.close(code))

    async def _send_outbox(self) -> None:
        """One sender, so relays get frames in the order they were made."""
        while True:
            message = await self.outbox.get()
            try:
                if "to" in message:
                    to = message.pop("to")
                    await self.layer.send(to, message)
                else:
                    await self.layer.group_send(group_name(self.code), message)
            except Exception:
                log.exception("class %s: could not reach the other processes", self.code)

    async def _listen(self) -> None:
        """Commands, seats and snapshot requests from viewers on other processes."""
        while True:
            message = await self.layer.receive(self.channel)
            self.remote_seen = time.monotonic()
            handler = getattr(self, message.get("type", "").replace(".", "_"), None)
            if handler is None:
                continue
            try:
                await handler(message)
            except Exception:
                log.exception("class %s: failed on %s", self.code, message.get("type"))

    # -- frames -----------------------------------------------------------------------------
    def _after_push(self, frame: str) -> None:
        self.dirty = True
        self.outbox.put_nowait({"type": "room.frame", "frame": frame})
        self._push_cards()

    def _push_cards(self) -> None:
        for student, card in render_students(self.room).items():
            if self.cards.get(student) == card:
                continue
            self.cards[student] = card
            for viewer in self.phones.get(student, ()):
                viewer.offer_now(card)
            self.outbox.put_nowait({"type": "room.student", "student": student, "frame": card})

    def snapshot_for(self, role: str, student: int | None) -> str:
        if role == STUDENT:
            return render_student(self.room, student) if student in self.room.seats else ""
        return self.live.snapshot()

    # -- viewers in this process ------------------------------------------------------------
    def join(self, member: Member) -> None:
        if member.role == STUDENT:
            self.phones.setdefault(member.student, set()).add(member.viewer)
            member.viewer.start()
            member.viewer.offer_now(self.snapshot_for(STUDENT, member.student))
        else:
            self.live.join(member.viewer)

    def leave(self, member: Member) -> None:
        if member.role == STUDENT:
            member.viewer.stop()
            self.phones.get(member.student, set()).discard(member.viewer)
        else:
            self.live.leave(member.viewer)

    async def seat(self, member: Member, student: int, nickname: str, customer: int | None) -> None:
        new = self.room.seat(student, nickname, customer)
        if new != customer:
            await database_sync_to_async(service.set_customer)(student, new)
        self.active = True
        self.live.push()

    async def command(self, member: Member, text: str | None) -> Reply:
        return await self.handle(member.role, member.student, text)

    # -- what a command does ----------------------------------------------------------------
    async def handle(self, role: str, student: int | None, text: str | None) -> Reply:
        try:
            command = parse_class_command(text, role)
            if command.action == "snapshot":
                return Reply("")
            if command.action == "end_class":
                await self.end()
                return Reply("")
            message = await self._apply(command, student)
        except BadCommand as error:
            return Reply(str(error), error=True)
        self.active = True
        if not self.closed:
            self.live.push()
        return Reply(message)

    async def _apply(self, command: Command, student: int | None) -> str:
        room = self.room
        action, params = command.action, command.params
        if action in ("add_to_cart", "switch_network", "clear_cookies", "checkout"):
            note = room.student_action(student, action)
            if action == "checkout" or room.seats[student].broken:  # tallied for the results
                await database_sync_to_async(service.count_action)(
                    student, action, room.seats[student].broken
                )
            return note
        if action == "answer":
            correct = room.answer(student, params["choice"], now_ms())
            bank_keys = sorted(room.quiz["bank_keys"][n] for n in params["choice"])
            await database_sync_to_async(service.record_answer)(
                room.quiz["id"], student, bank_keys, correct
            )
            return "Answer received. Wait for the reveal."
        if action == "add_bots":
            return room.apply(Command("add_customers", {"count": params["count"]})).replace(
                "customers", "bots"
            )
        if action == "push_question":
            return await self._push_question(params["question"], params["seconds"])
        if action == "reveal_question":
            message = room.reveal()
            await database_sync_to_async(service.mark_revealed)(room.quiz["id"])
            return message
        if action == "close_question":
            return room.close_question()
        if action == "leaderboard":
            room.show_leaderboard = params["show"]
            room.leaderboard_names = params["names"]
            return "Leaderboard shown." if params["show"] else "Leaderboard hidden."
        return room.apply(command)

    async def _push_question(self, key: str, seconds: int) -> str:
        question = await database_sync_to_async(bank.get_question)(key)
        if question is None:
            raise BadCommand(f"There is no question {key[:40]!r} in the bank.")
        record = await database_sync_to_async(service.record_question)(
            self.code, key, question.prompt, seconds
        )
        message = self.room.open_question(question, seconds, record, now_ms())
        await database_sync_to_async(service.record_layout)(record, self.room.quiz)
        return message

    async def end(self) -> None:
        self.room.ended = True
        await database_sync_to_async(service.end_class)(self.code)
        await database_sync_to_async(service.heartbeat)(
            self.code, self.channel, self.room.to_dict(), True
        )
        frame = ended_frame()
        for viewer in [*self.live.viewers, *(v for vs in self.phones.values() for v in vs)]:
            viewer.offer_now(frame)
        await self.layer.group_send(group_name(self.code), {"type": "room.ended"})
        self._stop()

    # -- messages from relays (dispatched by _listen) ----------------------------------------
    async def room_command(self, message: dict) -> None:
        reply = await self.handle(message["role"], message.get("student"), message["text"])
        frame = reply.render() if reply.message else ""
        if not reply.message and not reply.error:
            frame = self.snapshot_for(message["role"], message.get("student"))
        self._reply(message, frame)

    async def room_seat(self, message: dict) -> None:
        await self.seat(None, message["student"], message["nickname"], message.get("customer"))
        self._reply(message, self.snapshot_for(STUDENT, message["student"]))

    async def room_snapshot_request(self, message: dict) -> None:
        self._reply(message, self.snapshot_for(message["role"], message.get("student")))

    async def room_keepalive(self, message: dict) -> None:
        self.live.start_ticking()

    def _reply(self, message: dict, frame: str) -> None:
        if frame:
            self.outbox.put_nowait(
                {
                    "to": message["reply_to"],
                    "type": "room.reply",
                    "viewer": message["viewer"],
                    "frame": frame,
                }
            )


class ClassRelay:
    """This process's single channel into a room whose home is another process."""

    def __init__(self, code: str, home_channel: str) -> None:
        self.code = code
        self.home_channel = home_channel
        self.layer = get_channel_layer()
        self.channel = ""
        self.members: dict[str, Member] = {}
        self.last_beat = time.monotonic()
        self.tasks: list[asyncio.Task] = []
        self.closed = False

    async def start(self) -> None:
        self.channel = await self.layer.new_channel("relay.")
        await self.layer.group_add(group_name(self.code), self.channel)
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._listen()), loop.create_task(self._watch())]

    async def _stop(self) -> None:
        self.closed = True
        relays.pop(self.code, None)
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        await self.layer.group_discard(group_name(self.code), self.channel)

    async def _listen(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            self.last_beat = time.monotonic()
            handler = getattr(self, message.get("type", "").replace(".", "_"), None)
            if handler is not None:
                handler(message)

    async def _watch(self) -> None:
        """Keep the home ticking for us; if it falls silent, take the room over."""
        while True:
            await asyncio.sleep(RELAY_KEEPALIVE_SECONDS / 2)
            if self.members:
                await self._to_home({"type": "room.keepalive"})
            silent = time.monotonic() - self.last_beat
            if silent > settings.CLASS_HOME_STALE_SECONDS + KEEPER_SECONDS:
                log.warning("class %s: home silent for %.1f s; taking over", self.code, silent)
                # Viewers reconnect and find the room where it now is (or restore it here).
                for member in list(self.members.values()):
                    if member.viewer.close:
                        await member.viewer.close(CLOSE_MOVED)
                await self._stop()
                return

    async def _to_home(self, message: dict) -> None:
        await self.layer.send(self.home_channel, message)

    def _ask(self, member: Member, **message) -> dict:
        return {
            **message,
            "reply_to": self.channel,
            "viewer": member.id,
            "role": member.role,
            "student": member.student,
        }

    # -- viewers in this process ------------------------------------------------------------
    def join(self, member: Member) -> None:
        self.members[member.id] = member
        member.viewer.start()
        asyncio.get_running_loop().create_task(
            self._to_home(self._ask(member, type="room.snapshot_request"))
        )

    def leave(self, member: Member) -> None:
        member.viewer.stop()
        self.members.pop(member.id, None)
        if not self.members and not self.closed:
            asyncio.get_running_loop().create_task(self._stop())

    async def seat(self, member: Member, student: int, nickname: str, customer: int | None) -> None:
        await self._to_home(
            self._ask(member, type="room.seat", nickname=nickname, customer=customer)
            | {"student": student}
        )

    async def command(self, member: Member, text: str | None) -> Reply:
        await self._to_home(self._ask(member, type="room.command", text=text))
        return Reply("")  # the reply comes back through the relay channel

    # -- messages from the home (dispatched by _listen) --------------------------------------
    def room_frame(self, message: dict) -> None:
        for member in self.members.values():
            if member.role != STUDENT:
                member.viewer.offer(message["frame"], lambda: None)

    def room_student(self, message: dict) -> None:
        for member in self.members.values():
            if member.student == message["student"]:
                member.viewer.offer_now(message["frame"])

    def room_reply(self, message: dict) -> None:
        member = self.members.get(message["viewer"])
        if member:
            member.viewer.offer_now(message["frame"])

    def room_beat(self, message: dict) -> None:
        pass  # _listen already noted that the home is alive

    def room_ended(self, message: dict) -> None:
        frame = ended_frame()
        for member in self.members.values():
            member.viewer.offer_now(frame)


homes: dict[str, ClassHome] = {}
relays: dict[str, ClassRelay] = {}
_locks: dict[str, asyncio.Lock] = {}


async def open_room(code: str) -> ClassHome | ClassRelay:
    """This process's way into a class's room: its home if here, else a relay to the home."""
    lock = _locks.setdefault(code, asyncio.Lock())
    async with lock:
        if code in homes:
            return homes[code]
        if code in relays and not relays[code].closed:
            return relays[code]
        layer = get_channel_layer()
        for _ in range(3):
            info = await database_sync_to_async(service.home_info)(code)
            if info.ended:
                raise RoomEnded(code)
            # One process (no Redis): any other recorded home is a previous run of this one.
            shared = bool(settings.REDIS_URL)
            if shared and info.fresh:
                relay = ClassRelay(code, info.home_channel)
                await relay.start()
                relays[code] = relay
                return relay
            channel = await layer.new_channel("home.")
            claim = service.claim_home if shared else service.take_home
            if await database_sync_to_async(claim)(code, channel):
                room = ClassRoom.from_dict(info.state) if info.state else ClassRoom(code)
                if not info.state:  # saved at once: a home that dies early leaves its room
                    await database_sync_to_async(service.heartbeat)(
                        code, channel, room.to_dict(), True
                    )
                home = ClassHome(code, room, channel)
                await home.start()
                homes[code] = home
                return home
        raise RuntimeError(f"class {code}: could not find or claim its home")
