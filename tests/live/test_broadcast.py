"""Slow viewers never slow the room: one-frame mailboxes, snapshots, dropping the stuck."""

from __future__ import annotations

import asyncio

from lbteach.live import broadcast
from lbteach.live.broadcast import Viewer


class SlowScreen:
    """A viewer's socket that takes `delay` seconds to send each frame."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.got: list[str] = []
        self.closed_with: int | None = None

    async def send(self, frame: str) -> None:
        await asyncio.sleep(self.delay)
        self.got.append(frame)

    async def close(self, code: int) -> None:
        self.closed_with = code


async def test_a_slow_viewer_gets_the_latest_state_not_a_backlog():
    screen = SlowScreen(delay=0.05)
    viewer = Viewer(screen.send, close=screen.close)
    viewer.start()
    viewer.offer("f1", lambda: "snapshot-3")
    await asyncio.sleep(0.01)  # f1 is being sent
    viewer.offer("f2", lambda: "snapshot-2")
    viewer.offer("f3", lambda: "snapshot-3")  # f2 never went out: a snapshot replaces both
    await asyncio.sleep(0.2)
    assert screen.got == ["f1", "snapshot-3"]
    viewer.stop()


async def test_without_a_snapshot_frames_are_kept_in_order():
    screen = SlowScreen(delay=0.05)
    viewer = Viewer(screen.send)
    viewer.start()
    viewer.offer("f1", lambda: None)
    await asyncio.sleep(0.01)
    viewer.offer("f2", lambda: None)
    viewer.offer("f3", lambda: None)
    await asyncio.sleep(0.2)
    assert screen.got == ["f1", "f2f3"]
    viewer.stop()


async def test_a_stuck_viewer_is_dropped_to_resync(monkeypatch):
    monkeypatch.setattr(broadcast, "STUCK_SECONDS", 0.05)
    screen = SlowScreen(delay=10)
    viewer = Viewer(screen.send, close=screen.close)
    viewer.start()
    viewer.offer("f1", lambda: "s")
    await asyncio.sleep(0.1)
    viewer.offer("f2", lambda: "s")
    await asyncio.sleep(0.01)
    assert screen.closed_with == broadcast.CLOSE_RESYNC
    viewer.stop()


async def test_a_backlog_past_its_limit_drops_the_viewer(monkeypatch):
    monkeypatch.setattr(broadcast, "MAX_BACKLOG_BYTES", 10)
    screen = SlowScreen(delay=10)
    viewer = Viewer(screen.send, close=screen.close)
    viewer.start()
    viewer.offer("first", lambda: None)
    await asyncio.sleep(0.01)
    viewer.offer("123456", lambda: None)
    viewer.offer("789012", lambda: None)
    await asyncio.sleep(0.01)
    assert screen.closed_with == broadcast.CLOSE_RESYNC
    viewer.stop()


async def turn() -> None:
    """Let the event loop run one turn."""
    await asyncio.sleep(0)


class QuickScreen:
    """A viewer's socket whose sends finish without waiting, as daphne's do."""

    def __init__(self) -> None:
        self.got: list[str] = []

    async def send(self, frame: str) -> None:
        self.got.append(frame)


async def test_what_comes_in_one_turn_goes_out_as_one_message_in_the_next():
    screen = QuickScreen()
    viewer = Viewer(screen.send)
    viewer.offer_now("hello")
    await turn()
    assert screen.got == []  # nothing goes out before the viewer starts
    viewer.start()
    viewer.offer("f1", lambda: None)
    assert screen.got == []
    await turn()
    assert screen.got == ["hellof1"]
    viewer.offer("f2", lambda: "snapshot")
    viewer.offer_now("reply")  # a frame and the reply to the command that made it
    await turn()
    assert screen.got == ["hellof1", "f2reply"]
    viewer.stop()
    viewer.offer("f3", lambda: "snapshot")
    await turn()
    assert screen.got == ["hellof1", "f2reply"]


async def test_a_room_hands_its_frame_to_every_free_viewer_in_one_turn():
    screens = [QuickScreen() for _ in range(300)]
    viewers = [Viewer(screen.send) for screen in screens]
    for viewer in viewers:
        viewer.start()
        viewer.offer("f1", lambda: "snapshot")
    await turn()
    assert [screen.got for screen in screens] == [["f1"]] * 300
    for viewer in viewers:
        viewer.stop()


async def test_a_viewer_whose_send_waits_delays_no_other():
    slow, quick = SlowScreen(delay=0.05), QuickScreen()
    viewers = [Viewer(slow.send), Viewer(quick.send)]
    for viewer in viewers:
        viewer.start()
    for frame in ("f1", "f2"):
        for viewer in viewers:
            viewer.offer(frame, lambda: "snapshot")
        await turn()
    assert quick.got == ["f1", "f2"]
    assert slow.got == []
    await asyncio.sleep(0.2)
    assert slow.got == ["f1", "f2"]  # the one frame that waited went out after the first
    for viewer in viewers:
        viewer.stop()


async def test_a_socket_that_fails_is_sent_nothing_more():
    sent: list[str] = []

    async def failing(frame: str) -> None:
        sent.append(frame)
        raise ConnectionError("closed")

    viewer = Viewer(failing)
    viewer.start()
    viewer.offer("f1", lambda: "snapshot")
    await turn()
    viewer.offer("f2", lambda: "snapshot")
    await turn()
    assert sent == ["f1"]
