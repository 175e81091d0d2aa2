"""The projector's stage: phases from the room, option letters, and leaderboard places."""

from __future__ import annotations

from types import SimpleNamespace

from lbteach.classroom import stage
from lbteach.classroom.room import ClassRoom


def test_options_numbered_by_the_room_are_shown_as_letters():
    assert [stage.letter(k) for k in ("1", "2", "3", "4", 5)] == ["A", "B", "C", "D", "E"]
    assert stage.letters(["3", "1"]) == "A C"
    assert stage.letter("zzz") == "zzz"


def test_a_class_moves_from_lobby_to_restaurant_to_question_to_results():
    room = ClassRoom("ABCDEF")
    room.seat(1, "Ana")
    assert stage.phase(room) == stage.LOBBY
    room.student_action(1, "add_to_cart")
    assert stage.phase(room) == stage.RESTAURANT
    room.quiz = {"revealed": False}
    assert stage.phase(room) == stage.QUESTION
    room.quiz["revealed"] = True
    assert stage.phase(room) == stage.RESULTS
    room.close_question()
    assert stage.phase(room) == stage.RESTAURANT


def seat(name: str, score: int) -> dict:
    return {"nickname": name, "score": score}


def test_ties_share_a_place_and_nobody_is_placed_on_zero_points():
    board = stage.ranked(
        [seat("Ana", 2), seat("Ben", 3), seat("Cy", 2), seat("Di", 0), seat("Ed", 1)]
    )
    assert [(e["nickname"], e["place"]) for e in board] == [
        ("Ben", 1),
        ("Ana", 2),
        ("Cy", 2),
        ("Ed", 4),
        ("Di", None),
    ]
    assert [e["place"] for e in stage.ranked([seat("Ana", 0), seat("Ben", 0)])] == [None, None]


def test_the_leaderboard_shows_at_most_ten():
    assert len(stage.ranked([seat(f"S{n}", n % 3) for n in range(30)])) == 10


def test_an_unknown_room_is_in_the_lobby():
    assert stage.phase(SimpleNamespace()) == stage.LOBBY


def test_the_stage_names_at_most_sixty_students_and_counts_the_rest():
    from django.template.loader import get_template

    from lbteach.classroom.frames import clients_by_id, roster_context

    room = ClassRoom("SIXTY2")
    for student in range(1, stage.STAGE_NAMES + 3):
        room.seat(student, f"Kid {student}")
    html = get_template("classroom/live.html#roster").render(
        roster_context(room, clients_by_id(room.sim.view()))
    )
    assert html.count('class=" past-stage"') == 2
    assert '<li class="roster-more">+2 more</li>' in html
    assert stage.names_past_stage(stage.STAGE_NAMES) == 0


def test_a_reveal_nobody_answered_says_so_rather_than_zero_of_zero():
    from django.template.loader import get_template

    from lbteach.classroom.frames import quiz_context
    from lbteach.quiz.questions import OptionData, QuestionData

    room = ClassRoom("NOBODY")
    room.seat(1, "Ana")
    room.seat(2, "Ben")
    question = QuestionData(
        key="q",
        kind="single",
        topic="t",
        prompt="Which?",
        explanation="Because.",
        options=(
            OptionData(key="a", text="This", correct=True, explanation="Yes."),
            OptionData(key="b", text="That", correct=False, explanation="No."),
        ),
    )
    room.open_question(question, 30, record_id=1)
    assert room.reveal() == "Answer revealed. Nobody answered (2 students)."
    html = get_template("classroom/live.html#class_quiz").render(
        {"quiz": quiz_context(room, 0), "room": room}
    )
    assert "Nobody answered (2 students)." in html
    room.record_answer(1, 1, ["1"], True)
    assert room.reveal() == "Answer revealed: 1 of 1 answer right."
