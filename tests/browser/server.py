"""Run the real site (daphne, as `make run` does) in a subprocess for browser tests."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from websockets.sync.client import connect
from websockets.typing import Origin

from tests.text import search

ROOT = Path(__file__).resolve().parents[2]


def origin_for(url: str) -> Origin:
    """The origin a page at `url` (http or ws, with its port) sends with its websockets."""
    parts = urllib.parse.urlsplit(url)
    scheme = "https" if parts.scheme in {"https", "wss"} else "http"
    return Origin(f"{scheme}://{parts.netloc}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(db_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lbteach.settings",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": "",
        # Tests start many classes from one address; with REDIS_URL the count would even
        # outlive the run, in the machine's Redis.
        "CLASS_STARTS_PER_HOUR": "100000",
    }
    env.update(extra)
    return env


def prepare_database(env: dict[str, str]) -> None:
    for command in (["migrate", "--noinput"], ["load_content"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


class Server:
    """A daphne process serving lbteach on a free port until stopped."""

    def __init__(
        self, env: dict[str, str], port: int | None = None, bind: str = "127.0.0.1"
    ) -> None:
        self.env = env
        self.bind = bind
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                self.bind,
                "-p",
                str(self.port),
                "lbteach.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,  # the access log: tests read it (no secret may appear there)
            # A file, not a pipe: a pipe nobody reads fills up and then blocks the server's
            # event loop on its next log line.
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        """What the server wrote to stderr so far (its log)."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


class Browser:
    """Just enough of a browser: cookies, CSRF tokens, form posts."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        value = next(c.value for c in self.jar if c.name == name)
        assert value is not None, f"cookie {name} has no value"
        return value

    def get(self, url: str) -> str:
        return self.opener.open(url, timeout=10).read().decode()

    def post(self, url: str, fields: dict, form_page: str | None = None) -> str:
        """Post a form the way a browser would: read its page for the CSRF token first."""
        page = self.get(form_page or url)
        token = search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        response = self.opener.open(urllib.request.Request(url, data=data), timeout=10)
        return response.geturl()

    def socket(self, server: Server, path: str):
        """A websocket to `path` on `server` that carries this browser's session."""
        return connect(
            f"ws://127.0.0.1:{server.port}{path}",
            origin=origin_for(server.url),
            additional_headers={"Cookie": f"sessionid={self.cookie('sessionid')}"},
            max_size=2**22,
            open_timeout=10,
        )
