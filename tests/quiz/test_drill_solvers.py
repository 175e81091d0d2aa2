"""Every drill can be worked out from what it shows, and never shows what decides it.

A solver per drill type reads the page's visible text (tags stripped) and must reach the
engine's answer; the deciding step appears only once the learner has answered.
"""

from __future__ import annotations

import pytest

from lbteach.quiz.drills import KINDS, generate
from tests.quiz.drill_solvers import SOLVERS, options, visible_text
from tests.text import search

SEEDS = range(40)


def question_text(client, kind: str, seed: int) -> str:
    response = client.get(f"/quiz/drills/{kind}/{seed}/")
    assert response.status_code == 200
    return visible_text(response.content.decode())


def test_every_drill_type_has_a_solver():
    assert set(SOLVERS) == set(KINDS)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_solver_reading_only_the_page_reaches_the_engines_answer(client, kind):
    for seed in SEEDS:
        text = question_text(client, kind, seed)
        drill = generate(kind, seed)
        assert options(text) == list(drill.options), (kind, seed)
        assert SOLVERS[kind](text) == drill.answer_text, (kind, seed, text)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_no_drill_shows_its_deciding_step_until_it_is_answered(client, kind):
    for seed in SEEDS:
        drill = generate(kind, seed)
        text = question_text(client, kind, seed)
        assert drill.decider not in text, (kind, seed)
        assert drill.worked_step not in text
        # No worked arithmetic ("1409 % 4 = 1") and no arrow to a table before answering.
        assert " = " not in text.replace("Rule:", "")
        assert "→" not in text
        html = client.get(f"/quiz/drills/{kind}/{seed}/").content.decode()
        token = search(r'name="token" value="([^"]*)"', html)
        result = client.post(f"/quiz/drills/{kind}/{seed}/answer/", {"token": token, "choice": "1"})
        shown = visible_text(result.content.decode())
        assert f"Worked step: {drill.worked_step}" in shown
        assert drill.decider in shown


@pytest.mark.django_db
def test_the_cart_question_never_names_its_answer(client):
    """Where carts live is stated for every cart drill, survivors and losers alike."""
    stores: dict[bool, set[int]] = {True: set(), False: set()}
    for seed in range(80):
        drill = generate("cart-survives", seed)
        text = question_text(client, "cart-survives", seed)
        assert "shared store)" not in text
        shared = "session store that every table reads" in text
        memory = "memory of the table that served them" in text
        assert shared != memory
        stores[shared].add(drill.answer)
    # With carts on tables, both answers happen, so the store alone does not decide it.
    assert stores[False] == {1, 2}
    assert stores[True] == {1}
