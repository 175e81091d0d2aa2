"""Progress: mastery per topic, the streak, what is due, the history, persistence and reset."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from lbteach.quiz.learners import current_learner
from lbteach.quiz.models import Attempt, CardState, QuizRun
from lbteach.quiz.progress import progress, streak
from tests.quiz.conftest import ask

TODAY = date(2025, 3, 10)


def days(*offsets: int) -> set[date]:
    return {TODAY - timedelta(days=offset) for offset in offsets}


def test_streak_counts_consecutive_days_ending_today():
    assert streak(days(0, 1, 2, 4), TODAY) == 3


def test_streak_stays_alive_until_today_ends():
    assert streak(days(1, 2), TODAY) == 2


def test_streak_is_broken_by_a_missed_day():
    assert streak(days(2, 3, 4), TODAY) == 0
    assert streak(set(), TODAY) == 0


def learner_of(client):
    return current_learner(client.session)


@pytest.mark.django_db
def test_mastery_counts_latest_results_per_topic(client, bank):
    for key in ("nat-cgnat", "nat-balance-factor"):
        client.post("/quiz/answer/", ask(client, key).right_answer())
    client.post("/quiz/answer/", ask(client, "nat-office-hot-spot").wrong_answer())
    card = ask(client, "nat-explain-hot-spot")
    client.post("/quiz/reveal/", card.form())
    client.post("/quiz/rate/", card.form(rating="2"))  # Hard still means recalled
    report = progress(learner_of(client), timezone.now())
    nat = next(topic for topic in report.topics if topic.slug == "nat-and-hot-spots")
    total = bank.filter(topic="nat-and-hot-spots").count()
    assert (nat.questions, nat.answered, nat.known) == (total, 4, 3)
    assert nat.percent == round(300 / total)
    assert report.mistakes == 1
    assert report.total_answers == 4
    assert report.streak == 1


@pytest.mark.django_db
def test_getting_a_mistake_right_later_makes_it_known(client, bank):
    client.post("/quiz/answer/", ask(client, "nat-cgnat").wrong_answer())
    client.post("/quiz/answer/", ask(client, "nat-cgnat").right_answer())
    report = progress(learner_of(client), timezone.now())
    assert report.mistakes == 0
    assert report.known == 1
    assert [item.label for item in report.history] == ["Right", "Wrong"]


@pytest.mark.django_db
def test_the_streak_comes_from_the_days_answers_were_given(client, bank):
    for key in ("nat-cgnat", "nat-balance-factor", "failure-health-checks"):
        client.post("/quiz/answer/", ask(client, key).right_answer())
    now = timezone.now()
    answered = list(Attempt.objects.order_by("id"))
    for attempt, back in zip(answered, (2, 1, 0), strict=True):
        Attempt.objects.filter(pk=attempt.pk).update(answered_at=now - timedelta(days=back))
    assert progress(learner_of(client), now).streak == 3
    assert progress(learner_of(client), now + timedelta(days=2)).streak == 0


@pytest.mark.django_db
def test_the_progress_page_shows_mastery_due_and_history(client, bank):
    client.post("/quiz/answer/", ask(client, "session-maxidle").wrong_answer())
    html = client.get("/quiz/progress/").content.decode()
    assert "Mastery by topic" in html
    assert html.count('class="mastery-bar"') == 13
    assert "<dd>1 day</dd>" in html  # the streak
    assert '<dd data-queue="learning">0</dd>' in html  # back in a minute, not yet
    assert "1 more card in learning comes back later today" in html
    assert 'class="badge outcome wrong">Wrong</span>' in html
    assert "HAProxy is configured with" in html


@pytest.mark.django_db
def test_a_new_visitor_sees_empty_progress_without_becoming_a_learner(client, bank):
    html = client.get("/quiz/progress/").content.decode()
    assert "No answers yet" in html
    assert client.get("/quiz/").status_code == 200
    assert learner_of(client) is None


@pytest.mark.django_db
def test_progress_lives_in_the_database_and_survives_a_restart(client, bank):
    client.post("/quiz/answer/", ask(client, "nat-cgnat").right_answer())
    cookie = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=cookie).exists()
    # A restarted server has nothing in memory; a browser with the same cookie returns.
    returning = Client()
    returning.cookies["sessionid"] = cookie
    html = returning.get("/quiz/progress/").content.decode()
    assert "<dd>1 of" in html
    assert "With carrier-grade NAT" in html


@pytest.mark.django_db
def test_reset_erases_only_this_learners_progress(client, bank):
    client.post("/quiz/answer/", ask(client, "nat-cgnat").wrong_answer())
    client.post("/quiz/start/", {"mode": "quick"})
    other = Client()
    other.post("/quiz/answer/", ask(other, "nat-cgnat").wrong_answer())
    mine = learner_of(client)
    response = client.post("/quiz/progress/reset/", {"confirm": "yes"})
    assert response.status_code == 200
    assert "Your progress is reset: 1 answer erased." in response.content.decode()
    assert (mine.attempts.count(), mine.cards.count(), mine.runs.count()) == (0, 0, 0)
    assert Attempt.objects.count() == 1
    assert CardState.objects.count() == 1
    assert QuizRun.objects.count() == 0
    assert progress(mine, timezone.now()).mistakes == 0


@pytest.mark.django_db
def test_an_old_token_after_reset_is_not_counted(client, bank):
    answer = ask(client, "nat-cgnat").right_answer()
    client.post("/quiz/progress/reset/", {"confirm": "yes"})
    response = client.post("/quiz/answer/", answer)
    assert response.status_code == 400
    assert Attempt.objects.count() == 0
