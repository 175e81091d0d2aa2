"""Classroom pages: start, the teacher's secret, joining, the QR code, results, bad input."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lbteach.classroom import identity, lifecycle, quizrecords, results, students
from lbteach.classroom.codes import hash_secret
from lbteach.classroom.models import ClassQuestion, Classroom, Student
from lbteach.classroom.room import ClassRoom
from lbteach.classroom.sweep import sweep
from tests.classroom.conftest import join, start_class
from tests.text import search

pytestmark = pytest.mark.django_db


def test_starting_a_class_makes_a_code_and_keeps_only_a_hash_of_the_teacher_key():
    client, code = start_class()
    classroom = Classroom.objects.get(code=code)
    key = client.session[identity.TEACHER_SESSION_KEY][code]
    assert classroom.teacher_key_hash == hash_secret(key)
    assert key not in code
    page = client.get(f"/class/{code}/teach/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/ws/class/{code}/teacher/" in html
    assert "Add bots" in html
    # The teacher link for a second device carries the key where no request line does.
    assert f"/class/{code}/teach/#key={key}" in html
    assert f"?key={key}" not in html


def test_only_the_teacher_opens_the_teacher_and_projector_pages():
    _, code = start_class()
    stranger = Client()
    for page in ("teach", "results.csv"):
        address = f"/class/{code}/{page}" + ("" if "." in page else "/")
        response = stranger.get(address)
        assert response.status_code == 403, page
        assert "Only the teacher" in response.content.decode()
    response = stranger.get(f"/class/{code}/projector/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Open this projector from the teacher page" in html
    assert "Projector link for another device" in html
    assert "/ws/class/" not in html


def test_the_projector_link_opens_the_projector_on_another_device_and_nothing_more():
    teacher, code = start_class()
    page = teacher.get(f"/class/{code}/teach/").content.decode()
    link = search(r'aria-label="Projector link" readonly value="http://testserver([^"]+)"', page)
    key = identity.projector_key(Classroom.objects.get(code=code))
    # The key rides in the fragment (never sent, never logged); the page posts it.
    assert link == f"/class/{code}/projector/#key={key}"
    assert key != teacher.session[identity.TEACHER_SESSION_KEY][code]
    screen = Client()
    assert screen.get(f"/class/{code}/projector/?key={key}").status_code == 403
    wrong = screen.post(f"/class/{code}/projector/", {"key": "nope"})
    assert wrong.status_code == 403
    assert "not the one for class" in wrong.content.decode()
    posted = screen.post(f"/class/{code}/projector/", {"key": f"http://testserver{link}"})
    assert posted["Location"] == f"/class/{code}/projector/"
    assert screen.get(f"/class/{code}/projector/").status_code == 200
    assert screen.get(f"/class/{code}/teach/").status_code == 403
    assert screen.get(f"/class/{code}/results/").status_code == 403
    _, other = start_class()
    assert Client().post(f"/class/{other}/projector/", {"key": key}).status_code == 403


def test_the_teacher_link_carries_control_to_a_second_device_and_a_wrong_key_does_not():
    teacher, code = start_class()
    key = teacher.session[identity.TEACHER_SESSION_KEY][code]
    laptop = Client()
    wrong = laptop.post(f"/class/{code}/teach/", {"key": "wrong", "next": "teach"})
    assert wrong.status_code == 403
    assert "not this class's teacher key" in wrong.content.decode()
    assert laptop.post(f"/class/{code}/teach/", {"key": "x" * 100_000}).status_code == 403
    assert laptop.get(f"/class/{code}/projector/").status_code == 403
    # The key in the URL's query does nothing: it would land in access logs.
    assert laptop.get(f"/class/{code}/teach/?key={key}").status_code == 403
    # The refusal page posts the key (as its script does from the link's fragment) and
    # leads back to the page it refused.
    page = laptop.get(f"/class/{code}/results/").content.decode()
    assert 'name="next" value="results_page"' in page
    link = f"http://testserver/class/{code}/teach/#key={key}"  # a whole link pasted works too
    response = laptop.post(f"/class/{code}/teach/", {"key": link, "next": "results_page"})
    assert response["Location"] == f"/class/{code}/results/"
    assert key not in response["Location"]
    assert laptop.get(f"/class/{code}/projector/").status_code == 200
    assert laptop.get(f"/class/{code}/teach/").status_code == 200


def test_a_student_joins_with_a_nickname_and_stays_the_same_student_on_reload():
    _, code = start_class()
    phone = join(code, "  Ana  ")
    student = Student.objects.get(classroom__code=code)
    assert student.nickname == "Ana"
    page = phone.get(f"/class/{code}/").content.decode()
    assert f"/ws/class/{code}/student/" in page
    assert "Add to cart" in page
    assert "Switch network" in page
    phone.get(f"/class/{code}/")
    assert Student.objects.filter(classroom__code=code).count() == 1


def test_nicknames_are_unique_in_a_class_ignoring_case():
    _, code = start_class()
    join(code, "Ana")
    response = Client().post(f"/class/{code}/", {"nickname": "ana"})
    assert response.status_code == 400
    assert "already called “Ana”" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({}, "Enter a nickname."),
        ({"nickname": "<b>x</b>"}, "letters, digits"),
        ({"nickname": "x" * 80}, "at most 24"),
    ],
)
def test_a_bad_nickname_is_refused_and_nothing_is_added(fields, says):
    _, code = start_class()
    response = Client().post(f"/class/{code}/", fields)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert Student.objects.count() == 0
    assert "<b>x</b>" not in response.content.decode()


def test_nicknames_are_escaped_on_every_page():
    # The form refuses markup, but a name reaches pages from the saved room too: escape there.
    teacher, code = start_class()
    room = ClassRoom(code)
    room.seat(1, "<i>evil</i>")
    Classroom.objects.filter(code=code).update(state=room.to_dict())
    for page in ("teach", "projector"):
        html = teacher.get(f"/class/{code}/{page}/").content.decode()
        assert "<i>evil</i>" not in html, page
        assert "&lt;i&gt;evil&lt;/i&gt;" in html, page


def test_joining_by_code_finds_the_class_and_an_unknown_code_says_so():
    _, code = start_class()
    assert Client().get(f"/class/join/?code={code.lower()}")["Location"] == f"/class/{code}/"
    response = Client().get("/class/join/?code=ZZZZZZ")
    assert response.status_code == 404
    assert "No open class has the code “ZZZZZZ”" in response.content.decode()
    assert Client().get("/class/ZZZZZZ/").status_code == 404


def test_guessing_codes_is_slowed_per_address_and_then_no_code_tells_right_from_wrong(settings):
    settings.CLASS_JOIN_ATTEMPTS = 3
    teacher, code = start_class(Client(REMOTE_ADDR="203.0.113.9"))
    ana = join(code, "Ana", Client(REMOTE_ADDR="203.0.113.9"))
    school = Client(REMOTE_ADDR="203.0.113.9")  # every browser of a school shares an address
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert school.get(f"/class/{guess}/").status_code == 404
    assert school.get("/class/DDDDDD/").status_code == 429  # past the budget: wrong codes wait
    assert school.get("/class/join/?code=EEEEEE").status_code == 429
    # A right code waits too, on every page that finds a class by its code (the QR code
    # included): a locked-out guesser learns nothing from the answer.
    for page in ("", "qr.svg", "projector/", "teach/"):
        assert school.get(f"/class/{code}/{page}").status_code == 429, page
    assert school.get(f"/class/join/?code={code}").status_code == 429
    # Nobody already in the class is turned away.
    assert ana.get(f"/class/{code}/").status_code == 200
    for page in ("teach/", "projector/", "qr.svg", "results.csv"):
        assert teacher.get(f"/class/{code}/{page}").status_code == 200, page


def test_starting_classes_is_limited_per_address(settings):
    settings.CLASS_STARTS_PER_HOUR = 2
    client = Client(REMOTE_ADDR="203.0.113.20")
    for _ in range(2):
        assert client.post("/class/start/").status_code == 302
    refused = client.post("/class/start/")
    assert refused.status_code == 429
    assert "started many classes in the last hour" in refused.content.decode()
    assert Classroom.objects.count() == 2
    assert Client(REMOTE_ADDR="203.0.113.21").post("/class/start/").status_code == 302


def test_a_full_class_says_so_and_adds_nobody(settings):
    settings.CLASS_MAX_STUDENTS = 2
    _, code = start_class()
    join(code, "Ana")
    join(code, "Ben")
    response = Client().post(f"/class/{code}/", {"nickname": "Cleo"})
    assert response.status_code == 400
    assert "This class is full: it has its 2 students." in response.content.decode()
    assert Student.objects.filter(classroom__code=code).count() == 2


@pytest.mark.parametrize(
    ("first", "second"),
    [("Ace", "\u0410\u0441\u0435"), ("Jose", "Jos\u00e9"), ("Bob", "B0b")],
)
def test_a_name_that_looks_like_a_classmates_is_refused(first, second):
    _, code = start_class()
    join(code, first)
    response = Client().post(f"/class/{code}/", {"nickname": second})
    assert response.status_code == 400
    assert f"already called “{first}”" in response.content.decode()


def test_the_teacher_page_is_never_cached():
    teacher, code = start_class()
    cache_control = teacher.get(f"/class/{code}/teach/")["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_the_qr_code_is_an_svg_of_the_join_address():
    _, code = start_class()
    response = Client().get(f"/class/{code}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<?xml")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert f"Join class {code}" in svg


def _asked(code: str, student: Student) -> int:
    """A question the class saw with options B (right) then A, and Ana's answer to it."""
    question = quizrecords.record_question(code, "q-key", "Why did the cart break?\nExplain.", 30)
    quiz = {
        "options": [{"key": "1", "text": "Wrong idea"}, {"key": "2", "text": "Right idea"}],
        "bank_keys": {"1": "a", "2": "b"},
        "correct": ["2"],
    }
    quizrecords.record_layout(question, quiz)
    assert quizrecords.record_answer(question, student.pk, ["b"], True)
    return question


def test_results_download_as_csv_with_the_letters_students_saw_and_question_titles():
    teacher, code = start_class()
    classroom = Classroom.objects.get(code=code)
    phone = join(code, "Ana")
    student = Student.objects.get(classroom=classroom)
    question = _asked(code, student)
    assert not quizrecords.record_answer(question, student.pk, ["a"], False)  # counts once
    response = teacher.get(f"/class/{code}/results.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == results.RESULT_COLUMNS
    assert rows[1][:6] == ["1", "Why did the cart break?", "Ana", "B", "yes", "B"]
    assert rows[1][7:] == ["1", "0", "0"]
    assert len(rows) == 2
    assert ClassQuestion.objects.count() == 1
    assert phone.get(f"/class/{code}/results.csv").status_code == 403


def test_an_ended_class_keeps_its_results_for_the_teacher_only():
    teacher, code = start_class()
    phone = join(code, "Ana")
    student = Student.objects.get(classroom__code=code)
    _asked(code, student)
    students.count_action(student.pk, "add_to_cart", True)
    students.count_action(student.pk, "checkout", False)
    lifecycle.end_class(code)
    assert teacher.get(f"/class/{code}/teach/")["Location"] == f"/class/{code}/results/"
    page = teacher.get(f"/class/{code}/results/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Question 1: Why did the cart break?" in html
    assert "Right answer: B." in html
    assert '<th scope="row">Ana</th><td>1 of 1</td><td>1</td><td>1</td><td>1</td>' in html
    assert teacher.get(f"/class/{code}/results/print/").status_code == 200
    assert teacher.get(f"/class/{code}/results.csv").status_code == 200
    for address in ("results/", "results/print/", "results.csv"):
        assert phone.get(f"/class/{code}/{address}").status_code == 403
        assert Client().get(f"/class/{code}/{address}").status_code == 403


def test_results_are_deleted_after_class_results_days(settings):
    settings.CLASS_RESULTS_DAYS = 30
    teacher, code = start_class()
    join(code, "Ana")
    lifecycle.end_class(code)
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=29))
    assert teacher.get(f"/class/{code}/results/").status_code == 200
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=31))
    # Past its days the class is gone for every page at once; the sweep deletes it.
    assert teacher.get(f"/class/{code}/results/").status_code == 404
    assert teacher.get(f"/class/{code}/").status_code == 404
    assert Classroom.objects.filter(code=code).exists()
    assert sweep() == (0, 1)
    assert not Classroom.objects.filter(code=code).exists()
    assert not Student.objects.filter(classroom__code=code).exists()


def test_the_purge_command_deletes_only_expired_results(settings):
    settings.CLASS_RESULTS_DAYS = 1
    _, old = start_class()
    _, kept = start_class()
    _, running = start_class()
    join(old, "Ana")  # her student row goes too, but only the class is counted
    for code in (old, kept):
        lifecycle.end_class(code)
    Classroom.objects.filter(code=old).update(ended_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()
    call_command("purge_class_results", stdout=out)
    assert "Ended 0 idle classes; deleted 1 ended class older than 1 days." in out.getvalue()
    assert set(Classroom.objects.values_list("code", flat=True)) == {kept, running}


def test_an_ended_or_idle_class_cannot_be_joined(settings):
    _, code = start_class()
    lifecycle.end_class(code)
    for response in (
        Client().get(f"/class/{code}/"),
        Client().post(f"/class/{code}/", {"nickname": "Late"}),
    ):
        assert response.status_code == 410
        html = response.content.decode()
        assert "Class ended" in html
        assert "<form" not in html
    assert not Student.objects.filter(nickname="Late").exists()
    assert Client().get(f"/class/{code}/qr.svg").status_code == 404
    _, idle = start_class()
    Classroom.objects.filter(code=idle).update(idle_minutes=0)
    assert Client().get(f"/class/{idle}/").status_code == 410
    assert Classroom.objects.get(code=idle).ended_at is not None


def _ended_class_of_three():
    """Ana answers right, Ben wrong, Chloé never; Ana's cart broke once; Ben checked out."""
    teacher, code = start_class()
    phones = {name: join(code, name) for name in ("Ana", "Ben", "Chloé")}
    ana, ben, _chloe = Student.objects.filter(classroom__code=code).order_by("joined_at")
    question = _asked(code, ana)
    assert quizrecords.record_answer(question, ben.pk, ["a"], False)
    students.count_action(ana.pk, "add_to_cart", True)
    students.count_action(ben.pk, "checkout", False)
    students.count_action(ben.pk, "checkout", False)
    lifecycle.end_class(code)
    return teacher, code, phones


def test_a_reloaded_phone_of_an_ended_class_shows_its_own_ending_and_no_controls():
    _teacher, code, phones = _ended_class_of_three()
    response = phones["Ana"].get(f"/class/{code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Class ended" in html
    assert 'data-ending="score">1<' in html
    assert 'data-ending="cart_breaks">1<' in html
    assert 'data-ending="checkouts">0<' in html
    assert "place 1" in html
    assert "<form" not in html
    assert "ws-connect" not in html
    assert "<button" not in html
    ben = phones["Ben"].get(f"/class/{code}/").content.decode()
    assert 'data-ending="score">0<' in ben
    assert 'data-ending="checkouts">2<' in ben
    assert "place " not in ben  # nobody is placed on zero points


def test_a_reloaded_projector_of_an_ended_class_shows_the_podium_and_totals():
    teacher, code, _phones = _ended_class_of_three()
    html = teacher.get(f"/class/{code}/projector/").content.decode()
    assert f"Class {code} has ended" in html
    podium = html[html.index('class="podium"') : html.index("</ol>", html.index('class="podium"'))]
    assert podium.count("podium-step") == 1
    assert "Ana" in podium
    assert "Ben" not in podium
    totals = html[html.index('class="ending-totals"') :]
    assert "<dt>Students</dt><dd>3</dd>" in totals
    assert "<dt>Right answers</dt><dd>1</dd>" in totals
    assert "of 2 given" in totals
    assert "<dt>Cart breaks</dt><dd>1</dd>" in totals
    assert "<dt>Checkouts</dt><dd>2</dd>" in totals
    assert "ws-connect" not in html
    assert "<form" not in html


def test_ties_share_a_place_on_the_podium():
    _teacher, code = start_class()
    join(code, "Ana")
    join(code, "Ben")
    join(code, "Cy")
    ana, ben, cy = Student.objects.filter(classroom__code=code).order_by("joined_at")
    question = _asked(code, ana)
    assert quizrecords.record_answer(question, ben.pk, ["b"], True)
    second = quizrecords.record_question(code, "q2", "Again?", 30)
    assert quizrecords.record_answer(second, cy.pk, ["b"], True)
    assert quizrecords.record_answer(second, ana.pk, ["b"], True)
    lifecycle.end_class(code)
    data = results.ending_figures(Classroom.objects.get(code=code))
    assert [(p["nickname"], p["place"]) for p in data["podium"]] == [
        ("Ana", 1),
        ("Ben", 2),
        ("Cy", 2),
    ]


def test_the_csv_has_a_row_per_student_per_question_and_agrees_with_the_results_page():
    teacher, code, _phones = _ended_class_of_three()
    unanswered = quizrecords.record_question(code, "q-none", "Nobody answers this?", 30)
    assert unanswered
    rows = list(
        csv.DictReader(io.StringIO(teacher.get(f"/class/{code}/results.csv").content.decode()))
    )
    assert [(r["question_number"], r["nickname"], r["answer"], r["correct"]) for r in rows] == [
        ("1", "Ana", "B", "yes"),
        ("1", "Ben", "A", "no"),
        ("1", "Chloé", "", "no answer"),
        ("2", "Ana", "", "no answer"),
        ("2", "Ben", "", "no answer"),
        ("2", "Chloé", "", "no answer"),
    ]
    tallies = {r["nickname"]: (r["score"], r["cart_breaks"], r["checkouts"]) for r in rows}
    assert tallies == {"Ana": ("1", "1", "0"), "Ben": ("0", "0", "2"), "Chloé": ("0", "0", "0")}
    html = teacher.get(f"/class/{code}/results/").content.decode()
    assert "1 right, 1 wrong, 1 no answer (3 students)." in html
    assert "0 right, 0 wrong, 3 no answer (3 students)." in html
    # Every student's line on the page is the CSV's tally for them.
    for nickname, (score, breaks, checkouts) in tallies.items():
        answered = sum(1 for r in rows if r["nickname"] == nickname and r["answer"])
        line = (
            f'<th scope="row">{nickname}</th><td>{score} of 2</td><td>{answered}</td>'
            f"<td>{breaks}</td><td>{checkouts}</td>"
        )
        assert line in html, nickname


def test_a_class_without_questions_still_has_a_csv_row_per_student():
    teacher, code = start_class()
    join(code, "Ana")
    ana = Student.objects.get(nickname="Ana")
    students.count_action(ana.pk, "add_to_cart", True)
    rows = list(csv.reader(io.StringIO(teacher.get(f"/class/{code}/results.csv").content.decode())))
    assert rows[1:] == [["", "", "Ana", "", "", "", "", "0", "1", "0"]]


def test_class_pages_refuse_the_wrong_methods():
    _, code = start_class()
    assert Client().get("/class/start/").status_code == 405
    assert Client().post(f"/class/{code}/qr.svg").status_code == 405
    assert Client().delete(f"/class/{code}/projector/").status_code == 405


def test_a_phone_page_shows_its_saved_card_before_the_socket_connects():
    _, code = start_class()
    phone = join(code, "Ana")
    assert "Finding your table" in phone.get(f"/class/{code}/").content.decode()
    student = Student.objects.get(classroom__code=code)
    room = ClassRoom(code)
    room.seat(student.pk, "Ana")
    room.student_action(student.pk, "add_to_cart")
    Classroom.objects.filter(code=code).update(state=room.to_dict())
    html = phone.get(f"/class/{code}/").content.decode()
    assert "Your cart: <strong>1 item</strong>" in html
    assert "Finding your table" not in html
    assert "hx-swap-oob" not in html.split('id="me"')[1].split(">")[0]


def test_a_students_phone_has_no_site_menu_to_tap_away_on():
    _, code = start_class()
    phone = join(code, "Ana")
    html = phone.get(f"/class/{code}/").content.decode()
    assert 'aria-label="Main"' not in html
    assert 'href="/lessons/"' not in html
    assert 'aria-label="Main"' in Client().get("/class/").content.decode()


def test_a_wrong_code_on_the_teacher_page_counts_once(settings):
    settings.CLASS_JOIN_ATTEMPTS = 2
    guesser = Client(REMOTE_ADDR="203.0.113.44")
    assert guesser.get("/class/AAAAAA/teach/").status_code == 404
    assert guesser.get("/class/BBBBBB/teach/").status_code == 404
    assert guesser.get("/class/CCCCCC/teach/").status_code == 429  # the third miss, not the second


def test_results_pages_and_the_csv_are_never_stored_by_any_cache():
    teacher, code = start_class()
    for page in ("results/", "results/print/", "results.csv", "teach/"):
        response = teacher.get(f"/class/{code}/{page}")
        assert response.status_code == 200, page
        assert "no-store" in response["Cache-Control"], page
        assert "private" in response["Cache-Control"], page


def test_the_address_students_are_given_shows_the_join_form_alone():
    page = Client().get("/class/join/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join your class" in html
    assert 'action="/class/join/"' in html
    assert "Start a class" not in html
    assert 'action="/class/start/"' not in html
    teachers = Client().get("/class/").content.decode()
    assert 'action="/class/start/"' in teachers


def test_the_ending_is_shown_while_results_are_kept_and_gone_after(settings):
    settings.CLASS_RESULTS_DAYS = 30
    teacher, code, phones = _ended_class_of_three()
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=29))
    assert "Class ended" in phones["Ana"].get(f"/class/{code}/").content.decode()
    assert teacher.get(f"/class/{code}/projector/").status_code == 200
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=31))
    assert phones["Ana"].get(f"/class/{code}/").status_code == 404
    assert teacher.get(f"/class/{code}/projector/").status_code == 404


def test_the_teacher_page_looks_its_class_up_once_and_deletes_nothing():
    teacher, code = start_class()
    with CaptureQueriesContext(connection) as queries:
        assert teacher.get(f"/class/{code}/teach/").status_code == 200
    touching = [q["sql"] for q in queries if '"classroom_classroom"' in q["sql"]]
    assert len(touching) == 1, touching
    assert touching[0].startswith("SELECT")
