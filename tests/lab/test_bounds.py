"""What visitors can make the lab keep has a bound: saved runs (only those worth resuming,
capped per process and per address), cached figure frames, and rooms nobody watches, which
make way for a new visitor instead of turning them away."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from lbteach.lab import keeper, runstore
from lbteach.lab.models import LabRun
from lbteach.lab.service import registry
from lbteach.live import broadcast
from lbteach.live import keeper as live_keeper
from lbteach.scene.figures import frames_body
from lbteach.sim import PRESETS
from tests.lab.conftest import connect, receive_until, send, status
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)

LAB = "/ws/lab/single/?scenario=mobile_ip_change&balancer=source_ip&seed=7&customers=20"
ENDED = "That run has ended; this is a fresh restaurant."
RESUMED = "Reconnected: carrying on where you were."


@pytest.fixture(autouse=True)
def quick(monkeypatch, settings):
    """Saves every 20 ms, and a closed lab let go of 50 ms after its page left."""
    monkeypatch.setattr(live_keeper, "SAVE_SECONDS", 0.02)
    settings.LAB_REATTACH_SECONDS = 0.05
    yield
    for code in list(registry.rooms):
        registry.discard(code)


async def open_lab(address: str = "10.0.0.1"):
    communicator = connect(LAB)
    communicator.scope["client"] = (address, 50000)
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_from(timeout=5)
    return communicator, search(r'data-room="([^"]+)"', snapshot)


async def command(communicator, **fields) -> str:
    await send(communicator, **fields)
    frame = await receive_until(communicator, lambda f: status(f) is not None)
    return status(frame) or ""


async def saved_codes() -> set[str]:
    return set(await sync_to_async(lambda: list(LabRun.objects.values_list("code", flat=True)))())


# Generous: the keeper saves within a second, but a loaded CI machine can take several.
async def until(predicate, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if await predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def used_lab(address: str = "10.0.0.1") -> str:
    """Open a lab, press one button, close it, and wait until its run is saved and let go."""
    communicator, code = await open_lab(address)
    assert await command(communicator, action="pause") != ""
    await communicator.disconnect()

    async def let_go():
        return code not in registry.rooms and not keeper.keeper().releasing(code)

    await until(let_go)
    return code


async def reattach(code: str, address: str = "10.0.0.9") -> str:
    communicator, _ = await open_lab(address)
    said = await command(communicator, action="reattach", room=code)
    await communicator.disconnect()
    return said


async def test_a_run_is_saved_only_once_its_page_sent_a_command(monkeypatch):
    monkeypatch.setattr(broadcast, "TICK_SECONDS", 0.02)
    communicator, code = await open_lab()
    await asyncio.sleep(0.3)  # fifteen ticks and fifteen rounds of the keeper
    assert registry.rooms[code].room.requests > 0
    assert await saved_codes() == set()  # only the preset, ticking: nothing to resume
    assert await command(communicator, action="add_customers", count="1") == "Added 1 customer."

    async def saved():
        return await saved_codes() == {code}

    await until(saved)
    await communicator.disconnect()


async def test_a_lab_closed_without_a_command_leaves_nothing_behind():
    communicator, code = await open_lab()
    await communicator.disconnect()
    await asyncio.sleep(0.2)
    assert code not in registry.rooms
    assert await saved_codes() == set()
    assert await reattach(code) == ENDED


async def test_one_address_keeps_its_newest_saved_runs_and_the_oldest_goes(settings):
    settings.LAB_SAVED_RUNS_PER_ADDRESS = 2
    mine = [await used_lab("10.0.0.1") for _ in range(3)]
    theirs = await used_lab("10.0.0.2")

    async def trimmed():
        return await saved_codes() == {mine[1], mine[2], theirs}

    await until(trimmed)
    assert await reattach(mine[0]) == ENDED  # the page of the oldest is told, and goes on
    assert await reattach(mine[2]) == RESUMED
    assert await reattach(theirs) == RESUMED
    page = await sync_to_async(Client().get)("/lab/")
    assert page.status_code == 200


async def test_a_process_keeps_at_most_its_bound_of_saved_runs(settings):
    settings.LAB_SAVED_RUNS = 2
    codes = [await used_lab(f"10.0.1.{i}") for i in range(3)]

    async def trimmed():
        return await saved_codes() == set(codes[1:])

    await until(trimmed)
    assert await reattach(codes[0]) == ENDED
    assert await reattach(codes[1]) == RESUMED


async def test_an_open_lab_keeps_its_saved_run_whatever_the_bounds(settings):
    settings.LAB_SAVED_RUNS_PER_ADDRESS = 1
    communicator, kept = await open_lab("10.0.0.1")
    assert await command(communicator, action="pause") != ""
    closed = [await used_lab("10.0.0.1") for _ in range(2)]

    async def trimmed():
        return await saved_codes() == {kept, closed[1]}

    await until(trimmed)
    await communicator.disconnect()


def test_figure_frames_are_cached_for_the_few_most_recent_figures(client, settings):
    assert frames_body.cache_info().maxsize == settings.LAB_FIGURE_CACHE == 32
    frames_body.cache_clear()
    names = [f"{a}+{b}" for a in PRESETS for b in PRESETS][:40]
    for name in names:
        assert client.get(f"/lab/figures/{name}/").status_code == 200
    info = frames_body.cache_info()
    assert (info.currsize, info.misses) == (32, 40)
    assert client.get(f"/lab/figures/{names[0]}/").status_code == 200  # rendered again
    assert frames_body.cache_info().misses == 41
    assert client.get(f"/lab/figures/{names[-1]}/").status_code == 200  # still cached
    assert frames_body.cache_info().misses == 41


def test_runs_go_from_the_store_by_code():
    runstore.save("lab-bound-run-01", {"seq": 1})
    runstore.save("lab-bound-run-02", {"seq": 2})
    runstore.delete(["lab-bound-run-01", "lab-nosuchrun"])
    assert runstore.load("lab-bound-run-01") is None
    assert runstore.load("lab-bound-run-02") == {"seq": 2}


async def test_rooms_nobody_watches_make_way_for_a_new_visitor(settings):
    settings.LAB_MAX_ROOMS = 3
    settings.LAB_REATTACH_SECONDS = 60  # closed pages could still come back to these rooms
    codes = []
    for _ in range(3):
        communicator, code = await open_lab()
        assert await command(communicator, action="pause") != ""
        await communicator.disconnect()
        codes.append(code)
    assert set(registry.rooms) == set(codes)
    page = await sync_to_async(Client().get)("/lab/")
    assert page.status_code == 200  # not "busy": nobody watches these rooms

    newcomer, new_code = await open_lab("10.0.0.5")  # at once: it gets a lab
    assert set(registry.rooms) == {codes[1], codes[2], new_code}  # the oldest made way

    async def saved_and_let_go():
        return not keeper.keeper().releasing(codes[0]) and codes[0] in await saved_codes()

    await until(saved_and_let_go)
    assert await reattach(codes[0]) == RESUMED  # from the store, still paused
    assert registry.rooms[codes[0]].room.running is False
    await newcomer.disconnect()


async def test_a_room_let_go_returns_to_its_page_even_before_it_is_saved(settings, monkeypatch):
    monkeypatch.setattr(live_keeper, "SAVE_SECONDS", 60.0)  # the save has not happened yet
    settings.LAB_MAX_ROOMS = 1
    settings.LAB_REATTACH_SECONDS = 60
    communicator, code = await open_lab()
    assert await command(communicator, action="pause") != ""
    await communicator.disconnect()
    newcomer, _ = await open_lab("10.0.0.5")
    assert code not in registry.rooms
    assert keeper.keeper().releasing(code) is not None
    await newcomer.disconnect()
    assert await reattach(code) == RESUMED
    assert registry.rooms[code].room.running is False


async def test_when_every_room_is_watched_a_new_lab_is_still_told_the_lab_is_busy(settings):
    settings.LAB_MAX_ROOMS = 2
    watched = [await open_lab() for _ in range(2)]
    refused = connect(LAB)
    assert (await refused.connect())[0]
    frame = await refused.receive_from(timeout=3)
    assert status(frame) == "Not done: The lab is busy right now: try again in a minute."
    page = await sync_to_async(Client().get)("/lab/")
    assert page.status_code == 503
    await watched[0][0].disconnect()  # one page closes: its room can make way
    page = await sync_to_async(Client().get)("/lab/")
    assert page.status_code == 200
    again, _ = await open_lab()
    await again.disconnect()
    await watched[1][0].disconnect()
