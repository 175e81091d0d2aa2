"""The scene in real Chromium: figures that play on screen, motion that respects the reader."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser

LAB = "/lab/?scenario=mobile_ip_change&balancer=source_ip&seed=11&customers=30"


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
    figure.get_by_role("button", name="Step").click()
    expect(moment).not_to_have_text(shown)
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
    layout = phone.evaluate(
        """() => {
            const scene = document.querySelector('#floor svg.scene').getBoundingClientRect();
            const controls = document.querySelector('.controls').getBoundingClientRect();
            const button = [...document.querySelectorAll('.controls button')]
                .find(b => b.textContent === 'Change IPs').getBoundingClientRect();
            return {sceneTop: scene.top, sceneBottom: scene.bottom, controlsTop: controls.top,
                    buttonTop: button.top, buttonBottom: button.bottom, height: innerHeight};
        }"""
    )
    assert layout["sceneTop"] >= 0, layout
    assert layout["sceneBottom"] <= layout["controlsTop"] + 1, layout  # nothing covers it
    assert layout["controlsTop"] <= layout["buttonTop"], layout
    assert layout["buttonBottom"] <= layout["height"], layout
    screenshot(phone, "lab-phone-scene", full_page=False)
