"""The teacher link opens the class on a second device without the key entering any URL
the server sees, or its log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_classroom_browser import start_a_class

pytestmark = pytest.mark.browser


def test_the_links_open_the_class_on_other_devices_without_a_key_in_any_request(
    chromium, site, site_server
):
    teacher, teach, errors, code = start_a_class(chromium, site)
    links = {}
    for name in ("Projector link", "Teacher link"):
        teach.get_by_text(f"{name} for").click()
        links[name] = teach.get_by_label(name).input_value()
    keys = [link.rsplit("#key=", 1)[1] for link in links.values()]
    assert links["Projector link"] == f"{site}/class/{code}/projector/#key={keys[0]}"
    assert links["Teacher link"] == f"{site}/class/{code}/teach/#key={keys[1]}"

    # The classroom's computer: without a key the projector page says what to do...
    room = chromium.new_context(viewport={"width": 1280, "height": 720})
    screen = room.new_page()
    screen.goto(f"{site}/class/{code}/projector/")
    expect(screen.get_by_role("heading", level=1)).to_have_text(
        "Open this projector from the teacher page"
    )
    # ...and the projector link, opened there, shows the projector by itself.
    screen.goto(links["Projector link"])
    screen.wait_for_url(f"{site}/class/{code}/projector/")
    expect(screen.locator("#connection")).to_have_text("Live")
    expect(screen.locator("body")).to_contain_text(code)

    # A second laptop: the teacher link hands it the class.
    laptop = chromium.new_context(viewport={"width": 1280, "height": 800})
    second = laptop.new_page()
    second.goto(links["Teacher link"])
    second.wait_for_url(f"{site}/class/{code}/teach/")
    expect(second.locator("#connection")).to_have_text("Live")

    # The keys were posted, never requested: the access log has every request, and no key.
    log = site_server.log_text()
    assert f"/class/{code}/teach/" in log
    assert f"/class/{code}/projector/" in log
    for key in keys:
        assert key not in log
    assert errors == []
    for context in (room, laptop, teacher):
        context.close()
