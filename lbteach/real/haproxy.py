"""HAProxy's configuration for the real restaurant, and reading its servers' states back.

The frontend takes the client's address from `X-Client-IP` when a request carries it (as
HAProxy does behind a CDN, with `http-request set-src`), tells the table what it saw
(`X-LB-Client`, `X-LB-Cookie`: the cookies before `indirect` strips SERVERID) and lets the
site's page, on another port, read the answers (CORS; preflights answered by HAProxy itself,
so they never take a table's turn). Each server keeps an explicit `id` (A is 1, B is 2 ...)
so removing a table does not renumber the others, which `hash-type consistent` hashes.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass

from lbteach.real.balancers import RealBalancer
from lbteach.sim.model import TABLE_NAMES

# Health checks: a crashed table is marked down after one failed check, a restored one up
# after one good check (docs/benchmarks.md has the measured time from crash to down).
CHECK = "check inter 250 fall 1 rise 1"
BACKEND = "tables"


@dataclass(frozen=True)
class Setup:
    balancer: RealBalancer
    tables: dict[str, int]  # letter -> port, the tables in HAProxy's pool
    host: str  # where HAProxy listens for customers
    port: int
    stats_port: int  # 127.0.0.1 only: the stats page and the configuration's generation
    origins: tuple[str, ...]  # the site's origins, whose pages may read the answers
    generation: int


def config_text(setup: Setup) -> str:
    origins = " ".join(setup.origins)
    servers = "\n".join(
        f"    server {letter} 127.0.0.1:{port} id {TABLE_NAMES.index(letter) + 1}"
        + (f" cookie {letter}" if setup.balancer.cookie else "")
        + f" {CHECK}"
        for letter, port in sorted(setup.tables.items())
    )
    balance = "\n".join(f"    {line}" for line in setup.balancer.haproxy)
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
        "",
        "defaults",
        "    mode http",
        "    timeout connect 1s",
        "    timeout client 30s",
        "    timeout server 10s",
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


def stats_get(stats_port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", stats_port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode()
    finally:
        conn.close()


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
