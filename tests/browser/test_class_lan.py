"""A phone in the room joins a class at the laptop's LAN address, in real Chromium.

The server listens on every interface (HOST=0.0.0.0, as `make class` runs it) and the phone
opens the LAN address the projector shows. That address is this machine's own, so the
kernel keeps the traffic on this machine: nothing leaves it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_lessons_browser import watch_console

pytestmark = pytest.mark.browser


def test_a_phone_joins_at_the_lan_address_the_projector_shows(chromium, lan_server):
    server, lan = lan_server
    laptop = chromium.new_context(viewport={"width": 1920, "height": 1080})
    teach = laptop.new_page()
    errors = watch_console(teach)
    teach.goto(f"{server.url}/class/")  # the teacher stays on 127.0.0.1
    teach.get_by_role("button", name="Start a class").click()
    teach.wait_for_url("**/teach/")
    code = teach.locator("h1 .code").inner_text()
    join_url = f"http://{lan}:{server.port}/class/{code}/"
    expect(teach.locator(".lab-intro")).to_contain_text(join_url)
    projector = laptop.new_page()
    projector.goto(f"{server.url}/class/{code}/projector/")
    expect(projector.locator(".stage-lobby .join-address")).to_have_text(join_url)
    expect(projector.locator("#connection")).to_have_text("Live")

    phone_context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone_errors = watch_console(phone)
    phone.goto(join_url)
    phone.get_by_label("Nickname").fill("Ana")
    phone.get_by_role("button", name="Join the restaurant").click()  # a CSRF-checked POST
    expect(phone.locator("#connection")).to_have_text("Live")  # the websocket's origin passed
    phone.get_by_role("button", name="Add to cart").click()
    expect(phone.locator("#me .my-cart")).to_contain_text("1 item")
    expect(projector.locator("#roster")).to_contain_text("Ana")
    assert re.match(rf"^http://{re.escape(lan)}:{server.port}/", phone.url)
    screenshot(phone, "class-phone-lan", full_page=False)
    assert errors == []
    assert phone_errors == []
    phone_context.close()
    laptop.close()
