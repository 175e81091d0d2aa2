"""The supervisor: starts the balancer (HAProxy, else nginx) and the tables; changes; stops.

Every process it starts is its child, and `stop()` ends each one (the `real` command calls
it on exit, on Ctrl-C and on SIGTERM). A change of balancer or of the tables in the pool
writes a new configuration and reloads it without closing the listening sockets.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lbteach.real import haproxy, nginx
from lbteach.real.balancers import CATALOGUES, RealBalancer, real_balancer
from lbteach.real.front import Front, Setup
from lbteach.real.guests import Guests
from lbteach.real.predict import Predictor
from lbteach.real.processes import (
    ROOT,
    START_SECONDS,
    RealError,
    end,
    free_port,
    wait_for_table,
)
from lbteach.real.served import ServedLog
from lbteach.real.stores import SqliteStore
from lbteach.real.table import SHARED_FLAG
from lbteach.sim.model import MAX_TABLES, TABLE_NAMES

FRONTS: dict[str, type[Front]] = {"haproxy": haproxy.HAProxy, "nginx": nginx.Nginx}
MISSING = (
    "HAProxy is not installed: install your system's package ("
    + haproxy.INSTALL
    + ") and start again; nginx also works where HAProxy is absent ("
    + nginx.INSTALL
    + ")"
)

# Starts with new free ports when another program took the ones picked (a shared machine).
PORT_TRIES = 3
# Predictions kept for requests not reported yet (a script's, a closed tab's) at most.
FORESEEN_LIMIT = 5000

__all__ = ["RealError", "Supervisor", "choose_program", "end", "free_port"]


def choose_program(wanted: str = "") -> tuple[str, str]:
    """(haproxy or nginx, its path): `wanted`, or HAProxy when installed, else nginx."""
    names = [wanted] if wanted else list(FRONTS)
    for name in names:
        path = FRONTS[name].find()
        if path:
            return name, path
    if wanted == "nginx":
        raise RealError(f"nginx is not installed ({nginx.INSTALL})")
    raise RealError(MISSING)


def health(status: str) -> str:
    """up, down or unknown, from a status text ("UP", "DOWN", "UP 1/2", "MAINT" ...)."""
    word = status.split(" ")[0]
    return {"UP": "up", "DOWN": "down", "MAINT": "down"}.get(word, "unknown")


@dataclass
class Agreement:
    agree: int = 0
    total: int = 0
    misses: list[dict] = field(default_factory=list)


class Supervisor:
    """A balancer in front of tables A, B, C ..., each its own process on its own port."""

    def __init__(
        self,
        run_dir: Path,
        *,
        tables: int = 3,
        balancer: str = "roundrobin",
        host: str = "127.0.0.1",
        port: int = 0,
        origins: tuple[str, ...] = ("http://127.0.0.1:8000",),
        program: str = "",
        redis_url: str = "",
    ):
        if not 1 <= tables <= MAX_TABLES:
            raise RealError(f"a restaurant has 1 to {MAX_TABLES} tables, not {tables}")
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.program, path = choose_program(program)
        self.front: Front = FRONTS[self.program](path, self.run_dir)
        try:
            self.balancer: RealBalancer = real_balancer(balancer, self.program)
        except ValueError as error:
            raise RealError(str(error)) from None
        self.redis_url = redis_url
        self.host = host
        self.ports_chosen = not port  # free ports picked here may be retaken by others
        self.port = port or free_port()
        self.stats_port = free_port()
        self.origins = origins
        self.ports: dict[str, int] = {}
        self.pool: list[str] = list(TABLE_NAMES[:tables])
        self.processes: dict[str, subprocess.Popen] = {}
        self.generation = 0
        self.lock = threading.RLock()
        self.agreement = Agreement()
        self.guests = Guests()
        self.served = ServedLog(self.run_dir)
        self.foreseen: dict[tuple[int, int], tuple[str, str]] = {}
        self.predictor: Predictor | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Supervisor:
        with self.lock:
            try:
                for letter in self.pool:
                    self._start_table(letter)
                self._start_front()
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self) -> None:
        with self.lock:
            self.front.stop()
            for process in self.processes.values():
                end(process)
            self.processes.clear()

    def children(self) -> list[int]:
        """The PIDs of every process started and still running (the balancer's master too)."""
        running = [p.pid for p in self.processes.values() if p.poll() is None]
        if self.front.running() and self.front.pid:
            running.append(self.front.pid)
        return running

    # -- tables -----------------------------------------------------------------------------
    def _start_front(self) -> None:
        """Start the balancer; when a free port was taken meanwhile (another program on this
        machine), with new ports, twice more. A port given by the learner is kept."""
        for attempt in range(PORT_TRIES):
            try:
                self.front.start(self._setup())
                return
            except RealError as error:
                taken = "Address already in use" in str(error)
                if not (taken and self.ports_chosen and attempt + 1 < PORT_TRIES):
                    raise
                self.port, self.stats_port = free_port(), free_port()
                self.generation -= 1  # that configuration never ran

    def _start_table(self, letter: str) -> None:
        """Start a table on its port (a new free one the first time) and check it is ours."""
        fresh = letter not in self.ports
        for attempt in range(PORT_TRIES):
            port = self.ports.setdefault(letter, free_port())
            with (self.run_dir / f"table-{letter}.log").open("ab") as log:
                command = [sys.executable, "-m", "lbteach.real.table", "--name", letter]
                command += ["--port", str(port), "--run-dir", str(self.run_dir)]
                if self.redis_url:
                    command += ["--redis", self.redis_url]
                process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            self.processes[letter] = process
            try:
                wait_for_table(port, process, letter)
                return
            except RealError:
                end(process)
                if not (fresh and attempt + 1 < PORT_TRIES):
                    raise
                del self.ports[letter]  # someone else took the port: another one

    def _table(self, letter: object) -> str:
        if not isinstance(letter, str) or letter not in self.pool:
            tables = ", ".join(self.pool) or "none"
            raise RealError(f"there is no table {letter!r}; the tables are {tables}")
        return letter

    def alive(self, letter: str) -> bool:
        process = self.processes.get(letter)
        return process is not None and process.poll() is None

    def crash(self, letter: object) -> int:
        """SIGKILL a table's process, as a crash would; returns the PID that died."""
        with self.lock:
            name = self._table(letter)
            if not self.alive(name):
                raise RealError(f"table {name} has already crashed; restore it first")
            process = self.processes[name]
            process.kill()
            process.wait()
            return process.pid

    def restore(self, letter: object) -> int:
        """Start a crashed table again, on its old port (an empty memory: its carts are gone)."""
        with self.lock:
            name = self._table(letter)
            if self.alive(name):
                raise RealError(f"table {name} is running; crash it first")
            self._start_table(name)
            return self.processes[name].pid

    def add_table(self) -> str:
        with self.lock:
            free = [n for n in TABLE_NAMES if n not in self.pool]
            if not free:
                raise RealError(f"the restaurant already has {MAX_TABLES} tables")
            letter = free[0]
            self._start_table(letter)
            self.pool = sorted([*self.pool, letter], key=TABLE_NAMES.index)
            self.front.reload(self._setup())
            return letter

    def remove_table(self, letter: object) -> None:
        with self.lock:
            name = self._table(letter)
            if len(self.pool) == 1:
                raise RealError("the last table cannot be removed")
            self.front.check()
            self.pool = [n for n in self.pool if n != name]
            self.front.reload(self._setup())
            end(self.processes.pop(name, None))

    def set_balancer(self, name: object) -> None:
        with self.lock:
            try:
                balancer = real_balancer(name, self.program)
            except ValueError as error:
                raise RealError(str(error)) from None
            self.front.check()
            self.balancer = balancer
            self.front.reload(self._setup())

    @property
    def shared(self) -> bool:
        return (self.run_dir / SHARED_FLAG).exists()

    def set_shared(self, on: bool) -> None:
        """Carts in the shared store (every table reads it) or in each table's own memory."""
        flag = self.run_dir / SHARED_FLAG
        if on:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)

    # -- the balancer in front --------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.front.config_path

    def _setup(self) -> Setup:
        """The next configuration; the engine's predictor starts afresh with it."""
        self._catch_up(None)  # the old configuration's requests, with its own predictor
        self.served.forget()
        self.generation += 1
        count = max(TABLE_NAMES.index(n) for n in self.pool) + 1
        known = {n: self.ports[n] for n in TABLE_NAMES[:count] if n in self.ports}
        addresses = [f"127.0.0.1:{known.get(n, 0)}" for n in TABLE_NAMES[:count]]
        self.predictor = Predictor(self.balancer, count, set(self.pool), addresses)
        return Setup(
            balancer=self.balancer,
            tables={n: self.ports[n] for n in self.pool},
            known=known,
            host=self.host,
            port=self.port,
            stats_port=self.stats_port,
            origins=self.origins,
            generation=self.generation,
        )

    def running(self) -> bool:
        return self.front.running()

    def restart_front(self) -> None:
        with self.lock:
            self.front.stop()
            self.front.start(self._setup())

    def states(self) -> dict[str, str]:
        """Table -> the balancer's status for it (UP or DOWN ...)."""
        self.front.check()
        return self.front.states(self.pool, {n: self.alive(n) for n in self.pool})

    def down(self) -> set[str]:
        return {n for n, state in self.states().items() if not state.startswith("UP")}

    def wait_for(self, letter: str, state: str, timeout: float = START_SECONDS) -> float:
        """Wait until the balancer reports `letter` in `state` (UP or DOWN); the seconds taken."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.states().get(letter, "").startswith(state):
                return time.monotonic() - start
            time.sleep(0.005)
        raise RealError(f"{self.front.name} never marked table {letter} {state}")

    # -- the engine beside it ---------------------------------------------------------------
    def judge(
        self,
        answered: str,
        client: str,
        cookies: str,
        path: str,
        session: str = "",
        items: int = 0,
        number: tuple[int, int] | None = None,
    ) -> dict:
        """Compare what really answered with the engine's prediction for the same request.

        `session` and `items` (the table's session cookie and the cart's size) seat the
        client at the table that answered, for the projector. `number` is HAProxy's
        (generation, request number) for it: the engine is then asked about every request
        served up to it, in HAProxy's order (see `served`), and this one's answer is kept.
        """
        with self.lock:
            if answered not in self.pool and answered != "none":
                tables = ", ".join(self.pool)
                raise RealError(f"no table {answered!r} serves here; the tables are {tables}")
            if answered in self.pool:
                self.guests.seat(session, client, answered, items)
            foreseen = None
            if number is not None and number[0] == self.generation:
                self._catch_up(number[1])
            if number is not None:
                foreseen = self.foreseen.pop(number, None)
            assert self.predictor is not None
            predicted, reason = foreseen or self.predictor.predict(
                client, cookies, path, self.down()
            )
            agreed = predicted == answered
            self.agreement.total += 1
            self.agreement.agree += agreed
            verdict = {
                "program": self.front.name,
                "answered": answered,
                "predicted": predicted,
                "reason": reason,
                "agreed": agreed,
                "agree": self.agreement.agree,
                "total": self.agreement.total,
                "misses": self.agreement.total - self.agreement.agree,
            }
            if not agreed:
                self.agreement.misses.append(verdict)
            return verdict

    def _catch_up(self, upto: int | None) -> None:
        """Ask the engine about every request HAProxy served up to number `upto`, in order."""
        entries = self.served.upto(self.generation, upto)
        if not entries or self.predictor is None:
            return
        down = self.down()
        for entry in entries:
            key = (self.generation, entry["seq"])
            self.foreseen[key] = self.predictor.predict(
                entry["client"], entry["cookies"], entry["path"], down
            )
        while len(self.foreseen) > FORESEEN_LIMIT:  # answers nobody reported: the oldest go
            del self.foreseen[next(iter(self.foreseen))]

    def view(self) -> dict:
        """What the page shows: the balancer, the program in front, every table and its state."""
        with self.lock:
            running = self.front.running()
            states = self.states() if running else {}
            tables = [
                {
                    "letter": n,
                    "port": self.ports[n],
                    "pid": self.processes[n].pid if n in self.processes else None,
                    "alive": self.alive(n),
                    "status": states.get(n, "unknown"),
                    "health": health(states.get(n, "")),
                    "guests": self.guests.at(n),
                }
                for n in self.pool
            ]
            return {
                "program": self.front.name,
                "program_pid": self.front.pid,
                "health_note": self.front.health_note,
                "balancers": [
                    {"name": b.name, "title": b.title} for b in CATALOGUES[self.program].values()
                ],
                "balancer": self.balancer.name,
                "balancer_title": self.balancer.title,
                "lines": list(self.balancer.lines),
                "running": running,
                "port": self.port,
                "generation": self.generation,
                "shared": self.shared,
                "store_name": "Redis" if self.redis_url else SqliteStore.name,
                "tables": tables,
                "agree": self.agreement.agree,
                "total": self.agreement.total,
                "misses": self.agreement.total - self.agreement.agree,
                "guests": self.guests.count(),
            }
