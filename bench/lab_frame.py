"""Benchmark the lab's live frames: render time and size, and a command's round trip.

1. One frame for a restaurant of 12 tables and 500 customers: time to render it and its
   size (targets: <= 5 ms, <= 30 KB), against the baseline of serialising the same state
   as JSON (`json.dumps(sim.view())`), the least any frame must cost. Then the CPU time of
   a tick's frame averaged across a run (issue 20's target: <= 0.4 ms), with the renderer's
   region cache against the same renderer with its cache emptied before each frame (what
   every frame cost before the cache), on two identical rooms in turn: once running at
   speed 10, once paused and taking a command a tick (speed up, speed down). Then where a
   running frame's CPU goes (`running_frame_parts`): the engine's view, the scene's memory,
   layout and SVG, and the rest.
2. A command end to end over a real websocket against a real daphne: send "step", wait
   for the frame and status it causes; the baseline is a bare echo through the same
   server and stack (`/ws/echo/`, enabled by BENCH_ECHO=true) in the same run.

Prints one JSON object with each figure, its baseline and the ratio, and peak memory.
Run: .venv/bin/python bench/lab_frame.py [--frames 200] [--commands 300]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbteach.settings")

import django  # noqa: E402

django.setup()

from websockets.sync.client import connect  # noqa: E402

from lbteach.lab.frames import FrameRenderer, remember_scenes  # noqa: E402
from lbteach.lab.room import LabSetup, Room  # noqa: E402
from lbteach.live.commands import Command  # noqa: E402
from lbteach.scene.context import scene_context  # noqa: E402
from lbteach.scene.svg import scene_svg  # noqa: E402
from tests.browser.server import Server, origin_for, prepare_database, server_env  # noqa: E402


def busy_room() -> Room:
    room = Room("bench", LabSetup("ecommerce_cart", ("cookie_insert",), seed=1, customers=0))
    room.apply(Command("add_customers", {"count": 200}))
    room.apply(Command("add_customers", {"count": 200}))
    room.apply(Command("add_customers", {"count": 100}))
    for _ in range(8):
        room.apply(Command("add_table", {}))
    room.speed = 10
    for _ in range(40):  # let carts fill every table
        room.tick()
    return room


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_render(frames: int) -> dict:
    room = busy_room()
    renderer = FrameRenderer(room)
    view = room.restaurants[0].sim.view()
    assert (len(view["tables"]), len(view["clients"])) == (12, 500)
    renderer.render(full=True)  # warm the template cache
    full_times, delta_times, json_times, sizes, delta_sizes = [], [], [], [], []
    for _ in range(frames):
        room.tick()
        # Every region rendered, as before the region cache (cpu_per_frame measures the cache).
        renderer.regions.cache.clear()
        started = time.perf_counter()
        full = renderer.render(full=True)
        full_times.append(time.perf_counter() - started)
        renderer.regions.cache.clear()
        started = time.perf_counter()
        delta = renderer.render()
        delta_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        json.dumps(room.restaurants[0].sim.view())
        json_times.append(time.perf_counter() - started)
        sizes.append(len(full.encode()))
        delta_sizes.append(len(delta.encode()))
    # Memory is traced in a separate pass: tracing slows Python several times over.
    tracemalloc.start()
    for _ in range(10):
        room.tick()
        renderer.render(full=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    full_ms = statistics.median(full_times) * 1000
    json_ms = statistics.median(json_times) * 1000
    return {
        "tables": 12,
        "customers": 500,
        "frames": frames,
        "snapshot_render_ms_p50": round(full_ms, 3),
        "snapshot_render_ms_p95": round(percentile(full_times, 0.95) * 1000, 3),
        "tick_frame_render_ms_p50": round(statistics.median(delta_times) * 1000, 3),
        "baseline_json_view_ms_p50": round(json_ms, 3),
        "ratio_render_to_json": round(full_ms / json_ms, 2),
        "snapshot_kb_max": round(max(sizes) / 1024, 1),
        "tick_frame_kb_p50": round(statistics.median(delta_sizes) / 1024, 1),
        "targets_met": full_ms <= 5 and max(sizes) <= 30 * 1024,
        "peak_traced_alloc_mb_while_rendering": round(peak / 2**20, 2),
    }


def cpu_per_frame(frames: int) -> dict:
    """CPU ms per tick frame across a run, cached against uncached, on twin rooms in turn."""
    figures = {}
    for run, paused in (("running", False), ("paused_commands", True)):
        rooms = busy_room(), busy_room()
        renderers = FrameRenderer(rooms[0]), FrameRenderer(rooms[1])
        for renderer in renderers:
            renderer.render()
        spent = [0.0, 0.0]
        for i in range(frames):
            # Alternate who goes first: the second of a pair measured ~10% slower either way.
            for which in (0, 1) if i % 2 else (1, 0):
                room, renderer = rooms[which], renderers[which]
                if paused:
                    room.running = False
                    room.apply(Command("speed", {"speed": 9 + i % 2}))
                else:
                    room.tick()
                if which == 0:
                    renderer.regions.cache.clear()
                started = time.process_time()
                renderer.render()
                spent[which] += time.process_time() - started
        before, after = (total / frames * 1000 for total in spent)
        figures[run] = {
            "uncached_cpu_ms_mean": round(before, 3),
            "cached_cpu_ms_mean": round(after, 3),
            "ratio_cached_to_uncached": round(after / before, 3),
            "target_0_4_ms_met": after <= 0.4,
        }
    return figures


def frame_parts(frames: int) -> dict:
    """Where a running tick frame's CPU goes: the engine's view, the scene's memory, its layout
    and its SVG, and the rest of the frame (the regions' templates, the chart, the diff).

    Each part is timed on its own call before the frame is rendered (the scene is pure, so
    drawing it again costs what the frame's drawing does; the frame's own `remember` then finds
    nothing new). The engine's view keeps the customers it drew (`readout.drawn_clients`), so
    the frame's own view costs less than the first: `view_again` times a second call, what the
    frame's costs, and the rest leaves that out. The parts add up to about one frame.
    """
    room = busy_room()
    renderer = FrameRenderer(room)
    renderer.render()
    names = ("view", "view_again", "scene_memory", "scene_layout", "scene_svg", "frame")
    spent = dict.fromkeys(names, 0.0)
    for _ in range(frames):
        room.tick()
        restaurant = room.restaurants[0]
        marks = [time.process_time()]
        views = [restaurant.sim.view(lean=True)]
        marks.append(time.process_time())
        restaurant.sim.view(lean=True)
        marks.append(time.process_time())
        remember_scenes(room, views)
        marks.append(time.process_time())
        scene = scene_context(
            restaurant.scene, views[0], restaurant.recent, restaurant.last_decision
        )
        marks.append(time.process_time())
        scene_svg(scene, "", "bench")
        marks.append(time.process_time())
        renderer.render()
        marks.append(time.process_time())
        for key, start, end in zip(spent, marks[:-1], marks[1:], strict=True):
            spent[key] += end - start
    parts = {f"{key}_cpu_ms_mean": round(total / frames * 1000, 3) for key, total in spent.items()}
    rest = spent["frame"] - spent["scene_layout"] - spent["scene_svg"] - spent["view_again"]
    parts["frame_without_view_and_scene_cpu_ms_mean"] = round(rest / frames * 1000, 3)
    return parts


def round_trips(url: str, message: str, done, count: int) -> list[float]:
    times = []
    with connect(url, origin=origin_for(url), max_size=2**22) as socket:
        done(socket, first=True)
        for _ in range(count):
            started = time.perf_counter()
            socket.send(message)
            done(socket)
            times.append(time.perf_counter() - started)
    return times


def wait_for_status(socket, first: bool = False) -> None:
    while True:
        frame = socket.recv(timeout=10)
        if first or 'id="lab-status"' in frame:
            return


def echo_back(socket, first: bool = False) -> None:
    if not first:
        socket.recv(timeout=10)


def bench_commands(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(
            Path(tmp) / "db.sqlite3",
            BENCH_ECHO="true",
            LAB_COMMAND_RATE="100000",
            LAB_COMMAND_BURST="100000",
        )
        prepare_database(env)
        server = Server(env).start()
        try:
            ws = f"ws://127.0.0.1:{server.port}"
            lab = f"{ws}/ws/lab/single/?scenario=ecommerce_cart&customers=200&seed=1"
            # Pause first so the only frames are the ones our commands cause.
            with connect(lab, origin=origin_for(lab), max_size=2**22) as socket:
                socket.recv(timeout=10)
            command = json.dumps({"action": "step"})
            lab_times = round_trips(lab, command, lambda s, first=False: _paused(s, first), count)
            echo_times = round_trips(f"{ws}/ws/echo/", command, echo_back, count)
        finally:
            server.stop()
    lab_ms = statistics.median(lab_times) * 1000
    echo_ms = statistics.median(echo_times) * 1000
    return {
        "commands": count,
        "command_round_trip_ms_p50": round(lab_ms, 3),
        "command_round_trip_ms_p95": round(percentile(lab_times, 0.95) * 1000, 3),
        "baseline_echo_ms_p50": round(echo_ms, 3),
        "baseline_echo_ms_p95": round(percentile(echo_times, 0.95) * 1000, 3),
        "ratio_command_to_echo": round(lab_ms / echo_ms, 2),
    }


def _paused(socket, first: bool) -> None:
    if first:
        socket.recv(timeout=10)  # the snapshot
        socket.send(json.dumps({"action": "pause"}))
    wait_for_status(socket)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--commands", type=int, default=300)
    args = parser.parse_args()
    result = {
        "benchmark": "lab_frame",
        "render": bench_render(args.frames),
        "tick_frame_cpu": cpu_per_frame(args.frames),
        "running_frame_parts": frame_parts(args.frames),
        "websocket": bench_commands(args.commands),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "server_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
