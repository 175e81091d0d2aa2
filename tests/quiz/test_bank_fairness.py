"""The bank cannot be passed by guessing: option length gives nothing away, true/false is balanced.

A learner who always picks the longest option, or always answers True, should score no
better than chance. Each distractor is a misconception with its own explanation.
"""

from __future__ import annotations

import pytest

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz.bankfile import DEFAULT_BANK, load_bank_file
from lbteach.quiz.questions import CHOICE_KINDS, OptionData, QuestionData

ONE_ANSWER_KINDS = ("single", "scenario")
MAX_RIGHT_TO_WRONG_LENGTH = 1.5


@pytest.fixture(scope="module")
def questions() -> list[QuestionData]:
    return load_bank_file(DEFAULT_BANK, load_catalogue().slugs)


def right_is_strictly_longest(question: QuestionData) -> bool:
    right = max(len(o.text) for o in question.options if o.correct)
    wrong = max(len(o.text) for o in question.options if not o.correct)
    return right > wrong


def length_ratio(question: QuestionData) -> float:
    """The longest right option over the longest distractor."""
    right = max(len(o.text) for o in question.options if o.correct)
    wrong = max(len(o.text) for o in question.options if not o.correct)
    return right / wrong


def test_the_right_option_is_the_longest_in_at_most_a_third_of_one_answer_questions(questions):
    asked = [q for q in questions if q.kind in ONE_ANSWER_KINDS]
    longest = sorted(q.key for q in asked if right_is_strictly_longest(q))
    assert len(asked) >= 30
    assert len(longest) * 3 <= len(asked), longest


def test_no_right_option_is_much_longer_than_the_longest_distractor(questions):
    too_long = {
        q.key: round(length_ratio(q), 2)
        for q in questions
        if q.kind in CHOICE_KINDS and length_ratio(q) > MAX_RIGHT_TO_WRONG_LENGTH
    }
    assert too_long == {}


def test_true_and_false_are_each_the_answer_to_between_40_and_60_percent(questions):
    answers = [q.correct_keys for q in questions if q.kind == "true_false"]
    trues = sum(1 for keys in answers if set(keys) == {"true"})
    assert len(answers) >= 8
    assert 0.4 <= trues / len(answers) <= 0.6, (trues, len(answers))


def test_every_choice_question_has_at_least_one_distractor_with_its_own_explanation(questions):
    for question in questions:
        if question.kind not in CHOICE_KINDS:
            continue
        wrong = [o for o in question.options if not o.correct]
        assert wrong, question.key
        assert len({o.explanation for o in wrong}) == len(wrong), question.key


def test_the_bank_teaches_that_layer_4_decides_per_connection(questions):
    texts = [q.prompt + q.explanation + q.model_answer for q in questions]
    assert any("per connection" in text for text in texts)


def test_the_fairness_checks_notice_a_giveaway():
    giveaway = QuestionData(
        key="giveaway",
        kind="single",
        topic="what-is-load-balancing",
        prompt="Which is right?",
        explanation="The long one.",
        options=(
            OptionData("a", "A long, careful, fully qualified answer.", True, "Right: long."),
            OptionData("b", "No.", False, "Wrong: short."),
        ),
    )
    assert right_is_strictly_longest(giveaway)
    assert length_ratio(giveaway) > MAX_RIGHT_TO_WRONG_LENGTH
