"""A class's results, kept after it ends: the results page, its CSV rows and the ending's figures.

Everything is read from the database (the source of truth once a class is over), so the
results page, the CSV and every screen's ending agree.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypedDict

from django.conf import settings

from lbteach.classroom.models import ClassQuestion, Classroom
from lbteach.classroom.stage import letter, letters, ranked
from lbteach.quiz import bank


def question_title(prompt: str) -> str:
    """A question's first line, as a title for tables and the CSV."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    return first if len(first) <= 140 else first[:139] + "…"


def _layout(question: ClassQuestion) -> list[dict[str, Any]]:
    if question.layout:
        return question.layout
    # Asked before layouts were kept: the bank's order stands in for the class's.
    data = bank.get_question(question.question_key)
    options = data.options if data else ()
    return [
        {"key": str(n), "text": o.text, "bank_key": o.key, "correct": o.correct}
        for n, o in enumerate(options, start=1)
    ]


class StudentResult(TypedDict):
    """One row of the results page's student table."""

    id: int
    nickname: str
    customer: int | None
    score: int
    answered: int
    cart_breaks: int
    checkouts: int


NO_ANSWER = "no answer"


def class_results(classroom: Classroom) -> dict[str, Any]:
    """Everything the results page shows: each question's histogram and each student's answer
    to it (or "no answer"), each student's tally. The CSV is written from the same rows."""
    students = list(classroom.students.all())
    scores = {s.pk: {"right": 0, "answered": 0} for s in students}
    questions = []
    for number, question in enumerate(
        classroom.questions.prefetch_related("answers").order_by("opened_at"), start=1
    ):
        layout = _layout(question)
        answers = list(question.answers.all())
        total = len(answers)
        options = []
        for option in layout:
            votes = sum(1 for a in answers if option["bank_key"] in a.choice)
            options.append(
                {
                    **option,
                    "letter": letter(option["key"]),
                    "votes": votes,
                    "width": round(100 * votes / total) if total else 0,
                }
            )
        for answer in answers:
            tally = scores.setdefault(answer.student_id, {"right": 0, "answered": 0})
            tally["answered"] += 1
            tally["right"] += int(answer.correct)
        letter_of = {o["bank_key"]: letter(o["key"]) for o in layout}
        by_student = {a.student_id: a for a in answers}
        replies = []
        for student in students:
            given = by_student.get(student.pk)
            replies.append(
                {
                    "nickname": student.nickname,
                    "answer": " ".join(sorted(letter_of.get(k, k) for k in given.choice))
                    if given
                    else "",
                    "correct": (
                        ("yes" if given.correct else "no") if given is not None else NO_ANSWER
                    ),
                    "answered_at": given.answered_at.isoformat(timespec="seconds") if given else "",
                }
            )
        right = sum(1 for a in answers if a.correct)
        questions.append(
            {
                "number": number,
                "title": question_title(question.prompt),
                "prompt": question.prompt,
                "options": options,
                "answered": total,
                "right": right,
                "wrong": total - right,
                "unanswered": len(students) - total,
                "asked": len(students),
                "replies": replies,
                "right_letters": letters(o["key"] for o in layout if o["correct"]),
            }
        )
    people: list[StudentResult] = [
        {
            "id": s.pk,
            "nickname": s.nickname,
            "customer": s.customer,
            "score": scores[s.pk]["right"],
            "answered": scores[s.pk]["answered"],
            "cart_breaks": s.cart_breaks,
            "checkouts": s.checkouts,
        }
        for s in students
    ]
    people.sort(key=lambda p: (-p["score"], p["nickname"].lower()))
    kept_until = (
        classroom.ended_at + timedelta(days=settings.CLASS_RESULTS_DAYS)
        if classroom.ended_at
        else None
    )
    return {"questions": questions, "students": people, "kept_until": kept_until}


RESULT_COLUMNS = [
    "question_number",
    "question",
    "nickname",
    "answer",
    "correct",
    "right_answer",
    "answered_at",
    "score",
    "cart_breaks",
    "checkouts",
]


def result_rows(classroom: Classroom, results: dict[str, Any] | None = None) -> list[list[str]]:
    """One row per student per question sent ("no answer" when they gave none), each with the
    student's score, cart breaks and checkouts; a class without questions still has a row per
    student. Written from `class_results`, so the CSV and the results page agree."""
    results = results if results is not None else class_results(classroom)
    tally = {p["nickname"]: p for p in results["students"]}

    def student_columns(nickname: str) -> list[str]:
        person = tally[nickname]
        return [str(person["score"]), str(person["cart_breaks"]), str(person["checkouts"])]

    rows = []
    for question in results["questions"]:
        for reply in question["replies"]:
            rows.append(
                [
                    str(question["number"]),
                    question["title"],
                    reply["nickname"],
                    reply["answer"],
                    reply["correct"],
                    question["right_letters"],
                    reply["answered_at"],
                    *student_columns(reply["nickname"]),
                ]
            )
    if not results["questions"]:
        for person in sorted(results["students"], key=lambda p: p["id"]):
            rows.append(
                ["", "", person["nickname"], "", "", "", "", *student_columns(person["nickname"])]
            )
    return rows


# -- the ending every screen shows once the class is over ------------------------------------
PODIUM_PLACES = 3


def ending_figures(classroom: Classroom) -> dict[str, Any]:
    """What the ended class's screens show: the podium (ties share a place, nobody is placed
    on zero points), the class's totals, and each student's own line by student id."""
    results = class_results(classroom)
    people = results["students"]
    board = ranked(people, limit=len(people))
    places = {entry["id"]: entry["place"] for entry in board}
    podium = [e for e in board if e["place"] is not None and e["place"] <= PODIUM_PLACES]
    questions = results["questions"]
    totals = {
        "students": len(people),
        "questions": len(questions),
        "answers": sum(q["answered"] for q in questions),
        "right": sum(q["right"] for q in questions),
        "cart_breaks": sum(p["cart_breaks"] for p in people),
        "checkouts": sum(p["checkouts"] for p in people),
    }
    mine = {p["id"]: {**p, "place": places[p["id"]], "questions": len(questions)} for p in people}
    return {"podium": podium, "totals": totals, "students": mine, "code": classroom.code}
