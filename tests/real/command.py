"""`manage.py real` in a subprocess, as `make real` runs it, for the command and browser tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.browser.server import ROOT, free_port

READY = "The real restaurant is open at "


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, their children ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may hold spaces: read after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class RealCommand:
    """The real restaurant started by its command on free ports; `interrupt()` is Ctrl-C."""

    def __init__(self, env: dict[str, str], *args: str, own_group: bool = False):
        self.port = free_port()
        self.lb_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The site's settings read PORT (a class's join address names it).
        env = {**env, "PORT": str(self.port)}
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        command = [sys.executable, "manage.py", "real", "--port", str(self.port)]
        command += ["--lb-port", str(self.lb_port), *args]
        # own_group: the command leads a process group, as a shell's foreground job does,
        # so `ctrl_c()` can signal the whole group the way a terminal's Ctrl-C does.
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )
        deadline = time.monotonic() + 30
        while READY not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                text = self.text()
                self.close()
                raise RuntimeError(f"manage.py real did not start: {text}")
            time.sleep(0.1)
        self._wait_for_site(deadline)

    def _wait_for_site(self, deadline: float) -> None:
        import socket

        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the site never listened: {self.text()}")

    def text(self) -> str:
        self.output.flush()
        self.output.seek(0)
        return self.output.read().decode(errors="replace")

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the command alone (its handler stops what it started)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
        return self._ended()

    def ctrl_c(self) -> int:
        """A terminal's Ctrl-C: SIGINT to every process in the command's group at once."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self._ended()

    def _ended(self) -> int:
        """Its exit code, once it has stopped (killed if it takes over 20 s)."""
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode

    def close(self) -> None:
        self.interrupt()
        self.output.close()
