"""Predict-it drills in real Chromium: a short session by keyboard, replay, lab link, phone."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from lbteach.quiz.drills import generate
from tests.browser.conftest import screenshot
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser

DRILL_URL = re.compile(r".*/quiz/drills/([a-z-]+)/(\d+)/$")


def current_drill(page):
    found = DRILL_URL.match(page.url)
    assert found, page.url
    return generate(found.group(1), found.group(2))


def test_a_short_drill_session(page, site):
    errors = watch_console(page)
    page.goto(site + "/quiz/drills/")
    assert page.locator("h1").inner_text() == "Predict-it drills"
    assert page.locator(".drill-kind").count() == 6
    screenshot(page, "drills-home")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Start practising").click()
    page.wait_for_url(DRILL_URL)
    drill = current_drill(page)
    assert drill.kind == "nginx-ip-hash"  # a new learner starts with the first type
    assert page.locator("#quiz-prompt .prompt").inner_text() == drill.prompt
    assert page.locator(".drill-givens li").all_inner_texts() == list(drill.givens)
    expect(page.locator("#quiz-card-title")).to_be_focused()  # the card has focus on arrival
    screenshot(page, "drills-question")
    assert serious_violations(page) == []
    page.keyboard.press(str(drill.answer))
    page.keyboard.press("Enter")
    page.locator("#quiz-card .verdict").wait_for()
    assert "Right" in page.locator(".verdict h2").inner_text()
    assert page.locator("[data-drill-answer]").inner_text() == drill.answer_text
    assert page.locator("[data-drill-worked]").inner_text() == f"Worked step: {drill.worked_step}"
    steps = page.locator(".drill-steps li").all_inner_texts()
    assert steps == list(drill.explanation[1:])  # [0], the worked step, leads the verdict
    lab = page.get_by_role("link", name="Show me in the lab")
    assert lab.get_attribute("href") == "/lab/?" + urlencode(drill.lab)
    screenshot(page, "drills-result-right")
    assert serious_violations(page) == []

    page.keyboard.press("n")  # on to the next drill without the mouse
    page.wait_for_url(DRILL_URL)
    expect(page.locator("#quiz-card-title")).to_be_focused()
    second = current_drill(page)
    assert second.kind == "haproxy-source"
    wrong = 1 if second.answer != 1 else 2
    page.locator(f'[data-shortcut-option="{wrong}"]').check()
    page.get_by_role("button", name="Check my prediction").click()
    page.locator("#quiz-card .verdict").wait_for()
    assert "Not quite" in page.locator(".verdict h2").inner_text()
    assert page.locator("[data-drill-chosen]").inner_text() == second.options[wrong - 1]
    screenshot(page, "drills-result-wrong")

    page.get_by_role("link", name=re.compile(r"^Replay this drill")).click()
    page.wait_for_url(DRILL_URL)
    assert page.locator("#quiz-prompt .prompt").inner_text() == second.prompt

    page.goto(site + "/quiz/drills/")
    assert (
        page.locator(".drill-kind")
        .first.locator(".drill-status")
        .inner_text()
        .endswith("1 of 1 right")
    )
    page.goto(site + "/quiz/progress/")
    assert page.locator(".heatmap svg").get_attribute("data-days-studied") == "1"
    screenshot(page, "drills-progress")
    assert errors == []


def test_drills_on_a_phone_fit_the_screen(phone, site):
    phone.goto(site + "/quiz/drills/cart-survives/17/")
    drill = current_drill(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "drills-phone-question")
    phone.locator(f'[data-shortcut-option="{drill.answer}"]').check()
    phone.get_by_role("button", name="Check my prediction").click()
    phone.locator("#quiz-card .verdict").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "drills-phone-result")
    phone.goto(phone.url.replace("/quiz/drills/cart-survives/17/", "/quiz/progress/"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "drills-phone-progress")
    assert serious_violations(phone) == []
    phone.goto(phone.url.replace("/quiz/progress/", "/quiz/"))
    assert phone.locator("[data-drills-due]").count() == 0  # the drill is not due for minutes
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "quiz-home-phone")


@pytest.mark.parametrize(("size", "viewport"), [("desktop", (1440, 900)), ("phone", (390, 844))])
def test_two_drills_and_their_feedback_look_right(chromium, site, size, viewport):
    """The ring drill and the consistent-hash drill, asked and answered, at both sizes."""
    width, height = viewport
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for kind, seed in (("scale-out", 1), ("consistent-hash", 1)):
            drill = generate(kind, seed)
            page.goto(f"{site}/quiz/drills/{kind}/{seed}/")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if drill.ring:
                box = page.locator(".drill-ring svg").bounding_box()
                assert box is not None
                assert box["width"] > 200
                assert page.locator(".drill-ring [data-ring-table]").count() == 10
            screenshot(page, f"drill-{kind}-{size}")
            assert serious_violations(page) == []
            page.keyboard.press(str(drill.answer))
            page.keyboard.press("Enter")
            page.locator("#quiz-card .verdict").wait_for()
            expect(page.locator(".verdict h2")).to_be_focused()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"drill-{kind}-{size}-feedback")
            assert serious_violations(page) == []
    finally:
        context.close()
