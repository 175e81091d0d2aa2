"""A class's home: the one process that runs its room's engine, renders each frame once,
saves the room, and answers the other processes' relays.

It hands each frame to its own viewers and sends it once to the channel-layer group
`room_{code}`, where every other process's relay picks it up. It heartbeats in the
database; when it stops, the next process to need the room takes it over
(`lbteach.classroom.placement`) and restores it from the state saved here.
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from lbteach.classroom import ending, homeclaims, lifecycle, students
from lbteach.classroom.actions import CLASS_ACTIONS, Home
from lbteach.classroom.frames import ClassFrameRenderer, render_student, render_students
from lbteach.classroom.handle import Member, group_name, receive_forever
from lbteach.classroom.room import ENDED, STUDENT, ClassRoom
from lbteach.live.actions import Sender
from lbteach.live.broadcast import CLOSE_MOVED, LiveRoom, Viewer
from lbteach.live.commands import BadCommand, Command
from lbteach.live.consumers import Reply
from lbteach.live.keeper import SavePoint

log = logging.getLogger(__name__)

KEEPER_SECONDS = 1.0
# A home with no viewers anywhere stops ticking after this long (it resumes on the next one).
UNWATCHED_SECONDS = 30.0
ENDED_CLOSE_SECONDS = 2.0
OUTBOX_LIMIT = 200  # messages waiting for the channel layer, at most
homes: dict[str, ClassHome] = {}


class ClassHome:
    """This process runs the room: engine, frames, saving, and answering other processes."""

    def __init__(self, code: str, room: ClassRoom, channel: str) -> None:
        self.code = code
        self.room = room
        self.channel = channel
        self.layer = get_channel_layer()
        self.renderer = ClassFrameRenderer(room)
        self.live = LiveRoom(room, renderer=self.renderer)
        self.live.keep_ticking = True
        self.live.on_push = self._after_push
        self.phones: dict[int, set[Viewer]] = {}
        self.screens: dict[Viewer, str] = {}  # the teacher's and projector's, by role
        self.cards: dict[int, str] = {}
        self.outbox: asyncio.Queue = asyncio.Queue(maxsize=OUTBOX_LIMIT)
        self.saved = SavePoint()  # the framework's one notion of "needs saving"
        self.active = True
        self.remote_seen = 0.0
        self.last_used = time.monotonic()
        self.tasks: list[asyncio.Task] = []
        self.closed = False
        self.saved_customers: dict[int, int] = {}
        self.card_fingerprints: dict[int, str] = {}

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
            state = self.saved.take(self.room) if self.saved.due(self.room) else None
            try:
                still_home = await database_sync_to_async(homeclaims.heartbeat)(
                    self.code, self.channel, state, self.active
                )
            except Exception:
                log.exception("class %s: heartbeat failed", self.code)
                if state is not None:
                    self.saved.failed()
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
            self._post({"type": "room.beat"})
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

    def _close_all(self) -> None:
        self._drop_everyone(code=1000)

    def _drop_everyone(self, code: int) -> None:
        for viewer in [*self.live.viewers, *(v for vs in self.phones.values() for v in vs)]:
            if viewer.close:
                asyncio.get_running_loop().create_task(viewer.close(code))

    async def _send_outbox(self) -> None:
        """One sender, so relays get frames in the order they were made. While the channel
        layer is unreachable the messages are dropped (relays resync from a snapshot), and
        that is logged once per outage, not once per frame."""
        unreachable = False
        while True:
            message = await self.outbox.get()
            try:
                if "to" in message:
                    to = message.pop("to")
                    await self.layer.send(to, message)
                else:
                    await self.layer.group_send(group_name(self.code), message)
            except Exception as error:
                if not unreachable:
                    log.warning("class %s: cannot reach the other processes: %s", self.code, error)
                unreachable = True
                continue
            if unreachable:
                log.warning("class %s: the other processes are reachable again", self.code)
                unreachable = False

    async def _listen(self) -> None:
        """Commands, seats and snapshot requests from viewers on other processes."""
        await receive_forever(self.layer, self.channel, self._on_message, self.code)

    async def _on_message(self, message: dict) -> None:
        self.remote_seen = time.monotonic()
        handler = getattr(self, message.get("type", "").replace(".", "_"), None)
        if handler is not None:
            await handler(message)

    def _post(self, message: dict) -> None:
        """Queue a message for the other processes; while they cannot be reached, the oldest
        queued frames give way (a relay that misses one asks for a snapshot)."""
        if self.outbox.full():
            self.outbox.get_nowait()
        self.outbox.put_nowait(message)

    # -- frames -----------------------------------------------------------------------------
    def _after_push(self, frame: str) -> None:
        self._post({"type": "room.frame", "frame": frame})
        # The view the push's frame was just rendered from: the engine's view once per push.
        self._push_cards(self.renderer.views[0])

    def _push_cards(self, view: dict) -> None:
        """Each phone whose card changed gets it, here and through the relays; `view` is the
        engine's view the cards are rendered from."""
        for student, card in render_students(self.room, view, self.card_fingerprints).items():
            if self.cards.get(student) == card:
                continue
            self.cards[student] = card
            for viewer in self.phones.get(student, ()):
                viewer.offer_now(card)
            self._post({"type": "room.student", "student": student, "frame": card})

    def snapshot_for(self, member: Member) -> str | None:
        return self._snapshot(member.role, member.student)

    def _snapshot(self, role: str, student: int | None) -> str:
        if role == STUDENT:
            return render_student(self.room, student) if student in self.room.seats else ""
        return self.live.snapshot()

    # -- viewers in this process ------------------------------------------------------------
    def join(self, member: Member) -> None:
        if member.role == STUDENT:
            assert member.student is not None  # a phone's socket always knows its student
            self.phones.setdefault(member.student, set()).add(member.viewer)
            member.viewer.start()
            member.viewer.offer_now(self._snapshot(STUDENT, member.student))
        else:
            self.screens[member.viewer] = member.role
            self.live.join(member.viewer)

    def leave(self, member: Member) -> None:
        if member.role == STUDENT:
            assert member.student is not None  # a phone's socket always knows its student
            member.viewer.stop()
            self.phones.get(member.student, set()).discard(member.viewer)
        else:
            self.screens.pop(member.viewer, None)
            self.live.leave(member.viewer)

    async def seat(self, member: Member, nickname: str) -> None:
        assert member.student is not None
        await self._seat(member.student, nickname)

    async def _seat(self, student: int, nickname: str) -> None:
        self.room.seat(student, nickname)
        self.active = True
        # The phone's own card goes out now: the shared frame may wait up to a tick (at most
        # one per tick), and a phone on the home's process has no other way to its first card.
        self._push_cards(self.room.sim.view())
        self.live.push_soon()
        await self._save_customers()

    async def _save_customers(self) -> None:
        """Write each student's customer to the database when the room gave them a new one."""
        now = {student: seat.customer for student, seat in self.room.seats.items()}
        changed = {s: c for s, c in now.items() if self.saved_customers.get(s) != c}
        if changed:
            await database_sync_to_async(students.set_customers)(changed)
            self.saved_customers.update(changed)

    async def command(self, member: Member, text: str | None) -> Reply:
        return await self.handle(member.sender, text)

    # -- what a command does ----------------------------------------------------------------
    async def handle(self, sender: Sender, text: str | None) -> Reply:
        """Carry out one message from any screen, here or relayed; a bad one changes nothing.
        The class's table dispatches it on this home (`admit`, `apply`, `changed`)."""
        home: Home = self  # mypy checks this home has the shape the table and actions need
        return await CLASS_ACTIONS.dispatch(home, text, sender)

    # -- the dispatcher's host (lbteach.live.actions.Host) -----------------------------------
    def admit(self, command: Command, sender: Sender) -> None:
        if self.room.ended or self.closed:
            raise BadCommand(ENDED)

    def apply(self, command: Command, sender: Sender) -> str:
        return self.room.apply(command, sender)

    async def changed(self, command: Command) -> None:
        """A command changed the room: its frame goes out (at most one a tick), and the
        keeper saves it with the next heartbeat (the push moves its frame number)."""
        self.active = True
        if not self.closed:
            self.live.push_soon()
            await self._save_customers()

    async def end(self) -> None:
        self.room.ended = True
        await database_sync_to_async(lifecycle.end_class)(self.code)
        await database_sync_to_async(homeclaims.heartbeat)(
            self.code, self.channel, self.room.to_dict(), True
        )
        # Every screen turns into its ending at once: the teacher's, the projector's, and each
        # phone its own tally; other processes' screens get theirs through their relays.
        frames = await database_sync_to_async(ending.frames)(self.code)
        for viewer, role in self.screens.items():
            viewer.offer_now(ending.frame_for(frames, role, None))
        for student, viewers in self.phones.items():
            for viewer in viewers:
                viewer.offer_now(ending.frame_for(frames, STUDENT, student))
        # Then the sockets close (a normal close: pages do not reconnect), once the endings
        # have had time to go out.
        asyncio.get_running_loop().call_later(ENDED_CLOSE_SECONDS, self._close_all)
        try:
            await self.layer.group_send(
                group_name(self.code), {"type": "room.ended", "frames": frames}
            )
        except Exception:  # the relays' screens find the ending when they reconnect
            log.warning("class %s: could not tell the other processes it ended", self.code)
        self._stop()

    # -- messages from relays (dispatched by _listen) ----------------------------------------
    async def room_command(self, message: dict) -> None:
        sender = Sender(message["role"], message.get("student"))
        reply = await self.handle(sender, message["text"])
        frame = reply.render() if reply.message else ""
        if not reply.message and not reply.error:
            frame = self._snapshot(sender.role, sender.student)
        self._reply(message, frame)

    async def room_seat(self, message: dict) -> None:
        await self._seat(message["student"], message["nickname"])
        self._reply(message, self._snapshot(STUDENT, message["student"]))

    async def room_snapshot_request(self, message: dict) -> None:
        self._reply(message, self._snapshot(message["role"], message.get("student")))

    async def room_keepalive(self, message: dict) -> None:
        self.live.start_ticking()

    def _reply(self, message: dict, frame: str) -> None:
        if frame:
            self._post(
                {
                    "to": message["reply_to"],
                    "type": "room.reply",
                    "viewer": message["viewer"],
                    "frame": frame,
                }
            )
