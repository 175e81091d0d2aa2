"""A question takes over a phone; ending a class asks first and keeps its results."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_class_stage import VISIBLE_TEXT
from tests.browser.test_classroom_browser import start_a_class
from tests.browser.test_lessons_browser import serious_violations

pytestmark = pytest.mark.browser


def test_a_question_takes_over_the_phone_and_ending_the_class_keeps_the_results(chromium, site):
    teacher, teach, errors, code = start_a_class(chromium, site)

    phone_context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone.goto(f"{site}/class/{code}/")
    phone.get_by_label("Nickname").fill("Ana")
    phone.get_by_role("button", name="Join the restaurant").click()
    expect(phone.locator("#connection")).to_have_text("Live")
    assert phone.get_by_role("navigation", name="Main").count() == 0
    phone.get_by_role("button", name="Add to cart").click()
    expect(phone.locator("#me .my-cart")).to_contain_text("1 item")
    screenshot(phone, "class-phone-390x844", full_page=False)

    teach.get_by_label("Question to send").select_option("ip-mobile-wifi-lte")
    teach.get_by_role("button", name="Send to the class").click()
    takeover = phone.locator("#student-quiz.takes-over")
    expect(takeover).to_be_visible()
    expect(takeover).to_be_focused()
    box = takeover.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    letters = phone.locator("#student-quiz .answer-option .letter").all_inner_texts()
    assert letters == ["A", "B", "C", "D"]
    screenshot(phone, "class-phone-question-390x844", full_page=False)
    texts = phone.evaluate(VISIBLE_TEXT)
    assert [t["text"] for t in texts if t["bottom"] > 844] == [], "the phone must not scroll"
    phone.locator(".answer-option").nth(1).click()
    phone.get_by_role("button", name="Send answer").click()
    expect(phone.locator("#student-quiz")).not_to_have_class(re.compile("takes-over"))
    expect(teach.locator("#class-quiz")).to_contain_text("answers in: 1 / 1")
    teach.get_by_role("button", name="Reveal answer").click()
    expect(phone.locator("#student-quiz")).to_contain_text("Why:")
    screenshot(phone, "class-phone-reveal-390x844", full_page=False)
    right = "You got it right." in phone.locator("#student-quiz .verdict-line").inner_text()
    screenshot(teach, "class-teacher-page")

    # Ending asks first, in a dialog; "Keep teaching" changes nothing.
    teach.get_by_role("button", name="End class…").click()
    dialog = teach.get_by_role("dialog", name=f"End class {code}?")
    expect(dialog).to_be_visible()
    screenshot(teach, "class-teacher-end-dialog", full_page=False)
    assert serious_violations(teach) == []
    dialog.get_by_role("button", name="Keep teaching").click()
    expect(dialog).to_be_hidden()
    expect(teach.locator("#connection")).to_have_text("Live")
    projector = teacher.new_page()
    projector.set_viewport_size({"width": 1280, "height": 720})
    projector.goto(f"{site}/class/{code}/projector/")
    expect(projector.locator("#connection")).to_have_text("Live")
    # A second question nobody answers: the ending covers it, and the CSV says "no answer".
    teach.get_by_label("Question to send").select_option("lb-the-trade-off")
    teach.get_by_role("button", name="Send to the class").click()
    expect(phone.locator("#student-quiz.takes-over")).to_be_visible()
    teach.get_by_role("button", name="End class…").click()
    dialog.get_by_role("button", name="End class").click()
    # Every screen turns into its ending at once: the teacher's goes to the results.
    teach.wait_for_url(f"**/class/{code}/results/")
    ending = phone.locator("#class-ended.is-ended")
    expect(ending).to_contain_text("Class ended")
    expect(ending).to_be_focused()
    expect(phone.locator('[data-ending="score"]')).to_have_text("1" if right else "0")
    expect(phone.locator('[data-ending="cart_breaks"]')).to_have_text("0")
    expect(phone.locator('[data-ending="checkouts"]')).to_have_text("0")
    expect(phone.get_by_role("button")).to_have_count(0)
    expect(phone.locator("#connection")).to_have_text("Ended")
    screenshot(phone, "class-phone-ending-live-390x844", full_page=False)
    live_text = ending.inner_text()
    expect(projector.locator(".stage-ending")).to_contain_text(f"Class {code} has ended")
    expect(projector.locator(".ending-totals")).to_contain_text("Students")
    screenshot(projector, "class-projector-ending-1280x720", full_page=False)
    phone.reload()
    assert phone.locator("#class-ended.is-ended").inner_text() == live_text
    expect(phone.get_by_role("button")).to_have_count(0)
    screenshot(phone, "class-phone-ending-reloaded-390x844", full_page=False)
    assert serious_violations(phone) == []
    projector.reload()
    expect(projector.locator(".stage-ending")).to_contain_text(f"Class {code} has ended")
    screenshot(projector, "class-projector-ending-reloaded-1280x720", full_page=False)

    # The replay: the lab rebuilds the class's restaurant, Ana's customer circled.
    customer = phone.locator(".ending-who").inner_text().split("customer ")[1].split(" ")[0]
    phone.get_by_role("link", name="Replay this class in the lab").click()
    phone.wait_for_url("**/lab/?*highlight=*")
    expect(phone.locator("#connection")).to_have_text("Live")
    expect(phone.locator(f'.who.is-me[data-customer="{customer}"]')).to_have_count(1)
    expect(phone.locator(".highlight-note")).to_contain_text(f"Customer {customer} is you")
    screenshot(phone, "class-phone-replay-in-lab-390x844", full_page=False)

    expect(teach.locator("h1")).to_contain_text(f"Results of class {code}")
    expect(teach.locator(".result-question").first).to_contain_text("Question 1:")
    expect(teach.locator(".result-question").nth(1)).to_contain_text(
        "0 right, 0 wrong, 1 no answer (1 student)."
    )
    expect(teach.locator(".result-question .is-correct .letter")).to_have_count(2)
    expect(teach.locator(".results-table")).to_contain_text("Ana")
    screenshot(teach, "class-results")
    assert serious_violations(teach) == []
    with teach.expect_download() as download:
        teach.get_by_role("link", name="Download the CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[1][0] == "1"
    assert rows[1][1].startswith("A mobile user's cart empties")
    assert rows[1][2] == "Ana"
    assert rows[1][3] == "B"
    assert rows[1][4] == ("yes" if right else "no")
    assert rows[2][:5] == ["2", rows[2][1], "Ana", "", "no answer"]
    assert rows[2][7:] == [("1" if right else "0"), "0", "0"]
    teach.get_by_role("link", name="Print view").click()
    expect(teach.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot(teach, "class-results-print")
    teach.goto(f"{site}/class/{code}/teach/")
    teach.wait_for_url(f"**/class/{code}/results/")
    assert phone.goto(f"{site}/class/{code}/results/").status == 403
    assert errors == []
    phone_context.close()
    teacher.close()
