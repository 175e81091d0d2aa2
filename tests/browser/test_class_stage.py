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


def check_fits(projector, phase: str, size: tuple[int, int]) -> None:
    width, height = size
    projector.set_viewport_size({"width": width, "height": height})
    expect(projector.locator("#class-quiz")).to_have_attribute("data-phase", phase)
    projector.wait_for_timeout(600)  # the lobby's pop-in animation settles
    screenshot(projector, f"stage-{phase}-{width}x{height}", full_page=False)
    texts = projector.evaluate(VISIBLE_TEXT)
    assert texts, "nothing visible on the stage"
    below = [t["text"] for t in texts if t["bottom"] > height + 0.5 or t["right"] > width + 0.5]
    assert below == [], f"{phase} at {width}x{height}: below the fold or off screen: {below}"
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

    phones = [student(server, code, name) for name in ("Ana", "Ben", "Chloé", "Dara-Lee")]
    with ExitStack() as open_sockets:
        sockets = [
            open_sockets.enter_context(phone.socket(server, f"/ws/class/{code}/student/"))
            for phone in phones
        ]
        run_the_phases(projector, server, teacher, code, sockets)
    assert errors == []
    context.close()


def run_the_phases(projector, server, teacher, code, sockets) -> None:
    expect(projector.locator("#roster .count")).to_have_text("4")
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

        send(teach, action="push_question", question="ip-mobile-wifi-lte", seconds="60")
        expect(projector.locator("#class-quiz")).to_contain_text("answers in: 0 / 4")
        expect(projector.locator("#class-quiz .option .letter").first).to_have_text("A")
        for ws in sockets[:3]:
            send(ws, action="answer", choice="1")
        expect(projector.locator("#class-quiz")).to_contain_text("answers in: 3 / 4")
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
