"""Benchmark: simulated requests per second of each balancer in batch mode, against a bare loop.

The baseline, measured in the same run, is a bare loop doing the same per-request
dictionary work with no model around it: draw an arrival, a customer and a service time,
pick a table in turn, count it, check the customer's cart and previous table. Each
balancer's ratio is its rate divided by that baseline's. Times are the best of
`--repeat` runs, in CPU time (the machine is shared). The script also times
`compare()` of every balancer over 100,000 requests each, the same through
`manage.py simulate --compare` (a fresh process, Django start-up included), and reports
peak memory. It prints one JSON object.

    .venv/bin/python bench/sim_throughput.py [--requests N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from math import log
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lbteach.sim import BALANCERS, Simulation, compare, scenario_from_preset  # noqa: E402

PRESET = "ecommerce_cart"
COMPARE_REQUESTS = 100_000
COMPARE_TARGET_S = 2.0
RATIO_TARGET = 0.3
RATIO_BALANCERS = ("round_robin", "cookie_insert")


def bare_loop(n: int, clients: int, servers: int, seed: int) -> None:
    rnd = random.Random(seed).random
    gap = 1000.0 / 200.0
    carts = [0] * clients
    cart_at = [-1] * clients
    last = [-1] * clients
    served = [0] * servers
    t = 0.0
    turn = breaks = same = 0
    for _ in range(n):
        t -= log(1.0 - rnd()) * gap
        c = int(rnd() * clients)
        service = -log(1.0 - rnd()) * 10.0
        tb = turn
        turn = (turn + 1) % servers
        served[tb] += 1
        if last[c] == tb:
            same += 1
        last[c] = tb
        if carts[c] and cart_at[c] != tb:
            breaks += 1
            carts[c] = 0
        if service < 3.0:
            carts[c] += 1
            cart_at[c] = tb


def best_of(repeat: int, work, clock=time.process_time) -> float:
    """The fastest of `repeat` runs; CPU time by default, so other busy processes on the
    machine (2 cores, often shared) distort the ratios less."""
    times = []
    for _ in range(repeat):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.requests
    base = scenario_from_preset(PRESET, requests=n, events=[])

    baseline_s = best_of(args.repeat, lambda: bare_loop(n, base.clients, base.servers, 1))
    baseline_rate = n / baseline_s
    balancers = {}
    for name in BALANCERS:
        scenario = base.replace(balancer=name)
        seconds = best_of(args.repeat, lambda s=scenario: Simulation(s).run())
        balancers[name] = {
            "requests_per_s": round(n / seconds),
            "ratio": round(n / seconds / baseline_rate, 3),
        }

    everything = scenario_from_preset(PRESET, requests=COMPARE_REQUESTS)
    compare_s = best_of(args.repeat, lambda: compare(everything, list(BALANCERS)))
    compare_wall_s = best_of(
        args.repeat, lambda: compare(everything, list(BALANCERS)), clock=time.perf_counter
    )
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "simulate",
        PRESET,
        "--requests",
        str(COMPARE_REQUESTS),
        "--compare",
        ",".join(BALANCERS),
        "--format",
        "json",
    ]

    def run_command() -> None:
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)

    # A subprocess's CPU time is not ours, so the command is timed on the wall clock.
    command_s = best_of(args.repeat, run_command, clock=time.perf_counter)

    tracemalloc.start()
    Simulation(base.replace(balancer="cookie_insert")).run()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    ratios_met = all(balancers[name]["ratio"] >= RATIO_TARGET for name in RATIO_BALANCERS)
    print(
        json.dumps(
            {
                "requests_per_balancer": n,
                "preset": PRESET,
                "python": sys.version.split()[0],
                "baseline": {"name": "bare loop", "requests_per_s": round(baseline_rate)},
                "balancers": balancers,
                "compare_all": {
                    "balancers": len(BALANCERS),
                    "requests_each": COMPARE_REQUESTS,
                    "engine_cpu_seconds": round(compare_s, 3),
                    "engine_wall_seconds": round(compare_wall_s, 3),
                    "command_wall_seconds": round(command_s, 3),
                    "target_seconds": COMPARE_TARGET_S,
                },
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "traced_peak_mb_one_run": round(traced_peak / 2**20, 2),
                "targets_met": {
                    "ratio_round_robin_and_cookie_insert": ratios_met,
                    "compare_command_under_2s": command_s < COMPARE_TARGET_S,
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
