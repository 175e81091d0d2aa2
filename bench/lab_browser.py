"""Benchmark the lab's scene in real Chromium: long tasks and frames per second under load.

A lab with 12 tables and 500 customers at top speed (80 requests a tick, a frame every tick)
runs for `--seconds`; the page records long tasks (PerformanceObserver, "longtask": any task
over 50 ms) and counts animation frames. The baseline is the same page, same restaurant,
paused for the same time (no frames arriving), in the same run.
Targets: no long task over 50 ms, >= 50 frames per second.

Prints one JSON object. Run: .venv/bin/python bench/lab_browser.py [--seconds 10]
Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and Playwright.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.server import Server, prepare_database, server_env  # noqa: E402

LAB = "/lab/?scenario=ecommerce_cart&balancer=source_ip&customers=500&seed=1"
MEASURE = """seconds => new Promise(done => {
  const long = [];
  const observer = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) long.push(entry.duration);
  });
  observer.observe({type: "longtask", buffered: false});
  let frames = 0, worst = 0, last = performance.now();
  const started = last;
  const count = now => {
    frames += 1; worst = Math.max(worst, now - last); last = now;
    if (now - started < seconds * 1000) requestAnimationFrame(count);
    else {
      observer.disconnect();
      done({fps: frames / ((now - started) / 1000), worst_frame_ms: worst,
            long_tasks: long.length, longest_task_ms: Math.max(0, ...long),
            seq: +document.getElementById("lab-frame").dataset.seq});
    }
  };
  requestAnimationFrame(count);
})"""


def run(page, site: str, seconds: float, paused: bool) -> dict:
    page.goto(site + LAB)
    page.wait_for_selector("#connection[data-state=open]")
    for _ in range(8):
        page.get_by_role("button", name="Add table").click()
    page.wait_for_function("() => document.querySelectorAll('#floor [data-table]').length == 12")
    page.get_by_label("Speed").select_option("10")
    page.wait_for_timeout(1500)  # carts fill; the first frames settle
    if paused:
        page.get_by_role("button", name="Pause").click()
        page.wait_for_selector(".run-state.is-paused")
    before = int(page.locator("#lab-frame").get_attribute("data-seq"))
    result = page.evaluate(MEASURE, seconds)
    result["frames_received"] = result.pop("seq") - before
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "db.sqlite3")
        prepare_database(env)
        server = Server(env).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM_PATH", CHROMIUM), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                live = run(page, server.url, args.seconds, paused=False)
                idle = run(page, server.url, args.seconds, paused=True)
                browser.close()
        finally:
            server.stop()
    print(
        json.dumps(
            {
                "benchmark": "lab_browser",
                "seconds": args.seconds,
                "tables": 12,
                "customers": 500,
                "live": live,
                "baseline_paused": idle,
                "ratio_fps_live_to_paused": round(live["fps"] / idle["fps"], 2),
                "targets_met": live["longest_task_ms"] <= 50 and live["fps"] >= 50,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
