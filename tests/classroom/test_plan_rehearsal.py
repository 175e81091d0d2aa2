"""Every step of every shipped plan, rehearsed in the engine with bots for students: each
claim a step's notes make holds on what the projector then shows."""

from __future__ import annotations

import pytest

from lbteach.classroom.lesson_plans import all_plans, get_plan
from lbteach.classroom.rehearsal import projector_tiles, rehearse
from lbteach.classroom.room import ClassRoom

# Class sizes and seeds: the claims must hold for a small class and a full one, whatever the
# restaurant's seed (the engine is deterministic, so each case is exact and repeatable).
CASES = [(12, 42), (12, 7), (30, 1), (30, 99), (60, 42)]


@pytest.mark.parametrize(("students", "seed"), CASES)
@pytest.mark.parametrize("plan", all_plans(), ids=lambda p: p.slug)
def test_every_expectation_of_every_step_holds_in_the_engine(plan, students, seed):
    failures = [
        f"step {run.number} ({run.step.title}): {check}"
        for run in rehearse(plan, students=students, seed=seed)
        for check in run.failures
    ]
    assert failures == []


@pytest.mark.parametrize("plan", all_plans(), ids=lambda p: p.slug)
def test_a_step_with_an_activity_never_covers_the_phones_with_its_question(plan):
    for step in plan.steps:
        pushes = [c for c in step.all_commands if c["action"] == "push_question"]
        if step.activity:
            assert pushes == [], step.title
            assert step.all_commands[0] == {"action": "close_question"}, step.title
            if step.question:  # pushed by "Ask now", once the phones are done
                assert f'"question": "{step.question}"' in step.ask_json
            else:
                assert step.ask_json == ""
        else:
            assert len(pushes) == int(bool(step.question)), step.title


def test_steps_that_promise_what_the_room_shows_carry_expectations():
    # The steps whose notes promise a figure: each is backed by an expectation.
    plan = get_plan("affinity-and-how-it-breaks")
    assert plan is not None
    measured = {step.title: {e.measure for e in step.expect} for step in plan.steps}
    assert measured["Fix it with a cookie"] == {"tile:cart_breaks", "tile:switch_breaks"}
    assert "step:students_broken" in measured["Break it: the phone changes network"]
    assert measured["The shared store survives everything"] == {"step:cart_breaks"}


def test_the_fix_it_with_a_cookie_step_says_where_the_switch_breaks_come_from():
    plan = get_plan("affinity-and-how-it-breaks")
    assert plan is not None
    runs = {run.step.title: run for run in rehearse(plan)}
    cookie = runs["Fix it with a cookie"]
    # What the projector shows right after the step, and what the notes say about it.
    assert cookie.tiles["cart_breaks"] == "0"
    assert int(cookie.tiles["switch_breaks"]) > 0
    notes = " ".join(cookie.step.notes)
    assert "stays at 0" in notes
    assert "nobody had a cookie yet" in notes


def test_the_rehearsal_reads_the_tiles_the_projector_renders():
    room = ClassRoom("TILES1")
    assert projector_tiles(room) == {
        "cart_breaks": "0",
        "carts_lost": "0",
        "sticky_ratio": "0%",
        "imbalance": "1.00",
        "p95_ms": "0",
    }


def test_a_bad_expectation_or_activity_is_refused_with_the_reason(tmp_path):
    from lbteach.classroom.lesson_plans import PlanError, problems, read_plan

    head = 'title = "x"\nminutes = 2\nsummary = "x"\n[[steps]]\ntitle = "One"\nnotes = "Say hi."\n'
    cases = {
        'activity = ["dance"]': "'dance' is not a phone's button",
        'expect = [{ measure = "mood", is = 1, says = "hi" }]': "an expectation needs a measure",
        'expect = [{ measure = "step:cart_breaks", says = "hi" }]': "needs 'says' and one of",
    }
    for line, reason in cases.items():
        (tmp_path / "01-bad.toml").write_text(head + line + "\n")
        with pytest.raises(PlanError, match=reason):
            read_plan(tmp_path / "01-bad.toml")
    (tmp_path / "01-bad.toml").write_text(
        head + 'expect = [{ measure = "step:cart_breaks", is = 0, says = "No breaks" }]\n'
    )
    found = problems(read_plan(tmp_path / "01-bad.toml"), lambda key: True)
    assert found == ["bad step 1 (One): the notes do not say 'No breaks'"]


def test_the_rehearse_command_prints_each_steps_tiles_and_checks():
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("rehearse_plans", "stateless-vs-stateful", stdout=out)
    text = out.getvalue()
    assert "4. A host who remembers (cookie insert): cart_breaks 0, switch_breaks " in text
    assert "tile:cart_breaks = 0 (wanted = 0: 'stays at 0') holds" in text
    assert text.endswith("Every claim holds.\n")
    with pytest.raises(CommandError, match="No plan 'nope'"):
        call_command("rehearse_plans", "nope")
