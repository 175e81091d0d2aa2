"""Real HAProxy 2.6 decides as our engine says: balance source, hash-type consistent, uri."""

from __future__ import annotations

import pytest

from lbteach.sim import route
from tests.real.cases import POOLS, client_ips, paths
from tests.real.products import (
    free_port,
    get,
    haproxy_server_lines,
    start_haproxy,
    wait_for_states,
)

pytestmark = pytest.mark.real_products

# Our balancer -> the HAProxy lines that configure it.
ALGORITHMS = {
    "source_ip": "balance source",
    "source_ip_consistent": "balance source\n    hash-type consistent",
    "url_hash": "balance uri",
}


@pytest.fixture(scope="module")
def haproxy(haproxy_program, backends, tmp_path_factory):
    """One HAProxy with a listen section per (balancer, pool); yields {(name, pool): port}."""
    ports = {}
    sections = []
    wanted = {}
    for name, algorithm in ALGORITHMS.items():
        for p, (weights, down) in enumerate(POOLS):
            port = ports[(name, p)] = free_port()
            addresses = backends.addresses(len(weights))
            check = ""
            if down:
                check = " check inter 100 fall 3 rise 1"
                for i in range(len(weights)):
                    letter = chr(ord("A") + i)
                    wanted[(f"{name}_{p}", letter)] = "DOWN" if letter in down else "UP"
            sections.append(
                f"listen {name}_{p}\n    bind 127.0.0.1:{port}\n"
                "    http-request set-src hdr(x-client-ip)\n"
                f"    {algorithm}\n"
                + (f"    option httpchk GET /health?down={','.join(down)}\n" if down else "")
                + haproxy_server_lines(addresses, list(weights), check)
                + "\n\n"
            )
    stats = free_port()
    product = start_haproxy(tmp_path_factory.mktemp("haproxy"), "".join(sections), stats)
    wait_for_states(stats, wanted)
    yield ports
    product.stop()


def agreement(haproxy, name: str) -> tuple[int, int, list[str]]:
    agree = total = 0
    misses = []
    for p, (weights, down) in enumerate(POOLS):
        keys = paths(p) if name == "url_hash" else client_ips(p)
        for key in keys:
            ip, path = ("10.0.0.1", key) if name == "url_hash" else (key, "/")
            status, real, _ = get(haproxy[(name, p)], path, client_ip=ip)
            ours, _ = route(
                name, len(weights), ip, path=path, weights=list(weights), down=list(down)
            )
            total += 1
            if status == 200 and real == ours:
                agree += 1
            else:
                misses.append(f"pool {weights} down {down} {key}: HAProxy {real}, ours {ours}")
    return agree, total, misses


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_our_engine_picks_the_server_haproxy_picks(haproxy, name):
    agree, total, misses = agreement(haproxy, name)
    assert misses == []
    assert (agree, total) == (160, 160)
