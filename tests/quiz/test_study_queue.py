"""One study queue, as Anki keeps it: new / learning / review counts that every answer moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from fsrs import State

from lbteach.quiz import play, study_queue
from lbteach.quiz.models import Attempt, CardState, Learner, Question, QuizRun
from lbteach.quiz.questions import CHOICE_KINDS, FLASHCARD
from tests.quiz.conftest import shown

pytestmark = pytest.mark.django_db

NINE = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def counts(learner: Learner, now: datetime) -> tuple[int, int, int]:
    queue = study_queue.counts(learner, now)
    return (queue.new, queue.learning, queue.review)


def answer(learner: Learner, key: str, right: bool, now: datetime) -> None:
    """Serve one question and answer it, right or wrong, at `now`."""
    question = Question.objects.prefetch_related("options").get(key=key)
    screen = play.serve(learner, question, now)
    if question.kind == FLASHCARD:
        play.reveal(learner, screen.token, key, "", now)
        play.rate(learner, screen.token, key, "3" if right else "1", now)
        return
    attempt = Attempt.objects.get(
        pk=signing.Signer(salt=play.TOKEN_SALT).unsign_object(screen.token)
    )
    flags = {option.key: option.correct for option in question.options.all()}
    numbers = [str(n) for n, k in enumerate(attempt.option_order, 1) if flags[k] is right]
    play.answer(learner, screen.token, key, numbers if right else numbers[:1], now)


def choice_keys(count: int) -> list[str]:
    keys = Question.objects.filter(kind__in=CHOICE_KINDS).order_by("position", "key")
    return list(keys.values_list("key", flat=True)[:count])


@pytest.fixture
def learner(bank) -> Learner:
    return Learner.objects.create()


def test_a_new_learner_sees_the_daily_limit_of_new_cards(learner):
    assert counts(learner, NINE) == (20, 0, 0)
    assert study_queue.counts(None, NINE).new == 20


def test_one_quiz_with_nine_wrong_answers_gives_one_queue_and_answers_move_it(learner):
    keys = choice_keys(10)
    for index, key in enumerate(keys):
        answer(learner, key, right=index == 0, now=NINE)
    # Ten new cards started today: the allowance of 20 is down to 10; all ten are learning
    # steps, due in one minute (wrong) or ten minutes (right), so none is due yet.
    queue = study_queue.counts(learner, NINE)
    assert (queue.new, queue.learning, queue.review, queue.later_today) == (10, 0, 0, 10)
    two_minutes = NINE + timedelta(minutes=2)
    assert counts(learner, two_minutes) == (10, 9, 0)
    # Studying the queue serves the learning steps first; each answer takes its card out.
    for expected in (8, 7, 6):
        due = study_queue.next_key(learner, two_minutes)
        assert due in keys[1:]
        assert due is not None
        answer(learner, due, right=True, now=two_minutes)
        assert counts(learner, two_minutes) == (10, expected, 0)
    assert study_queue.counts(learner, two_minutes).later_today == 4
    # Later on, the first right answer and the three reviewed ones are due with the rest.
    assert counts(learner, NINE + timedelta(minutes=13)) == (10, 10, 0)


def test_a_review_card_due_today_leaves_the_queue_when_answered(learner):
    key = choice_keys(1)[0]
    answer(learner, key, right=True, now=NINE - timedelta(days=3))
    CardState.objects.filter(question__key=key).update(
        state=State.Review.value, step=None, due=NINE - timedelta(hours=1)
    )
    assert counts(learner, NINE) == (20, 0, 1)  # started 3 days ago: not one of today's new
    assert study_queue.next_key(learner, NINE) == key
    answer(learner, key, right=True, now=NINE)
    assert counts(learner, NINE) == (20, 0, 0)
    assert CardState.objects.get(question__key=key).due > NINE + timedelta(days=1)


def test_a_forgotten_review_card_moves_to_relearning(learner):
    key = choice_keys(1)[0]
    answer(learner, key, right=True, now=NINE - timedelta(days=3))
    CardState.objects.filter(question__key=key).update(
        state=State.Review.value, step=None, due=NINE - timedelta(hours=1)
    )
    answer(learner, key, right=False, now=NINE)
    assert counts(learner, NINE) == (20, 0, 0)
    assert counts(learner, NINE + timedelta(minutes=11)) == (20, 1, 0)
    assert CardState.objects.get(question__key=key).state == State.Relearning.value


def test_the_daily_new_limit_is_a_setting_and_resets_the_next_day(learner, settings):
    settings.QUIZ_NEW_PER_DAY = 3
    assert counts(learner, NINE) == (3, 0, 0)
    for key in choice_keys(3):
        answer(learner, key, right=True, now=NINE)
    assert counts(learner, NINE)[0] == 0
    assert study_queue.next_key(learner, NINE) is None
    assert study_queue.counts(learner, NINE + timedelta(days=1)).new == 3


def test_new_cards_start_with_the_syllabus_interview_questions(learner):
    seed = set(Question.objects.filter(source="seed").values_list("key", flat=True))
    served = []
    for _ in range(4):
        key = study_queue.next_key(learner, NINE)
        assert key is not None
        served.append(key)
        answer(learner, key, right=True, now=NINE)
    assert set(served) == seed


def test_a_study_sitting_grows_one_card_at_a_time(client, bank):
    response = client.post("/quiz/start/", {"mode": "study"})
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert "Card 1</h1>" in page
    assert "Next card" not in page  # not until it is answered
    first = shown(client.get(response["Location"]))
    answered = client.post(
        "/quiz/answer/" if "Check my answer" in first.html else "/quiz/reveal/", first.form()
    )
    if "/quiz/rate/" in answered.content.decode():
        # A rating goes straight on to the next card (a redirect without htmx).
        answered = client.post("/quiz/rate/", first.form(rating="3"))
        assert answered["Location"] == response["Location"]
    else:
        assert "Next card" in answered.content.decode()
    second = shown(client.get(response["Location"]))
    assert "Card 2</h1>" in second.html
    assert second.question != first.question
    run = QuizRun.objects.get()
    assert run.question_keys == [first.question, second.question]
    assert '<dd data-queue="new">19</dd>' in client.get("/quiz/").content.decode()


def test_an_empty_queue_says_so(client, bank, settings):
    settings.QUIZ_NEW_PER_DAY = 0
    home = client.get("/quiz/").content.decode()
    assert '<dd data-queue="new">0</dd>' in home
    nothing = client.post("/quiz/start/", {"mode": "study"})
    assert nothing.status_code == 200
    assert "Nothing to study right now" in nothing.content.decode()


def test_the_retired_modes_get_a_clear_400(client, bank):
    for mode in ("mistakes", "due"):
        response = client.post("/quiz/start/", {"mode": mode})
        assert response.status_code == 400
        assert f"There is no quiz mode called “{mode}”." in response.content.decode()
