"""Real nginx decides as our engine says: ip_hash and hash $remote_addr consistent."""

from __future__ import annotations

import pytest

from lbteach.sim import route
from tests.real.cases import POOLS, client_ips, table_names
from tests.real.products import free_port, get, start_nginx

pytestmark = pytest.mark.real_products

# Our balancer -> the nginx directive that configures it.
ALGORITHMS = {
    "nginx_ip_hash": "ip_hash;",
    "nginx_hash_consistent": "hash $remote_addr consistent;",
}


@pytest.fixture(scope="module")
def nginx(nginx_program, backends, tmp_path_factory):
    """One nginx with an upstream and a server per (balancer, pool); yields the ports."""
    ports = {}
    blocks = []
    for name, directive in ALGORITHMS.items():
        for p, (weights, down) in enumerate(POOLS):
            port = ports[(name, p)] = free_port()
            servers = "".join(
                f"        server {address} weight={weights[i]}"
                + (" down" if table in down else "")
                + ";\n"
                for i, (table, address) in enumerate(
                    zip(table_names(len(weights)), backends.addresses(len(weights)), strict=True)
                )
            )
            blocks.append(
                f"    upstream {name}_{p} {{\n        {directive}\n{servers}    }}\n"
                f"    server {{\n        listen 127.0.0.1:{port};\n"
                f"        location / {{ proxy_pass http://{name}_{p}; }}\n    }}\n"
            )
    product = start_nginx(tmp_path_factory.mktemp("nginx"), "".join(blocks), port)
    yield ports
    product.stop()


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_our_engine_picks_the_server_nginx_picks(nginx, backends, name):
    agree = total = 0
    misses = []
    for p, (weights, down) in enumerate(POOLS):
        # nginx's consistent ring is built from the servers' address texts, so the engine
        # gets the very addresses nginx was configured with.
        addresses = backends.addresses(len(weights))
        for ip in client_ips(p):
            status, real, _ = get(nginx[(name, p)], "/", client_ip=ip)
            ours, _ = route(name, addresses, ip, weights=list(weights), down=list(down))
            total += 1
            if status == 200 and real == ours:
                agree += 1
            else:
                misses.append(f"pool {weights} down {down} {ip}: nginx {real}, ours {ours}")
    assert misses == []
    assert (agree, total) == (160, 160)
