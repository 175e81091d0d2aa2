"""No answer leaks into a question page: not in its text, its attributes or its scripts.

Two checks for every question in the bank. First, nothing answer-bearing appears (option
and question explanations, model answers, correctness words), and options are posted as
plain numbers. Second, and stronger: change which option is correct (or the model answer)
in the database and the page stays byte-for-byte the same, so it cannot carry the answer.
"""

from __future__ import annotations

import re

import pytest

from lbteach.quiz.models import Question
from lbteach.quiz.questions import MULTIPLE
from lbteach.quiz.templatetags.quiz_text import quiztext, quiztext_inline
from tests.quiz.conftest import ask

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
# Words and classes that only a graded or revealed card uses.
ANSWER_WORDS = re.compile(
    r"correct|is-right|is-wrong|feedback|verdict|model-answer|data-answer", re.I
)


def rendered_forms(text: str) -> set[str]:
    """The ways a text can appear in a page: as written, and rendered from Markdown."""
    block = quiztext(text).strip().removeprefix("<p>").removesuffix("</p>")
    return {text, block, quiztext_inline(text)}


def secrets_of(question: Question) -> set[str]:
    texts = [question.explanation, question.model_answer]
    texts += [option.explanation for option in question.options.all()]
    return {form for text in texts if text for form in rendered_forms(text)}


def page_of(client, question: Question) -> str:
    return CSRF.sub("", ask(client, question.key).html)


def test_no_question_page_contains_an_explanation_or_answer(client, bank):
    assert bank.count() >= 44
    for question in bank.prefetch_related("options"):
        html = page_of(client, question)
        leaked = [secret[:60] for secret in secrets_of(question) if secret in html]
        assert leaked == [], question.key
        assert ANSWER_WORDS.findall(html) == [], question.key
        values = re.findall(r'name="choice" value="([^"]*)"', html)
        assert values == [str(n) for n in range(1, question.options.count() + 1)], question.key
        assert INLINE_SCRIPT.findall(html) == [], question.key


def flip_the_answer(question: Question) -> None:
    """Make a different option (or set of options) correct, and rewrite the model answer."""
    options = list(question.options.all())
    if question.kind == MULTIPLE:
        for option in options:
            option.correct = not option.correct
    elif options:
        index = next(i for i, option in enumerate(options) if option.correct)
        for i, option in enumerate(options):
            option.correct = i == (index + 1) % len(options)
    for option in options:
        option.explanation = f"Rewritten {option.key}"
        option.save()
    question.model_answer = question.model_answer and "A different model answer."
    question.explanation = "A different explanation."
    question.save()


def test_a_question_page_is_identical_whichever_answer_is_right(client, bank):
    for question in bank.prefetch_related("options"):
        before = page_of(client, question)
        flip_the_answer(question)
        after = page_of(client, Question.objects.get(pk=question.pk))
        assert before == after, question.key


def test_the_bank_page_lists_prompts_but_no_answers(client, bank):
    html = client.get("/quiz/bank/").content.decode()
    for question in bank.prefetch_related("options"):
        assert quiztext(question.prompt) in html, question.key
        leaked = [secret[:60] for secret in secrets_of(question) if secret in html]
        assert leaked == [], question.key
    assert ANSWER_WORDS.findall(html) == []
