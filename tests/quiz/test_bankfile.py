"""The bank file: its content covers the syllabus, and broken files are reported precisely."""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz.bankfile import (
    DEFAULT_BANK,
    BankFileError,
    load_bank_file,
    read_bank,
    toml_string,
    write_bank,
)
from lbteach.quiz.questions import CHOICE_KINDS, FLASHCARD, KINDS, LAB_PRESETS

TOPICS = load_catalogue().slugs
SEED_PROMPTS = {
    "What is the key difference between stateless and stateful load balancing?",
    "When would you choose stateless load balancing over stateful?",
    "What challenges might arise with stateful load balancing in a microservices environment?",
    "How does session affinity differ from source IP affinity?",
}


@pytest.fixture(scope="module")
def questions():
    return load_bank_file(DEFAULT_BANK, TOPICS)


def test_every_question_names_a_real_lesson_as_its_topic(questions):
    assert {q.topic for q in questions} <= set(TOPICS)


def test_every_lesson_has_at_least_three_questions(questions):
    counts = Counter(q.topic for q in questions)
    assert {slug: counts[slug] for slug in TOPICS if counts[slug] < 3} == {}


def test_the_seed_interview_questions_are_flashcards_with_model_answers(questions):
    seed = [q for q in questions if q.source == "seed"]
    assert {q.prompt for q in seed} == SEED_PROMPTS
    assert all(q.kind == FLASHCARD and len(q.model_answer) > 60 for q in seed)


def test_the_bank_has_forty_more_questions_of_every_kind(questions):
    assert len([q for q in questions if q.source != "seed"]) >= 40
    assert set(Counter(q.kind for q in questions)) == set(KINDS)


def test_every_choice_option_explains_itself_and_one_answer_is_right(questions):
    for question in questions:
        assert question.explanation, question.key
        if question.kind in CHOICE_KINDS:
            assert all(len(option.explanation) > 20 for option in question.options), question.key
            assert question.correct_keys, question.key


def test_the_fidelity_scenarios_are_asked(questions):
    prompts = {q.key: q.prompt for q in questions}
    assert "Wi-Fi to LTE" in prompts["ip-mobile-wifi-lte"]
    assert "`ip_hash`" in prompts["ip-mobile-wifi-lte"]
    assert "fifth server joins" in prompts["hash-consistent-fifth-server"]


def test_lab_links_name_known_presets(questions):
    assert {q.lab_preset for q in questions if q.lab_preset} <= set(LAB_PRESETS)


def test_question_ids_are_unique_in_the_file():
    tables = tomllib.loads(DEFAULT_BANK.read_text(encoding="utf-8"))["questions"]
    ids = [table["id"] for table in tables]
    assert len(ids) == len(set(ids))


GOOD = """
[[questions]]
id = "q-one"
kind = "single"
topic = "session-affinity"
prompt = "Pick one"
explanation = "Because."

[[questions.options]]
key = "a"
text = "Right"
correct = true
explanation = "This is the one."

[[questions.options]]
key = "b"
text = "Wrong"
correct = false
explanation = "This is not."
"""


def problems(text: str) -> list[str]:
    with pytest.raises(BankFileError) as raised:
        read_bank(text, TOPICS)
    return [str(problem) for problem in raised.value.problems]


def test_a_good_file_reads_into_questions():
    (question,) = read_bank(GOOD, TOPICS)
    assert question.key == "q-one"
    assert question.correct_keys == ("a",)
    assert [o.explanation for o in question.options] == ["This is the one.", "This is not."]


def test_an_unknown_topic_is_reported_by_question_id_and_field():
    text = GOOD.replace('"session-affinity"', '"no-such-lesson"')
    assert problems(text) == [
        "question 'q-one', field 'topic': 'no-such-lesson' is not a lesson slug"
    ]


def test_an_option_without_explanation_is_reported_by_field():
    text = GOOD.replace('explanation = "This is not."\n', "")
    assert problems(text) == ["question 'q-one', field 'options[2].explanation': is missing"]


def test_a_single_choice_with_two_right_answers_is_refused():
    text = GOOD.replace("correct = false", "correct = true")
    assert problems(text) == [
        "question 'q-one', field 'options': exactly one option must be correct, found 2"
    ]


def test_unknown_fields_duplicates_and_bad_toml_are_all_reported():
    duplicated = GOOD + GOOD.replace('prompt = "Pick one"', 'prompt = "Again"\ncolour = "red"')
    assert problems(duplicated) == ["question 'q-one', field 'colour': is not a known field"]
    assert problems(GOOD + GOOD) == [
        "question 'q-one', field 'id': appears more than once in the file"
    ]
    assert problems("[[questions]\n")[0].startswith("question '-', field '-': not valid TOML")


def test_a_flashcard_needs_a_model_answer():
    text = """
[[questions]]
id = "card"
kind = "flashcard"
topic = "session-affinity"
prompt = "Explain"
explanation = "Why"
"""
    assert problems(text) == ["question 'card', field 'answer': a flashcard needs a model answer"]


def test_written_bank_reads_back_identical(questions):
    assert read_bank(write_bank(questions), TOPICS) == questions


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80))
def test_any_text_survives_a_round_trip_through_toml(text):
    assert tomllib.loads(f"value = {toml_string(text)}")["value"] == text
