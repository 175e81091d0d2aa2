"""The real restaurant: HAProxy decides as the engine says; crashes, the shared store, reloads.

Each test starts its own supervisor (HAProxy 2.6 in master-worker mode, three table
processes) in a temp dir; the scripted customers tell HAProxy their address in
X-Client-IP, as the /real/ page's "change my network" does.
"""

from __future__ import annotations

import threading

import pytest

from lbteach.real.balancers import REAL_BALANCERS
from lbteach.real.supervisor import RealError, Supervisor
from tests.real.cases import client_ips
from tests.real.customers import Customer

pytestmark = pytest.mark.real_products


@pytest.fixture
def restaurant(haproxy_program, tmp_path):
    sup = Supervisor(tmp_path / "run", tables=3).start()
    yield sup
    sup.stop()
    assert sup.children() == []


def script(sup: Supervisor) -> tuple[int, int, list[dict]]:
    """Eight customers (consecutive and mixed addresses) view, add, add, view, check out, view."""
    customers = [Customer(ip) for ip in client_ips(1)[:8]]
    plan = ["view", "add", "add", "view", "checkout", "view"]
    misses = []
    for action in plan:
        for customer in customers:
            answer, verdict = customer.visit(sup, action)
            assert answer.status == 200
            if not verdict["agreed"]:
                misses.append(verdict)
    return sup.agreement.agree, sup.agreement.total, misses


@pytest.mark.parametrize("balancer", list(REAL_BALANCERS))
def test_every_balancer_decides_as_the_engine_predicts(restaurant, balancer):
    restaurant.set_balancer(balancer)
    agree, total, misses = script(restaurant)
    assert misses == []
    assert (agree, total) == (48, 48)


def test_a_cookie_customer_keeps_the_cart_on_its_table(restaurant):
    restaurant.set_balancer("cookie")
    ann = Customer("10.0.3.7")
    first, verdict = ann.visit(restaurant, "add", "bread")
    assert (first.table, verdict["predicted"]) == ("A", "A")
    assert first.set_cookies[-1] == "SERVERID=A"
    second, verdict = ann.visit(restaurant, "add", "cheese")
    assert (second.table, second.cart, second.set_cookies) == ("A", ["bread", "cheese"], [])
    assert verdict["reason"] == "cookie SERVERID=A names table A"


def test_a_crash_under_cookie_insert_redispatches_and_loses_the_cart(restaurant):
    restaurant.set_balancer("cookie")
    ann, bob = Customer("10.0.3.7"), Customer("10.0.3.8")
    assert ann.visit(restaurant, "add")[0].table == "A"
    assert bob.visit(restaurant, "add")[0].table == "B"
    dead = restaurant.crash("A")
    restaurant.wait_for("A", "DOWN")
    answer, verdict = ann.visit(restaurant, "view")
    # HAProxy's round robin skips the down table: C is next after B.
    assert (answer.table, answer.cart, answer.set_cookies) == ("C", [], ["SERVERID=C"])
    assert verdict["predicted"] == "C"
    assert verdict["reason"].startswith(
        "cookie SERVERID=A names table A, but table A is down, so it is redispatched; "
    )
    new = restaurant.restore("A")
    restaurant.wait_for("A", "UP")
    assert new != dead
    # Ann now holds SERVERID=C and stays there; Bob never left B; a SERVERID=A customer
    # reaches the restored A, a new process with an empty memory.
    assert ann.visit(restaurant, "view")[0].table == "C"
    assert bob.visit(restaurant, "view")[0].cart == ["bread"]
    cid = Customer("10.0.3.9", {"SERVERID": "A", "cart_session": ann.cookies["cart_session"]})
    answer, verdict = cid.visit(restaurant, "view")
    assert (answer.table, answer.body["pid"], answer.cart) == ("A", new, [])
    assert verdict["agreed"]


def test_a_crash_under_source_moves_the_customer_and_restore_brings_it_back(restaurant):
    restaurant.set_balancer("source")
    # 10.0.3.8 is the number 167772936; 167772936 % 3 = 0: map-based hashing picks A.
    ann = Customer("10.0.3.8")
    answer, verdict = ann.visit(restaurant, "add")
    assert (answer.table, verdict["predicted"]) == ("A", "A")
    restaurant.crash("A")
    restaurant.wait_for("A", "DOWN")
    # Two tables up: 167772936 % 2 = 0, the first of B, C.
    answer, verdict = ann.visit(restaurant, "view")
    assert (answer.table, answer.cart, verdict["predicted"]) == ("B", [], "B")
    restaurant.restore("A")
    restaurant.wait_for("A", "UP")
    answer, verdict = ann.visit(restaurant, "view")
    assert (answer.table, answer.cart, verdict["predicted"]) == ("A", [], "A")
    assert restaurant.agreement.misses == []


@pytest.mark.parametrize(("shared", "cart"), [(True, ["bread", "cheese"]), (False, [])])
def test_a_cart_survives_a_crash_only_in_the_shared_store(restaurant, shared, cart):
    restaurant.set_balancer("cookie")
    restaurant.set_shared(shared)
    ann = Customer("10.0.3.7")
    ann.visit(restaurant, "add", "bread")
    answer, _ = ann.visit(restaurant, "add", "cheese")
    assert (answer.table, answer.cart, answer.body["store"]) == (
        "A",
        ["bread", "cheese"],
        "shared" if shared else "memory",
    )
    restaurant.crash("A")
    restaurant.wait_for("A", "DOWN")
    answer, _ = ann.visit(restaurant, "view")
    assert (answer.table, answer.cart) == ("B", cart)


def test_reloads_under_traffic_lose_no_request(restaurant):
    customer = Customer("10.0.3.7")
    statuses: list[int] = []
    done = threading.Event()

    def traffic() -> None:
        while not done.is_set():
            statuses.append(customer.send(restaurant.port).status)

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        for name in list(REAL_BALANCERS) * 4:
            restaurant.set_balancer(name)
    finally:
        done.set()
        sender.join()
    assert restaurant.generation == 21
    assert statuses.count(200) == len(statuses) > 0


def test_bad_requests_get_a_clear_message_and_change_nothing(restaurant):
    with pytest.raises(RealError, match=r"unknown balancer 'leastconn'; choose one of roundrobin"):
        restaurant.set_balancer("leastconn")
    with pytest.raises(RealError, match=r"there is no table 'Z'; the tables are A, B, C"):
        restaurant.crash("Z")
    restaurant.crash("B")
    with pytest.raises(RealError, match="table B has already crashed; restore it first"):
        restaurant.crash("B")
    with pytest.raises(RealError, match="table A is running; crash it first"):
        restaurant.restore("A")
    view = restaurant.view()
    assert (view["balancer"], view["generation"], [t["letter"] for t in view["tables"]]) == (
        "roundrobin",
        1,
        ["A", "B", "C"],
    )


def test_a_crashed_haproxy_is_reported_and_can_be_restarted(restaurant):
    assert restaurant.haproxy is not None
    restaurant.haproxy.kill()
    restaurant.haproxy.wait()
    with pytest.raises(RealError, match=r"HAProxy is not running \(it exited with code -9\)"):
        restaurant.set_balancer("source")
    assert restaurant.view()["haproxy_running"] is False
    restaurant.restart_haproxy()
    assert Customer("10.0.3.7").send(restaurant.port).status == 200


def test_without_haproxy_the_supervisor_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("lbteach.real.supervisor.HAPROXY_PLACES", ())
    with pytest.raises(RealError, match=r"HAProxy is not installed: .*apt-get install haproxy"):
        Supervisor(tmp_path / "run").start()
