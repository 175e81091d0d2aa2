"""A class longer than a share link ends, and the student's ending opens its replay in the lab
with their own customer circled: the run was stored on the server when the class ended."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lbteach.lab.sharelink import LOG_LIMIT
from tests.browser.conftest import screenshot
from tests.browser.server import Server, prepare_database, server_env
from tests.browser.test_classroom_browser import start_a_class

pytestmark = pytest.mark.browser

TAPS = LOG_LIMIT + 10  # with the seat, more steps than a share link may carry


@pytest.fixture
def roomy_site(tmp_path):
    """A site whose command budgets let one phone tap TAPS times in a few seconds (a class
    of many phones would take that long to log as much)."""
    env = server_env(
        tmp_path / "db.sqlite3",
        LAB_COMMAND_RATE="1000",
        LAB_COMMAND_BURST="1000",
        LAB_ADDRESS_COMMAND_RATE="2000",
        LAB_ADDRESS_COMMAND_BURST="2000",
    )
    prepare_database(env)
    server = Server(env).start()
    yield server.url
    server.stop()


def test_a_long_class_ends_and_the_phone_replays_it_in_the_lab(chromium, roomy_site):
    teacher, teach, errors, code = start_a_class(chromium, roomy_site)
    phone_context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone.goto(f"{roomy_site}/class/{code}/")
    phone.get_by_label("Nickname").fill("Ana")
    phone.get_by_role("button", name="Join the restaurant").click()
    expect(phone.locator("#connection")).to_have_text("Live")
    phone.get_by_role("button", name="Add to cart").evaluate(
        "(button, taps) => { for (let i = 0; i < taps; i++) button.click(); }", TAPS
    )
    expect(phone.locator("#me .my-cart")).to_contain_text(f"{TAPS} items", timeout=30_000)

    teach.get_by_role("button", name="End class…").click()
    teach.get_by_role("dialog", name=f"End class {code}?").get_by_role(
        "button", name="End class"
    ).click()
    teach.wait_for_url(f"**/class/{code}/results/")
    expect(phone.locator("#class-ended.is-ended")).to_contain_text("Class ended")
    link = phone.get_by_role("link", name="Replay this class in the lab")
    expect(link).to_have_attribute(
        "href", re.compile(r"^/lab/\?replay=[A-Za-z0-9_-]{22}&highlight=\d+$")
    )
    expect(phone.locator(".ending-replay")).to_contain_text("is circled")
    screenshot(phone, "class-phone-ending-long-class-390x844", full_page=False)
    customer = link.get_attribute("href").rsplit("=", 1)[1]

    link.click()
    phone.wait_for_url("**/lab/?replay=*")
    expect(phone.locator("#connection")).to_have_text("Live")
    # The seat, every tap, and where the class stopped.
    expect(phone.locator("#lab-status")).to_have_text(f"Replayed the class: {TAPS + 2} steps.")
    expect(phone.locator("main")).to_contain_text(f"{TAPS} requests routed")
    expect(phone.locator(f'.who.is-me[data-customer="{customer}"]')).to_have_count(1)
    expect(phone.locator(".highlight-note")).to_contain_text(f"Customer {customer} is you")
    screenshot(phone, "class-phone-long-class-replayed-in-lab-390x844", full_page=False)
    phone.locator(f'.who.is-me[data-customer="{customer}"]').scroll_into_view_if_needed()
    screenshot(phone, "class-phone-long-class-replayed-floor-390x844", full_page=False)

    # The stored run outlives nothing it should: a wrong token says so and the lab opens.
    phone.goto(f"{roomy_site}/lab/?replay={'A' * 22}&highlight={customer}")
    expect(phone.get_by_role("alert")).to_contain_text("This class replay is not kept any more")
    expect(phone.locator("#connection")).to_have_text("Live")
    assert errors == []
    phone_context.close()
    teacher.close()
