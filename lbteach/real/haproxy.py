"""HAProxy in front of the real restaurant: its configuration, its reload, its servers' states.

The frontend takes the client's address from `X-Client-IP` when a request carries it (as
HAProxy does behind a CDN, with `http-request set-src`), tells the table what it saw
(`X-LB-Client`, `X-LB-Cookie`: the cookies before `indirect` strips SERVERID) and lets the
site's page, on another port, read the answers (CORS; preflights answered by HAProxy itself,
so they never take a table's turn). Each server keeps an explicit `id` (A is 1, B is 2 ...)
so removing a table does not renumber the others, which `hash-type consistent` hashes.
"""

from __future__ import annotations

import socket
import time

from lbteach.real.front import Front, Setup, stats_get
from lbteach.real.processes import find_program
from lbteach.sim.model import TABLE_NAMES

PLACES = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
INSTALL = "Debian and Ubuntu: sudo apt-get install haproxy; macOS: brew install haproxy"

# Health checks: a crashed table is marked down after one failed check, a restored one up
# after one good check (docs/benchmarks.md has the measured time from crash to down).
CHECK = "check inter 250 fall 1 rise 1"
BACKEND = "tables"


def config_text(setup: Setup) -> str:
    origins = " ".join(setup.origins)
    servers = "\n".join(
        f"    server {letter} 127.0.0.1:{port} id {TABLE_NAMES.index(letter) + 1}"
        + (f" cookie {letter}" if setup.balancer.cookie else "")
        + f" {CHECK}"
        for letter, port in sorted(setup.tables.items())
    )
    balance = "\n".join(f"    {line}" for line in setup.balancer.lines)
    cors = '"%[var(txn.origin)]"'
    preflight = " ".join(
        (
            "http-request return status 204",
            f"hdr Access-Control-Allow-Origin {cors}",
            "hdr Access-Control-Allow-Credentials true",
            'hdr Access-Control-Allow-Methods "GET, POST"',
            "hdr Access-Control-Allow-Headers X-Client-IP",
            "hdr Access-Control-Max-Age 600",
            "if METH_OPTIONS site_origin",
        )
    )
    has_origin = "if { var(txn.origin) -m found }"
    lines = [
        "# Written by lbteach's real restaurant (lbteach/real/haproxy.py).",
        "global",
        "    maxconn 512",
        # One thread: HAProxy's request number (%rt) is then the order it balances in.
        "    nbthread 1",
        # A port taken by another program is an error, not a socket silently shared with it.
        "    noreuseport",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 1s",
        "    timeout client 30s",
        "    timeout server 10s",
        # A crashed table refuses the check's connection at once, so it is still marked
        # down within one interval; a merely slow one (a busy machine) is not, unless it
        # takes this long (by default the check's timeout is `inter`, 250 ms: tests flapped).
        "    timeout check 2s",
        "",
        "listen stats",
        f"    bind 127.0.0.1:{setup.stats_port}",
        "    http-request return status 200 content-type text/plain"
        f' string "{setup.generation}" if {{ path /generation }}',
        "    stats enable",
        "    stats uri /stats",
        "",
        "frontend restaurant",
        f"    bind {setup.host}:{setup.port}",
        f"    acl site_origin req.hdr(origin) -m str {origins}",
        "    http-request set-var(txn.origin) req.hdr(origin) if site_origin",
        f"    {preflight}",
        "    http-request set-src hdr(x-client-ip) if { req.hdr(x-client-ip) -m found }",
        "    http-request set-header X-LB-Client %[src]",
        "    http-request set-header X-LB-Seq %rt",
        f"    http-request set-header X-LB-Gen {setup.generation}",
        "    http-request set-header X-LB-Cookie %[req.fhdr(cookie)]",
        f"    http-response set-header Access-Control-Allow-Origin {cors} {has_origin}",
        f"    http-response set-header Access-Control-Allow-Credentials true {has_origin}",
        f"    default_backend {BACKEND}",
        "",
        f"backend {BACKEND}",
        balance,
        "    option httpchk GET /health",
        servers,
        "",
    ]
    return "\n".join(lines)


def server_states(stats_port: int) -> dict[str, str]:
    """Table letter -> HAProxy's status for it (UP, DOWN, "DOWN 1/2" ...), from the CSV stats."""
    lines = stats_get(stats_port, "/stats;csv").lstrip("# ").splitlines()
    col = {name: i for i, name in enumerate(lines[0].split(","))}
    states = {}
    for line in lines[1:]:
        row = line.split(",")
        if len(row) <= col["status"] or row[col["pxname"]] != BACKEND:
            continue
        if row[col["svname"]] not in ("FRONTEND", "BACKEND"):
            states[row[col["svname"]]] = row[col["status"]]
    return states


class HAProxy(Front):
    """HAProxy in master-worker mode (`-W`), reloaded through its master CLI.

    A reload hands the listening sockets to a new worker while the old one finishes what it
    has in hand, so no request is refused. The CLI's `reload` does what SIGUSR2 does, but
    a master still finishing its previous reload ignores the signal; its CLI answers only
    once it is ready.
    """

    name = "HAProxy"
    config_name = "haproxy.cfg"
    health_note = "HAProxy's health checks (every 250 ms) mark a crashed table down"

    @staticmethod
    def find() -> str:
        return find_program("haproxy", PLACES)

    @property
    def master_socket(self) -> str:
        return str(self.run_dir / "master.sock")

    def config(self, setup: Setup) -> str:
        return config_text(setup)

    def command(self) -> list[str]:
        return [self.program, "-W", "-db", "-S", self.master_socket, "-f", str(self.config_path)]

    def ask_reload(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.check()
            try:
                with socket.socket(socket.AF_UNIX) as cli:
                    cli.settimeout(2)
                    cli.connect(self.master_socket)
                    cli.sendall(b"reload\n")
                    cli.recv(1024)
                return
            except OSError:
                time.sleep(0.01)

    def states(self, pool: list[str], alive: dict[str, bool]) -> dict[str, str]:
        return server_states(self.stats_port)
