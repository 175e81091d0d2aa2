"""The teacher link opens the class on a second device without the key entering any URL
the server sees, or its log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_classroom_browser import start_a_class

pytestmark = pytest.mark.browser


def test_the_teacher_link_opens_the_projector_on_a_second_device(chromium, site, site_server):
    teacher, teach, errors, code = start_a_class(chromium, site)
    teach.get_by_text("Teacher link for a second device").click()
    link = teach.get_by_label("Teacher link").input_value()
    key = link.rsplit("#key=", 1)[1]
    assert link == f"{site}/class/{code}/teach/#key={key}"

    # The projector's computer: no cookie, so the projector page explains what to do...
    second = chromium.new_context(viewport={"width": 1280, "height": 720})
    screen = second.new_page()
    screen.goto(f"{site}/class/{code}/projector/")
    expect(screen.get_by_role("heading", level=1)).to_have_text(
        "Only the teacher can open this page"
    )
    # ...and the teacher link, opened there, hands it the class by itself.
    screen.goto(link)
    screen.wait_for_url(f"{site}/class/{code}/teach/")
    expect(screen.locator("#connection")).to_have_text("Live")
    screen.goto(f"{site}/class/{code}/projector/")
    expect(screen.locator(".join-code, .code").first).to_contain_text(code)
    # The key was posted, never requested: the access log has every request, and not it.
    log = site_server.log_text()
    assert f"/class/{code}/teach/" in log
    assert key not in log
    assert errors == []
    second.close()
    teacher.close()
