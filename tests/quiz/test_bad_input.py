"""Bad input: a clear message, the right status, and progress exactly as it was before."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from lbteach.quiz.models import Attempt, CardState, QuizRun
from lbteach.quiz.play import TOKEN_SALT
from tests.quiz.conftest import HTMX, ask, first_of_kind, shown

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    """Everything that counts as progress."""
    return (
        sorted(
            Attempt.objects.filter(answered_at__isnull=False).values_list(
                "id", "answered_at", "chosen", "correct", "rating"
            )
        ),
        sorted(CardState.objects.values_list("question_id", "due", "reviews")),
        sorted(QuizRun.objects.values_list("id", "position")),
    )


def assert_refused(response, status: int, message: str) -> None:
    assert response.status_code == status
    assert message in response.content.decode()


@pytest.fixture
def single(client, bank):
    return ask(client, first_of_kind("single"))


def test_a_tampered_option_number_is_refused_and_the_question_shown_again(client, single):
    before = snapshot()
    for bad in ("9", "0", "-1", "b", "1.0", ""):
        response = client.post("/quiz/answer/", single.form(choice=[bad]))
        assert_refused(response, 400, "That answer is not one of this question&#x27;s options")
        assert 'name="choice" value="1"' in response.content.decode()
    assert snapshot() == before


def test_no_option_chosen_asks_for_an_answer(client, single):
    before = snapshot()
    assert_refused(client.post("/quiz/answer/", single.form()), 400, "Choose an answer")
    assert snapshot() == before


def test_two_options_for_a_single_choice_question_are_refused(client, single):
    before = snapshot()
    response = client.post("/quiz/answer/", single.form(choice=["1", "2"]))
    assert_refused(response, 400, "This question takes exactly one answer.")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("drop", "message"),
    [("token", "missing its question token"), ("question", "does not say which question")],
)
def test_a_missing_hidden_field_is_refused(client, single, drop, message):
    before = snapshot()
    fields = single.right_answer()
    del fields[drop]
    assert_refused(client.post("/quiz/answer/", fields), 400, message)
    assert snapshot() == before


def test_a_forged_token_is_refused(client, single):
    before = snapshot()
    forged = signing.Signer(salt="someone-else").sign_object(single.attempt.pk)
    response = client.post("/quiz/answer/", single.right_answer() | {"token": forged})
    assert_refused(response, 400, "question token is not valid")
    assert snapshot() == before


def test_an_answer_to_a_question_not_asked_is_refused(client, single, bank):
    before = snapshot()
    other_key = bank.exclude(key=single.question).filter(kind="single").first().key
    response = client.post("/quiz/answer/", single.right_answer() | {"question": other_key})
    assert_refused(response, 400, "That question was not asked in this browser")
    never_served = signing.Signer(salt=TOKEN_SALT).sign_object(987654)
    response = client.post("/quiz/answer/", single.right_answer() | {"token": never_served})
    assert_refused(response, 400, "That question was not asked in this browser")
    assert snapshot() == before


def test_another_browsers_token_is_refused(client, single):
    before = snapshot()
    response = Client().post("/quiz/answer/", single.right_answer())
    assert_refused(response, 400, "That question was not asked in this browser")
    assert snapshot() == before


def test_a_repeated_submission_counts_once(client, single):
    first = client.post("/quiz/answer/", single.wrong_answer())
    assert first.status_code == 200
    after_first = snapshot()
    again = client.post("/quiz/answer/", single.right_answer())
    assert_refused(again, 409, "You already answered this question. Your first answer counts")
    assert "Not quite" in again.content.decode()  # the first answer's result, unchanged
    assert snapshot() == after_first
    assert CardState.objects.get().reviews == 1


def test_a_repeated_submission_in_a_quiz_does_not_skip_a_question(client, bank):
    run_url = client.post("/quiz/start/", {"mode": "quick"})["Location"]
    page = shown(client.get(run_url))
    client.post("/quiz/answer/", page.right_answer())
    client.post("/quiz/answer/", page.right_answer())
    assert QuizRun.objects.get().position == 1
    assert "Question 2 of 10" in client.get(run_url).content.decode()


def test_htmx_errors_come_back_as_the_card_with_their_status(client, single):
    response = client.post("/quiz/answer/", single.form(choice=["7"]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<section id="quiz-card"')
    assert 'role="alert"' in html


def test_a_lost_token_shows_a_way_back_without_the_question(client, bank):
    response = client.post("/quiz/answer/", {"question": "x", "choice": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "That answer could not be counted" in html
    assert 'href="/quiz/"' in html


def test_flashcard_bad_input_is_refused_without_changing_progress(client, bank):
    card = ask(client, first_of_kind("flashcard"))
    before = snapshot()
    assert_refused(
        client.post("/quiz/rate/", card.form(rating="3")), 400, "Reveal the model answer before"
    )
    assert_refused(
        client.post("/quiz/answer/", card.form(choice=["1"])), 400, "This is a flashcard"
    )
    assert_refused(
        client.post("/quiz/reveal/", card.form(response="x" * 4001)), 400, "under 4,000 characters"
    )
    client.post("/quiz/reveal/", card.form())
    for bad in ("", "0", "5", "good"):
        response = client.post("/quiz/rate/", card.form(rating=bad))
        assert_refused(response, 400, "Rate yourself Again, Hard, Good or Easy.")
    assert snapshot() == before
    assert client.post("/quiz/rate/", card.form(rating="2")).status_code == 200
    rated = snapshot()
    assert_refused(client.post("/quiz/rate/", card.form(rating="4")), 409, "already answered")
    assert_refused(client.post("/quiz/reveal/", card.form()), 409, "already answered")
    assert snapshot() == rated


def test_a_choice_question_cannot_be_revealed_or_rated(client, single):
    before = snapshot()
    assert_refused(client.post("/quiz/reveal/", single.form()), 400, "choosing an option")
    assert_refused(client.post("/quiz/rate/", single.form(rating="4")), 400, "choosing an option")
    assert snapshot() == before


def test_an_unknown_mode_or_topic_cannot_start_a_quiz(client, bank):
    response = client.post("/quiz/start/", {"mode": "cheat", "topic": ""})
    assert_refused(response, 400, "There is no quiz mode called “cheat”.")
    response = client.post("/quiz/start/", {"mode": "quick", "topic": "nope"})
    assert_refused(response, 400, "There is no lesson called “nope”.")
    assert_refused(client.post("/quiz/start/", {}), 400, "This field is required.")
    assert QuizRun.objects.count() == 0


def test_an_unknown_topic_link_says_so(client, bank):
    assert_refused(client.get("/quiz/?topic=nope"), 404, "There is no lesson called “nope”.")


def test_answer_pages_only_accept_posts(client, bank):
    for url in ("/quiz/answer/", "/quiz/reveal/", "/quiz/rate/", "/quiz/start/"):
        assert client.get(url).status_code == 405


def test_reset_needs_confirmation(client, single):
    client.post("/quiz/answer/", single.right_answer())
    before = snapshot()
    response = client.post("/quiz/progress/reset/", {})
    assert_refused(response, 400, "Tick the box to confirm")
    assert snapshot() == before


def test_two_submissions_racing_past_the_first_check_still_count_once(client, single):
    from django.utils import timezone

    from lbteach.quiz import play, scheduling

    stale = single.attempt  # loaded before either submission is stored
    client.post("/quiz/answer/", single.right_answer())
    after_first = snapshot()
    with pytest.raises(play.AlreadyAnswered):
        play._record(stale, timezone.now(), scheduling.Rating.Again, chosen=["x"], correct=False)
    assert snapshot() == after_first
