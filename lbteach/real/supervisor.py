"""The supervisor: starts HAProxy and the table processes, changes them, and stops them all.

Every process it starts is its child, in its process group, and `stop()` ends each one
(the `real` command calls it on exit, on Ctrl-C and on SIGTERM). HAProxy runs in
master-worker mode (`-W`): a new configuration is written and the master reloads it (its
CLI's `reload`, what SIGUSR2 does), handing its listening sockets to a new worker while the
old one finishes what it has in hand, so no customer's request is refused during a reload.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lbteach.real.balancers import RealBalancer, real_balancer
from lbteach.real.haproxy import Setup, config_text, server_states, stats_get
from lbteach.real.predict import Predictor
from lbteach.real.table import SHARED_FLAG
from lbteach.sim.model import MAX_TABLES, TABLE_NAMES

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_INSTALL = (
    "HAProxy is not installed: install your system's package (Debian and Ubuntu: "
    "sudo apt-get install haproxy; macOS: brew install haproxy) and start again"
)
START_SECONDS = 10.0


class RealError(Exception):
    """Something the learner asked for cannot be done; the message says why, in plain words."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Where distributions put HAProxy when it is not on PATH (Debian: /usr/sbin, not a user's PATH).
HAPROXY_PLACES = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")


def find_haproxy() -> str:
    found = shutil.which("haproxy") or next((p for p in HAPROXY_PLACES if Path(p).exists()), "")
    if not found:
        raise RealError(HAPROXY_INSTALL)
    return found


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RealError(f"{what} exited at start (code {process.returncode})")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RealError(f"{what} did not open port {port} within {START_SECONDS:.0f} s")


def end(process: subprocess.Popen | None) -> None:
    """Stop a child: politely, then for good; always reaped, so no zombie stays."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def health(status: str) -> str:
    """up, down or unknown, from HAProxy's status text ("UP", "DOWN", "UP 1/2", "MAINT" ...)."""
    word = status.split(" ")[0]
    return {"UP": "up", "DOWN": "down", "MAINT": "down"}.get(word, "unknown")


@dataclass
class Agreement:
    agree: int = 0
    total: int = 0
    misses: list[dict] = field(default_factory=list)


class Supervisor:
    """HAProxy in front of tables A, B, C ..., each its own process on its own port."""

    def __init__(
        self,
        run_dir: Path,
        *,
        tables: int = 3,
        balancer: str = "roundrobin",
        host: str = "127.0.0.1",
        port: int = 0,
        origins: tuple[str, ...] = ("http://127.0.0.1:8000",),
    ):
        if not 1 <= tables <= MAX_TABLES:
            raise RealError(f"a restaurant has 1 to {MAX_TABLES} tables, not {tables}")
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.balancer: RealBalancer = real_balancer(balancer)
        self.host = host
        self.port = port or free_port()
        self.stats_port = free_port()
        self.origins = origins
        self.ports: dict[str, int] = {}
        self.pool: list[str] = list(TABLE_NAMES[:tables])
        self.processes: dict[str, subprocess.Popen] = {}
        self.haproxy: subprocess.Popen | None = None
        self.generation = 0
        self.lock = threading.RLock()
        self.agreement = Agreement()
        self.predictor = self._new_predictor()

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Supervisor:
        program = find_haproxy()
        with self.lock:
            try:
                for letter in self.pool:
                    self._start_table(letter)
                self._write_config()
                self._start_haproxy(program)
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self) -> None:
        with self.lock:
            end(self.haproxy)
            for process in self.processes.values():
                end(process)
            self.processes.clear()

    def children(self) -> list[int]:
        """The PIDs of every process started and still running (HAProxy's master included)."""
        running = [p for p in self.processes.values() if p.poll() is None]
        if self.haproxy and self.haproxy.poll() is None:
            running.append(self.haproxy)
        return [p.pid for p in running]

    # -- tables -----------------------------------------------------------------------------
    def _start_table(self, letter: str) -> None:
        port = self.ports.setdefault(letter, free_port())
        log = (self.run_dir / f"table-{letter}.log").open("ab")
        command = [sys.executable, "-m", "lbteach.real.table", "--name", letter]
        command += ["--port", str(port), "--run-dir", str(self.run_dir)]
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes[letter] = process
        wait_for_port(port, process, f"table {letter}")

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
            self._reload()
            return letter

    def remove_table(self, letter: object) -> None:
        with self.lock:
            name = self._table(letter)
            if len(self.pool) == 1:
                raise RealError("the last table cannot be removed")
            self.pool = [n for n in self.pool if n != name]
            self._reload()
            end(self.processes.pop(name, None))

    def set_balancer(self, name: object) -> None:
        with self.lock:
            try:
                balancer = real_balancer(name)
            except ValueError as error:
                raise RealError(str(error)) from None
            self.balancer = balancer
            self._reload()

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

    # -- HAProxy ----------------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.run_dir / "haproxy.cfg"

    def _write_config(self) -> None:
        self.generation += 1
        setup = Setup(
            balancer=self.balancer,
            tables={n: self.ports[n] for n in self.pool},
            host=self.host,
            port=self.port,
            stats_port=self.stats_port,
            origins=self.origins,
            generation=self.generation,
        )
        self.config_path.write_text(config_text(setup))
        self.predictor = self._new_predictor()

    def _new_predictor(self) -> Predictor:
        count = max(TABLE_NAMES.index(n) for n in self.pool) + 1
        return Predictor(self.balancer, count, set(self.pool))

    @property
    def master_socket(self) -> Path:
        return self.run_dir / "master.sock"

    def _start_haproxy(self, program: str) -> None:
        log = (self.run_dir / "haproxy.log").open("ab")
        command = [program, "-W", "-db", "-S", str(self.master_socket), "-f", str(self.config_path)]
        self.haproxy = subprocess.Popen(
            command, cwd=self.run_dir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        wait_for_port(self.port, self.haproxy, "HAProxy")
        self._wait_for_generation()

    def haproxy_running(self) -> bool:
        return self.haproxy is not None and self.haproxy.poll() is None

    def _check_haproxy(self) -> None:
        if not self.haproxy_running():
            code = self.haproxy.returncode if self.haproxy else None
            raise RealError(
                f"HAProxy is not running (it exited with code {code}); restart it to go on"
            )

    def _reload(self) -> None:
        self._check_haproxy()
        self._write_config()
        self._wait_for_generation(reload=True)

    def _wait_for_generation(self, reload: bool = False) -> None:
        """Wait until HAProxy answers with the configuration just written (its generation).

        With `reload`, ask the master to reload through its CLI socket first. A signal
        (SIGUSR2) would do the same, but a master still finishing its previous reload
        ignores it; its CLI answers only once it is ready.
        """
        deadline = time.monotonic() + START_SECONDS
        while reload and time.monotonic() < deadline:
            self._check_haproxy()
            try:
                with socket.socket(socket.AF_UNIX) as cli:
                    cli.settimeout(2)
                    cli.connect(str(self.master_socket))
                    cli.sendall(b"reload\n")
                    cli.recv(1024)
                break
            except OSError:
                time.sleep(0.01)
        while time.monotonic() < deadline:
            self._check_haproxy()
            try:
                if stats_get(self.stats_port, "/generation").strip() == str(self.generation):
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RealError(
            f"HAProxy did not load its new configuration (see {self.run_dir}/haproxy.log)"
        )

    def restart_haproxy(self) -> None:
        with self.lock:
            end(self.haproxy)
            self._write_config()
            self._start_haproxy(find_haproxy())

    def states(self) -> dict[str, str]:
        """Table -> HAProxy's health-check status (UP or DOWN ...)."""
        self._check_haproxy()
        return server_states(self.stats_port)

    def down(self) -> set[str]:
        return {n for n, state in self.states().items() if not state.startswith("UP")}

    def wait_for(self, letter: str, state: str, timeout: float = START_SECONDS) -> float:
        """Wait until HAProxy reports `letter` in `state` (UP or DOWN); the seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.states().get(letter, "").startswith(state):
                return time.monotonic() - start
            time.sleep(0.005)
        raise RealError(f"HAProxy never marked table {letter} {state}")

    # -- the engine beside it ---------------------------------------------------------------
    def judge(self, answered: str, client: str, cookies: str, path: str) -> dict:
        """Compare what really answered with the engine's prediction for the same request."""
        with self.lock:
            predicted, reason = self.predictor.predict(client, cookies, path, self.down())
            agreed = predicted == answered
            self.agreement.total += 1
            self.agreement.agree += agreed
            verdict = {
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

    def view(self) -> dict:
        """What the page shows: the balancer, HAProxy, every table and its state."""
        with self.lock:
            running = self.haproxy_running()
            states = server_states(self.stats_port) if running else {}
            tables = [
                {
                    "letter": n,
                    "port": self.ports[n],
                    "pid": self.processes[n].pid if n in self.processes else None,
                    "alive": self.alive(n),
                    "haproxy": states.get(n, "unknown"),
                    "health": health(states.get(n, "")),
                }
                for n in self.pool
            ]
            return {
                "balancer": self.balancer.name,
                "balancer_title": self.balancer.title,
                "haproxy_lines": list(self.balancer.haproxy),
                "haproxy_running": running,
                "haproxy_pid": self.haproxy.pid if self.haproxy else None,
                "port": self.port,
                "generation": self.generation,
                "shared": self.shared,
                "tables": tables,
                "agree": self.agreement.agree,
                "total": self.agreement.total,
                "misses": self.agreement.total - self.agreement.agree,
            }
