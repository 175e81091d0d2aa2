"""Real HAProxy and nginx on loopback ports, in front of tiny backends that answer their name.

Each backend is a thread answering `GET /...` with its table name (A, B ...) and
`GET /health` with 503 when its name is in the `down` query parameter or in the shared
`SICK` set, so a health check can mark a table down while it still answers traffic.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lbteach.sim.model import TABLE_NAMES

# Tables a test may mark sick at run time (the cookie tests' health checks read it).
SICK: set[str] = set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Backend(BaseHTTPRequestHandler):
    name = ""

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        down = urllib.parse.parse_qs(url.query).get("down", [""])[0].split(",")
        sick = url.path == "/health" and (self.name in down or self.name in SICK)
        body = self.name.encode()
        self.send_response(503 if sick else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: health checks would fill the test output


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # HAProxy ends its health checks with a reset; that is not an error here


class Backends:
    """`count` backends named A, B ... on free loopback ports, each on its own thread."""

    def __init__(self, count: int):
        self.servers: list[QuietServer] = []
        for i in range(count):
            handler = type(f"Backend{i}", (Backend,), {"name": TABLE_NAMES[i]})
            server = QuietServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def addresses(self, count: int) -> list[str]:
        return [f"127.0.0.1:{s.server_address[1]}" for s in self.servers[:count]]

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def get(port: int, path: str = "/", client_ip: str = "", cookie: str = "") -> tuple[int, str, str]:
    """(status, body, Set-Cookie) of one request on a fresh connection."""
    headers = {"Connection": "close"}
    if client_ip:
        headers["X-Client-IP"] = client_ip
    if cookie:
        headers["Cookie"] = cookie
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(), response.getheader("Set-Cookie") or ""
    finally:
        conn.close()


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {log.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened: {log.read_text()}")


class Product:
    """One real HAProxy or nginx process, started with its own config in a temp dir."""

    def __init__(self, command: list[str], directory: Path, port: int):
        self.log = directory / "output.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=directory, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for_port(port, self.process, self.log)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def haproxy_server_lines(
    addresses: list[str], weights: list[int], extra: str = "", cookies: bool = False
) -> str:
    """One `server` line per table, named A, B ...; with `cookies`, its cookie value too."""
    return "\n".join(
        f"    server {TABLE_NAMES[i]} {address} weight {weights[i]}"
        + (f" cookie {TABLE_NAMES[i]}" if cookies else "")
        + extra
        for i, address in enumerate(addresses)
    )


def start_haproxy(directory: Path, sections: str, stats_port: int) -> Product:
    """HAProxy in the foreground with `sections` (frontends and backends) plus a stats page."""
    config = directory / "haproxy.cfg"
    config.write_text(
        # noreuseport: a port another HAProxy already holds fails to bind, loudly, instead of
        # being shared with it (answers from another test's servers).
        "global\n    maxconn 512\n    noreuseport\n\n"
        "defaults\n    mode http\n    timeout connect 2s\n"
        "    timeout client 5s\n    timeout server 5s\n"
        # A health check may take this long on a loaded machine: without it the check's
        # timeout is its 100 ms interval, and a slow answer flapped a healthy table down.
        "    timeout check 2s\n\n"
        f"listen stats\n    bind 127.0.0.1:{stats_port}\n    stats enable\n"
        "    stats uri /stats\n\n" + sections
    )
    return Product([haproxy_path(), "-db", "-f", str(config)], directory, stats_port)


def haproxy_states(stats_port: int) -> dict[tuple[str, str], str]:
    """(backend, server) -> UP / DOWN ..., from HAProxy's CSV stats page."""
    _, body, _ = get(stats_port, "/stats;csv")
    lines = body.lstrip("# ").splitlines()
    header = lines[0].split(",")
    col = {name: i for i, name in enumerate(header)}
    states = {}
    for line in lines[1:]:
        row = line.split(",")
        if len(row) > col["status"]:
            states[(row[col["pxname"]], row[col["svname"]])] = row[col["status"]]
    return states


def wait_for_states(stats_port: int, wanted: dict[tuple[str, str], str]) -> None:
    deadline = time.monotonic() + 10
    states: dict[tuple[str, str], str] = {}
    while time.monotonic() < deadline:
        states = haproxy_states(stats_port)
        if all(states.get(key, "").startswith(state) for key, state in wanted.items()):
            return
        time.sleep(0.05)
    raise AssertionError(f"HAProxy health checks never reached {wanted}: {states}")


def start_nginx(directory: Path, blocks: str, port: int) -> Product:
    """nginx in the foreground with `blocks` (upstreams and servers) inside `http`."""
    config = directory / "nginx.conf"
    temp = "".join(
        f"    {kind}_temp_path {directory / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config.write_text(
        f"worker_processes 1;\nerror_log {directory / 'error.log'} warn;\n"
        f"pid {directory / 'nginx.pid'};\n"
        "events { worker_connections 256; }\n"
        "http {\n    access_log off;\n" + temp + "    set_real_ip_from 127.0.0.1;\n"
        "    real_ip_header X-Client-IP;\n" + blocks + "}\n"
    )
    command = [nginx_path(), "-p", str(directory), "-c", str(config), "-g", "daemon off;"]
    return Product(command, directory, port)


def haproxy_path() -> str:
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def nginx_path() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"
