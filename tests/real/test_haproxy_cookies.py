"""Real HAProxy `cookie SERVERID insert` keeps, re-balances and redispatches as our engine."""

from __future__ import annotations

import pytest

from lbteach.sim import Scenario, Simulation, route
from tests.real.products import (
    SICK,
    free_port,
    get,
    haproxy_server_lines,
    start_haproxy,
    wait_for_states,
)

pytestmark = pytest.mark.real_products

TABLES = ("A", "B", "C")
SECTIONS = {"plain": "", "persist": "    option persist\n"}
CLIENT = "203.0.113.9"
# The engine's round robin is nginx's smooth order; HAProxy's (fwrr) is the same only for
# equal weights (2,1,1: HAProxy A B A C, nginx A B C A), so only those are compared.
FRESH_WEIGHTS = ((1, 1, 1), (1, 1))


@pytest.fixture(scope="module")
def haproxy(haproxy_program, backends, tmp_path_factory):
    """Two cookie backends over A, B, C with health checks; one has `option persist`."""
    ports = {}
    sections = []
    check = " check inter 100 fall 3 rise 1"
    for kind, extra in SECTIONS.items():
        port = ports[kind] = free_port()
        servers = haproxy_server_lines(backends.addresses(3), [1, 1, 1], check, cookies=True)
        sections.append(
            f"listen cookie_{kind}\n    bind 127.0.0.1:{port}\n"
            "    balance roundrobin\n    cookie SERVERID insert indirect nocache\n"
            f"    option httpchk GET /health\n{extra}{servers}\n\n"
        )
    for i, weights in enumerate(FRESH_WEIGHTS):
        port = ports[f"fresh_{i}"] = free_port()
        addresses = backends.addresses(len(weights))
        servers = haproxy_server_lines(addresses, list(weights), cookies=True)
        sections.append(
            f"listen cookie_fresh_{i}\n    bind 127.0.0.1:{port}\n"
            "    balance roundrobin\n    cookie SERVERID insert indirect nocache\n"
            f"{servers}\n\n"
        )
    stats = ports["stats"] = free_port()
    product = start_haproxy(tmp_path_factory.mktemp("haproxy-cookies"), "".join(sections), stats)
    wait_for_states(stats, {(f"cookie_{k}", t): "UP" for k in SECTIONS for t in TABLES})
    yield ports
    product.stop()


@pytest.fixture
def b_marked_down(haproxy):
    """Table B fails its health checks (it still answers requests sent to it anyway)."""
    SICK.add("B")
    wait_for_states(haproxy["stats"], {(f"cookie_{k}", "B"): "DOWN" for k in SECTIONS})
    yield
    SICK.discard("B")
    wait_for_states(haproxy["stats"], {(f"cookie_{k}", "B"): "UP" for k in SECTIONS})


def cookie_of(set_cookie: str) -> str:
    return set_cookie.split(";")[0]


def test_a_client_keeps_its_server_while_it_sends_the_cookie(haproxy):
    agree = 0
    for table in TABLES:
        for _ in range(5):
            status, real, set_cookie = get(
                haproxy["plain"], client_ip=CLIENT, cookie=f"SERVERID={table}"
            )
            ours, reason = route("cookie_insert", 3, CLIENT, cookie=table)
            assert (status, set_cookie, reason) == (
                200,
                "",
                f"cookie SERVERID={table} names table {table}",
            )
            agree += real == ours == table
    assert agree == 15


def test_a_client_without_the_cookie_is_balanced_and_given_one(haproxy):
    # A first visit and a cleared cookie look the same to the host: no SERVERID, so the
    # balance algorithm decides and a cookie naming its choice is inserted.
    for _ in range(6):
        status, real, set_cookie = get(haproxy["plain"], client_ip=CLIENT)
        ours, reason = route("cookie_insert", 3, CLIENT)
        assert (status, cookie_of(set_cookie)) == (200, f"SERVERID={real}")
        assert reason.startswith("no SERVERID cookie; ")
        assert reason.endswith(f"; cookie SERVERID={ours} inserted")


@pytest.mark.parametrize("i", range(len(FRESH_WEIGHTS)))
def test_new_clients_are_balanced_in_the_same_turns(haproxy, i):
    weights = FRESH_WEIGHTS[i]
    real = []
    for _ in range(12):
        status, table, set_cookie = get(haproxy[f"fresh_{i}"], client_ip=CLIENT)
        assert (status, cookie_of(set_cookie)) == (200, f"SERVERID={table}")
        real.append(table)
    scenario = Scenario.from_dict(
        {"balancer": "cookie_insert", "servers": len(weights), "clients": 0}
    )
    sim = Simulation(scenario)
    ours = [sim.request(c, "browse").server for c in sim.add_clients(12, auto=False)]
    assert real == ours


def test_a_cookie_naming_a_down_server_is_redispatched(haproxy, b_marked_down):
    for _ in range(6):
        status, real, set_cookie = get(haproxy["plain"], client_ip=CLIENT, cookie="SERVERID=B")
        ours, reason = route("cookie_insert", 3, CLIENT, cookie="B", down=["B"])
        assert status == 200
        assert "B" not in (real, ours)
        assert cookie_of(set_cookie) == f"SERVERID={real}"
        assert reason.startswith(
            "cookie SERVERID=B names table B, but table B is down, so it is redispatched; "
        )
        assert reason.endswith(f"; cookie SERVERID={ours} inserted")


def test_option_persist_sends_a_cookie_naming_a_down_server_to_it(haproxy, b_marked_down):
    for _ in range(6):
        status, real, set_cookie = get(haproxy["persist"], client_ip=CLIENT, cookie="SERVERID=B")
        ours, reason = route("cookie_insert", 3, CLIENT, cookie="B", down=["B"], persist=True)
        assert (status, real, set_cookie) == (200, "B", "")
        assert (ours, reason) == (
            "B",
            "cookie SERVERID=B names table B, which is down, and option persist keeps sending"
            " the customer there",
        )
