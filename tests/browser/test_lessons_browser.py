"""Walk the home page and every lesson in real Chromium: screenshots, axe-core, console."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from lbteach.lessons.catalogue import load_catalogue
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_home_and_every_lesson_read_cleanly_and_pass_axe(page, site):
    errors = watch_console(page)
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "Does your load balancer remember your customers?"
    screenshot(page, "home")
    assert serious_violations(page) == []

    page.goto(site + "/lessons/")
    assert serious_violations(page) == []
    lessons = load_catalogue().lessons
    for lesson in lessons:
        page.goto(f"{site}/lessons/{lesson.slug}/")
        assert page.locator("h1").inner_text() == lesson.title
        screenshot(page, f"lesson-{lesson.order:02d}-{lesson.slug}")
        assert serious_violations(page) == [], lesson.slug

    page.goto(site + "/lessons/")
    assert page.locator(".badge.read").count() == len(lessons)
    screenshot(page, "lesson-index-all-read")
    assert errors == []

    response = page.goto(site + "/lessons/nope/")
    assert response.status == 404
    assert serious_violations(page) == []
    screenshot(page, "not-found")


def test_pager_and_links_work_from_the_keyboard(page, site):
    first, second = load_catalogue().lessons[:2]
    page.goto(f"{site}/lessons/{first.slug}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("a[rel=next]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/lessons/{second.slug}/")


def test_a_lesson_reads_well_on_a_phone_and_prints_cleanly(phone, site):
    lesson = load_catalogue().get("restaurant-analogy")
    assert lesson is not None
    phone.goto(f"{site}/lessons/{lesson.slug}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    screenshot(phone, "phone-restaurant-analogy")
    phone.emulate_media(media="print")
    assert phone.locator(".site-header").is_hidden()
    assert phone.locator(".practice").is_hidden()
    screenshot(phone, "print-restaurant-analogy")
