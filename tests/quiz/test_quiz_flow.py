"""Taking quizzes through the pages, as plain form posts and as htmx swaps."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lbteach.quiz.models import Attempt, CardState, QuizRun
from tests.quiz.conftest import HTMX, ask, first_of_kind, shown

pytestmark = pytest.mark.django_db


def start(client, mode: str, topic: str = "") -> str:
    response = client.post("/quiz/start/", {"mode": mode, "topic": topic})
    assert response.status_code == 303
    return response["Location"]


def test_home_offers_the_three_modes_and_preselects_a_lessons_topic(client, bank):
    html = client.get("/quiz/?topic=nat-and-hot-spots").content.decode()
    for mode in ("quick", "flashcards", "study"):
        assert f'name="mode" value="{mode}"' in html
    assert '<option value="nat-and-hot-spots" selected>' in html
    assert '<dd data-queue="new">20</dd>' in html  # the daily limit of new cards
    assert "disabled" not in html


def test_a_quick_quiz_asks_ten_questions_then_shows_the_score(client, bank):
    run_url = start(client, "quick")
    for number in range(1, 11):
        page = shown(client.get(run_url))
        assert f"Question {number} of 10" in page.html
        answer = page.right_answer() if number <= 7 else page.wrong_answer()
        result = client.post("/quiz/answer/", answer)
        assert result.status_code == 200
        assert ("Right" if number <= 7 else "Not quite") in result.content.decode()
    summary = client.get(run_url).content.decode()
    assert "You got 7 of 10 right" in summary
    assert "Study today's queue" in summary
    assert QuizRun.objects.get().finished_at is not None


def test_a_quick_quiz_on_one_topic_asks_only_that_topic(client, bank):
    run_url = start(client, "quick", "session-affinity")
    run = QuizRun.objects.get()
    assert run.topic == "session-affinity"
    assert {k for k in run.question_keys} <= set(
        bank.filter(topic="session-affinity").values_list("key", flat=True)
    )
    assert 'Topic: <a href="/lessons/session-affinity/">' in client.get(run_url).content.decode()


def test_a_quick_quiz_asks_unanswered_questions_before_ones_already_known(client, bank):
    for key in ("ip-hash-three-octets", "ip-k8s-client-ip"):
        client.post("/quiz/answer/", ask(client, key).right_answer())
    run = QuizRun.objects.get(pk=start(client, "quick", "source-ip-affinity").split("/")[3])
    assert len(run.question_keys) == 5  # every choice question of the topic
    assert set(run.question_keys[3:]) == {"ip-hash-three-octets", "ip-k8s-client-ip"}


def test_the_result_explains_every_option_and_links_lesson_and_lab(client, bank):
    page = ask(client, "ip-mobile-wifi-lte")
    html = client.post("/quiz/answer/", page.wrong_answer()).content.decode()
    question = bank.get(key="ip-mobile-wifi-lte")
    for option in question.options.all():
        assert option.explanation.replace("`ip_hash`", "<code>ip_hash</code>") in html
    assert html.count("Correct answer") == 1
    assert html.count("Your choice") == 1
    assert 'href="/lessons/source-ip-affinity/"' in html
    assert 'href="/lab/?scenario=mobile_ip_change"' in html


def test_an_htmx_answer_returns_only_the_card(client, bank):
    page = ask(client, "lb-decides-per-request")
    response = client.post("/quiz/answer/", page.right_answer(), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="quiz-card"')
    assert "<html" not in html
    assert "Right" in html


def test_the_question_form_posts_plainly_and_through_htmx_to_the_same_url(client, bank):
    html = ask(client, first_of_kind("single")).html
    assert re.search(
        r'<form[^>]+method="post" action="/quiz/answer/" hx-post="/quiz/answer/"', html
    )
    assert 'hx-target="#quiz-card"' in html


def test_a_flashcard_is_revealed_then_rated_and_scheduled(client, bank):
    run_url = start(client, "flashcards")
    page = shown(client.get(run_url))
    assert "Reveal the model answer" in page.html
    revealed = client.post("/quiz/reveal/", page.form(response="Cookies vs addresses"), **HTMX)
    html = revealed.content.decode()
    attempt = page.attempt
    assert attempt.question.model_answer.split()[0] in html
    assert "Cookies vs addresses" in html
    assert [label for label in ("Again", "Hard", "Good", "Easy") if label in html] == [
        "Again",
        "Hard",
        "Good",
        "Easy",
    ]
    rated = client.post("/quiz/rate/", page.form(rating="3"), **HTMX).content.decode()
    # Straight on to the next card, which confirms the rating: no page of its own.
    assert "You rated it" not in rated
    assert (
        '<p class="quiz-confirm" role="status" data-quiz-rated>Rated Good: back in 10 minutes.</p>'
        in rated
    )
    assert "Question 2 of" in rated
    card = CardState.objects.get(question=attempt.question)
    assert card.reviews == 1
    assert Attempt.objects.get(pk=attempt.pk).rating == 3


def test_without_htmx_a_rating_redirects_to_the_next_card_which_confirms_it_once(client, bank):
    run_url = start(client, "flashcards")
    page = shown(client.get(run_url))
    client.post("/quiz/reveal/", page.form(response=""))
    rated = client.post("/quiz/rate/", page.form(rating="1"))
    assert (rated.status_code, rated["Location"]) == (303, run_url)
    after = client.get(run_url).content.decode()
    assert "Rated Again: back in 1 minute." in after
    assert "Question 2 of" in after
    assert "Rated Again" not in client.get(run_url).content.decode()  # shown once


def test_a_rating_outside_a_sitting_still_shows_its_own_card(client, bank):
    card = ask(client, first_of_kind("flashcard"))
    client.post("/quiz/reveal/", card.form(response=""))
    rated = client.post("/quiz/rate/", card.form(rating="4")).content.decode()
    assert "You rated it Easy" in rated


def test_reloading_a_question_keeps_its_token_and_option_order(client, bank):
    first = ask(client, "stateful-cons")
    again = ask(client, "stateful-cons")
    assert first.token == again.token
    assert Attempt.objects.count() == 1


def test_another_browser_cannot_open_my_quiz(client, bank):
    run_url = start(client, "quick")
    assert Client().get(run_url).status_code == 404


def test_the_bank_lists_every_prompt_by_topic_with_a_link_to_try_it(client, bank):
    html = client.get("/quiz/bank/").content.decode()
    for question in bank:
        assert f'href="/quiz/q/{question.key}/"' in html
    assert html.count('class="bank-topic"') == 13
    assert html.index('id="topic-what-is-load-balancing"') < html.index(
        'id="topic-choosing-a-strategy"'
    )


def test_flashcards_start_with_the_four_seed_interview_questions(client, bank):
    run = QuizRun.objects.get(pk=start(client, "flashcards").split("/")[3])
    seed = set(bank.filter(source="seed").values_list("key", flat=True))
    assert len(seed) == 4
    assert set(run.question_keys[:4]) == seed
    assert len(run.question_keys) == 10


def test_every_lab_link_in_the_bank_opens_the_lab(client, bank):
    presets = set(bank.exclude(lab_preset="").values_list("lab_preset", flat=True))
    assert len(presets) >= 10
    for preset in sorted(presets):
        assert client.get(f"/lab/?scenario={preset}").status_code == 200, preset
