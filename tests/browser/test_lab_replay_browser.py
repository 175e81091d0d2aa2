"""A share link's page in real Chromium: open at once, "Replaying…" while its link waits, then
the replayed run, or, past the wait's bound, the run from the beginning and why."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lbteach.lab.service import REPLAYING
from tests.browser.conftest import screenshot
from tests.browser.server import Server, prepare_database, server_env

pytestmark = pytest.mark.browser

LINK = "/lab/?scenario=mobile_ip_change&balancer=source_ip&seed=5&customers=30&log=5.change_ip"


@pytest.fixture
def thrifty_site(tmp_path):
    """A site whose replay budget pays for one ordinary link a minute per address, and whose
    links wait at most 3 s: the second link waits, then starts from the beginning."""
    env = server_env(
        tmp_path / "db.sqlite3",
        LAB_REPLAY_BUDGET="20",  # the link costs 12 (5 requests, 30 customers redrawn / 4)
        LAB_REPLAY_WAIT_SECONDS="3",
    )
    prepare_database(env)
    server = Server(env).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_a_link_that_must_wait_says_so_then_starts_from_the_beginning(
    request, thrifty_site, screen
):
    tab = request.getfixturevalue(screen)
    tab.goto(thrifty_site + LINK)  # this address's budget pays for this one
    expect(tab.locator("#lab-status")).to_have_text("Replayed the shared link: 1 step.")
    expect(tab.locator("#connection")).to_have_text("Live")

    tab.goto(thrifty_site + LINK.replace("seed=5", "seed=6"))  # ...and not for this one yet
    expect(tab.locator("#connection")).to_have_text("Live")  # the socket is open at once
    expect(tab.locator("#lab-status")).to_have_text(REPLAYING)
    screenshot(tab, f"lab-link-replaying-{screen}", full_page=False)
    expect(tab.locator("#lab-status")).to_have_text(
        "Not done: The shared link waited 3 s for its turn to replay and was not replayed. "
        "Started the run from the beginning instead.",
        timeout=10_000,
    )
    expect(tab.locator("#lab-frame")).to_contain_text("30 customers")
    screenshot(tab, f"lab-link-waited-{screen}", full_page=False)
    # The run carries on like any other.
    tab.get_by_label("How many").fill("2")
    tab.get_by_role("button", name="Add customers").click()
    expect(tab.locator("#lab-status")).to_have_text("Added 2 customers.")
