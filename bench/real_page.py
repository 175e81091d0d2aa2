"""Benchmark the /real/ page in real Chromium: from a click to the request's row on screen.

`manage.py real` runs as `make real` does (HAProxy, three tables, the site). Chromium
clicks "View my cart" `--clicks` times; each time the page fetches through HAProxy, then
posts what came back to the site, which asks the engine and answers with the row. Timed
in the page per click: click to the row in the document (the learner's wait). The baseline,
in the same run, is the fetch through HAProxy alone (Resource Timing of that very request),
and beside it the report's POST. Prints one JSON object with medians, p95 and the ratio.
Run: .venv/bin/python bench/real_page.py [--clicks 60]. Needs Chromium and HAProxy.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.server import prepare_database, server_env  # noqa: E402
from tests.real.command import RealCommand  # noqa: E402

# Timed inside the page: from the click event to the row's insertion (a MutationObserver),
# so Playwright's own round trips are not counted.
CLICK = """() => new Promise(done => {
  const log = document.getElementById("real-log");
  const observer = new MutationObserver(() => {
    if (log.querySelector(".real-row")) {
      observer.disconnect();
      done(performance.now() - start);
    }
  });
  observer.observe(log, {childList: true});
  log.replaceChildren();
  const start = performance.now();
  document.querySelector('[data-real-action="view"]').click();
})"""
TIMINGS = """origin => {
  const all = performance.getEntriesByType("resource");
  const fetches = all.filter(e => e.name.startsWith(origin + "/cart"));
  const reports = all.filter(e => e.name.endsWith("/real/seen/"));
  return {fetch: fetches.at(-1).duration, report: reports.at(-1).duration};
}"""


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "n": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=60)
    args = parser.parse_args()
    site_dir = Path(tempfile.mkdtemp(prefix="lbteach-bench-page-"))
    env = server_env(site_dir / "db.sqlite3")
    prepare_database(env)
    real = RealCommand(env)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(real.url + "/real/")
            origin = page.locator("[data-balancer-origin]").get_attribute("data-balancer-origin")
            button = page.get_by_role("button", name="View my cart", exact=True)
            for _ in range(5):  # warm up: connections, templates, the engine
                button.click()
            page.wait_for_selector(".real-row >> nth=4")
            page.evaluate("performance.clearResourceTimings()")
            page.evaluate("performance.setResourceTimingBufferSize(1000)")
            total, fetch, report = [], [], []
            for _ in range(args.clicks):
                total.append(page.evaluate(CLICK))
                page.wait_for_function(
                    "() => !document.querySelector('[data-real-action]').disabled"
                )
                timings = page.evaluate(TIMINGS, origin)
                fetch.append(timings["fetch"])
                report.append(timings["report"])
            agreement = page.locator("#real-agreement").inner_text()
            browser.close()
    finally:
        real.close()
        shutil.rmtree(site_dir, ignore_errors=True)
    print(
        json.dumps(
            {
                "click_to_row": summary(total),
                "fetch_through_haproxy": summary(fetch),
                "report_to_site": summary(report),
                "ratio_median": round(statistics.median(total) / statistics.median(fetch), 1),
                "agreement": " ".join(agreement.split()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
