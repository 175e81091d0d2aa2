"""Lesson plans: every shipped plan is something the teacher page can actually run."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from lbteach.classroom.actions import CLASS_ACTIONS, STUDENT_ACTIONS
from lbteach.classroom.lesson_plans import (
    PLANS_DIR,
    PlanError,
    all_plans,
    get_plan,
    problems,
    read_plan,
)
from lbteach.live.actions import STUDENT, TEACHER
from lbteach.quiz.bankfile import DEFAULT_BANK
from tests.classroom.conftest import join, start_class

CHOICE_KINDS = {"single", "multiple", "true_false", "scenario"}


def class_questions() -> set[str]:
    """Question keys a class can be sent: choice questions in the shipped bank."""
    bank = tomllib.loads(Path(DEFAULT_BANK).read_text(encoding="utf-8"))
    return {q["id"] for q in bank["questions"] if q["kind"] in CHOICE_KINDS}


def test_at_least_the_three_promised_plans_ship():
    plans = {p.slug: p for p in all_plans()}
    assert {
        "stateless-vs-stateful",
        "affinity-and-how-it-breaks",
        "scaling-hashing-and-hot-spots",
    } <= set(plans)
    assert plans["stateless-vs-stateful"].minutes == 15
    assert plans["affinity-and-how-it-breaks"].minutes == 30


@pytest.mark.parametrize("plan", all_plans(), ids=lambda p: p.slug)
def test_every_step_uses_known_actions_balancers_and_questions(plan):
    assert problems(plan, class_questions().__contains__) == []
    assert sum(step.minutes for step in plan.steps) == plan.minutes
    assert all(step.notes for step in plan.steps)


def test_the_affinity_plan_breaks_affinity_every_way_the_syllabus_names():
    plan = get_plan("affinity-and-how-it-breaks")
    assert plan is not None
    actions = {c["action"] for step in plan.steps for c in step.all_commands}
    assert {"change_ip", "expire_sessions", "crash_table", "shared_sessions"} <= actions
    assert any("Clear cookies" in " ".join(step.notes) for step in plan.steps)


def test_a_plan_with_an_unknown_action_balancer_or_question_is_reported(tmp_path):
    (tmp_path / "01-broken.toml").write_text(
        'title = "Broken"\nminutes = 2\nsummary = "x"\n'
        '[[steps]]\ntitle = "One"\nnotes = "Say hi."\nquestion = "no-such-question"\n'
        'commands = [{ action = "set_balancer", balancer = "magic" }, { action = "end_class" },'
        ' { action = "speed", speed = "99" }]\n'
    )
    found = problems(read_plan(tmp_path / "01-broken.toml"), class_questions().__contains__)
    assert any("no balancer 'magic'" in p for p in found)
    assert any("'end_class' is not a teacher's room command" in p for p in found)
    assert any("speed" in p and "out of range" in p for p in found)
    assert any("no question 'no-such-question'" in p for p in found)


def test_a_misnamed_plan_file_is_refused(tmp_path):
    (tmp_path / "plan.toml").write_text('title = "x"')
    with pytest.raises(PlanError, match=r"NN-slug\.toml"):
        read_plan(tmp_path / "plan.toml")


def test_plans_live_one_per_file():
    assert len(list(PLANS_DIR.glob("*.toml"))) == len(all_plans())


@pytest.mark.django_db
def test_the_teacher_page_shows_a_plan_beside_the_controls_and_can_leave_it():
    teacher, code = start_class()
    page = teacher.get(f"/class/{code}/teach/").content.decode()
    assert 'name="plan"' in page
    assert "Stateless vs stateful: a first look" in page
    page = teacher.get(f"/class/{code}/teach/?plan=affinity-and-how-it-breaks").content.decode()
    assert "Plan: Affinity, and how it breaks" in page
    assert "Start: step 1" in page
    assert f'href="/class/{code}/teach/">Leave the plan</a>' in page
    plan = get_plan("affinity-and-how-it-breaks")
    assert plan is not None
    first = plan.steps[0]
    assert json.dumps(list(first.all_commands)).replace('"', "&quot;") in page


@pytest.mark.parametrize("plan", all_plans(), ids=lambda p: p.slug)
def test_every_action_a_plan_names_is_in_the_class_table_for_who_sends_it(plan):
    """What "Run step" and "Ask now" send are the teacher's actions; what a step asks the
    students to do are the phone's buttons: all read from the one table."""
    teacher = CLASS_ACTIONS.names(TEACHER)
    phone = CLASS_ACTIONS.names(STUDENT)
    for step in plan.steps:
        sent = [*step.all_commands, *([json.loads(step.ask_json)] if step.ask_json else [])]
        assert {command["action"] for command in sent} <= teacher, step.title
        assert set(step.activity) <= phone, step.title
        for name in step.activity:
            assert CLASS_ACTIONS[name].label, name  # the button the notes tell them to press


@pytest.mark.django_db
def test_the_phone_and_teacher_pages_show_the_tables_labels():
    teacher, code = start_class()
    page = teacher.get(f"/class/{code}/teach/").content.decode()
    for name in ("add_bots", "push_question", "reveal_question", "close_question", "end_class"):
        action = CLASS_ACTIONS[name]
        assert f'value="{action.name}"' in page
        assert action.label in page
    phone = join(code, "Ana").get(f"/class/{code}/").content.decode()
    for name in STUDENT_ACTIONS:
        assert f'value="{name}"><button' in phone
        assert f">{CLASS_ACTIONS[name].label}</button>" in phone
