"""A lab run outlives its process: saved as it changes, found again by any process."""

from __future__ import annotations

import asyncio

import pytest
import redis
from asgiref.sync import sync_to_async

from lbteach.lab import runstore
from lbteach.lab.keeper import keeper as this_keeper
from lbteach.lab.models import LabRun
from lbteach.lab.service import registry
from lbteach.live import keeper as live_keeper
from tests.lab.conftest import connect, metric, receive_until, send, status
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)

LAB = "/ws/lab/single/?scenario=mobile_ip_change&balancer=source_ip&seed=7&customers=20"


async def open_lab():
    communicator = connect(LAB)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_from(timeout=5)


async def saved_seq(code: str) -> int | None:
    state = await sync_to_async(runstore.load)(code)
    return state["seq"] if state else None


async def test_a_page_whose_process_died_returns_to_its_run_as_last_saved(monkeypatch):
    monkeypatch.setattr(live_keeper, "SAVE_SECONDS", 0.05)
    monkeypatch.setattr("django.conf.settings.LAB_COMMAND_BURST", 50)
    page, snapshot = await open_lab()
    code = search(r'data-room="([^"]+)"', snapshot)
    for fields in ({"action": "pause"}, {"action": "step"}, {"action": "change_ip"}):
        await send(page, **fields)
        await receive_until(page, lambda f: status(f) is not None)
    for _ in range(20):
        await send(page, action="step")
        frame = await receive_until(page, lambda f: status(f) == "Routed one request.")
    live = registry.rooms[code]
    breaks, picture = metric(frame, "cart_breaks"), live.room.restaurants[0].sim.view()
    assert picture["requests"] == 21
    for _ in range(100):  # the keeper saves within a moment of the last command
        if await saved_seq(code) == live.room.seq:
            break
        await asyncio.sleep(0.05)
    assert await saved_seq(code) == live.room.seq

    # The process dies with everything in its memory (no goodbye, no last save).
    await page.disconnect()
    registry.rooms.pop(code)
    this_keeper().forget(live)

    # The page reconnects, perhaps to another process, and asks for its run.
    again, _ = await open_lab()
    await send(again, action="reattach", room=code)
    # One message: the run's snapshot, then the sentence for the status line.
    frame = await receive_until(again, lambda f: status(f) is not None)
    assert status(frame) == "Reconnected: carrying on where you were."
    assert f'data-room="{code}"' in frame
    assert metric(frame, "cart_breaks") == breaks
    assert registry.rooms[code].room.restaurants[0].sim.view() == picture
    assert registry.rooms[code].room.running is False  # still paused, as it was left
    await again.disconnect()


async def test_an_unknown_or_forgotten_run_starts_fresh_and_says_so():
    page, _ = await open_lab()
    await send(page, action="reattach", room="lab-nosuchrun1234")
    frame = await receive_until(page, lambda f: status(f) is not None)
    assert status(frame) == "That run has ended; this is a fresh restaurant."
    await page.disconnect()


def test_runs_nobody_touched_for_the_keep_time_are_purged(settings):
    runstore.save("lab-old-run-0001", {"seq": 1})
    runstore.save("lab-new-run-0001", {"seq": 2})
    LabRun.objects.filter(code="lab-old-run-0001").update(saved_at="2000-01-01T00:00:00Z")
    assert runstore.load("lab-old-run-0001") is None  # too old to resume
    assert runstore.purge() == 1
    assert list(LabRun.objects.values_list("code", flat=True)) == ["lab-new-run-0001"]


@pytest.mark.redis
def test_with_redis_runs_are_kept_there(settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    runstore.save("lab-redis-run-01", {"seq": 5})
    assert runstore.load("lab-redis-run-01") == {"seq": 5}
    assert not LabRun.objects.exists()
    assert redis.Redis.from_url(redis_url).keys("*lab-run:lab-redis-run-01")
