"""The projector is a stage: each phase at projector sizes, fitting the screen, in big type."""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.server import Browser, Server
from tests.browser.test_lessons_browser import serious_violations, watch_console
from tests.text import search

pytestmark = pytest.mark.browser

SIZES = ((1920, 1080), (1280, 720))
CLASS_SIZE = 60
LONGEST_QUESTION = "choose-ticket-booking"  # the most text of the bank's choice questions
MIN_TEXT_PX = 24

# Every visible piece of text on the page: where it is and how big it is drawn.
VISIBLE_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden, for screen readers
    // Text in an SVG is sized in the drawing's units and scaled with it: the size a viewer
    // sees is the font size times the drawing's scale.
    const svg = el.closest("svg");
    const scale = svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width
      ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
    found.push({text: text.slice(0, 40), size: parseFloat(getComputedStyle(el).fontSize) * scale,
                bottom: box.bottom, right: box.right});
  }
  return found;
}"""


def teacher_and_code(server: Server) -> tuple[Browser, str]:
    teacher = Browser()
    url = teacher.post(f"{server.url}/class/start/", {}, form_page=f"{server.url}/class/")
    return teacher, search(r"/class/([A-Z0-9]{6})/teach/", url)


def student(server: Server, code: str, nickname: str) -> Browser:
    phone = Browser()
    phone.post(f"{server.url}/class/{code}/", {"nickname": nickname})
    return phone


def send(ws, **command) -> None:
    ws.send(json.dumps(command))


# Visible boxes whose content does not fit them (cut off by overflow), and the page's size.
CLIPPED = """() => {
  const cut = [];
  for (const el of document.querySelectorAll(".stage *")) {
    if (el.closest("svg") || !el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    const clips = [style.overflowX, style.overflowY].some(o => o !== "visible");
    if (clips && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1))
      cut.push((el.id || el.className || el.tagName).toString().slice(0, 40));
  }
  const page = document.documentElement;
  return {cut, height: page.scrollHeight, width: page.scrollWidth};
}"""


def check_fits(projector, phase: str, size: tuple[int, int], name: str = "") -> None:
    width, height = size
    projector.set_viewport_size({"width": width, "height": height})
    if phase == "ended":
        expect(projector.locator(".stage-ending")).to_be_visible()
    else:
        expect(projector.locator("#class-quiz")).to_have_attribute("data-phase", phase)
    projector.wait_for_timeout(600)  # the lobby's pop-in animation settles
    screenshot(projector, f"stage-{name or phase}-{width}x{height}", full_page=False)
    texts = projector.evaluate(VISIBLE_TEXT)
    assert texts, "nothing visible on the stage"
    below = [t["text"] for t in texts if t["bottom"] > height + 0.5 or t["right"] > width + 0.5]
    assert below == [], f"{phase} at {width}x{height}: below the fold or off screen: {below}"
    fit = projector.evaluate(CLIPPED)
    assert (fit["width"], fit["height"]) <= (width, height), f"{phase}: the page scrolls: {fit}"
    assert fit["height"] <= height, f"{phase} at {width}x{height}: the page scrolls"
    assert fit["cut"] == [], f"{phase} at {width}x{height}: clipped: {fit['cut']}"
    if width == 1920:
        assert serious_violations(projector) == [], phase
        small = [(t["text"], t["size"]) for t in texts if t["size"] < MIN_TEXT_PX]
        assert small == [], f"{phase}: text under {MIN_TEXT_PX} px: {small}"


def test_each_phase_of_the_stage_fits_the_projector_in_big_type(chromium, site_server):
    server = site_server
    teacher, code = teacher_and_code(server)
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    context.add_cookies(
        [{"name": "sessionid", "value": teacher.cookie("sessionid"), "url": server.url}]
    )
    projector = context.new_page()
    errors = watch_console(projector)
    projector.goto(f"{server.url}/class/{code}/projector/")
    expect(projector.locator("#connection")).to_have_text("Live")

    names = ("Ana", "Ben", "Chloé", "Dara-Lee")
    # A full class: the lobby shows up to CLASS_SIZE names, and every phase fits with them.
    others = [f"Pupil {n:02d}" for n in range(len(names) + 1, CLASS_SIZE + 1)]
    phones = [student(server, code, name) for name in (*names, *others)]
    with ExitStack() as open_sockets:
        sockets = [
            open_sockets.enter_context(phone.socket(server, f"/ws/class/{code}/student/"))
            for phone in phones
        ]
        run_the_phases(projector, server, teacher, code, sockets[: len(names)])
    assert errors == []
    context.close()


def run_the_phases(projector, server, teacher, code, sockets) -> None:
    expect(projector.locator("#roster .count")).to_have_text(str(CLASS_SIZE))
    expect(projector.locator(".stage-lobby .join-code")).to_have_text(code)
    assert projector.locator(".stage-lobby img.qr").evaluate("img => img.naturalWidth") > 0
    for size in SIZES:
        check_fits(projector, "lobby", size)

    with teacher.socket(server, f"/ws/class/{code}/teacher/") as teach:
        for ws in sockets:
            send(ws, action="add_to_cart")
        send(teach, action="add_bots", count="12")
        for size in SIZES:
            check_fits(projector, "restaurant", size)
        # After a balancer switch the tiles count from the switch, with the whole run's
        # figure as a small caption, and a sixth tile: still one screen.
        send(teach, action="set_balancer", balancer="source_ip")
        expect(projector.locator('[data-metric="switch_breaks"]')).to_be_visible()
        for size in SIZES:
            check_fits(projector, "restaurant", size, name="restaurant-after-switch")
        # Both read in one go: a frame may swap the tiles between two separate reads.
        big, small = projector.evaluate(
            """() => ['.metric dd[data-metric="cart_breaks"]', '.metric dd.whole-run']
                 .map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
        )
        assert small <= big / 2, (big, small)

        send(teach, action="push_question", question="ip-mobile-wifi-lte", seconds="60")
        expect(projector.locator("#class-quiz")).to_contain_text(f"answers in: 0 / {CLASS_SIZE}")
        expect(projector.locator("#class-quiz .option .letter").first).to_have_text("A")
        for n, ws in enumerate(sockets, start=1):  # one option each: exactly one is right
            send(ws, action="answer", choice=str(n))
        expect(projector.locator("#class-quiz")).to_contain_text(f"answers in: 4 / {CLASS_SIZE}")
        for size in SIZES:
            check_fits(projector, "question", size)

        send(teach, action="leaderboard", show="on", names="on")
        send(teach, action="reveal_question")
        expect(projector.locator("#class-quiz")).to_contain_text("Why:")
        expect(projector.locator("#class-quiz .is-correct")).to_have_count(1)
        for size in SIZES:
            check_fits(projector, "results", size)

        send(teach, action="close_question")
        expect(projector.locator("#class-quiz")).to_have_attribute("data-phase", "restaurant")

        # The bank's longest class question (prompt and options) fits too, asked and revealed.
        send(teach, action="push_question", question=LONGEST_QUESTION, seconds="60")
        for size in SIZES:
            check_fits(projector, "question", size, name="question-longest")
        send(teach, action="reveal_question")
        expect(projector.locator("#class-quiz")).to_contain_text("Why:")
        for size in SIZES:
            check_fits(projector, "results", size, name="results-longest")
        send(teach, action="close_question")

        # The ending: the podium (ties share a place) and the class's totals.
        send(teach, action="end_class")
        expect(projector.locator(".stage-ending")).to_contain_text(f"Class {code} has ended")
        expect(projector.locator(".podium-step")).to_have_count(1)
        expect(projector.locator(".podium-step .podium-place")).to_have_text("1")
        expect(projector.locator(".ending-totals")).to_contain_text("of 4 given")
        for size in SIZES:
            check_fits(projector, "ended", size)
