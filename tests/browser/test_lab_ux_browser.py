"""The lab as a newcomer meets it, in real Chromium: the balancer switches on confirm, "Which
table" follows the floor, a shared link replays the run, and the first screen shows what a
control does on a laptop and on a phone."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_lab_browser import frames_later
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser

LAB = "/lab/?scenario=mobile_ip_change&balancer=source_ip&seed=11"
ROUTED = re.compile(r"(\d+) customers? · (\d+) requests? routed")

# The state a page shows: the figures, the tables, the scene's words, the narration.
READ_STATE = """() => {
  const all = (s) => [...document.querySelectorAll(s)];
  return {
    routed: document.getElementById('lab-frame').textContent,
    metrics: Object.fromEntries(all('#metrics [data-metric]').map(
      (m) => [m.dataset.metric, m.textContent])),
    tables: all('#floor [data-table]').map((t) => t.dataset.table + ':' + t.dataset.state),
    summary: document.getElementById('scene-desc').textContent.split(' Just now')[0],
    narration: all('#narration-list li').map((li) => li.textContent),
  };
}"""
# Read once, the moment the first websocket frame has been swapped in.
# The state as the run's first frame left it (a link's socket first says "Replaying…"; the
# run's own frames name its room, the page's first render does not).
FIRST_FRAME = f"""document.addEventListener('htmx:wsAfterMessage', () => {{
  const room = document.getElementById('lab-frame').dataset.room;
  if (!window.firstFrame && room.startsWith('lab-')) window.firstFrame = ({READ_STATE})();
}});"""


def routed(page) -> tuple[int, int]:
    text = page.locator("#lab-frame").inner_text()
    match = ROUTED.search(text)
    assert match is not None, text
    customers, requests = match.groups()
    return int(customers), int(requests)


BOXES = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const one = (s) => box(document.querySelector(s));
  const pressed = [...document.querySelectorAll('.controls button')].find(
    (b) => b.textContent === 'Change IPs');
  return {
    controls: one('.controls'), floor: one('#floor'), scene: one('#floor svg.scene'),
    status: one('#lab-status'), pressed: box(pressed),
    says: [...document.querySelectorAll('#floor .says')].map(
      (e) => ({...box(e), text: e.textContent})),
  };
}"""


EVENT_BUTTONS = ("Change IPs", "Clear cookies", "Expire sessions", "Crash table", "Add table")
LAPTOP_BOXES = """(names) => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const buttons = [...document.querySelectorAll('.controls button')].filter(
    (b) => names.includes(b.textContent));
  return {
    scene: box(document.querySelector('#floor svg.scene')),
    status: box(document.getElementById('lab-status')),
    buttons: Object.fromEntries(buttons.map((b) => [b.textContent, box(b)])),
  };
}"""


def within(box: dict, top: float, bottom: float) -> bool:
    """Whether a bounding box lies between two heights of the viewport."""
    return top <= box["y"] and box["y"] + box["height"] <= bottom


def option_labels(page) -> list[str]:
    return page.locator("#table-choice option").all_inner_texts()


def test_arrow_keys_choose_a_balancer_and_only_the_button_switches_it(page, site):
    errors = watch_console(page)
    page.goto(site + LAB + "&customers=10")
    expect(page.locator("#connection")).to_have_text("Live")
    menu = page.get_by_label("Balancer")
    menu.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    chosen = menu.input_value()
    assert chosen != "source_ip"  # the keys moved the choice...
    frames_later(page, 3)
    expect(page.locator("#host .host-balancer")).to_contain_text("Source IP hash")  # ...only
    expect(page.locator("#narration-list")).not_to_contain_text("The host now uses")
    title = menu.locator(f'option[value="{chosen}"]').inner_text()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Switch balancer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#lab-status")).to_have_text(f"The host now uses {title}.")
    expect(page.locator("#host .host-balancer")).to_contain_text(title)
    expect(page.locator("#narration-list")).to_contain_text(f"The host now uses {title} (")
    # The metrics count from the switch, the whole run's beside them.
    note = page.locator("#metrics .segment-note")
    expect(note).to_contain_text(f"Since the switch to {title} at request ")
    since = int(note.get_attribute("data-since"))
    frames_later(page, 2)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#lab-frame .run-state")).to_have_text("Paused")
    _, requests = routed(page)
    expect(note).to_contain_text(f"Whole run: {requests} requests.")
    assert f": {requests - since} request" in note.inner_text()
    screenshot(page, "lab-switched-balancer", full_page=False)
    assert serious_violations(page) == []
    assert errors == []


def test_which_table_offers_only_the_tables_on_the_floor(page, site):
    errors = watch_console(page)
    page.goto(site + LAB + "&customers=10")
    expect(page.locator("#connection")).to_have_text("Live")
    assert option_labels(page) == ["Automatic", "Table A", "Table B", "Table C", "Table D"]
    page.get_by_role("button", name="Add table").click()
    expect(page.locator('#floor [data-table="E"]')).to_have_count(1)
    expect(page.locator("#table-choice option")).to_have_count(6)
    page.get_by_label("Which table").select_option("E")
    page.get_by_role("button", name="Crash table").click()
    expect(page.locator('#floor [data-table="E"]')).to_have_attribute("data-state", "down")
    expect(page.locator('#table-choice option[value="E"]')).to_have_text("Table E (closed)")
    assert page.get_by_label("Which table").input_value() == "E"  # the choice is kept
    page.get_by_label("Which table").select_option("B")
    page.get_by_role("button", name="Remove table").click()
    expect(page.locator('#table-choice option[value="B"]')).to_have_text("Table B (draining)")
    assert option_labels(page) == [
        "Automatic",
        "Table A",
        "Table B (draining)",
        "Table C",
        "Table D",
        "Table E (closed)",
    ]
    assert errors == []


def test_a_link_to_this_run_replays_its_customers_events_and_figures(page, site):
    errors = watch_console(page)
    page.goto(site + LAB + "&customers=0")
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_label("Speed").select_option("8")
    page.get_by_label("How many").fill("20")
    page.get_by_role("button", name="Add customers").click()
    page.wait_for_function(
        "() => +/(\\d+) requests? routed/.exec(document.getElementById('lab-frame')"
        ".textContent)[1] >= 150",
        timeout=20_000,
    )
    # Pause first: the link's last steps then happen exactly where the page shows them.
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#lab-frame .run-state")).to_have_text("Paused")
    page.get_by_role("button", name="Change IPs").click()
    expect(page.locator("#lab-status")).to_contain_text("switched network")
    page.get_by_label("Which table").select_option("B")
    page.get_by_role("button", name="Crash table").click()
    expect(page.locator('#floor [data-table="B"]')).to_have_attribute("data-state", "down")
    expect(page.locator("#narration-list li").last).to_contain_text("Table B crashed")
    original = page.evaluate(READ_STATE)
    customers, requests = routed(page)
    assert customers == 20
    events = original["narration"][-2:]
    assert events[0].startswith("10 mobile customers switched network")
    assert events[1].startswith("Table B crashed")
    link = page.get_by_role("link", name="Link to this run")
    log = parse_qs(urlsplit(link.get_attribute("href")).query)["log"][0]
    assert log == f"0.add_customers.20~{requests}.change_ip~{requests}.crash_table.B"
    screenshot(page, "lab-share-original", full_page=False)

    shared = page.context.new_page()
    shared_errors = watch_console(shared)
    shared.add_init_script(FIRST_FRAME)
    shared.goto(site + link.get_attribute("href"))
    shared.wait_for_function("() => window.firstFrame", timeout=15_000)
    replayed = shared.evaluate("window.firstFrame")
    match = ROUTED.search(replayed["routed"])
    assert match is not None, replayed["routed"]
    assert match.groups() == (str(customers), str(requests))
    assert replayed["metrics"] == original["metrics"]
    assert (
        replayed["tables"]
        == original["tables"]
        == [
            "A:up",
            "B:down",
            "C:up",
            "D:up",
        ]
    )
    assert replayed["summary"] == original["summary"]
    assert replayed["narration"][-2:] == events
    expect(shared.locator("#connection")).to_have_text("Live")
    screenshot(shared, "lab-share-replayed", full_page=False)
    assert errors == []
    assert shared_errors == []


def test_a_laptops_first_screen_shows_the_events_and_the_whole_scene(page, site):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(site + LAB + "&customers=20")
    expect(page.locator("#connection")).to_have_text("Live")
    assert page.evaluate("scrollY") == 0
    boxes = page.evaluate(LAPTOP_BOXES, list(EVENT_BUTTONS))
    assert within(boxes["scene"], 0, 900)
    assert sorted(boxes["buttons"]) == sorted(EVENT_BUTTONS)
    for name, button in boxes["buttons"].items():
        assert within(button, 0, 900), name
    assert within(boxes["status"], 0, 900)
    screenshot(page, "lab-laptop-first-screen", full_page=False)


def test_on_a_phone_a_control_shows_its_effect_and_the_host_line_fits(phone, site):
    page = phone
    errors = watch_console(page)
    page.goto(site + LAB + "&customers=20")
    expect(page.locator("#connection")).to_have_text("Live")
    assert page.evaluate("document.documentElement.scrollWidth") == 390  # nothing sideways
    expect(page.locator("#floor .says-seat")).to_contain_text(re.compile(r"customer \d+ →"))
    page.get_by_role("button", name="Change IPs").click()
    expect(page.locator("#lab-status")).to_contain_text("mobile customers switched network")
    # The page brings the floor into the space above the floating controls (poll: it scrolls).
    page.wait_for_function(
        """() => {
          const floor = document.getElementById('floor').getBoundingClientRect();
          const controls = document.querySelector('.controls').getBoundingClientRect();
          return floor.top >= 0 && floor.bottom <= controls.top + 1;
        }""",
        timeout=10_000,
    )
    # Measured in one go: each frame replaces the floor, so two reads may see two floors.
    boxes = page.evaluate(BOXES)
    panel = boxes["controls"]
    assert panel["y"] + panel["height"] <= 844 + 1
    assert within(boxes["pressed"], panel["y"], 844)
    assert within(boxes["status"], panel["y"], 844)
    assert within(boxes["floor"], 0, panel["y"] + 1)
    # The host's two lines stay inside the scene, whatever the reason says.
    scene = boxes["scene"]
    assert 1 <= len(boxes["says"]) <= 2
    assert boxes["says"][0]["text"].startswith("Host: customer ")
    for said in boxes["says"]:
        assert scene["x"] <= said["x"]
        assert said["x"] + said["width"] <= scene["x"] + scene["width"]
    expect(page.locator("#floor .says").first).to_contain_text("Host: customer ")
    screenshot(page, "lab-phone-after-change-ips", full_page=False)
    assert errors == []
