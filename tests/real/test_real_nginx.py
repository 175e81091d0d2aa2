"""The real restaurant with nginx in front (where HAProxy is absent) decides as the engine says."""

from __future__ import annotations

import pytest

from lbteach.real.balancers import NGINX_BALANCERS
from lbteach.real.supervisor import RealError, Supervisor
from tests.real.customers import Customer, reload_under_traffic
from tests.real.test_real_restaurant import script

pytestmark = pytest.mark.real_products


@pytest.fixture
def restaurant(nginx_program, tmp_path):
    sup = Supervisor(tmp_path / "run", tables=3, program="nginx").start()
    yield sup
    sup.stop()
    assert sup.children() == []


@pytest.mark.parametrize("balancer", list(NGINX_BALANCERS))
def test_every_nginx_balancer_decides_as_the_engine_predicts(restaurant, balancer):
    restaurant.set_balancer(balancer)
    agree, total, misses = script(restaurant)
    assert misses == []
    assert (agree, total) == (48, 48)


def test_a_crash_under_ip_hash_moves_the_customer_and_restore_brings_it_back(restaurant):
    restaurant.set_balancer("ip_hash")
    ann = Customer("10.0.3.7")
    answer, verdict = ann.visit(restaurant, "add")
    home = answer.table
    assert verdict["predicted"] == home
    restaurant.crash(home)
    # nginx finds the table dead at this request, and hashes again (as `down` would).
    answer, verdict = ann.visit(restaurant, "view")
    assert answer.table != home
    assert (answer.cart, verdict["agreed"]) == ([], True)
    assert verdict["reason"].startswith("nginx ip_hash")
    restaurant.restore(home)
    restaurant.wait_for(home, "UP")


def test_removing_a_table_keeps_every_other_customer_of_ip_hash(restaurant):
    restaurant.set_balancer("ip_hash")
    customers = [Customer(f"10.{i}.3.7") for i in range(12)]
    before = {c.ip: c.visit(restaurant)[0].table for c in customers}
    restaurant.remove_table("B")
    after = {c.ip: c.visit(restaurant)[0].table for c in customers}
    moved = {ip for ip in before if before[ip] != after[ip]}
    assert moved == {ip for ip in before if before[ip] == "B"}
    assert restaurant.agreement.misses == []


def test_nginx_reloads_under_traffic_lose_no_request(restaurant):
    customer = Customer("10.0.3.7")
    statuses: list[int] = []
    reload_under_traffic(
        restaurant,
        list(NGINX_BALANCERS) * 4,
        lambda: statuses.append(customer.send(restaurant.port).status),
    )
    assert restaurant.generation == 13
    assert statuses.count(200) == len(statuses) > 0


def test_nginx_offers_only_what_it_has(restaurant):
    with pytest.raises(RealError, match="unknown balancer 'cookie'; choose one of roundrobin"):
        restaurant.set_balancer("cookie")
