"""The scene in real Chromium: breaks drawn as events, legible text, figures that play on
screen, motion that respects the reader, compare mode's verdict first."""

from __future__ import annotations

import re
import time
from contextlib import ExitStack

import pytest
from playwright.sync_api import expect

from lbteach.lessons.catalogue import load_catalogue
from lbteach.scene.layout import SEATS
from lbteach.scene.memory import MARK_TICKS
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_class_stage import send, student, teacher_and_code
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser

LAB = "/lab/?scenario=mobile_ip_change&balancer=source_ip&seed=11&customers=30"
COMPARE = "/lab/compare/?scenario=mobile_ip_change&left=source_ip&right=cookie_insert&seed=11"
# Every lesson with a live figure.
FIGURES = [lesson.slug for lesson in load_catalogue().lessons if "scene-figure" in lesson.html]

# Every text of every scene on the page at the size it is drawn: its computed font size
# times the scale of its SVG (its rendered size over its viewBox's); the smallest first.
SCENE_TEXT = """() => {
  const found = [];
  document.querySelectorAll("svg.scene").forEach((svg) => {
    const box = svg.getBoundingClientRect();
    if (!box.width) return;
    // The drawing keeps its proportions inside the box (preserveAspectRatio "meet"): its
    // scale is the smaller of the two.
    const view = svg.viewBox.baseVal;
    const scale = Math.min(box.width / view.width, box.height / view.height);
    svg.querySelectorAll("text, tspan").forEach((t) => {
      const words = [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join("");
      if (!words.trim()) return;
      found.push({size: parseFloat(getComputedStyle(t).fontSize) * scale, text: words.trim()});
    });
  });
  return found.sort((a, b) => a.size - b.size);
}"""

# What the floor shows about one break: the label, where its customer sits, where the cart is.
BREAK = r"""(who) => {
  const floor = document.querySelector('#floor svg.scene');
  const label = floor.querySelector(`text[data-break-of="${who}"]`);
  const at = (el) => (el && el.closest('[data-table]') || {dataset: {}}).dataset.table || null;
  const xy = (el) => el.getAttribute('transform')
    .match(/translate\(([-\d.]+) ([-\d.]+)\)/).slice(1).map(Number);
  const figure = floor.querySelector(`[data-customer="${who}"]`);
  let seat = null;
  if (figure) {
    const [x, y] = xy(figure);
    for (const table of floor.querySelectorAll('[data-table]')) {
      const [tx, ty] = xy(table);
      if (x >= tx && x <= tx + 200 && y >= ty && y <= ty + 172) {
        seat = [table.dataset.table, x - tx, y - ty];
      }
    }
  }
  const old = floor.querySelector(`[data-cart="stranded"][data-cart-of="${who}"]`);
  return {label: label && label.textContent, seat, cart: at(old),
          seq: +document.getElementById('lab-frame').dataset.seq};
}"""

# Each frame as it arrives: its number and the breaks its floor names.
WATCH_MARKS = """() => {
  window.marksSeen = [];
  document.addEventListener('htmx:wsAfterMessage', () => window.marksSeen.push({
    seq: +document.getElementById('lab-frame').dataset.seq,
    marks: [...document.querySelectorAll('#floor text[data-break-of]')].map(t => t.dataset.breakOf),
  }));
}"""

COUNTS = """() => ({
  breaks: document.querySelector('#floor [data-count="breaks"]').textContent,
  lost: document.querySelector('#floor [data-count="lost"]').textContent,
  metricBreaks: document.querySelector('#metrics [data-metric="cart_breaks"]').textContent,
  metricLost: document.querySelector('#metrics [data-metric="carts_lost"]').textContent,
})"""


def smallest_text(page) -> tuple[float, str]:
    texts = page.evaluate(SCENE_TEXT)
    assert texts, "no scene text on the page"
    return texts[0]["size"], texts[0]["text"]


def test_a_break_is_an_event_on_the_floor_that_stays_and_names_both_tables(chromium, site):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors = watch_console(page)
    page.goto(site + LAB)
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_label("Speed").select_option("4")
    page.wait_for_function(
        "() => document.querySelectorAll('#floor [data-cart=kept]').length >= 8", timeout=20_000
    )
    page.get_by_label("Speed").select_option("2")  # normal speed
    screenshot(page, "lab-before-event", full_page=False)
    size, text = smallest_text(page)
    assert size >= 12, f"{text!r} is drawn at {size:.1f} px in the lab at 1440x900"
    page.evaluate(WATCH_MARKS)
    page.get_by_role("button", name="Change IPs").click()
    label = page.locator("#floor text[data-break-of]").first
    expect(label).to_be_attached(timeout=20_000)
    who = label.get_attribute("data-break-of")
    first = page.evaluate(BREAK, who)
    screenshot(page, "lab-after-change-ip", full_page=False)
    said = re.fullmatch(rf"{who}: new IP → ([A-Z]); cart left at ([A-Z])", first["label"])
    assert said is not None, first["label"]
    new, old = said.groups()
    assert new != old
    table, x, y = first["seat"]
    assert (table, (x, y) in [tuple(seat) for seat in SEATS]) == (new, True)  # at a chair
    assert first["cart"] == old
    counts = page.evaluate(COUNTS)
    assert (counts["breaks"], counts["lost"]) == (counts["metricBreaks"], counts["metricLost"])
    assert "…" not in page.locator("#floor .says").all_text_contents()[-1]
    # The mark stays for its ticks (3 s at the normal speed's half-second tick), then goes,
    # and the cart it pointed at stays on the old table's shelf, stranded.
    page.wait_for_function(
        f"() => !document.querySelector('#floor text[data-break-of=\"{who}\"]')", timeout=20_000
    )
    gone = page.evaluate(BREAK, who)
    frames = page.evaluate("() => window.marksSeen")
    showing = sorted({f["seq"] for f in frames if who in f["marks"]})
    assert len(showing) >= MARK_TICKS, showing
    assert gone["cart"] == old
    size, text = smallest_text(page)
    assert size >= 12, f"{text!r} is drawn at {size:.1f} px in the lab at 1440x900"
    for button, name in (("Clear cookies", "clear-cookies"), ("Crash table", "crash")):
        page.get_by_role("button", name=button).click()
        expect(page.locator("#lab-status")).not_to_contain_text("Add customers")
        page.wait_for_timeout(1200)  # a picture of the moment after, not a check
        screenshot(page, f"lab-after-{name}", full_page=False)
    expect(page.locator("#floor text[data-crash-of]")).to_contain_text("crashed")
    assert serious_violations(page) == []
    counts = page.evaluate(COUNTS)
    assert (counts["breaks"], counts["lost"]) == (counts["metricBreaks"], counts["metricLost"])
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [1440, 390])
def test_lesson_figures_draw_no_text_under_11_px(chromium, site, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for slug in FIGURES:
        page.goto(site + f"/lessons/{slug}/")
        figure = page.locator("figure.scene-figure").first
        figure.scroll_into_view_if_needed()
        size, text = smallest_text(page)
        assert size >= 11, f"{slug} at {width} px: {text!r} is drawn at {size:.1f} px"
        inside = figure.evaluate(
            "f => { const b = f.getBoundingClientRect();"
            " return [...f.querySelectorAll('svg.scene')].every(s => {"
            " const r = s.getBoundingClientRect();"
            " return r.left >= b.left && r.right <= b.right; }); }"
        )
        assert inside, f"{slug} at {width} px: a drawing spills past the figure"
        figure.get_by_role("button", name="Pause").click()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        figure.screenshot(path=str(SCREENSHOTS / f"figure-{slug}-{width}.png"))
    context.close()


def test_compare_mode_leads_with_the_verdict_and_its_sides_line_up(chromium, site):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(site + COMPARE)
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_role("button", name="Change IPs").click()
    expect(page.locator("#verdict")).to_contain_text("Change IPs (request")
    # Read in one go: a frame may swap the strip between two calls.
    bottom = page.evaluate(
        "() => document.getElementById('verdict').getBoundingClientRect().bottom"
    )
    assert 0 < bottom <= 900, bottom
    rows = page.evaluate(
        """() => ['floor', 'narration', 'host-stand', 'metrics'].map(c =>
            [...document.querySelectorAll('.restaurant .' + c)]
              .map(e => Math.round(e.getBoundingClientRect().top)))"""
    )
    assert all(left == right for left, right in rows), rows
    expect(page.locator(".story")).to_contain_text("left (Source IP hash): carts break or are lost")
    screenshot(page, "compare-1440x900", full_page=False)
    assert serious_violations(page) == []
    context.close()


def test_the_projector_names_each_student_at_their_table(chromium, site_server):
    server = site_server
    teacher, code = teacher_and_code(server)
    names = ("Ana", "Ben", "Chloé", "Dara-Lee")
    phones = [student(server, code, name) for name in names]
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    context.add_cookies(
        [{"name": "sessionid", "value": teacher.cookie("sessionid"), "url": server.url}]
    )
    projector = context.new_page()
    projector.goto(f"{server.url}/class/{code}/projector/")
    expect(projector.locator("#connection")).to_have_text("Live")
    with ExitStack() as sockets, teacher.socket(server, f"/ws/class/{code}/teacher/") as teach:
        for phone in phones:
            ws = sockets.enter_context(phone.socket(server, f"/ws/class/{code}/student/"))
            send(ws, action="add_to_cart")
        send(teach, action="add_bots", count="20")
        nicks = projector.locator("#floor svg.scene text.nick")
        expect(nicks).to_have_count(4)
        for size in ((1920, 1080), (1280, 720)):
            projector.set_viewport_size({"width": size[0], "height": size[1]})
            projector.wait_for_timeout(300)
            screenshot(projector, f"projector-nicknames-{size[0]}x{size[1]}", full_page=False)
        shown = {t.split(" ", 1)[1] for t in nicks.all_text_contents()}
        assert shown == set(names)
    context.close()


def test_a_lesson_figure_plays_on_screen_and_steps_when_asked(page, site):
    errors = watch_console(page)
    page.goto(site + "/lessons/source-ip-affinity/")
    figure = page.locator("figure.scene-figure").first
    moment = figure.locator("[data-moment]")
    expect(figure).not_to_have_class("scene-figure is-playing")  # not yet scrolled to
    figure.scroll_into_view_if_needed()
    expect(figure).to_have_class("scene-figure is-playing")
    expect(moment).to_contain_text("Moment ")
    figure.get_by_role("button", name="Pause").click()
    expect(figure).to_have_class("scene-figure")
    shown = moment.inner_text()
    figure.get_by_role("button", name="Step", exact=True).click()
    expect(moment).not_to_have_text(shown)
    figure.get_by_role("button", name="Step back").click()
    expect(moment).to_have_text(shown)
    assert figure.locator("svg.scene [data-table]").count() == 4
    screenshot(page, "lesson-figure-source-ip", full_page=False)
    page.emulate_media(media="print")
    expect(figure.locator(".figure-controls")).to_be_hidden()
    expect(figure.locator("figcaption")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    assert serious_violations(page) == []
    assert errors == []


def test_without_javascript_a_figure_is_its_still_and_caption(chromium, site):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/lessons/server-failure/")
    figure = page.locator("figure.scene-figure").first
    expect(figure.locator(".figure-controls")).to_be_hidden()
    assert figure.locator("svg.scene").count() == 2  # with and without the pantry
    assert figure.locator('[data-state="down"]').count() == 2
    expect(figure.locator("figcaption")).to_contain_text("Open in the lab")
    context.close()


def test_customers_walk_in_unless_motion_is_reduced(chromium, site):
    seen = {}
    for reduced in (False, True):
        context = chromium.new_context(reduced_motion="reduce" if reduced else "no-preference")
        page = context.new_page()
        page.goto(site + LAB)
        expect(page.locator("#connection")).to_have_text("Live")
        page.wait_for_function("() => document.querySelector('#floor [data-customer]')")
        # Count animations over a few frames: walking figures and flashing carts.
        seen[reduced] = page.evaluate(
            """() => new Promise(done => {
                let most = 0;
                const look = () => { most = Math.max(most, document.getAnimations().length); };
                const timer = setInterval(look, 50);
                setTimeout(() => { clearInterval(timer); done(most); }, 2000);
            })"""
        )
        context.close()
    assert seen[False] > 0
    assert seen[True] == 0


def test_on_a_phone_the_scene_and_the_event_buttons_share_the_screen(phone, site):
    phone.goto(site + LAB)
    expect(phone.locator("#connection")).to_have_text("Live")
    phone.locator("#floor").evaluate("el => el.scrollIntoView({block: 'start'})")
    change = phone.get_by_role("button", name="Change IPs")
    change.click()
    read = """() => {
        const scene = document.querySelector('#floor svg.scene').getBoundingClientRect();
        const controls = document.querySelector('.controls').getBoundingClientRect();
        const button = [...document.querySelectorAll('.controls button')]
            .find(b => b.textContent === 'Change IPs').getBoundingClientRect();
        return {sceneTop: scene.top, sceneBottom: scene.bottom, controlsTop: controls.top,
                buttonTop: button.top, buttonBottom: button.bottom, height: innerHeight};
    }"""
    # The page scrolls the floor into view after the click (smoothly, unless motion is
    # reduced): read the layout once it has settled, for at most 5 s.
    deadline = time.monotonic() + 5
    layout = phone.evaluate(read)
    while time.monotonic() < deadline and not (
        layout["sceneTop"] >= 0 and layout["sceneBottom"] <= layout["controlsTop"] + 1
    ):
        phone.wait_for_timeout(100)
        layout = phone.evaluate(read)
    assert layout["sceneTop"] >= 0, layout
    assert layout["sceneBottom"] <= layout["controlsTop"] + 1, layout  # nothing covers it
    assert layout["controlsTop"] <= layout["buttonTop"], layout
    assert layout["buttonBottom"] <= layout["height"], layout
    screenshot(phone, "lab-phone-scene", full_page=False)
