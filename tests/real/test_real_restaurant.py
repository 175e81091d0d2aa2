"""The real restaurant: HAProxy decides as the engine says; crashes, the shared store, reloads.

Each test starts its own supervisor (HAProxy 2.6 in master-worker mode, three table
processes) in a temp dir; the scripted customers tell HAProxy their address in
X-Client-IP, as the /real/ page's "change my network" does.
"""

from __future__ import annotations

import http.client
import socket

import pytest

from lbteach.real.balancers import REAL_BALANCERS
from lbteach.real.supervisor import RealError, Supervisor
from tests.real.cases import client_ips
from tests.real.customers import Customer, cors, reload_under_traffic

pytestmark = pytest.mark.real_products


@pytest.fixture
def restaurant(haproxy_program, tmp_path):
    sup = Supervisor(tmp_path / "run", tables=3, program="haproxy").start()
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


def test_adding_and_removing_tables_under_consistent_hashing_moves_few_customers(restaurant):
    restaurant.set_balancer("source_consistent")
    customers = [Customer(ip) for ip in client_ips(2)]
    before = {c.ip: c.visit(restaurant)[0].table for c in customers}
    assert restaurant.add_table() == "D"
    grown = {c.ip: c.visit(restaurant)[0].table for c in customers}
    # Only customers the new table D takes move; everyone else stays where they were.
    moved = {ip for ip in before if before[ip] != grown[ip]}
    assert moved == {ip for ip in grown if grown[ip] == "D"}
    assert 0 < len(moved) < len(customers) // 2
    restaurant.remove_table("B")
    shrunk = {c.ip: c.visit(restaurant)[0].table for c in customers}
    assert {ip for ip in grown if grown[ip] != shrunk[ip]} == {
        ip for ip in grown if grown[ip] == "B"
    }
    assert not restaurant.alive("B")
    assert restaurant.agreement.misses == []
    assert restaurant.agreement.total == 3 * len(customers)


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
        "shared store: a SQLite file every table opens" if shared else "memory",
    )
    restaurant.crash("A")
    restaurant.wait_for("A", "DOWN")
    answer, _ = ann.visit(restaurant, "view")
    assert (answer.table, answer.cart) == ("B", cart)


@pytest.mark.redis
def test_with_redis_as_the_shared_store_a_cart_survives_a_crash(
    haproxy_program, redis_url, tmp_path
):
    sup = Supervisor(tmp_path / "run", program="haproxy", redis_url=redis_url).start()
    try:
        sup.set_balancer("cookie")
        sup.set_shared(True)
        ann = Customer("10.0.3.7")
        ann.visit(sup, "add", "soup")
        answer, _ = ann.visit(sup, "add", "tea")
        assert (answer.table, answer.body["store"]) == ("A", "shared store: Redis")
        sup.crash("A")
        sup.wait_for("A", "DOWN")
        answer, _ = ann.visit(sup, "view")
        assert (answer.table, answer.cart) == ("B", ["soup", "tea"])
        assert sup.view()["store_name"] == "Redis"
    finally:
        sup.stop()


def test_reloads_under_traffic_lose_no_request(restaurant):
    customer = Customer("10.0.3.7")
    statuses: list[int] = []
    reload_under_traffic(
        restaurant,
        list(REAL_BALANCERS) * 4,
        lambda: statuses.append(customer.send(restaurant.port).status),
    )
    assert restaurant.generation == 21
    assert statuses.count(200) == len(statuses) > 0


def test_reloads_lose_no_request_of_a_kept_alive_client_that_retries_like_a_browser(restaurant):
    # At a reload the old worker closes its idle kept-alive connections (HAProxy 2.6 has no
    # idle-close-on-response), so a request sent just then gets no answer at all. Browsers
    # resend a request that got nothing on a reused connection; so does this client, once.
    statuses: list[int] = []
    retries = 0
    conn = http.client.HTTPConnection("127.0.0.1", restaurant.port, timeout=5)

    def send() -> None:
        nonlocal retries
        for attempt in range(2):
            try:
                conn.request("GET", "/cart", headers={"X-Client-IP": "10.0.3.7"})
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
                return
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                retries += attempt == 0
        statuses.append(0)  # lost even after the retry

    try:
        reload_under_traffic(restaurant, list(REAL_BALANCERS) * 4, send)
    finally:
        conn.close()
    assert statuses.count(200) == len(statuses) > 0
    assert retries <= 20  # at most one closed connection per reload


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
    assert restaurant.front.process is not None
    restaurant.front.process.kill()
    restaurant.front.process.wait()
    with pytest.raises(RealError, match=r"HAProxy is not running \(it exited with code -9\)"):
        restaurant.set_balancer("source")
    assert restaurant.view()["running"] is False
    restaurant.restart_front()
    assert Customer("10.0.3.7").send(restaurant.port).status == 200


def test_without_haproxy_or_nginx_the_supervisor_says_how_to_install_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("lbteach.real.haproxy.PLACES", ())
    monkeypatch.setattr("lbteach.real.nginx.PLACES", ())
    with pytest.raises(RealError) as raised:
        Supervisor(tmp_path / "run")
    assert str(raised.value) == (
        "HAProxy is not installed: install your system's package (Debian and Ubuntu: sudo"
        " apt-get install haproxy; macOS: brew install haproxy) and start again; nginx also"
        " works where HAProxy is absent (Debian and Ubuntu: sudo apt-get install nginx-light;"
        " macOS: brew install nginx)"
    )


def test_where_haproxy_is_absent_nginx_stands_in(tmp_path, monkeypatch, nginx_program):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("lbteach.real.haproxy.PLACES", ())
    sup = Supervisor(tmp_path / "run")
    assert (sup.program, sup.front.name, sup.front.program) == ("nginx", "nginx", nginx_program)


@pytest.mark.parametrize("program", ["haproxy", "nginx"])
def test_only_the_site_pages_may_read_the_answers(
    program, haproxy_program, nginx_program, tmp_path
):
    site = "http://127.0.0.1:8000"
    sup = Supervisor(tmp_path / "run", origins=(site,), program=program).start()
    try:
        status, preflight = cors(sup.port, "OPTIONS", site)
        assert status == 204
        assert preflight["access-control-allow-origin"] == site
        assert preflight["access-control-allow-credentials"] == "true"
        assert preflight["access-control-allow-headers"].lower() == "x-client-ip"
        # Preflights never reach a table, so they take nobody's turn.
        assert Customer("10.0.3.7").send(sup.port).table == "A"
        assert cors(sup.port, "GET", site)[1] == {
            "access-control-allow-origin": site,
            "access-control-allow-credentials": "true",
        }
        # A page from anywhere else gets its answer, but its browser will not let it read it.
        assert "access-control-allow-origin" not in cors(sup.port, "GET", "http://evil.test")[1]
    finally:
        sup.stop()


def test_a_busy_port_is_named_in_the_error(haproxy_program, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RealError) as raised:
            Supervisor(tmp_path / "run", program="haproxy", port=port).start()
    message = str(raised.value)
    # Found as it exits, or (our own listener answering on the port) a moment later.
    assert message.startswith(("HAProxy exited at start (code 1): ", "HAProxy is not running"))
    assert f"cannot bind socket (Address already in use) for [127.0.0.1:{port}]" in message


def test_known_difference_a_returning_table_rejoins_haproxy_round_robin_last(restaurant):
    # docs/real-products.md, "Known differences": while B is down, HAProxy and the engine
    # alternate A and C alike. When B returns right after C served, HAProxy's round robin
    # serves A C B A C B, the engine A B C A B C (after A served, both give C A B). The page
    # shows these as disagreements; this test pins them so a change on either side shows.
    customer = Customer("10.0.3.7")

    def visits(count: int) -> list[tuple[str, str]]:
        pairs = []
        for _ in range(count):
            answer, verdict = customer.visit(restaurant)
            pairs.append((answer.table, verdict["predicted"]))
        return pairs

    assert visits(4) == [("A", "A"), ("B", "B"), ("C", "C"), ("A", "A")]
    restaurant.crash("B")
    restaurant.wait_for("B", "DOWN")
    assert visits(5) == [("C", "C"), ("A", "A"), ("C", "C"), ("A", "A"), ("C", "C")]
    restaurant.restore("B")
    restaurant.wait_for("B", "UP")
    real, predicted = zip(*visits(6), strict=True)
    assert "".join(real) == "ACBACB"
    assert "".join(predicted) == "ABCABC"


def report(sup: Supervisor, answer) -> dict:
    """What the page does with an answer, later: hand it to the engine with HAProxy's number."""
    body = answer.body
    number = (body["gen"], body["seq"])
    return sup.judge(body["table"], body["client"], body["cookies"], body["path"], number=number)


def test_requests_are_judged_in_haproxy_order_whatever_order_they_are_reported_in(restaurant):
    # Round robin serves four requests A, B, C, A; the third is a script's that nobody
    # reports, and the others' reports reach the site backwards. Judged in report order the
    # engine would say A, B, C; judged in HAProxy's order (its request numbers) all agree.
    first, second = (
        Customer("10.0.3.7").send(restaurant.port),
        Customer("10.0.3.8").send(restaurant.port),
    )
    Customer("10.0.3.9").send(restaurant.port)
    fourth = Customer("10.0.3.10").send(restaurant.port)
    assert [a.table for a in (first, second, fourth)] == ["A", "B", "A"]
    verdicts = [report(restaurant, a) for a in (fourth, second, first)]
    assert [(v["answered"], v["predicted"]) for v in verdicts] == [
        ("A", "A"),
        ("B", "B"),
        ("A", "A"),
    ]
    assert (restaurant.agreement.agree, restaurant.agreement.total) == (3, 3)


def test_a_reload_settles_the_old_configuration_requests_first(restaurant):
    first = Customer("10.0.3.7").send(restaurant.port)  # A under round robin, generation 1
    restaurant.set_balancer("source")
    later = Customer("10.0.3.8").send(restaurant.port)  # 10.0.3.8 % 3 = 0: A
    assert (first.body["gen"], later.body["gen"]) == (1, 2)
    assert report(restaurant, later)["predicted"] == "A"
    verdict = report(restaurant, first)
    assert (verdict["predicted"], verdict["reason"]) == (
        "A",
        "round robin: table A is next in turn",
    )


def test_ports_taken_meanwhile_by_another_program_are_replaced(
    haproxy_program, tmp_path, monkeypatch
):
    # Free ports are picked, then bound a moment later; on a shared machine another
    # program may take one in between. Here the first port picked for HAProxy and the one
    # for table A are already taken: both start again elsewhere, once.
    from lbteach.real import supervisor

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy, None, busy])  # HAProxy's port, its stats port, table A's port
        real_free_port = supervisor.free_port
        monkeypatch.setattr(supervisor, "free_port", lambda: next(picks, None) or real_free_port())
        sup = Supervisor(tmp_path / "run", tables=1, program="haproxy").start()
        try:
            assert busy not in (sup.port, sup.ports["A"])
            assert sup.generation == 1
            assert Customer("10.0.3.7").send(sup.port).table == "A"
        finally:
            sup.stop()
