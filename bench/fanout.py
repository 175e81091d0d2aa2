"""Benchmark a classroom's frame fan-out: N projector viewers of one room on real websockets.

One daphne serves one class whose room ticks 10 times a second (LIVE_TICK_SECONDS=0.1) with
60 bots at speed 3, so every tick's frame differs. N websocket viewers open the class's
projector with the teacher's session cookie. Over a fixed window after a warm-up it
measures, from each frame's `data-ts` (server render time, ms since epoch) to its arrival:
p50 and p99 latency, the share of frames delivered (every seq rendered in the window
counts; a viewer that got a later snapshot instead still missed it), and the server's CPU
time per delivered frame (utime+stime of the daphne process from /proc).

The baseline, in the same run: a plain `websockets` asyncio server in its own process that
broadcasts the same bytes (the median-size frame the viewers received, with its own seq
and ts) to N clients 10 times a second with `websockets.broadcast`, measured by the same
clients.

Load split on the 2-core machine: the server (daphne or the baseline) is one process, all N
viewers share ONE asyncio client process, and this orchestrating process sleeps while they
run. A viewer clocks a frame as soon as its last byte is parsed and queues nothing, so the
client adds little; its CPU is reported too. `--processes 2` runs lbteach as two daphne
processes sharing the room through Redis (`--redis`), viewers alternating between them.

Prints one JSON object. Targets: every frame delivered, p99 <= 40 ms, p99 <= 3x baseline.
Run: .venv/bin/python bench/fanout.py [--viewers 100,300,500] [--seconds 10] [--warmup 3]
     [--processes 1]

`--mailboxes` measures instead, in this process and in CPU time (so other work on the
machine moves it little), what lbteach's own part of a fan-out costs: the viewers' mailboxes
(`lbteach.live.broadcast.Viewer`) handing each frame to a send that finishes at once, as
daphne's do, against the floor in the same run: a loop awaiting each send in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection  # noqa: E402
from websockets.asyncio.client import connect as aconnect  # noqa: E402
from websockets.frames import Opcode  # noqa: E402
from websockets.protocol import State  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from tests.browser.server import (  # noqa: E402
    Browser,
    Server,
    free_port,
    origin_for,
    prepare_database,
    server_env,
)

TICK_SECONDS = 0.1
BOTS, SPEED = 60, 3
TARGET_P99_MS, TARGET_RATIO = 40.0, 3.0
GRACE_SECONDS = 1.5  # after the window, late frames of the window may still arrive
CONNECTS_AT_ONCE = 20  # opening handshakes in flight, so the listen backlog never overflows
META = re.compile(r'id="lab-frame"[^>]*?data-seq="(\d+)" data-ts="(\d+)"')
META_BYTES = re.compile(META.pattern.encode())
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def pid_of(process: subprocess.Popen | None) -> int:
    """The process id of a server that has started (start() sets its process)."""
    assert process is not None, "the server has not been started"
    return process.pid


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the teacher, over HTTP ---------------------------------------------------------------------
def start_busy_class(server: Server) -> tuple[str, str]:
    """Start a class whose frame changes every tick; its code and the teacher's cookie."""
    teacher = Browser()
    page = teacher.post(f"{server.url}/class/start/", {}, form_page=f"{server.url}/class/")
    started = re.search(r"/class/([A-Z0-9]{6})/teach/$", page)
    if started is None:
        raise RuntimeError("starting a class did not lead to its teacher's page")
    code = started[1]
    cookie = f"sessionid={teacher.cookie('sessionid')}"
    url = f"ws://127.0.0.1:{server.port}/ws/class/{code}/teacher/"
    with connect(
        url, origin=origin_for(url), additional_headers={"Cookie": cookie}, max_size=2**22
    ) as ws:
        ws.send(json.dumps({"action": "add_bots", "count": BOTS}))
        ws.send(json.dumps({"action": "speed", "speed": SPEED}))
        deadline = time.monotonic() + 10
        while f"{BOTS} customers" not in ws.recv(timeout=10):
            if time.monotonic() > deadline:
                raise RuntimeError("the class did not take its bots")
    # Leaving closes the teacher's screen; the projectors keep the room ticking.
    return code, cookie


# -- the baseline server ------------------------------------------------------------------------
async def serve_baseline(port: int, frame_path: str) -> None:
    """A plain websockets server: broadcast the captured frame to everyone, 10 times a second."""
    from websockets.asyncio.server import broadcast, serve

    template = Path(frame_path).read_text()
    meta = META.search(template)
    if meta is None:
        raise RuntimeError(f"{frame_path} has no lab frame with its seq and ts")
    # The frame around its seq and ts, so each broadcast is the captured frame with new ones.
    head, middle, tail = (
        template[: meta.start(1)],
        template[meta.end(1) : meta.start(2)],
        template[meta.end(2) :],
    )
    clients: set = set()

    async def handler(ws) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, max_size=2**22):
        seq = 0
        next_tick = time.monotonic() + TICK_SECONDS
        while True:
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            next_tick = max(next_tick + TICK_SECONDS, time.monotonic())
            seq += 1
            broadcast(clients, f"{head}{seq}{middle}{int(time.time() * 1000)}{tail}")


class BaselineServer:
    def __init__(self, frame: str, tmp: Path) -> None:
        self.port = free_port()
        self.frame_path = tmp / "frame.html"
        self.frame_path.write_text(frame)
        self.process: subprocess.Popen | None = None

    def start(self) -> BaselineServer:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-baseline", str(self.port), str(self.frame_path)],
            cwd=ROOT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the baseline server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# -- the viewers (run in their own process) -----------------------------------------------------
class Viewer(ClientConnection):
    """A websockets client connection that clocks each text frame as its last byte is parsed.

    Frames are not queued for `recv()`: no task wakes per message, so the client's own
    scheduling adds as little as it can to the latency, and the client stays cheap.
    """

    recording = False  # class-wide: every viewer starts and stops recording together

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[tuple[int, int, float, int]] = []
        self.keep_text = False
        self.texts: list[bytes] = []

    def process_event(self, event) -> None:
        if self.response is None or event.opcode is not Opcode.TEXT:
            super().process_event(event)  # the handshake, pings, pongs, the close
            return
        arrived = time.time() * 1000
        if Viewer.recording:
            meta = META_BYTES.search(event.data, 0, 600)
            if meta:
                self.frames.append((int(meta[1]), int(meta[2]), arrived, len(event.data)))
                if self.keep_text:
                    self.texts.append(bytes(event.data))


async def watch(
    urls: list[str], headers: dict, viewers: int, warmup: float, seconds: float, pids: list[int]
) -> dict:
    """Open the viewers (in turn on each url, as a balancer would), then record the window."""
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def open_one(url: str) -> Viewer:
        async with gate:
            # create_connection=Viewer: the connection is a Viewer.
            connection = await aconnect(
                url,
                origin=origin_for(url),
                additional_headers=headers,
                compression=None,
                max_size=2**22,
                open_timeout=60,
                close_timeout=2,
                create_connection=Viewer,
            )
            return cast(Viewer, connection)

    connect_started = time.monotonic()
    sockets = await asyncio.gather(*(open_one(urls[i % len(urls)]) for i in range(viewers)))
    connect_seconds = time.monotonic() - connect_started
    sockets[0].keep_text = True  # its frames become the baseline's frame
    # Keep the client's own garbage collections short: they would show as latency.
    gc.collect()
    gc.freeze()
    await asyncio.sleep(warmup)
    load_before = os.getloadavg()[0]
    server_cpu, client_cpu = sum(map(cpu_seconds, pids)), time.process_time()
    start_ms = time.time() * 1000
    Viewer.recording = True
    await asyncio.sleep(seconds)
    end_ms = time.time() * 1000
    server_cpu = sum(map(cpu_seconds, pids)) - server_cpu
    client_cpu = time.process_time() - client_cpu
    await asyncio.sleep(GRACE_SECONDS)
    Viewer.recording = False
    closed_early = sum(1 for ws in sockets if ws.state is State.CLOSED)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    texts = sorted(sockets[0].texts, key=len)
    return {
        "received": [ws.frames for ws in sockets],
        "median_frame": texts[len(texts) // 2].decode() if texts else "",
        "start_ms": start_ms,
        "end_ms": end_ms,
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu,
        "load_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "closed_early": closed_early,
        "connect_seconds": connect_seconds,
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def client_process(conn, *args) -> None:
    conn.send(asyncio.run(watch(*args)))
    conn.close()


def measure(urls: list[str], headers: dict, viewers: int, args, pids: list[int]) -> dict:
    """Run the viewers in a separate process and turn what they saw into the figures."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=client_process,
        args=(child, urls, headers, viewers, args.warmup, args.seconds, pids),
    )
    process.start()
    child.close()
    run = parent.recv()
    process.join(timeout=30)
    if not run["received"] or not any(run["received"]):
        raise RuntimeError(f"no viewer received a frame from {urls}")
    in_window = [
        [frame for frame in record if run["start_ms"] <= frame[1] < run["end_ms"]]
        for record in run["received"]
    ]
    # Every render raises seq by one, so a seq nobody received was still sent.
    seqs = {frame[0] for record in in_window for frame in record}
    frames_sent = max(seqs) - min(seqs) + 1 if seqs else 0
    latencies = [arrived - ts for record in in_window for _, ts, arrived, _ in record]
    delivered = sum(len({frame[0] for frame in record}) for record in in_window)
    sizes = [frame[3] for frame in in_window[0]]
    window_s = (run["end_ms"] - run["start_ms"]) / 1000
    return {
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "delivered_share": round(delivered / (frames_sent * viewers), 4) if frames_sent else 0,
        "frames_sent": frames_sent,
        "frames_delivered": delivered,
        "viewers_closed_early": run["closed_early"],
        "cpu_ms_per_delivered_frame": round(run["server_cpu_s"] * 1000 / delivered, 3)
        if delivered
        else None,
        "server_cpu_share_of_one_core": round(run["server_cpu_s"] / window_s, 2),
        "client_cpu_share_of_one_core": round(run["client_cpu_s"] / window_s, 2),
        "frame_kb": round(statistics.mean(sizes) / 1024, 1) if sizes else None,
        "connect_seconds": round(run["connect_seconds"], 1),
        "client_peak_rss_mb": run["client_peak_rss_mb"],
        "load_1m_before_after": run["load_1m"],
        "median_frame": run["median_frame"],
    }


# -- lbteach's own part of a fan-out, in process ---------------------------------------------
async def mailbox_cost(viewers: int, frames: int) -> dict:
    """CPU per viewer per frame of the mailboxes, and of the floor, with sends that never wait."""
    from lbteach.live.broadcast import Viewer

    sent = 0

    async def send(frame: str) -> None:
        nonlocal sent
        sent += 1

    screens = [Viewer(send) for _ in range(viewers)]
    for screen in screens:
        screen.start()
    started = time.process_time()
    for seq in range(frames):
        frame = f"frame {seq}"
        for screen in screens:
            screen.offer(frame, lambda: None)
        await asyncio.sleep(0)  # the turn in which the frames go out
    mailboxes = time.process_time() - started
    assert sent == viewers * frames, f"{sent} sends for {viewers * frames} frames"
    started = time.process_time()
    for seq in range(frames):
        frame = f"frame {seq}"
        for _ in screens:
            await send(frame)
        await asyncio.sleep(0)
    floor = time.process_time() - started
    for screen in screens:
        screen.stop()
    per = 1e6 / (viewers * frames)
    return {
        "viewers": viewers,
        "frames": frames,
        "mailboxes_us_per_viewer_frame": round(mailboxes * per, 2),
        "floor_us_per_viewer_frame": round(floor * per, 2),
        "ratio": round(mailboxes / floor, 2) if floor else None,
    }


# -- one viewer count, both servers -------------------------------------------------------------
def bench_viewers(viewers: int, args, tmp: Path) -> dict:
    extra = {"REDIS_URL": args.redis} if args.processes > 1 else {}
    env = server_env(
        tmp / "db.sqlite3",
        LIVE_TICK_SECONDS=str(TICK_SECONDS),
        LAB_COMMAND_RATE="100000",
        LAB_COMMAND_BURST="100000",
        **extra,
    )
    servers: list[Server] = []
    try:
        for _ in range(args.processes):
            servers.append(Server(env).start())
        # The teacher's socket reaches the first process, which becomes the room's home.
        code, cookie = start_busy_class(servers[0])
        path = f"/ws/class/{code}/projector/"
        urls = [f"ws://127.0.0.1:{server.port}{path}" for server in servers]
        pids = [pid_of(server.process) for server in servers]
        lbteach = measure(urls, {"Cookie": cookie}, viewers, args, pids)
        lbteach["server_processes"] = len(servers)
        lbteach["server_peak_rss_mb"] = round(sum(map(peak_rss_mb, pids)), 1)
    finally:
        for server in servers:
            server.stop()
    # The baseline sends a frame of median size, byte for byte as the room sent it.
    frame = lbteach.pop("median_frame")
    baseline_server = BaselineServer(frame, tmp).start()
    try:
        url = f"ws://127.0.0.1:{baseline_server.port}/"
        pid = pid_of(baseline_server.process)
        baseline = measure([url], {}, viewers, args, [pid])
        baseline["server_processes"] = 1
        baseline["server_peak_rss_mb"] = peak_rss_mb(pid)
        del baseline["median_frame"]
    finally:
        baseline_server.stop()
    ratio = (
        lbteach["p99_ms"] / baseline["p99_ms"] if lbteach["p99_ms"] and baseline["p99_ms"] else None
    )
    return {
        "viewers": viewers,
        "lbteach": lbteach,
        "baseline": baseline,
        "ratio_p99": round(ratio, 2) if ratio else None,
        "targets_met": bool(
            lbteach["delivered_share"] == 1
            and lbteach["p99_ms"] is not None
            and lbteach["p99_ms"] <= TARGET_P99_MS
            and ratio is not None
            and ratio <= TARGET_RATIO
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="300", help="comma-separated viewer counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="daphne processes sharing the room through Redis (viewers spread across them)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="for --processes > 1")
    parser.add_argument(
        "--mailboxes",
        action="store_true",
        help="measure lbteach's mailboxes in process against the floor, in CPU time",
    )
    parser.add_argument(
        "--serve-baseline", nargs=2, metavar=("PORT", "FRAME"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve_baseline:
        asyncio.run(serve_baseline(int(args.serve_baseline[0]), args.serve_baseline[1]))
        return
    counts = [int(n) for n in args.viewers.split(",") if n.strip()]
    if args.mailboxes:
        gc.freeze()
        runs = [asyncio.run(mailbox_cost(n, frames=1000)) for n in counts]
        print(json.dumps({"benchmark": "fanout mailboxes", "runs": runs}, indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        prepare_database(server_env(Path(tmp) / "db.sqlite3"))
        runs = [bench_viewers(n, args, Path(tmp)) for n in counts]
    result = {
        "benchmark": "fanout",
        "tick_seconds": TICK_SECONDS,
        "bots": BOTS,
        "speed": SPEED,
        "window_seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "load_split": (
            f"lbteach in {args.processes} daphne process(es), the baseline in one process; all "
            "viewers in one asyncio client process; this orchestrator idle while they run; "
            f"{os.cpu_count()} cores shared"
        ),
        "targets": {"delivered_share": 1.0, "p99_ms": TARGET_P99_MS, "ratio_p99": TARGET_RATIO},
        "runs": runs,
        "targets_met": all(run["targets_met"] for run in runs),
        "orchestrator_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
