"""A teacher runs a lesson plan step by step from the teacher page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
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
