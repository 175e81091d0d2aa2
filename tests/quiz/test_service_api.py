"""The bank's service API, as the classroom will use it to push questions to a live class."""

from __future__ import annotations

import pytest

from lbteach.quiz import bank as quiz_bank
from lbteach.quiz.models import Question
from lbteach.quiz.questions import QuestionData

pytestmark = pytest.mark.django_db


def test_get_question_returns_plain_data_with_its_options(bank):
    question = quiz_bank.get_question("hash-consistent-fifth-server")
    assert question is not None
    assert isinstance(question, QuestionData)
    assert question.kind == "scenario"
    assert question.topic == "hashing-and-scaling"
    assert question.lab_preset == "scale_out_consistent"
    assert [option.key for option in question.options] == ["a", "b", "c", "d"]
    assert question.correct_keys == ("a",)


def test_unknown_and_retired_questions_are_not_found(bank):
    assert quiz_bank.get_question("no-such-question") is None
    Question.objects.filter(key="nat-cgnat").update(active=False)
    assert quiz_bank.get_question("nat-cgnat") is None


def test_list_questions_filters_by_topic_and_kind(bank):
    found = quiz_bank.list_questions(topic="server-failure", kinds=("true_false",))
    assert [q.key for q in found] == ["failure-redispatch-default"]
    assert len(quiz_bank.list_questions()) == bank.count()


def test_grade_gives_the_verdict_and_every_explanation(bank):
    question = quiz_bank.get_question("hash-consistent-fifth-server")
    assert question is not None
    result = quiz_bank.grade(question, ["b"])
    assert result.correct is False
    assert result.correct_keys == ("a",)
    assert result.options[1].chosen is True
    assert result.options[1].explanation.startswith("Wrong: that is what modulo")
    assert quiz_bank.grade(question, ["a"]).correct is True


def test_grade_refuses_an_option_the_question_does_not_have(bank):
    question = quiz_bank.get_question("hash-consistent-fifth-server")
    assert question is not None
    with pytest.raises(quiz_bank.AnswerError) as raised:
        quiz_bank.grade(question, ["z"])
    assert raised.value.code == "tampered"


def test_the_public_listing_carries_prompts_only(bank):
    listed = quiz_bank.listing()
    assert [topic.slug for topic in listed][:2] == [
        "what-is-load-balancing",
        "stateless-load-balancing",
    ]
    assert sum(len(topic.questions) for topic in listed) == bank.count()
    assert set(vars(listed[0].questions[0])) == {"key", "kind_label", "prompt"}
