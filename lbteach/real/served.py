"""The order HAProxy served requests in: each table logs what it served, with HAProxy's number.

HAProxy numbers every request it receives (`%rt`, one worker, one thread: the order it
balances them) and passes the number and its configuration's generation to the table. The
table appends one JSON line per request to `served.log` in the run directory before it
answers; the supervisor reads the lines back in that order, so the engine is asked about
every request (a phone's, a script's) in the order HAProxy saw them, whatever order their
reports reach the site in. nginx has no such number: its requests are judged as reported.
"""

from __future__ import annotations

import heapq
import json
import os
from pathlib import Path

LOG = "served.log"


def append(run_dir: Path, entry: dict) -> None:
    """One line, one write, O_APPEND: lines from several table processes never interleave."""
    line = (json.dumps(entry) + "\n").encode()
    fd = os.open(run_dir / LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


class ServedLog:
    """Reads the tables' log as it grows; hands out one generation's entries in number order."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / LOG
        self.offset = 0
        self.pending: list[tuple[int, dict]] = []

    def _read(self, generation: int) -> None:
        try:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                data = log.read()
        except FileNotFoundError:
            return
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
        self.offset += len(complete)
        for line in complete.splitlines():
            entry = json.loads(line)
            if entry.get("gen") == generation and isinstance(entry.get("seq"), int):
                heapq.heappush(self.pending, (entry["seq"], entry))

    def upto(self, generation: int, seq: int | None) -> list[dict]:
        """Entries of `generation` numbered up to `seq` (all of them with None), in order."""
        self._read(generation)
        ready = []
        while self.pending and (seq is None or self.pending[0][0] <= seq):
            ready.append(heapq.heappop(self.pending)[1])
        return ready

    def forget(self) -> None:
        """A new generation starts: what is still pending belonged to the old one."""
        self.pending.clear()
