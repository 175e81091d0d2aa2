"""Helpers for lab tests: talk to the real ASGI router over a websocket, read frames as HTML."""

from __future__ import annotations

import asyncio
import html
import json
import re

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connections

from lbteach.asgi import application
from tests.text import search

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture(autouse=True)
def no_background_ticks(monkeypatch):
    """Rooms tick only when a test says so, so every frame is predictable."""
    monkeypatch.setattr("lbteach.live.broadcast.TICK_SECONDS", 3600.0)


def connect(path: str, origin: tuple[bytes, bytes] = ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=[origin, (b"host", b"127.0.0.1")])


async def send(communicator, **fields) -> None:
    await communicator.send_to(text_data=json.dumps(fields))


def metric(frame: str, name: str, prefix: str = "") -> str | None:
    """The text of a data-metric element in a frame (None when the region was not sent)."""
    if prefix:
        start = frame.find(f'id="{prefix}metrics"')
        if start < 0:
            return None
        frame = frame[start:]
    match = re.search(rf'data-metric="{name}">([^<]*)<', frame)
    return match[1] if match else None


def statuses(frame: str) -> list[str]:
    """The status lines in a frame, as a reader sees them (tags dropped, entities decoded)."""
    found = re.findall(r'id="lab-status"[^>]*>(.*?)</p>', frame, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def status(frame: str) -> str | None:
    found = statuses(frame)
    return found[-1] if found else None


def status_text(frame: str) -> str:
    """The last status line of a frame; fails the test when the frame has none."""
    line = status(frame)
    assert line is not None, frame
    return line


def seq(frame: str) -> int:
    return int(search(r'data-seq="(\d+)"', frame))


async def receive_until(communicator, predicate, limit: int = 20, wait: float = 3) -> str:
    """Read frames until one satisfies `predicate`; fail if none does (or none comes within
    `wait` seconds of the last)."""
    seen = []
    for _ in range(limit):
        frame = await communicator.receive_from(timeout=wait)
        seen.append(frame[:200])
        if predicate(frame):
            return frame
    raise AssertionError(f"no matching frame among {seen}")


async def get_off_loop(client, *args, **kwargs):
    """`client.get` in a worker thread (the loop keeps serving sockets meanwhile). The test
    client leaves its database connection open on purpose; in a thread of its own nobody
    would close it (PostgreSQL then warns when it is garbage-collected), so this does."""

    def get():
        try:
            return client.get(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(get)


async def until(predicate, seconds: float = 20.0) -> None:
    """Wait for `predicate()` to hold: generous, since a loaded CI machine can take seconds
    for what takes milliseconds here (a check that something never happens sleeps instead)."""
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")
