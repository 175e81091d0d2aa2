"""The real restaurant in Chromium: the browser's own requests through real HAProxy to real tables.

`manage.py real` runs as `make real` does (HAProxy, three table processes, the site); the
page's fetches carry Chromium's own cookies, and each answer is listed beside the engine's
prediction. Crashing a table really kills its process.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lbteach.classroom.address import lan_address
from lbteach.real.haproxy import HAProxy
from tests.browser.conftest import screenshot
from tests.browser.server import prepare_database, server_env
from tests.browser.test_lessons_browser import serious_violations, watch_console
from tests.conftest import require
from tests.real.command import RealCommand

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    require(bool(HAProxy.find()), "HAProxy is not installed (apt-get install haproxy)")
    env = server_env(tmp_path_factory.mktemp("real-site") / "db.sqlite3")
    prepare_database(env)
    command = RealCommand(env)
    yield command
    command.close()


def row(page, number: int):
    return page.locator(".real-row").filter(has_text=f"#{number} ")


def send(page, action: str, number: int):
    page.get_by_role("button", name=action, exact=True).click()
    entry = row(page, number)
    expect(entry).to_be_visible()
    return entry


def fact(entry, name: str):
    """What a row says under one heading: client, cookies, set-cookie or cart."""
    return entry.locator(f'[data-fact="{name}"] dd')


def control(page, name: str) -> None:
    page.get_by_role("button", name=name).click()


def test_a_learner_sees_real_decisions_beside_the_engine(page, real):
    errors = watch_console(page)
    page.goto(real.url + "/real/")
    expect(page.locator("h1")).to_have_text("The real restaurant")

    first = send(page, "View my cart", 1)
    expect(first).to_have_attribute("data-table", "A")
    expect(first).to_contain_text("simulator: A, HAProxy: A · agree (round robin: table A is next")
    expect(fact(first, "client")).to_have_text("127.0.0.1")
    expect(send(page, "View my cart", 2)).to_have_attribute("data-table", "B")

    # Cookie insert: HAProxy reloads (round robin starts again at A) and seats us by cookie.
    page.get_by_label("Balancer").select_option("cookie")
    control(page, "Apply (reload HAProxy)")
    expect(page.locator("#real-controls")).to_contain_text("configuration 2")
    page.get_by_label("Item").select_option("bread")
    added = send(page, "Add to cart", 3)
    expect(added).to_have_attribute("data-table", "A")
    expect(fact(added, "set-cookie")).to_contain_text("SERVERID=A")
    page.get_by_label("Item").select_option("cheese")
    kept = send(page, "Add to cart", 4)
    expect(fact(kept, "cookies")).to_contain_text("SERVERID=A, cart_session=")
    expect(fact(kept, "cart")).to_have_text("bread, cheese (memory of this process)")
    expect(kept).to_contain_text("(cookie SERVERID=A names table A)")

    # Crash A for real: HAProxy's health checks mark it down, our cookie is redispatched.
    # From the keyboard: the focus stays on table A's button, which now restores it.
    page.get_by_role("button", name="Crash table A").focus()
    page.keyboard.press("Enter")
    expect(page.locator('.real-table[data-table="A"]')).to_have_attribute("data-state", "crashed")
    expect(page.get_by_role("button", name="Restore table A")).to_be_focused()
    expect(page.locator('.health-state[data-table="A"]')).to_have_attribute("data-health", "down")
    moved = send(page, "View my cart", 5)
    expect(moved).to_have_attribute("data-table", "B")
    expect(fact(moved, "cart")).to_have_text("empty (memory of this process)")
    expect(fact(moved, "set-cookie")).to_have_text("SERVERID=B")
    expect(moved).to_contain_text("but table A is down, so it is redispatched")
    expect(page.locator("#real-agreement")).to_have_text(
        "Simulator and HAProxy agreed on 5 of 5 requests."
    )
    screenshot(page, "real-crash")
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "real-crash-viewport", full_page=False)  # the README's picture
    assert serious_violations(page) == []

    page.get_by_role("button", name="Restore table A").click()
    expect(page.locator('.health-state[data-table="A"]')).to_have_attribute("data-health", "up")
    page.get_by_role("button", name="Clear my cookies").click()
    expect(page.locator("#real-cleared")).to_contain_text("Cleared SERVERID and cart_session")
    fresh = send(page, "View my cart", 6)
    expect(fact(fresh, "cookies")).to_have_text("none (and 1 of this site's own)")
    expect(fact(fresh, "set-cookie")).to_contain_text("SERVERID=")

    # Change my network under source hashing: HAProxy takes the address from X-Client-IP.
    page.get_by_label("Balancer").select_option("source")
    control(page, "Apply (reload HAProxy)")
    page.get_by_label("My network").select_option("100.64.12.9")
    phone = send(page, "View my cart", 7)
    expect(fact(phone, "client")).to_have_text("100.64.12.9 (told by X-Client-IP)")
    expect(phone).to_have_attribute("data-agreed", "true")
    assert errors == []


def test_the_page_works_on_a_phone(phone, real):
    errors = watch_console(phone)
    phone.goto(real.url + "/real/")
    phone.get_by_role("button", name="View my cart", exact=True).click()
    # Rows are numbered for the whole run (the agreement counter's count), so take the newest.
    entry = phone.locator(".real-row").first
    expect(entry).to_have_attribute("data-agreed", "true")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone, "real-phone")
    assert errors == []


def test_the_projector_shows_the_phone_at_the_table_that_served_it(phone, page, real):
    phone.goto(real.url + "/real/")
    phone.get_by_role("button", name="Add to cart", exact=True).click()
    entry = phone.locator(".real-row").first
    expect(entry).to_have_attribute("data-agreed", "true")
    table = entry.get_attribute("data-table")
    # The phone's first request: the table's Set-Cookie gives it its cart session.
    session = fact(entry, "set-cookie").inner_text().split("cart_session=")[1][:4]
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(real.url + "/real/projector/")
    seat = page.locator(f'.floor-table[data-table="{table}"] .guest').filter(has_text=session)
    expect(seat).to_have_text(f"127.0.0.1 · {session} · 1 item")
    screenshot(page, "real-projector", full_page=False)


@pytest.fixture(scope="module")
def real_class(tmp_path_factory):
    """`make real HOST=0.0.0.0`: the room's phones reach the site and HAProxy by the LAN address."""
    require(bool(HAProxy.find()), "HAProxy is not installed (apt-get install haproxy)")
    lan = lan_address()
    require(lan is not None, "this machine has no network interface but loopback")
    env = server_env(tmp_path_factory.mktemp("real-class") / "db.sqlite3", HOST="0.0.0.0")
    prepare_database(env)
    command = RealCommand(env, "--host", "0.0.0.0", "--balancer", "source")
    yield command, lan
    command.close()


def test_a_phone_in_the_room_is_a_real_client_without_the_controls(phone, page, real_class):
    real, lan = real_class
    errors = watch_console(phone)
    phone.goto(f"http://{lan}:{real.port}/real/")
    assert phone.locator("[data-balancer-origin]").get_attribute("data-balancer-origin") == (
        f"http://{lan}:{real.lb_port}"
    )
    expect(phone.get_by_role("button", name="Crash table A")).to_have_count(0)
    expect(phone.locator("#real-controls")).to_contain_text(
        "Only a browser on the machine running make real can crash"
    )
    phone.get_by_role("button", name="View my cart", exact=True).click()
    entry = phone.locator(".real-row").first
    expect(entry).to_have_attribute("data-agreed", "true")
    # The phone's own address on the room's network, as HAProxy saw it: balance source.
    expect(fact(entry, "client")).to_have_text(lan)
    expect(entry).to_contain_text("HAProxy balance source")
    page.goto(real.url + "/real/projector/")
    expect(page.locator(".lede")).to_contain_text(f"Open http://{lan}:{real.port}/real/")
    expect(page.locator(f'.guest[data-guest="{lan}"]')).to_have_count(1)
    assert errors == []


def test_without_make_real_the_page_says_how_to_start_it(page, site):
    errors = watch_console(page)
    page.goto(site + "/real/")
    expect(page.locator("#real-not-running")).to_contain_text("make real")
    assert serious_violations(page) == []
    page.goto(site + "/real/projector/")
    expect(page.locator("#real-not-running")).to_contain_text("sudo apt-get install haproxy")
    screenshot(page, "real-not-running")
    assert errors == []


def test_the_projector_passes_axe(page, real):
    page.goto(real.url + "/real/projector/")
    expect(page.locator(".floor-table")).to_have_count(3)
    assert serious_violations(page) == []


def test_the_shop_sends_one_request_at_a_time(page, real):
    # Round robin's next turn depends on every request before it, so a second click while a
    # request is out is ignored (aria-disabled keeps the keyboard's focus where it was).
    page.goto(real.url + "/real/")
    origin = page.locator("[data-balancer-origin]").get_attribute("data-balancer-origin")
    held = []
    page.route(f"{origin}/**", lambda route: held.append(route))
    view = page.get_by_role("button", name="View my cart", exact=True)
    view.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Check out")).to_have_attribute("aria-disabled", "true")
    expect(view).to_be_focused()
    page.keyboard.press("Enter")  # a second request while the first is out: ignored
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator(".real-row")).to_have_count(1)
    expect(view).to_have_attribute("aria-disabled", "false")
    expect(view).to_be_focused()
    expect(page.locator(".real-row code").first).to_have_text("GET /cart")
