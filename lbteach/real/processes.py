"""Child processes of the real restaurant: finding programs, free ports, waiting, ending them."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 10.0


class RealError(Exception):
    """Something the learner asked for cannot be done; the message says why, in plain words."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_program(name: str, places: tuple[str, ...]) -> str:
    """The program on PATH or in one of `places` (Debian puts servers in /usr/sbin); '' if none."""
    return shutil.which(name) or next((p for p in places if Path(p).exists()), "")


def wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path | None = None) -> None:
    """Wait until `process` listens on `port`; RealError with its last words if it exits."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = last_line(log) if log else ""
            raise RealError(
                f"{what} exited at start (code {process.returncode})"
                + (f": {said}" if said else "")
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RealError(f"{what} did not open port {port} within {START_SECONDS:.0f} s")


def wait_for_table(port: int, process: subprocess.Popen, letter: str) -> None:
    """Wait until table `letter` answers its health check on `port` as this very process.

    A port found free a moment ago may have been taken by another program since; then
    something answers there, but not with our table's name and PID.
    """
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RealError(f"table {letter} exited at start (code {process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            try:
                conn.request("GET", "/health")
                answer = json.loads(conn.getresponse().read())
            finally:
                conn.close()
            if answer == {"table": letter, "pid": process.pid}:
                return
            raise RealError(f"port {port} is taken by another program")
        except (OSError, ValueError):
            time.sleep(0.02)
    raise RealError(f"table {letter} did not answer on port {port} within {START_SECONDS:.0f} s")


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


def last_line(log: Path) -> str:
    """Why a program stopped: its first alert (HAProxy's `[ALERT] (pid) : why`, nginx's
    `[emerg]`), else the last line it wrote."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    for line in lines:
        for mark in ("[ALERT]", "[emerg]"):
            if mark in line:
                return line.split(mark, 1)[1].split(" : ", 1)[-1].strip()
    return next((line for line in reversed(lines) if line), "")
