"""A teacher runs a lesson plan step by step from the teacher page."""

from __future__ import annotations

import json
import re
from contextlib import ExitStack

import pytest
from playwright.sync_api import expect

from lbteach.classroom.lesson_plans import get_plan
from lbteach.classroom.rehearsal import number as number_shown
from tests.browser.conftest import screenshot
from tests.browser.test_class_stage import student
from tests.browser.test_lessons_browser import serious_violations, watch_console

pytestmark = pytest.mark.browser


def test_a_teacher_runs_a_lesson_plan_step_by_step_and_can_leave_it(chromium, site):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    teach = context.new_page()
    errors = watch_console(teach)
    teach.goto(site + "/class/")
    teach.get_by_role("button", name="Start a class").click()
    teach.wait_for_url("**/teach/")
    code = teach.locator("h1 .code").inner_text()
    teach.get_by_label("Follow a plan step by step").select_option("stateless-vs-stateful")
    teach.get_by_role("button", name="Follow this plan").click()
    expect(teach.locator("#plan-title")).to_contain_text("Stateless vs stateful")
    expect(teach.locator("#connection")).to_have_text("Live")

    teach.get_by_role("button", name="Start: step 1").click()
    expect(teach.locator(".plan-progress")).to_contain_text("Step 1 of 6")
    expect(teach.locator("#host")).to_contain_text("Round robin")
    expect(teach.get_by_label("Balancer")).to_have_value("round_robin")
    expect(teach.locator("#plan-step-1")).to_have_attribute("aria-current", "step")

    teach.get_by_role("button", name="Next step: A host who forgets (round robin)").click()
    expect(teach.locator("#lab-frame")).to_contain_text("10 customers")
    teach.get_by_role("button", name="Next step: Question: which host is stateless?").click()
    expect(teach.locator("#class-quiz")).to_contain_text("answers in: 0 / 0")
    expect(teach.locator("#plan-step-3")).to_contain_text("Reveal answer")
    screenshot(teach, "class-teacher-plan")
    assert serious_violations(teach) == []

    teach.reload()  # the teacher's place survives a reload
    expect(teach.locator("#plan-step-3")).to_have_attribute("aria-current", "step")
    teach.get_by_role("button", name="Next step: A host who remembers (cookie insert)").click()
    expect(teach.locator("#host")).to_contain_text("Cookie insert")

    teach.get_by_role("link", name="Leave the plan").click()
    teach.wait_for_url(f"**/class/{code}/teach/")
    expect(teach.locator("[data-plan]")).to_have_count(0)
    expect(teach.get_by_label("Follow a plan step by step")).to_be_visible()
    assert errors == []
    context.close()


def tap(ws, action: str) -> None:
    """A phone presses one of its buttons and waits for its own status line."""
    ws.send(json.dumps({"action": action}))
    while 'id="lab-status"' not in ws.recv(timeout=10):
        pass


def settled(projector, frames: int = 3) -> None:
    """Wait until the projector has had `frames` more frames (the restaurant ticked on)."""
    seq = int(projector.locator("#lab-frame").get_attribute("data-seq") or "0")
    projector.wait_for_function(
        "seq => +document.getElementById('lab-frame').dataset.seq >= seq",
        arg=seq + frames,
    )


def test_a_plan_run_step_by_step_with_phones_shows_what_each_step_promises(chromium, site_server):
    """Every step of a plan from the teacher page, with phones doing each step's activity:
    each claim about the projector's tiles holds on the projector itself, and no question
    covers the phones while they have something to do."""
    site = site_server.url
    plan = get_plan("stateless-vs-stateful")
    assert plan is not None
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    teach = context.new_page()
    errors = watch_console(teach)
    teach.goto(site + "/class/")
    teach.get_by_role("button", name="Start a class").click()
    teach.wait_for_url("**/teach/")
    code = teach.locator("h1 .code").inner_text()
    teach.goto(f"{site}/class/{code}/teach/?plan={plan.slug}")
    expect(teach.locator("#connection")).to_have_text("Live")
    projector = context.new_page()
    projector.set_viewport_size({"width": 1280, "height": 720})
    projector.goto(f"{site}/class/{code}/projector/")
    expect(projector.locator("#connection")).to_have_text("Live")
    phones = [student(site_server, code, name) for name in ("Ana", "Ben", "Chloé", "Dara-Lee")]
    with ExitStack() as open_sockets:
        sockets = [
            open_sockets.enter_context(p.socket(site_server, f"/ws/class/{code}/student/"))
            for p in phones
        ]
        for ws in sockets:
            while 'id="me"' not in ws.recv(timeout=10):
                pass
        for number, step in enumerate(plan.steps, start=1):
            teach.locator("[data-plan-next]").click()
            expect(teach.locator(".plan-progress")).to_contain_text(f"Step {number} of")
            if step.activity:
                settled(projector, frames=1)  # the step's set-up has reached the room
                # The phones are free: no question covers them while they do the activity.
                expect(projector.locator("#class-quiz")).to_have_class(re.compile("is-empty"))
                for action in step.activity:
                    for ws in sockets:
                        tap(ws, action)
                settled(projector)
            for expectation in step.expect:
                if not expectation.measure.startswith("tile:"):
                    continue  # measured over the step in the engine (tests/classroom)
                tile = expectation.measure.removeprefix("tile:")
                if expectation.at_least is not None:
                    # A tile that "climbs" does so as customers come back: give the restaurant
                    # the ticks it needs (the engine test measures the same claim exactly).
                    projector.wait_for_function(
                        "([tile, least]) => parseFloat(document.querySelector("
                        "`[data-metric='${tile}']`)?.textContent) >= least",
                        arg=[tile, expectation.at_least],
                        timeout=20_000,
                    )
                shown = projector.locator(f'[data-metric="{tile}"]').inner_text()
                assert expectation.holds(number_shown(shown)), (step.title, expectation, shown)
            if step.ask_json:
                asked = teach.locator(f"#plan-step-{number} [data-plan-ask]")
                expect(asked).to_be_visible()
                screenshot(teach, f"class-plan-step-{number}-teacher-ask-now", full_page=False)
                asked.click()
                expect(projector.locator("#class-quiz")).to_have_attribute("data-phase", "question")
                screenshot(projector, f"class-plan-step-{number}-asked", full_page=False)
            elif step.question:
                expect(projector.locator("#class-quiz")).to_have_attribute("data-phase", "question")
            screenshot(projector, f"class-plan-step-{number}-projector", full_page=False)
    assert errors == []
    context.close()
