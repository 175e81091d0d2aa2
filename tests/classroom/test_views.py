"""Classroom pages: start, the teacher's secret, joining, the QR code, results, bad input."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lbteach.classroom import service
from lbteach.classroom.codes import hash_secret
from lbteach.classroom.models import ClassQuestion, Classroom, Student
from lbteach.classroom.room import ClassRoom
from tests.classroom.conftest import join, start_class

pytestmark = pytest.mark.django_db


def test_starting_a_class_makes_a_code_and_keeps_only_a_hash_of_the_teacher_key():
    client, code = start_class()
    classroom = Classroom.objects.get(code=code)
    key = client.session[service.TEACHER_SESSION_KEY][code]
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
    for page in ("teach", "projector", "results.csv"):
        address = f"/class/{code}/{page}" + ("" if "." in page else "/")
        response = stranger.get(address)
        assert response.status_code == 403, page
        assert "Only the teacher" in response.content.decode()


def test_the_teacher_link_carries_control_to_a_second_device_and_a_wrong_key_does_not():
    teacher, code = start_class()
    key = teacher.session[service.TEACHER_SESSION_KEY][code]
    laptop = Client()
    wrong = laptop.post(f"/class/{code}/teach/", {"key": "wrong", "next": "teach"})
    assert wrong.status_code == 403
    assert "not this class's teacher key" in wrong.content.decode()
    assert laptop.post(f"/class/{code}/teach/", {"key": "x" * 100_000}).status_code == 403
    assert laptop.get(f"/class/{code}/projector/").status_code == 403
    # The key in the URL's query does nothing: it would land in access logs.
    assert laptop.get(f"/class/{code}/teach/?key={key}").status_code == 403
    # The projector's own refusal page posts the key (as its script does from the link's
    # fragment) and leads back to the projector.
    page = laptop.get(f"/class/{code}/projector/").content.decode()
    assert 'name="next" value="projector"' in page
    link = f"http://testserver/class/{code}/teach/#key={key}"  # a whole link pasted works too
    response = laptop.post(f"/class/{code}/teach/", {"key": link, "next": "projector"})
    assert response["Location"] == f"/class/{code}/projector/"
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
    question = service.record_question(code, "q-key", "Why did the cart break?\nExplain.", 30)
    quiz = {
        "options": [{"key": "1", "text": "Wrong idea"}, {"key": "2", "text": "Right idea"}],
        "bank_keys": {"1": "a", "2": "b"},
        "correct": ["2"],
    }
    service.record_layout(question, quiz)
    assert service.record_answer(question, student.pk, ["b"], True)
    return question


def test_results_download_as_csv_with_the_letters_students_saw_and_question_titles():
    teacher, code = start_class()
    classroom = Classroom.objects.get(code=code)
    phone = join(code, "Ana")
    student = Student.objects.get(classroom=classroom)
    question = _asked(code, student)
    assert not service.record_answer(question, student.pk, ["a"], False)  # counts once
    response = teacher.get(f"/class/{code}/results.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == service.RESULT_COLUMNS
    assert rows[1][:6] == ["1", "Why did the cart break?", "Ana", "B", "yes", "B"]
    assert len(rows) == 2
    assert ClassQuestion.objects.count() == 1
    assert phone.get(f"/class/{code}/results.csv").status_code == 403


def test_an_ended_class_keeps_its_results_for_the_teacher_only():
    teacher, code = start_class()
    phone = join(code, "Ana")
    student = Student.objects.get(classroom__code=code)
    _asked(code, student)
    service.count_action(student.pk, "add_to_cart", True)
    service.count_action(student.pk, "checkout", False)
    service.end_class(code)
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
    service.end_class(code)
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=29))
    assert teacher.get(f"/class/{code}/results/").status_code == 200
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=31))
    assert teacher.get(f"/class/{code}/results/").status_code == 404
    assert not Classroom.objects.filter(code=code).exists()
    assert not Student.objects.filter(classroom__code=code).exists()


def test_the_purge_command_deletes_only_expired_results(settings):
    settings.CLASS_RESULTS_DAYS = 1
    _, old = start_class()
    _, kept = start_class()
    _, running = start_class()
    join(old, "Ana")  # her student row goes too, but only the class is counted
    for code in (old, kept):
        service.end_class(code)
    Classroom.objects.filter(code=old).update(ended_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()
    call_command("purge_class_results", stdout=out)
    assert "Ended 0 idle classes; deleted 1 ended class older than 1 days." in out.getvalue()
    assert set(Classroom.objects.values_list("code", flat=True)) == {kept, running}


def test_an_ended_or_idle_class_cannot_be_joined(settings):
    _, code = start_class()
    service.end_class(code)
    assert Client().get(f"/class/{code}/").status_code == 404
    _, idle = start_class()
    Classroom.objects.filter(code=idle).update(idle_minutes=0)
    assert Client().get(f"/class/{idle}/").status_code == 404
    assert Classroom.objects.get(code=idle).ended_at is not None


def test_class_pages_refuse_the_wrong_methods():
    _, code = start_class()
    assert Client().get("/class/start/").status_code == 405
    assert Client().post(f"/class/{code}/projector/").status_code == 405


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
