"""Signed is not trusted: the signing key may be public, so every token field is checked.

Each bad input gets a clear 400, stores nothing, and the page keeps working afterwards.
"""

from __future__ import annotations

import pytest
from django.core import signing

from lbteach.quiz import drill_practice, play
from lbteach.quiz.drills import generate
from lbteach.quiz.models import Attempt, CardState, DrillAnswer, DrillCard, Learner
from tests.quiz.conftest import ask, first_of_kind
from tests.text import search

pytestmark = pytest.mark.django_db

DRILL = "/quiz/drills/hot-spot/1/"


def drill_token(**fields: object) -> str:
    return signing.Signer(salt=drill_practice.TOKEN_SALT).sign_object(fields)


def stored() -> tuple:
    return (
        list(DrillAnswer.objects.values_list("nonce", "choice")),
        list(DrillCard.objects.values_list("drill", "reviews")),
        list(Attempt.objects.filter(answered_at__isnull=False).values_list("id", "chosen")),
        list(CardState.objects.values_list("question_id", "reviews")),
    )


def the_drill_still_works(client) -> None:
    html = client.get(DRILL).content.decode()
    token = search(r'name="token" value="([^"]*)"', html)
    answer = str(generate("hot-spot", 1).answer)
    response = client.post(DRILL + "answer/", {"token": token, "choice": answer})
    assert response.status_code == 200
    assert drill_practice.NONCE.fullmatch(DrillAnswer.objects.get().nonce)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # The report's attack: a huge nonce, and one a character past the column.
        ({"k": "hot-spot", "s": 1, "n": "a" * 1_800_000}, "token is not valid"),
        ({"k": "hot-spot", "s": 1, "n": "a" * 41}, "token is not valid"),
        ({"k": "hot-spot", "s": 1, "n": "g" * 32}, "token is not valid"),
        ({"k": "hot-spot", "s": 1, "n": 12345}, "token is not valid"),
        ({"k": "hot-spot", "s": 1, "n": ["0" * 32]}, "token is not valid"),
        ({"k": "hot-spot", "s": 1}, "token is not valid"),
        ({"k": "hot-spot", "s": "1", "n": "0" * 32}, "token is not valid"),
        ({"k": "hot-spot", "s": True, "n": "0" * 32}, "token is not valid"),
        ({"k": ["hot-spot"], "s": 1, "n": "0" * 32}, "token is not valid"),
        ({"k": "hot-spot", "s": 1, "n": "0" * 32, "x": "y" * 1000}, "token is not valid"),
        ({"k": "hot-spot", "s": 2**80, "n": "0" * 32}, "belongs to another drill"),
    ],
)
def test_a_signed_drill_token_with_bad_fields_is_refused_and_stores_nothing(
    client, fields, message
):
    response = client.post(DRILL + "answer/", {"token": drill_token(**fields), "choice": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored() == ([], [], [], [])
    assert Learner.objects.count() == 0
    the_drill_still_works(client)


@pytest.mark.parametrize(
    "form",
    [
        {"token": "x" * 1_000_000, "choice": "1"},
        {"choice": "9" * 5000},  # int() of 5000 digits raises: it must not be reached
        {"choice": "１"},  # a full-width digit is a digit to str.isdigit, not to us
        {"choice": ["1", "2"]},
    ],
)
def test_oversized_or_odd_drill_fields_get_a_400(client, form):
    html = client.get(DRILL).content.decode()
    form = {"token": search(r'name="token" value="([^"]*)"', html), **form}
    response = client.post(DRILL + "answer/", form)
    # Two choices: the form keeps the last one ("2"), a real option; everything else is a 400.
    if isinstance(form["choice"], list):
        assert response.status_code == 200
        assert DrillAnswer.objects.get().choice == 2
        return
    assert response.status_code == 400
    assert stored() == ([], [], [], [])
    the_drill_still_works(client)


@pytest.fixture
def single(client, bank):
    return ask(client, first_of_kind("single"))


def question_token(value: object) -> str:
    return signing.Signer(salt=play.TOKEN_SALT).sign_object(value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"token": "x" * 1_000_000}, "token is not valid"),
        ({"token": question_token(2**80)}, "was not asked in this browser"),
        ({"token": question_token(-1)}, "was not asked in this browser"),
        ({"token": question_token(True)}, "was not asked in this browser"),
        ({"token": question_token("1")}, "was not asked in this browser"),
        ({"token": question_token({"id": 1})}, "was not asked in this browser"),
        ({"question": "q" * 100_000}, "does not say which question"),
        ({"choice": "9" * 5000}, "is not one of this question"),
        ({"choice": ["1"] * 50}, "names more options than this question has"),
    ],
)
def test_bad_question_fields_are_refused_and_store_nothing(client, single, fields, message):
    before = stored()
    form = {"token": single.token, "question": single.question, "choice": "1", **fields}
    response = client.post("/quiz/answer/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored() == before
    # The question is still there to answer.
    again = client.post(
        "/quiz/answer/", {"token": single.token, "question": single.question, "choice": "1"}
    )
    assert again.status_code == 200
    assert Attempt.objects.get(pk=single.attempt.pk).answered


def test_an_oversized_flashcard_rating_is_refused(client, bank):
    card = ask(client, first_of_kind("flashcard"))
    form = {"token": card.token, "question": card.question}
    assert client.post("/quiz/reveal/", {**form, "response": ""}).status_code == 200
    response = client.post("/quiz/rate/", {**form, "rating": "4" * 5000})
    assert response.status_code == 400
    assert "Rate yourself Again, Hard, Good or Easy." in response.content.decode()
    assert CardState.objects.count() == 0


def test_a_huge_unknown_topic_is_a_short_404(client, bank):
    response = client.get("/quiz/", {"topic": "x" * 100_000})
    assert response.status_code == 404
    assert f"There is no lesson called “{'x' * 80}”." in response.content.decode()
    assert len(response.content) < 50_000
