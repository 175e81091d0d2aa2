"""Benchmark lesson figures: what 200 readers of one lesson cost the server.

Against a real daphne: the first reader of a lesson renders its figures (once per
process); then 200 readers each fetch the lesson page and its figure's frames (gzipped,
as browsers ask), 8 at a time. The baseline is 200 fetches of a static file of the site
through the same server, same concurrency, in the same run. No reader opens a websocket.

Prints one JSON object. Run: .venv/bin/python bench/lesson_figures.py [--readers 200]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.server import Server, prepare_database, server_env  # noqa: E402

LESSON = "/lessons/source-ip-affinity/"
FRAMES = "/lab/figures/mobile_ip_change/"
STATIC = "/static/css/scene.css"


def fetch(url: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        size = len(response.read())
    return time.perf_counter() - started, size


def readers(urls: list[str], count: int) -> dict:
    def one(_):
        return [fetch(url) for url in urls]

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    per_reader = [sum(t for t, _ in r) for r in results]
    return {
        "wall_s": round(wall, 3),
        "reader_ms_p50": round(statistics.median(per_reader) * 1000, 2),
        "bytes_per_reader": sum(size for _, size in results[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "db.sqlite3")
        prepare_database(env)
        server = Server(env).start()
        try:
            first_lesson, _ = fetch(server.url + LESSON)
            first_frames, _ = fetch(server.url + FRAMES)
            lesson = readers([server.url + LESSON, server.url + FRAMES], args.readers)
            baseline = readers([server.url + STATIC, server.url + STATIC], args.readers)
        finally:
            server.stop()
    print(
        json.dumps(
            {
                "benchmark": "lesson_figures",
                "readers": args.readers,
                "first_lesson_render_ms": round(first_lesson * 1000, 1),
                "first_frames_ms": round(first_frames * 1000, 1),
                "lesson_and_frames": lesson,
                "baseline_two_static_files": baseline,
                "ratio_wall": round(lesson["wall_s"] / baseline["wall_s"], 2),
                "websockets_opened": 0,
                "server_peak_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
