"""The quiz in real Chromium: a quick quiz, a mistake reviewed, a flashcard rated; axe on each page.

The test knows the answers the way a teacher does, from the bank file: each question page
names its question id in a hidden field, and the visible option texts are matched to it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz.bankfile import DEFAULT_BANK, load_bank_file
from tests.browser.conftest import screenshot
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser

BANK = {q.key: q for q in load_bank_file(DEFAULT_BANK, load_catalogue().slugs)}


def plain(markdown: str) -> str:
    """Option text as the browser shows it (Markdown code and emphasis marks removed)."""
    return re.sub(r"[`*]", "", markdown).strip()


def answer(page, right: bool) -> str:
    """Tick the right options (or one wrong one) on the question shown; returns its id."""
    key = page.locator('#quiz-card input[name="question"]').get_attribute("value")
    question = BANK[key]
    correct = {plain(o.text) for o in question.options if o.correct}
    labels = page.locator("#quiz-card label.option")
    ticked = 0
    for index in range(labels.count()):
        label = labels.nth(index)
        is_correct = label.locator(".option-text").inner_text().strip() in correct
        if (right and is_correct) or (not right and not is_correct and ticked == 0):
            label.click()
            ticked += 1
    assert ticked, f"no option matched for {key}"
    return key


def check(page) -> None:
    """Submit the answer through htmx and wait for the card to show its verdict."""
    url = page.url
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#quiz-card .verdict").wait_for()
    assert page.url == url, "answering should swap the card in place, not load a page"


def test_take_a_quick_quiz_review_a_mistake_and_rate_a_flashcard(page, site):
    errors = watch_console(page)
    page.goto(site + "/quiz/")
    assert page.locator("h1").inner_text() == "Quiz yourself"
    screenshot(page, "quiz-home")
    assert serious_violations(page) == []

    page.get_by_role("button", name="Start a quick quiz").click()
    page.wait_for_url(re.compile(r".*/quiz/run/[0-9a-f-]+/$"))
    missed = None
    for number in range(1, 11):
        assert page.locator("h1").inner_text() == f"Question {number} of 10"
        if number == 1:
            screenshot(page, "quiz-question")
            assert serious_violations(page) == []
            missed = answer(page, right=False)
            check(page)
            assert "Not quite" in page.locator(".verdict h2").inner_text()
            expect(page.locator(".verdict h2")).to_be_focused()
            screenshot(page, "quiz-result-wrong")
            assert serious_violations(page) == []
        else:
            answer(page, right=True)
            check(page)
            assert "Right" in page.locator(".verdict h2").inner_text()
            if number == 2:
                screenshot(page, "quiz-result-right")
        page.locator(".quiz-next a.button.primary").click()
        page.locator("#quiz-card .verdict").wait_for(state="detached")

    assert page.locator("h1").inner_text() == "You got 9 of 10 right"
    screenshot(page, "quiz-summary")
    assert serious_violations(page) == []

    page.goto(site + "/quiz/")
    # One queue: the nine right and one wrong answer are all learning steps due in minutes,
    # so nothing is due now and the new-card allowance of 20 is down by 10.
    assert page.locator('[data-queue="new"]').inner_text() == "10"
    assert page.locator('[data-queue="learning"]').inner_text() == "0"
    assert page.locator('[data-queue="review"]').inner_text() == "0"
    assert missed is not None
    page.get_by_role("button", name="Study now").click()
    page.wait_for_url(re.compile(r".*/quiz/run/"))
    assert page.locator("h1").inner_text() == "Card 1"
    page.get_by_role("button", name="Reveal the model answer").click()
    page.locator("#quiz-card .model-answer").wait_for()
    page.get_by_role("button", name=re.compile(r"^Good")).click()
    expect(page.locator("h1")).to_have_text("Card 2")
    expect(page.locator("[data-quiz-rated]")).to_have_text(re.compile(r"^Rated Good: back in"))
    screenshot(page, "quiz-study-card-rated")
    page.goto(site + "/quiz/")
    assert page.locator('[data-queue="new"]').inner_text() == "9"

    page.goto(site + "/quiz/")
    page.get_by_role("button", name="Practise flashcards").click()
    page.wait_for_url(re.compile(r".*/quiz/run/"))
    page.get_by_label("Your answer").fill("Stateless keeps nothing; stateful pins the client.")
    screenshot(page, "quiz-flashcard")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Reveal the model answer").click()
    page.locator("#quiz-card .model-answer").wait_for()
    assert "Stateless keeps nothing" in page.locator(".your-answer").inner_text()
    screenshot(page, "quiz-flashcard-revealed")
    assert serious_violations(page) == []
    page.get_by_role("button", name=re.compile(r"^Good")).click()
    expect(page.locator("[data-quiz-rated]")).to_have_text("Rated Good: back in 10 minutes.")
    expect(page.locator("h1")).to_have_text("Question 2 of 10")
    screenshot(page, "quiz-flashcard-rated")

    page.goto(site + "/quiz/progress/")
    known = page.locator(".stat", has_text="Questions known").locator("dd").inner_text()
    assert known.startswith("11 of ")
    assert page.locator(".stat", has_text="Streak").locator("dd").inner_text() == "1 day"
    screenshot(page, "quiz-progress")
    assert serious_violations(page) == []

    page.goto(site + "/quiz/bank/")
    assert page.locator(".bank-item").count() == len(BANK)
    screenshot(page, "quiz-bank", full_page=False)
    assert serious_violations(page) == []
    assert errors == []


def test_answering_works_without_javascript(chromium, site):
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(site + "/quiz/q/nat-cgnat/")
    page.get_by_label("True").check()
    page.get_by_role("button", name="Check my answer").click()
    page.wait_for_url(site + "/quiz/answer/")
    assert "Right" in page.locator(".verdict h2").inner_text()
    screenshot(page, "quiz-no-javascript-result")
    context.close()


def test_a_phone_sees_a_clear_error_for_an_empty_answer_and_no_sideways_scroll(phone, site):
    phone.goto(site + "/quiz/q/mnemonic-two-types/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Check my answer").click()
    error = phone.locator("#quiz-card .notice.error")
    error.wait_for()
    assert error.inner_text() == "Choose an answer before submitting."
    expect(error).to_be_focused()
    screenshot(phone, "quiz-phone-error")
    answer(phone, right=True)
    check(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "quiz-phone-result")
    assert serious_violations(phone) == []


def test_keyboard_shortcuts_pick_reveal_and_rate(page, site):
    errors = watch_console(page)
    page.goto(site + "/quiz/q/nat-cgnat/")
    assert "pick an option" in page.locator(".shortcuts").inner_text()
    page.keyboard.press("1")
    expect(page.get_by_label("True")).to_be_checked()
    status = page.locator("#quiz-shortcut-status")
    expect(status).to_have_text("Option 1 selected: True")
    assert status.get_attribute("aria-live") == "polite"
    page.keyboard.press("Enter")
    page.locator("#quiz-card .verdict").wait_for()
    assert "Right" in page.locator(".verdict h2").inner_text()

    flashcard = next(key for key, q in BANK.items() if q.kind == "flashcard")
    page.goto(site + f"/quiz/q/{flashcard}/")
    page.keyboard.press("Space")
    page.locator("#quiz-card .model-answer").wait_for()
    expect(page.locator('[data-shortcut-rate="3"]')).to_have_attribute("aria-keyshortcuts", "3")
    screenshot(page, "quiz-shortcuts-revealed")
    page.keyboard.press("3")
    page.get_by_role("heading", name="You rated it Good").wait_for()
    # Typing in the answer box is typing, not a shortcut.
    page.goto(
        site
        + f"/quiz/q/{next(k for k, q in BANK.items() if q.kind == 'flashcard' and k != flashcard)}/"
    )
    page.get_by_label("Your answer").press_sequentially("a 1 b")
    assert page.get_by_label("Your answer").input_value() == "a 1 b"
    assert page.locator("#quiz-card .model-answer").count() == 0
    assert errors == []


def tab_to(page, name: str) -> None:
    """Press Tab until the control named `name` has focus: the keyboard's way to a button."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def focus_is_on_the_card(page) -> bool:
    """Whether focus is (or, within 5 s, comes to be) inside the card: the page's deferred
    script moves it there just after the card appears, later on a loaded machine."""
    try:
        page.wait_for_function(
            "document.activeElement && document.activeElement.closest('#quiz-card') !== null",
            timeout=5000,
        )
    except PlaywrightTimeoutError:
        return False
    return True


def test_ten_study_cards_and_a_quick_quiz_without_the_mouse(page, site):
    errors = watch_console(page)
    page.goto(site + "/quiz/")
    tab_to(page, "Study now")
    page.keyboard.press("Enter")
    rated = checked = 0
    for number in range(1, 11):
        expect(page.locator("#quiz-card-title")).to_have_text(f"Card {number}")
        assert focus_is_on_the_card(page), number
        if page.locator("[data-shortcut-reveal]").count():
            page.keyboard.press("Space")
            page.locator("#quiz-card .model-answer").wait_for()
            assert focus_is_on_the_card(page)
            if rated == 0:
                screenshot(page, "quiz-keyboard-revealed")
            page.keyboard.press("3")
            rated += 1
            if number < 10:
                # No page of its own: the next card, with the rating confirmed on it.
                expect(page.locator("#quiz-card-title")).to_have_text(f"Card {number + 1}")
                confirm = page.locator("#quiz-card [data-quiz-rated]")
                expect(confirm).to_have_text(re.compile(r"^Rated Good: back in \d+ \w+\.$"))
                expect(confirm).to_have_attribute("role", "status")
                if rated == 1:
                    screenshot(page, "quiz-keyboard-rated-next")
        else:
            page.keyboard.press("1")
            page.keyboard.press("Enter")
            page.locator("#quiz-card .verdict").wait_for()
            assert focus_is_on_the_card(page)
            checked += 1
            if number < 10:
                page.keyboard.press("n" if number % 2 else "Enter")
    # Both kinds of card were done by keyboard: flashcards rated, choice questions checked.
    assert rated + checked == 10
    assert rated >= 1
    assert checked >= 1

    page.goto(site + "/quiz/")
    tab_to(page, "Start a quick quiz")
    page.keyboard.press("Enter")
    for number in (1, 2, 3):
        expect(page.locator("#quiz-card-title")).to_have_text(f"Question {number} of 10")
        assert focus_is_on_the_card(page)
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        page.locator("#quiz-card .verdict").wait_for()
        page.keyboard.press("ArrowRight" if number == 1 else "Space")
    expect(page.locator("#quiz-card-title")).to_have_text("Question 4 of 10")
    assert errors == []
