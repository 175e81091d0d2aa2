"""The balancer in front of the tables (HAProxy, or nginx where HAProxy is absent): one interface.

Each writes its configuration from a `Setup`, starts in the foreground as a child, reloads
a new configuration without closing its listening sockets, and serves the configuration's
generation on a 127.0.0.1 stats port, so the supervisor knows when a reload has landed.
"""

from __future__ import annotations

import http.client
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lbteach.real.balancers import RealBalancer
from lbteach.real.processes import START_SECONDS, RealError, end, last_line, wait_for_port


@dataclass(frozen=True)
class Setup:
    balancer: RealBalancer
    tables: dict[str, int]  # letter -> port: the tables in the pool
    known: dict[str, int]  # letter -> port: every table A .. the last in the pool
    host: str  # where the balancer listens for customers
    port: int
    stats_port: int  # 127.0.0.1 only: stats and the configuration's generation
    origins: tuple[str, ...]  # the site's origins, whose pages may read the answers
    generation: int


def stats_get(stats_port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", stats_port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode()
    finally:
        conn.close()


class Front:
    """A balancer program run by the supervisor; subclasses say how to configure and reload it."""

    name = ""
    config_name = ""
    # What the page says about how this program notices a crashed table.
    health_note = ""

    def __init__(self, program: str, run_dir: Path):
        self.program = program
        self.run_dir = run_dir
        self.process: subprocess.Popen | None = None
        self.generation = 0
        self.stats_port = 0

    @property
    def log_path(self) -> Path:
        return self.run_dir / f"{self.name.lower()}.log"

    @property
    def config_path(self) -> Path:
        return self.run_dir / self.config_name

    @staticmethod
    def find() -> str:
        """The program's path, or '' when it is not installed."""
        raise NotImplementedError

    def config(self, setup: Setup) -> str:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def ask_reload(self, deadline: float) -> None:
        raise NotImplementedError

    def children(self) -> set[int]:
        """The PIDs of the program's own children (its workers), from /proc."""
        if not self.process:
            return set()
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in path.read_text().split()}
        except OSError:
            return set()

    def settle(self, before: set[int], deadline: float) -> None:
        """After a reload: wait until the workers of the old configuration are gone.

        For a moment old and new workers both accept on the listening socket, each with
        its own configuration and round-robin turn (the tests caught customers served by
        the old configuration after a reload, under HAProxy and nginx alike).
        """
        while time.monotonic() < deadline and before & self.children():
            time.sleep(0.005)

    def states(self, pool: list[str], alive: dict[str, bool]) -> dict[str, str]:
        """Table -> this program's status for it (UP, DOWN ...)."""
        raise NotImplementedError

    def start(self, setup: Setup) -> None:
        self._write(setup)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=self.run_dir, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(setup.port, self.process, self.name, self.log_path)
        self._wait_for_generation(time.monotonic() + START_SECONDS)

    def reload(self, setup: Setup) -> None:
        self.check()
        self._write(setup)
        deadline = time.monotonic() + START_SECONDS
        before = self.children()
        self.ask_reload(deadline)
        self._wait_for_generation(deadline)
        self.settle(before, deadline)

    def _write(self, setup: Setup) -> None:
        self.generation, self.stats_port = setup.generation, setup.stats_port
        self.config_path.write_text(self.config(setup))

    def _wait_for_generation(self, deadline: float) -> None:
        """Wait until the program answers with the configuration just written."""
        while time.monotonic() < deadline:
            self.check()
            try:
                if stats_get(self.stats_port, "/generation").strip() == str(self.generation):
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RealError(f"{self.name} did not load its new configuration (see {self.log_path})")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check(self) -> None:
        if not self.running():
            code = self.process.returncode if self.process else None
            said = last_line(self.log_path) if code and code > 0 else ""
            raise RealError(
                f"{self.name} is not running (it exited with code {code}"
                + (f": {said}" if said else "")
                + "); restart it to go on"
            )

    def stop(self) -> None:
        end(self.process)
