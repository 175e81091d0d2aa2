"""Restart the server under a live class: pages reconnect by themselves, nothing is lost."""

from __future__ import annotations

import signal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.server import Server, prepare_database, server_env

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("how", ["restart", "crash"])
def test_a_restarted_server_restores_the_class_and_every_phone_reconnects(chromium, tmp_path, how):
    env = server_env(tmp_path / "db.sqlite3")
    prepare_database(env)
    server = Server(env).start()
    try:
        teacher = chromium.new_context()
        teach = teacher.new_page()
        teach.goto(server.url + "/class/")
        teach.get_by_role("button", name="Start a class").click()
        code = teach.locator("h1 .code").inner_text()
        phone = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
        phone.goto(f"{server.url}/class/{code}/")
        phone.get_by_label("Nickname").fill("Ana")
        phone.get_by_role("button", name="Join the restaurant").click()
        expect(phone.locator("#connection")).to_have_text("Live")
        for _ in range(3):
            phone.get_by_role("button", name="Add to cart").click()
        expect(phone.locator("#me .my-cart")).to_contain_text("3 items")
        customer = phone.locator("#me h2 .chip").inner_text()
        phone.wait_for_timeout(1500)  # the room saves what changed every second

        # A deploy stops the process (SIGTERM); a crash kills it outright.
        server.process.send_signal(signal.SIGTERM if how == "restart" else signal.SIGKILL)
        server.process.wait(timeout=15)
        server.stop()  # closes its pipes
        expect(phone.locator("#connection")).to_have_text("Reconnecting…")
        server = Server(env, port=server.port).start()

        expect(phone.locator("#connection")).to_have_text("Live", timeout=20_000)
        expect(phone.locator("#me .my-cart")).to_contain_text("3 items")
        assert phone.locator("#me h2 .chip").inner_text() == customer
        phone.get_by_role("button", name="Add to cart").click()
        expect(phone.locator("#me .my-cart")).to_contain_text("4 items")
        expect(teach.locator("#connection")).to_have_text("Live", timeout=20_000)
        expect(teach.locator("#roster")).to_contain_text("4 items")
        screenshot(phone, f"class-phone-after-{how}")
        teacher.close()
        phone.context.close()
    finally:
        server.stop()
