"""/real/ views against a real supervisor: who may use the controls, bad input, reports."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lbteach.real import control
from lbteach.real.supervisor import Supervisor
from tests.real.customers import Customer

pytestmark = [pytest.mark.real_products, pytest.mark.django_db]

PAGE, CONTROL, SEEN, CLEAR = "/real/", "/real/control/", "/real/seen/", "/real/clear-cookies/"


@pytest.fixture
def client():
    """A browser on this machine, naming it: the only one the controls answer."""
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def running(haproxy_program, tmp_path, settings):
    sup = Supervisor(tmp_path / "run", origins=("http://127.0.0.1",), program="haproxy").start()
    server = control.serve(tmp_path / "run" / "control.sock", sup)
    settings.REAL_CONTROL = str(tmp_path / "run" / "control.sock")
    yield sup
    server.shutdown()
    server.server_close()
    sup.stop()


def text(response) -> str:
    return " ".join(response.content.decode().split())


def test_without_make_real_the_page_says_how_to_start_it(client, settings):
    settings.REAL_CONTROL = ""
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "The real restaurant is not running" in text(response)
    assert "<code>make real</code>" in text(response)
    assert "sudo apt-get install haproxy" in text(response)


def test_the_page_may_fetch_from_haproxy_and_nowhere_else(client, running):
    response = client.get(PAGE)
    assert response.status_code == 200
    origin = f"http://127.0.0.1:{running.port}"
    assert f'data-balancer-origin="{origin}"' in text(response)
    assert f"connect-src 'self' {origin}" in response["Content-Security-Policy"]


def test_a_browser_on_another_machine_cannot_use_the_controls(client, running):
    page = client.get(PAGE, REMOTE_ADDR="192.168.1.20")
    assert "Crash table A" not in text(page)
    assert "Only a browser on the machine running <code>make real</code>" in text(page)
    response = client.post(CONTROL, {"do": "crash", "table": "A"}, REMOTE_ADDR="192.168.1.20")
    assert response.status_code == 403
    assert "Only a browser on the machine running `make real` can change it." in text(response)
    assert running.alive("A")


def test_a_tunnel_on_this_machine_is_not_this_machine(client, running, settings):
    # A tunnel or proxy here connects from loopback, but the request names the public host.
    settings.ALLOWED_HOSTS = ["127.0.0.1", "192.168.1.20"]
    response = client.post(
        CONTROL, {"do": "crash", "table": "A"}, REMOTE_ADDR="127.0.0.1", HTTP_HOST="192.168.1.20"
    )
    assert response.status_code == 403
    assert running.alive("A")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"do": "explode"}, "unknown control 'explode'; the controls are balancer, crash"),
        ({"do": "balancer", "name": "leastconn"}, "unknown balancer 'leastconn'; choose one of"),
        ({"do": "crash", "table": "Z"}, "there is no table 'Z'; the tables are A, B, C"),
    ],
)
def test_bad_controls_get_a_clear_message_and_change_nothing(client, running, fields, message):
    response = client.post(CONTROL, fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in text(response)
    assert (running.generation, len(running.children())) == (1, 4)


def test_controls_crash_restore_and_switch_for_real(client, running):
    old = running.processes["B"].pid
    response = client.post(CONTROL, {"do": "crash", "table": "B"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-table="B" data-state="crashed"' in text(response)
    assert not running.alive("B")
    client.post(CONTROL, {"do": "restore", "table": "B"}, HTTP_HX_REQUEST="true")
    assert running.alive("B")
    assert running.processes["B"].pid != old
    client.post(CONTROL, {"do": "balancer", "name": "uri"}, HTTP_HX_REQUEST="true")
    assert (running.balancer.name, running.generation) == ("uri", 2)
    client.post(CONTROL, {"do": "shared", "on": "on"}, HTTP_HX_REQUEST="true")
    assert running.shared


def test_a_crashed_haproxy_is_said_plainly_and_restarted(client, running):
    assert running.front.process is not None
    running.front.process.kill()
    running.front.process.wait()
    response = client.post(CONTROL, {"do": "balancer", "name": "uri"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "HAProxy is not running (it exited with code -9); restart it to go on" in text(response)
    assert "Restart HAProxy" in text(response)
    client.post(CONTROL, {"do": "restart"}, HTTP_HX_REQUEST="true")
    assert running.running()


def test_a_reported_request_is_listed_beside_the_engine(client, running):
    customer = Customer("10.0.3.7")
    answer = customer.send(running.port, "add", "tea")
    after = "; ".join(f"{k}={v}" for k, v in customer.cookies.items())
    fields = {
        "status": "200",
        "method": "POST",
        "path": "/cart/add?item=tea",
        "network": "10.0.3.7",
        "answer": json.dumps(answer.body),
        "after": after,
    }
    response = client.post(SEEN, fields)
    assert response.status_code == 200
    page = text(response)
    assert 'data-table="A" data-predicted="A" data-agreed="true"' in page
    assert "<code>10.0.3.7</code> (told by X-Client-IP)" in page
    assert f"<code>cart_session={customer.cookies['cart_session']}</code>" in page
    assert 'tea <span class="store">(memory of this process)</span>' in page
    assert "agreed on <strong>1 of 1</strong> request." in page


def test_a_request_no_table_answered_is_judged_from_the_site_own_view(client, running):
    for letter in "ABC":
        running.crash(letter)
        running.wait_for(letter, "DOWN")
    assert Customer("10.0.3.7").send(running.port).status == 503
    response = client.post(SEEN, {"status": "503", "path": "/cart", "network": ""})
    page = text(response)
    assert 'data-table="none" data-predicted="none" data-agreed="true"' in page
    assert "HAProxy answered 503" in page
    assert "<code>127.0.0.1</code>" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "two hundred"}, "a report needs the HTTP status HAProxy answered"),
        ({"status": "200", "answer": "{not json"}, "a report&#x27;s answer must be the table"),
        ({"status": "200", "answer": "[1]"}, "a report&#x27;s answer must be the table"),
        (
            {"status": "200", "answer": '{"table": "Q", "client": "10.0.3.7"}'},
            "no table &#x27;Q&#x27; serves here; the tables are A, B, C",
        ),
    ],
)
def test_a_bad_report_gets_a_clear_message(client, running, fields, message):
    response = client.post(SEEN, fields)
    assert response.status_code == 400
    assert message in text(response)
    assert running.agreement.total == 0


def test_clear_my_cookies_really_expires_them(client, settings):
    settings.REAL_CONTROL = ""
    client.cookies["SERVERID"] = "B"
    client.cookies["cart_session"] = "abc"
    response = client.post(CLEAR)
    assert response.status_code == 200
    for name in ("SERVERID", "cart_session"):
        assert response.cookies[name].value == ""
        assert response.cookies[name]["max-age"] == 0
    assert "Cleared SERVERID and cart_session in this browser" in text(response)


def test_the_projector_shows_each_client_at_the_table_that_served_it(client, running):
    for ip, action in (("10.0.3.7", "add"), ("10.0.3.8", "view"), ("10.0.3.7", "add")):
        customer = Customer(ip)
        answer = customer.send(running.port, action)
        client.post(
            SEEN, {"status": "200", "path": answer.body["path"], "answer": json.dumps(answer.body)}
        )
    page = text(client.get("/real/projector/"))
    assert "Open <strong>http://127.0.0.1/real/</strong> on your phone" in page
    # Round robin: A, B, C; each request a new client (no cookies kept across Customers).
    tables = {t: page.split(f'data-table="{t}"')[1].split("</ul>")[0] for t in "ABC"}
    assert 'data-guest="10.0.3.7"' in tables["A"]
    assert "1 item<" in tables["A"]
    assert 'data-guest="10.0.3.8"' in tables["B"]
    assert "0 items<" in tables["B"]
    assert 'data-guest="10.0.3.7"' in tables["C"]
    assert "agreed on <strong>3 of 3</strong> requests" in page


def test_the_projector_floor_says_when_nothing_runs(client, settings):
    settings.REAL_CONTROL = ""
    assert client.get("/real/projector/floor/").status_code == 503
    assert "The real restaurant is not running" in text(client.get("/real/projector/"))


def test_a_disagreement_is_shown_as_one(client, running):
    # A table that answered other than the engine predicted (here: a report of B where round
    # robin's first turn is A) is listed red, named a disagreement, and counted.
    answer = Customer("10.0.3.7").send(running.port).body
    response = client.post(
        SEEN,
        {"status": "200", "path": "/cart", "answer": json.dumps(answer | {"table": "B"})},
    )
    page = text(response)
    assert (
        'class="real-row disagreed" data-table="B" data-predicted="A" data-agreed="false"' in page
    )
    assert "simulator: <strong>A</strong>, HAProxy: <strong>B</strong>" in page
    assert '<span class="disagree">disagree</span>' in page
    assert "agreed on <strong>0 of 1</strong> request; they <strong>disagreed on 1</strong>" in page
    assert 'class="agreement has-misses"' in page


def test_with_nginx_the_page_names_nginx_and_what_it_offers(
    client, nginx_program, tmp_path, settings
):
    sup = Supervisor(tmp_path / "run", program="nginx").start()
    server = control.serve(tmp_path / "run" / "control.sock", sup)
    settings.REAL_CONTROL = str(tmp_path / "run" / "control.sock")
    try:
        page = text(client.get(PAGE))
        assert f"nginx listens at <code>http://127.0.0.1:{sup.port}</code>" in page
        assert "the realip module, <code>real_ip_header X-Client-IP</code>" in page
        assert "nginx is running (PID" in page
        assert "nginx sees:" in page
        options = page.split('id="real-balancer"')[1].split("</select>")[0]
        assert options.count("<option") == 3
        assert 'value="ip_hash"' in options
        assert 'value="hash_consistent"' in options
        answer = Customer("10.0.3.7").send(sup.port).body
        row = text(
            client.post(SEEN, {"status": "200", "path": "/cart", "answer": json.dumps(answer)})
        )
        assert "simulator: <strong>A</strong>, nginx: <strong>A</strong>" in row
    finally:
        server.shutdown()
        server.server_close()
        sup.stop()
