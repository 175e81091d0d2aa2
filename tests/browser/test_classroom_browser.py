"""A whole class in real Chromium: a teacher, a projector and three students' phones."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser

STUDENTS = ("Ana", "Ben", "Chloé")


def phone_for(chromium, site, code: str, nickname: str):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    phone.goto(site + "/class/")
    phone.get_by_label("Class code").fill(code.lower())
    phone.get_by_role("button", name="Join").click()
    phone.get_by_label("Nickname").fill(nickname)
    phone.get_by_role("button", name="Join the restaurant").click()
    expect(phone.locator("#connection")).to_have_text("Live")
    expect(phone.locator("#me")).to_contain_text(nickname)
    return phone


def start_a_class(chromium, site):
    """A teacher's browser starts a class: its context, the teacher page, the page's console
    errors, and the join code, once the page's socket is live."""
    teacher = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    teach = teacher.new_page()
    errors = watch_console(teach)
    teach.goto(site + "/class/")
    teach.get_by_role("button", name="Start a class").click()
    teach.wait_for_url("**/teach/")
    code = teach.locator("h1 .code").inner_text()
    expect(teach.locator("#connection")).to_have_text("Live")
    return teacher, teach, errors, code


def test_a_class_sees_a_cart_break_and_answers_a_question(chromium, site, tmp_path):
    teacher, teach, errors, code = start_a_class(chromium, site)

    projector = teacher.new_page()
    projector.set_viewport_size({"width": 1600, "height": 900})
    projector.goto(f"{site}/class/{code}/projector/")
    expect(projector.locator(".join-code")).to_have_text(code)
    assert projector.locator("img.qr").evaluate("img => img.naturalWidth") > 0

    phones = [phone_for(chromium, site, code, name) for name in STUDENTS]
    expect(projector.locator("#roster .count")).to_have_text("3")
    screenshot(projector, "class-projector-joined")
    ana = phones[0]
    for _ in range(2):
        ana.get_by_role("button", name="Add to cart").click()
    expect(ana.locator("#me .my-cart")).to_contain_text("2 items")

    teach.get_by_label("Balancer").select_option("source_ip")
    teach.get_by_role("button", name="Switch balancer").click()
    expect(projector.locator("#host")).to_contain_text("Source IP hash")
    for _ in range(4):  # a new address hashes to a new table most of the time, not always
        ana.get_by_role("button", name="Switch network").click()
        expect(ana.locator("#lab-status")).to_contain_text("switched network")
        ana.get_by_role("button", name="Add to cart").click()
        expect(ana.locator("#lab-status")).to_contain_text("table")
        if "Cart broken" in ana.locator("#me").inner_text():
            break
    expect(ana.locator("#me")).to_contain_text("Your cart broke!")
    expect(projector.locator("#roster")).to_contain_text("cart broke")
    expect(projector.locator("#narration-list")).to_contain_text("Cart broken")
    screenshot(ana, "class-phone-cart-broken")
    screenshot(projector, "class-projector-cart-broken")

    teach.get_by_label("Question to send").select_option("ip-mobile-wifi-lte")
    teach.get_by_role("button", name="Send to the class").click()
    for phone in phones:
        expect(phone.locator(".answer-form")).to_be_visible()
        phone.locator(".answer-option").first.click()
        phone.get_by_role("button", name="Send answer").click()
        expect(phone.locator("#lab-status")).to_have_text("Answer received. Wait for the reveal.")
    expect(projector.locator("#class-quiz")).to_contain_text("answers in: 3 / 3")
    screenshot(phones[1], "class-phone-answered")
    teach.get_by_role("button", name="Reveal answer").click()
    expect(projector.locator("#class-quiz")).to_contain_text("Why:")
    expect(phones[2].locator("#student-quiz")).to_contain_text("Why:")
    screenshot(projector, "class-projector-reveal")
    screenshot(phones[2], "class-phone-reveal")
    screenshot(teach, "class-teacher")
    assert serious_violations(teach) == []
    assert serious_violations(projector) == []
    assert serious_violations(phones[0]) == []

    with teach.expect_download() as download:
        teach.get_by_role("link", name="Download quiz results (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0] == [
        "question_number",
        "question",
        "nickname",
        "answer",
        "correct",
        "right_answer",
        "answered_at",
        "score",
        "cart_breaks",
        "checkouts",
    ]
    assert sorted(row[2] for row in rows[1:]) == sorted(STUDENTS)
    # Ana's cart broke after she switched network: the CSV counts it.
    (ana_row,) = [row for row in rows[1:] if row[2] == "Ana"]
    assert int(ana_row[8]) >= 1
    # The question's title, not its slug, and the letters the students saw.
    assert {row[1] for row in rows[1:]} == {
        "A mobile user's cart empties after switching from Wi-Fi to LTE. The shop keeps carts "
        "in server memory and its nginx balancer uses `ip_hash`."
    }
    assert {row[3] for row in rows[1:]} <= {"A", "B", "C", "D"}
    assert errors == []
    for phone in phones:
        phone.context.close()
    teacher.close()
