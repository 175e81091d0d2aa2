"""Benchmark many private labs in one daphne process: their frame rate, pages meanwhile, CPU.

For each size N, one real daphne (the settings' defaults unless `--max-rooms` or `--tick`
say otherwise) and one asyncio client process that opens N lab websockets
(`/ws/lab/single/?scenario=ecommerce_cart&customers=12`, what the lab page opens), at most
CONNECTS_AT_ONCE handshakes in flight, each handshake and first frame bounded by
OPEN_TIMEOUT. A lab that gets its snapshot sends `add_customers` (10 more); one told the
lab is busy is closed with 4029 and counted; one that does not open counts as failed, with
why (daphne drops a handshake its application has not accepted within 5 s). After a
warm-up, a window of `--seconds`:

- frames per second each accepted lab received (min, p50) and the worst gap between two
  frames of one lab (the window's edges count as frames, so a silent lab shows its silence);
- daphne's CPU (utime+stime from /proc) per room-tick: every tick that moved a room renders
  one frame and raises its `data-seq` by one, so a lab's ticks in the window are the rise of
  the highest seq it was sent (a snapshot that replaced missed frames still counts them);
  the CPU of the page fetches below (measured per fetch on the idle server first) is taken
  off before dividing;
- daphne's peak RSS (VmHWM).

Meanwhile this orchestrating process fetches `GET /lessons/` in a loop (a new connection
each time, 0.1 s apart, 10 s timeout) from the first handshake until every socket is
closed: its p50 and p99, over all of that and over the window alone (with a few dozen
fetches in a phase, the p99 is in effect the slowest fetch). After the client closed
every socket, daphne's CPU share is sampled for IDLE_SECONDS with no client at all.

The baseline, in the same run and the same way: N sockets on the bare echo consumer
(`/ws/echo/`, BENCH_ECHO=true) in a fresh daphne, each sending a small message once per
LIVE_TICK_SECONDS, so each socket gets the message rate a lab that keeps up gets, through
the same server and stack but with no room to simulate or render and no limit on rooms.
Ratios: CPU per room-tick to CPU per echoed message, and /lessons/ p99 to the baseline's.

Targets (issue 20): /lessons/ p99 <= 500 ms, or within 1.5x of the echo baseline's p99 in
the same run, at every size; every accepted lab gets a frame at least every 2 s; and
daphne's CPU is near zero (<= 5% of a core over the last IDLE_TAIL_SECONDS) within
IDLE_SECONDS of the last socket closing. Prints one JSON object.
Run: .venv/bin/python bench/lab_rooms.py [--sockets 100,500,1000] [--seconds 10]
     [--warmup 3] [--max-rooms N] [--tick S] [--no-baseline]
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
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection  # noqa: E402
from websockets.asyncio.client import connect as aconnect  # noqa: E402
from websockets.frames import Opcode  # noqa: E402
from websockets.protocol import State  # noqa: E402

from bench.fanout import CONNECTS_AT_ONCE, cpu_seconds, peak_rss_mb, percentile  # noqa: E402
from tests.browser.server import Server, origin_for, prepare_database, server_env  # noqa: E402

LAB_PATH = "/ws/lab/single/?scenario=ecommerce_cart&customers=12"
ECHO_PATH = "/ws/echo/"
ADD_CUSTOMERS = json.dumps({"action": "add_customers", "count": "10"})
CLOSE_BUSY = 4029
OPEN_TIMEOUT = 20.0  # a handshake and its first frame, or the socket counts as failed
CLOSE_TIMEOUT = 5.0
PAGE_PATH = "/lessons/"
PAGE_EVERY = 0.1
PAGE_TIMEOUT = 10.0
PROBE_ALONE_SECONDS = 3.0
IDLE_SECONDS, IDLE_TAIL_SECONDS, IDLE_NEAR_ZERO = 10, 2, 0.05
TARGET_PAGE_P99_MS, TARGET_PAGE_RATIO, TARGET_GAP_S = 500.0, 1.5, 2.0
DEFAULT_TICK = float(os.environ.get("LIVE_TICK_SECONDS", "0.5"))  # as lbteach.settings reads it
META = re.compile(rb'id="lab-frame"[^>]*?data-seq="(\d+)" data-ts="(\d+)"')
ECHO = re.compile(rb'^\{"seq": (\d+), "ts": (\d+)')


# -- the client process ---------------------------------------------------------------------------
class Socket(ClientConnection):
    """A client connection that clocks each text message as it is parsed and queues none."""

    phase = "before"  # class-wide: every socket records the same window ("window", "after")
    pattern = META

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[tuple[int, int, float]] = []  # seq, server ts ms, arrival ms
        self.first: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.last_seq_before = 0

    def process_event(self, event) -> None:
        if self.response is None or event.opcode is not Opcode.TEXT:
            super().process_event(event)  # the handshake, pings, pongs, the close
            return
        arrived = time.time() * 1000
        if not self.first.done():
            self.first.set_result(bytes(event.data))
        meta = self.pattern.search(event.data)
        if meta is None:
            return
        seq, ts = int(meta[1]), int(meta[2])
        if Socket.phase == "window":
            self.frames.append((seq, ts, arrived))
        elif Socket.phase == "before":
            self.last_seq_before = max(self.last_seq_before, seq)


async def open_socket(url: str, kind: str, gate: asyncio.Semaphore) -> tuple[str, Socket | None]:
    """Open one socket and see it through its first message.

    Returns "accepted" (with the socket), "busy", "refused" or "failed: <why> in <stage>".
    """
    async with gate:
        ws: Socket | None = None
        stage = "handshake"
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                connection = await aconnect(
                    url,
                    origin=origin_for(url),
                    compression=None,
                    max_size=2**22,
                    open_timeout=OPEN_TIMEOUT,
                    close_timeout=CLOSE_TIMEOUT,
                    create_connection=Socket,
                )
                assert isinstance(connection, Socket)
                ws = connection
                if kind == "echo":
                    return "accepted", ws
                stage = "first frame"
                first = await ws.first
                if META.search(first):
                    await ws.send(ADD_CUSTOMERS)
                    return "accepted", ws
                stage = "close"
                await ws.wait_closed()  # a status line alone: the lab is refusing
                return ("busy" if ws.close_code == CLOSE_BUSY else "refused"), None
        except Exception as error:  # a timeout, a reset, a failed handshake: counted
            if ws is not None:
                await ws.close()
            return f"failed: {type(error).__name__} in {stage}", None


async def echo_pings(ws: Socket, tick: float, stop: asyncio.Event) -> None:
    """A message every tick, as a lab's frame would come; its seq and ts come back."""
    seq = 0
    await asyncio.sleep(tick * (id(ws) % 997) / 997)  # spread the sockets over a tick
    while not stop.is_set() and ws.state is State.OPEN:
        seq += 1
        await ws.send(f'{{"seq": {seq}, "ts": {int(time.time() * 1000)}}}')
        await asyncio.sleep(tick)


def window_figures(ws: Socket, start_ms: float, end_ms: float) -> tuple[int, float, int]:
    """Frames arrived in the window, the longest silence in it (s), and the room's ticks."""
    arrivals = [arrived for _, _, arrived in ws.frames if start_ms <= arrived < end_ms]
    edges = [start_ms, *arrivals, end_ms]
    gap = max(later - earlier for earlier, later in pairwise(edges))
    seqs = [seq for seq, ts, _ in ws.frames if ts < end_ms]
    ticks = max(seqs) - ws.last_seq_before if seqs else 0
    return len(arrivals), gap / 1000, max(0, ticks)


async def drive(
    url: str, kind: str, sockets: int, warmup: float, seconds: float, pid: int, tick: float
) -> dict:
    Socket.pattern = ECHO if kind == "echo" else META
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    open_started = time.time()
    outcomes = await asyncio.gather(*(open_socket(url, kind, gate) for _ in range(sockets)))
    opened = time.time()
    accepted = [ws for outcome, ws in outcomes if ws is not None]
    stop = asyncio.Event()
    pingers = [asyncio.create_task(echo_pings(ws, tick, stop)) for ws in accepted if kind == "echo"]
    gc.collect()
    gc.freeze()
    await asyncio.sleep(warmup)
    cpu_before, client_before = cpu_seconds(pid), time.process_time()
    start_ms = time.time() * 1000
    Socket.phase = "window"
    await asyncio.sleep(seconds)
    Socket.phase = "after"
    end_ms = time.time() * 1000
    cpu = cpu_seconds(pid) - cpu_before
    client_cpu = time.process_time() - client_before
    stop.set()
    closed_early = sum(1 for ws in accepted if ws.state is State.CLOSED)
    await asyncio.gather(*pingers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in accepted), return_exceptions=True)
    closed = time.time()
    figures = [window_figures(ws, start_ms, end_ms) for ws in accepted]
    counts = [outcome for outcome, _ in outcomes]
    failures = Counter(outcome for outcome in counts if outcome.startswith("failed"))
    return {
        "opened": {
            **{word: counts.count(word) for word in ("accepted", "busy", "refused")},
            "failed": sum(failures.values()),
        },
        "failures": dict(failures),
        "closed_early": closed_early,
        "frames": [frames for frames, _, _ in figures],
        "gaps_s": [gap for _, gap, _ in figures],
        "ticks": sum(ticks for _, _, ticks in figures),
        "server_cpu_s": cpu,
        "client_cpu_s": client_cpu,
        "times": {
            "open_started": open_started,
            "opened": opened,
            "window": [start_ms / 1000, end_ms / 1000],
            "closed": closed,
        },
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def client_process(conn, *args) -> None:
    conn.send(asyncio.run(drive(*args)))
    conn.close()


# -- the orchestrator ----------------------------------------------------------------------------
class PageProbe(threading.Thread):
    """GET a page over and over on fresh connections, keeping (when, latency, ok)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.samples: list[tuple[float, float, bool]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.time()
            try:
                with urllib.request.urlopen(self.url, timeout=PAGE_TIMEOUT) as response:
                    response.read()
                    ok = response.status == 200
            except Exception:
                ok = False
            self.samples.append((started, (time.time() - started) * 1000, ok))
            self.stopping.wait(PAGE_EVERY)

    def figures(self, since: float, until: float) -> dict:
        picked = [(ms, ok) for when, ms, ok in self.samples if since <= when < until]
        # A failed or timed-out fetch counts at its full time: a page that never came is slow.
        latencies = [ms for ms, _ in picked]
        if not latencies:
            return {"fetches": 0}
        return {
            "fetches": len(latencies),
            "failed": sum(1 for _, ok in picked if not ok),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies), 1),
        }


def page_cpu(url: str, pid: int) -> float:
    """Daphne's CPU seconds per page fetch, from the probe alone on an idle server.

    The probe keeps fetching while the labs run; this much per fetch is taken off the
    window's CPU before it is divided among room-ticks.
    """
    urllib.request.urlopen(url, timeout=PAGE_TIMEOUT).read()  # the first fetch warms up
    probe = PageProbe(url)
    before = cpu_seconds(pid)
    probe.start()
    time.sleep(PROBE_ALONE_SECONDS)
    probe.stopping.set()
    probe.join(timeout=PAGE_TIMEOUT + 1)
    return (cpu_seconds(pid) - before) / max(1, len(probe.samples))


def idle_cpu(pid: int) -> list[float]:
    """Daphne's CPU share of one core in each second after the client left."""
    shares = []
    before = cpu_seconds(pid)
    for _ in range(IDLE_SECONDS):
        time.sleep(1)
        now = cpu_seconds(pid)
        shares.append(round(now - before, 3))
        before = now
    return shares


def measure(kind: str, sockets: int, args, tmp: Path) -> dict:
    extra = {"BENCH_ECHO": "true"} if kind == "echo" else {}
    if args.max_rooms:
        extra["LAB_MAX_ROOMS"] = str(args.max_rooms)
    if args.tick:
        extra["LIVE_TICK_SECONDS"] = str(args.tick)
    server = Server(server_env(tmp / "db.sqlite3", **extra)).start()
    try:
        assert server.process is not None
        pid = server.process.pid
        per_fetch = page_cpu(f"{server.url}{PAGE_PATH}", pid)
        probe = PageProbe(f"{server.url}{PAGE_PATH}")
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=False)
        path = ECHO_PATH if kind == "echo" else LAB_PATH
        process = context.Process(
            target=client_process,
            args=(
                child,
                f"ws://127.0.0.1:{server.port}{path}",
                kind,
                sockets,
                args.warmup,
                args.seconds,
                pid,
                args.tick or DEFAULT_TICK,
            ),
        )
        process.start()
        child.close()
        probe.start()
        run = parent.recv()
        probe.stopping.set()
        probe.join(timeout=PAGE_TIMEOUT + 1)
        process.join(timeout=30)
        idle = idle_cpu(pid)
        rss = peak_rss_mb(pid)
    finally:
        server.stop()
    times = run["times"]
    window_s = times["window"][1] - times["window"][0]
    frames, gaps = run["frames"], run["gaps_s"]
    fps = [count / window_s for count in frames]
    messages = sum(frames) if kind == "echo" else run["ticks"]
    in_window = probe.figures(*times["window"])
    pages_cpu = in_window["fetches"] * per_fetch
    net_cpu = max(0.0, run["server_cpu_s"] - pages_cpu)
    return {
        "opened": run["opened"],
        "failures": run["failures"],
        "connect_seconds": round(times["opened"] - times["open_started"], 1),
        "closed_early": run["closed_early"],
        "fps_min": round(min(fps), 2) if fps else None,
        "fps_p50": round(statistics.median(fps), 2) if fps else None,
        "worst_gap_s": round(max(gaps), 2) if gaps else None,
        "gap_p50_s": round(statistics.median(gaps), 2) if gaps else None,
        "labs_with_gap_over_2s": sum(1 for gap in gaps if gap > TARGET_GAP_S),
        "room_ticks" if kind == "lab" else "echoes": messages,
        "cpu_ms_per_room_tick" if kind == "lab" else "cpu_ms_per_echo": (
            round(net_cpu * 1000 / messages, 3) if messages else None
        ),
        "cpu_ms_per_page_fetch_alone": round(per_fetch * 1000, 2),
        "server_cpu_share_of_one_core": round(run["server_cpu_s"] / window_s, 2),
        "client_cpu_share_of_one_core": round(run["client_cpu_s"] / window_s, 2),
        "lessons": probe.figures(times["open_started"], times["closed"]),
        "lessons_in_window": in_window,
        "server_peak_rss_mb": rss,
        "client_peak_rss_mb": run["client_peak_rss_mb"],
        "idle_cpu_share_per_second": idle,
        "idle_cpu_share_10s": round(sum(idle) / len(idle), 3),
    }


def ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 2) if top is not None and bottom else None


def met(lab: dict, echo: dict | None) -> dict:
    tail = lab["idle_cpu_share_per_second"][-IDLE_TAIL_SECONDS:]
    page_p99 = lab["lessons"].get("p99_ms", 1e9)
    echo_p99 = echo["lessons"].get("p99_ms") if echo else None
    return {
        "lessons_p99": page_p99 <= TARGET_PAGE_P99_MS
        or (echo_p99 is not None and page_p99 <= TARGET_PAGE_RATIO * echo_p99),
        "frame_every_2s": lab["worst_gap_s"] is not None and lab["worst_gap_s"] <= TARGET_GAP_S,
        "idle_near_zero": sum(tail) / len(tail) <= IDLE_NEAR_ZERO,
    }


def bench_size(sockets: int, args, tmp: Path) -> dict:
    load = os.getloadavg()[0]
    lab = measure("lab", sockets, args, tmp)
    result: dict = {"sockets": sockets, "load_1m_before": round(load, 2), "lab": lab}
    if not args.no_baseline:
        echo = measure("echo", sockets, args, tmp)
        result["echo_baseline"] = echo
        result["ratio_cpu_per_tick_to_echo"] = ratio(
            lab["cpu_ms_per_room_tick"], echo["cpu_ms_per_echo"]
        )
        result["ratio_lessons_p99_to_echo"] = ratio(
            lab["lessons"].get("p99_ms"), echo["lessons"].get("p99_ms")
        )
    result["targets"] = met(lab, result.get("echo_baseline"))
    result["targets_met"] = all(result["targets"].values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", default="100,500,1000", help="comma-separated sizes")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--max-rooms", type=int, default=0, help="LAB_MAX_ROOMS (default: ours)")
    parser.add_argument("--tick", type=float, default=0.0, help="LIVE_TICK_SECONDS (default: ours)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the echo baseline")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sockets.split(",") if n.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        prepare_database(server_env(Path(tmp) / "db.sqlite3"))
        runs = [bench_size(n, args, Path(tmp)) for n in sizes]
    print(
        json.dumps(
            {
                "benchmark": "lab_rooms",
                "lab_path": LAB_PATH,
                "lab_max_rooms": args.max_rooms or "settings default",
                "tick_seconds": args.tick or "settings default",
                "window_seconds": args.seconds,
                "warmup_seconds": args.warmup,
                "load_split": (
                    "daphne in one process; all sockets in one asyncio client process; the "
                    f"/lessons/ probe in this process; {os.cpu_count()} cores shared"
                ),
                "targets": {
                    "lessons_p99_ms": TARGET_PAGE_P99_MS,
                    "or_lessons_p99_to_echo": TARGET_PAGE_RATIO,
                    "worst_gap_s": TARGET_GAP_S,
                    "idle_cpu_share_last_2s": IDLE_NEAR_ZERO,
                },
                "runs": runs,
                "targets_met": all(run["targets_met"] for run in runs),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
