"""One table of the real restaurant: a tiny cart shop in its own process (standard library only).

Run as `python -m lbteach.real.table --name A --port 41001 --run-dir DIR`. A customer is
known by the `cart_session` cookie this table gives out; their cart lives in this process's
memory, or in the shared store (Redis with `--redis URL`, else a SQLite file in DIR that
every table opens) while the file `DIR/shared-store` exists. Every answer is JSON saying
who answered (letter, PID, port), what the balancer saw (the `X-LB-Client` and
`X-LB-Cookie` headers it adds) and the cart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import threading
import urllib.parse
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lbteach.real import served
from lbteach.real.stores import shared_store

SESSION_COOKIE = "cart_session"
# What the shop sells: a cart holds names from this menu only.
MENU = ("bread", "cheese", "apples", "coffee", "tea", "soup")
SHARED_FLAG = "shared-store"


class Carts:
    """This table's carts: its own memory, or the shared store while the flag file exists."""

    def __init__(self, run_dir: Path, redis_url: str = ""):
        self.flag = run_dir / SHARED_FLAG
        self.store = shared_store(run_dir, redis_url)
        self.memory: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    @property
    def shared(self) -> bool:
        return self.flag.exists()

    def get(self, session: str) -> list[str]:
        if self.shared:
            return self.store.get(session)
        with self.lock:
            return list(self.memory.get(session, []))

    def put(self, session: str, items: list[str]) -> None:
        if self.shared:
            self.store.put(session, items)
            return
        with self.lock:
            self.memory[session] = list(items)


class Table(BaseHTTPRequestHandler):
    """GET /health, GET /cart, POST /cart/add?item=bread, POST /checkout."""

    name = ""
    port = 0
    run_dir = Path()
    carts: Carts
    server_version = "lbteach-table"
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write: written apart, a kept-alive connection waits
    # out Nagle's algorithm against the client's delayed ACK (44 ms a request, measured).
    wbufsize = 64 * 1024

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/health":
            self.answer(200, {"table": self.name, "pid": os.getpid()})
        elif path in ("/", "/cart"):
            self.shop("view", lambda items: items)
        else:
            self.answer(404, {"error": f"table {self.name} has no page {path}"})

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # the shop reads its input from the query string
        if url.path == "/cart/add":
            item = urllib.parse.parse_qs(url.query).get("item", [""])[0]
            if item not in MENU:
                self.answer(400, {"error": f"no item {item!r}; the menu is {', '.join(MENU)}"})
                return
            self.shop("add", lambda items: [*items, item])
        elif url.path == "/checkout":
            self.shop("checkout", lambda items: [])
        else:
            self.answer(404, {"error": f"table {self.name} has no page {url.path}"})

    def shop(self, action: str, change: Callable[[list], list]) -> None:
        session, new = self.session()
        before = self.carts.get(session)
        after = change(before)
        if after != before:
            self.carts.put(session, after)
        number = self.headers.get("X-LB-Seq", "")
        generation = self.headers.get("X-LB-Gen", "")
        body = {
            "table": self.name,
            "pid": os.getpid(),
            "port": self.port,
            "action": action,
            "path": self.path,
            "client": self.headers.get("X-LB-Client", self.client_address[0]),
            "cookies": self.headers.get("X-LB-Cookie", self.headers.get("Cookie", "")),
            "session": session,
            "new_session": new,
            "cart": after,
            "checked_out": before if action == "checkout" else [],
            "store": f"shared store: {self.carts.store.name}" if self.carts.shared else "memory",
            "seq": int(number) if number.isdigit() else None,
            "gen": int(generation) if generation.isdigit() else None,
        }
        if body["seq"] is not None and body["gen"] is not None:
            keys = ("gen", "seq", "table", "client", "cookies", "path")
            served.append(self.run_dir, {key: body[key] for key in keys})
        extra = {"Set-Cookie": f"{SESSION_COOKIE}={session}; Path=/; SameSite=Lax"} if new else {}
        self.answer(200, body, extra)

    def session(self) -> tuple[str, bool]:
        """The customer's session id from their cookie, or a new one (then True)."""
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(CookieError):
            jar.load(self.headers.get("Cookie", ""))
        morsel = jar.get(SESSION_COOKIE)
        if morsel and morsel.value.isalnum() and len(morsel.value) <= 64:
            return morsel.value, False
        return secrets.token_hex(8), True

    def answer(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # health checks every quarter second would fill the terminal


class TableServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # HAProxy ends health checks with a reset; that is not an error


def serve(name: str, port: int, run_dir: Path, redis_url: str = "") -> None:
    carts = Carts(run_dir, redis_url)
    fields = {"name": name, "port": port, "carts": carts, "run_dir": run_dir}
    handler = type(f"Table{name}", (Table,), fields)
    server = TableServer(("127.0.0.1", port), handler)
    # Ctrl-C in the terminal reaches every process of `make real`: end quietly, no traceback.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--redis", default="", help="the shared store's Redis URL (else SQLite)")
    args = parser.parse_args(argv)
    serve(args.name, args.port, args.run_dir, args.redis)


if __name__ == "__main__":
    main()
