"""Quiz test helpers: the real question bank in the test database, and a learner who answers.

Pages are read the way a browser without JavaScript reads them: the hidden token and
question fields are taken from the HTML, and answers are posted back as form fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core import signing

from lbteach.quiz.bank import load_default_bank
from lbteach.quiz.models import Attempt, Question
from lbteach.quiz.play import TOKEN_SALT

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bank(db):
    """The repository's own question bank, loaded as `make run` loads it."""
    load_default_bank()
    return Question.objects.all()


@dataclass
class Shown:
    """A question page as served: its form fields and HTML."""

    html: str
    token: str
    question: str

    @property
    def attempt(self) -> Attempt:
        return Attempt.objects.get(pk=signing.Signer(salt=TOKEN_SALT).unsign_object(self.token))

    def numbers(self, correct: bool) -> list[str]:
        """The option numbers (as posted) of the correct, or the wrong, options."""
        attempt = self.attempt
        flags = {o.key: o.correct for o in attempt.question.options.all()}
        return [str(n) for n, key in enumerate(attempt.option_order, 1) if flags[key] is correct]

    def right_answer(self) -> dict:
        return self.form(choice=self.numbers(correct=True))

    def wrong_answer(self) -> dict:
        return self.form(choice=self.numbers(correct=False)[:1])

    def form(self, **fields) -> dict:
        return {"token": self.token, "question": self.question, **fields}


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} field in the page"
    return found.group(1)


def shown(response) -> Shown:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return Shown(html, hidden(html, "token"), hidden(html, "question"))


def ask(client, key: str) -> Shown:
    """Open one question on its own page, as the bank's "Try it" link does."""
    return shown(client.get(f"/quiz/q/{key}/"))


def first_of_kind(kind: str) -> str:
    question = Question.objects.filter(kind=kind).order_by("position").first()
    assert question is not None, f"no {kind} question in the bank"
    return question.key
