"""Benchmark the real restaurant: a request's round trip through HAProxy, and crash to marked down.

1. Round trip: `GET /cart` through HAProxy to a table and back, on a fresh connection each
   time and on one kept-alive connection; the baseline is the same request sent straight
   to a table (no HAProxy) in the same run. Also the page's report: the engine's
   prediction for one request (`Supervisor.judge`, which reads HAProxy's health states).
2. Crash to marked down: SIGKILL a table and poll HAProxy's stats every 5 ms until it
   reports the table DOWN (health checks `inter 250 fall 1`); then restore to UP, and the
   time one master-worker reload takes.

Prints one JSON object: each figure's median, p95 and mean (ms), ratios to the baseline,
and peak memory of this process, HAProxy and each table (VmHWM from /proc).
Run: .venv/bin/python bench/real_restaurant.py [--requests 500] [--crashes 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lbteach.real.supervisor import Supervisor  # noqa: E402


def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "max_ms": round(ms[-1], 3),
        "n": len(ms),
    }


def fresh(port: int, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/cart", headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        conn.close()
        times.append(time.perf_counter() - start)
        assert response.status == 200, response.status
    return times


def kept(port: int, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        conn.request("GET", "/cart")
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        assert response.status == 200, response.status
    conn.close()
    return times


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--crashes", type=int, default=20)
    args = parser.parse_args()
    n = args.requests
    run_dir = Path(tempfile.mkdtemp(prefix="lbteach-bench-real-"))
    sup = Supervisor(run_dir, program="haproxy")
    sup.start()
    try:
        table_port = sup.ports["A"]
        # Warm both paths up, then interleave so a busy moment hurts both alike.
        fresh(sup.port, 20)
        fresh(table_port, 20)
        direct_fresh, via_fresh, direct_kept, via_kept = [], [], [], []
        for _ in range(5):
            direct_fresh += fresh(table_port, n // 5)
            via_fresh += fresh(sup.port, n // 5)
            direct_kept += kept(table_port, n // 5)
            via_kept += kept(sup.port, n // 5)
        judge = []
        for _ in range(n // 5):
            start = time.perf_counter()
            sup.judge("A", "10.0.3.7", "", "/cart")
            judge.append(time.perf_counter() - start)
        crash_to_down, restore_to_up, reload = [], [], []
        for i in range(args.crashes):
            letter = "ABC"[i % 3]
            sup.crash(letter)
            crash_to_down.append(sup.wait_for(letter, "DOWN"))
            sup.restore(letter)
            restore_to_up.append(sup.wait_for(letter, "UP"))
        for i in range(args.crashes):
            start = time.perf_counter()
            sup.set_balancer(("source", "roundrobin")[i % 2])
            reload.append(time.perf_counter() - start)
        master = sup.front.pid or 0
        memory = {
            "bench_process_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "haproxy_master_peak_kb": peak_kb(master),
            "haproxy_worker_peak_kb": [k for p in worker_pids(master) if (k := peak_kb(p))],
            "table_peak_kb": {t: peak_kb(p.pid) for t, p in sup.processes.items()},
        }
    finally:
        sup.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    result = {
        "round_trip_fresh_connection": {
            "direct_to_table": summary(direct_fresh),
            "through_haproxy": summary(via_fresh),
            "ratio_median": round(
                statistics.median(via_fresh) / statistics.median(direct_fresh), 2
            ),
        },
        "round_trip_kept_alive": {
            "direct_to_table": summary(direct_kept),
            "through_haproxy": summary(via_kept),
            "ratio_median": round(statistics.median(via_kept) / statistics.median(direct_kept), 2),
        },
        "engine_prediction_per_request": summary(judge),
        "crash_to_marked_down": summary(crash_to_down),
        "restore_to_marked_up": summary(restore_to_up),
        "reload": summary(reload),
        "memory": memory,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
