"""Restart the server under a live class or lab: pages reconnect by themselves, nothing is lost."""

from __future__ import annotations

import json
import signal
import sqlite3
import time

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
        assert server.process is not None
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


def saved_seq(db_path, code: str) -> int | None:
    """The frame number of a lab run as last saved, read straight from the database file."""
    with sqlite3.connect(db_path) as db:
        row = db.execute("SELECT state FROM lab_labrun WHERE code = ?", (code,)).fetchone()
    return json.loads(row[0])["seq"] if row else None


@pytest.mark.parametrize("how", ["restart", "crash"])
def test_a_lab_run_survives_its_server_and_the_page_carries_on_with_the_same_figures(
    chromium, tmp_path, how
):
    db_path = tmp_path / "db.sqlite3"
    env = server_env(db_path)
    prepare_database(env)
    server = Server(env).start()
    try:
        page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{server.url}/lab/?scenario=mobile_ip_change&balancer=source_ip&customers=30")
        expect(page.locator("#connection")).to_have_text("Live")
        page.get_by_role("button", name="Pause").click()
        expect(page.locator("#lab-status")).to_contain_text("Paused")
        page.get_by_role("button", name="Change IPs").click()
        expect(page.locator("#lab-status")).to_contain_text("switched network")
        for _ in range(12):
            page.get_by_role("button", name="Step").click()
        page.get_by_role("button", name="Crash table").click()
        expect(page.locator("#lab-status")).to_contain_text("crashed")
        frame = page.locator("#lab-frame")
        code, seq = frame.get_attribute("data-room"), int(frame.get_attribute("data-seq"))
        figures = {
            name: page.locator(f'#metrics [data-metric="{name}"]').inner_text()
            for name in ("cart_breaks", "carts_lost", "sticky_ratio", "imbalance")
        }
        narration = page.locator("#narration-list").inner_text()
        deadline = time.monotonic() + 10
        while saved_seq(db_path, code) != seq and time.monotonic() < deadline:
            time.sleep(0.1)  # the run is saved within a second of its last change
        assert saved_seq(db_path, code) == seq

        assert server.process is not None
        server.process.send_signal(signal.SIGTERM if how == "restart" else signal.SIGKILL)
        server.process.wait(timeout=15)
        server.stop()
        expect(page.locator("#connection")).to_have_text("Reconnecting…")
        server = Server(env, port=server.port).start()

        expect(page.locator("#connection")).to_have_text("Live", timeout=20_000)
        expect(page.locator("#lab-status")).to_have_text(
            "Reconnected: carrying on where you were.", timeout=20_000
        )
        assert page.locator("#lab-frame").get_attribute("data-room") == code
        for name, value in figures.items():
            expect(page.locator(f'#metrics [data-metric="{name}"]')).to_have_text(value)
        assert page.locator("#narration-list").inner_text() == narration
        # ...and it is the same run, not a copy: it carries on from there.
        page.get_by_role("button", name="Step").click()
        expect(page.locator("#lab-status")).to_have_text("Routed one request.")
        screenshot(page, f"lab-after-{how}")
        page.context.close()
    finally:
        server.stop()
