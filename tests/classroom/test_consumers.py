"""Classroom websockets through the real router: roles, students' own customers, the class quiz,
bad input, and a room that survives its process restarting."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from lbteach.classroom import home as home_module
from lbteach.classroom import placement
from lbteach.classroom.models import ClassAnswer, Classroom, Student
from lbteach.live.broadcast import CLOSE_TOO_BIG
from tests.classroom.conftest import join, socket, start_class
from tests.lab.conftest import receive_until, status, status_text, statuses
from tests.text import search

pytestmark = pytest.mark.django_db(transaction=True)


async def connected(client, code, role):
    communicator = socket(client, code, role)
    ok, _ = await communicator.connect()
    assert ok, role
    return communicator


async def send(communicator, **fields):
    await communicator.send_to(text_data=json.dumps(fields))


async def a_class(*nicknames):
    teacher, code = await sync_to_async(start_class)()
    phones = [await sync_to_async(join)(code, name) for name in nicknames]
    return teacher, code, phones


async def closes(communicator) -> int:
    """The close code a socket ends with, skipping the frames sent before it."""
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)


def card(frame: str) -> bool:
    return 'id="me"' in frame


async def test_the_teacher_sees_the_restaurant_and_students_see_their_own_card():
    teacher, code, (ana,) = await a_class("Ana")
    screen = await connected(teacher, code, "teacher")
    snapshot = await receive_until(screen, lambda f: 'id="floor"' in f)
    assert 'id="roster"' in snapshot
    assert 'id="class-quiz"' in snapshot
    phone = await connected(ana, code, "student")
    mine = await receive_until(phone, card)
    assert "Ana" in mine
    assert "Your cart is empty." in mine
    assert 'id="floor"' not in mine  # a phone gets its own card, not the whole floor
    roster = await receive_until(screen, lambda f: "Ana" in f and 'id="roster"' in f)
    assert "Ana joined the class as customer 1." in roster
    await phone.disconnect()
    await screen.disconnect()


async def test_only_the_teacher_may_open_the_teacher_and_projector_sockets():
    _teacher, code, (ana,) = await a_class("Ana")
    for role in ("teacher", "projector"):
        communicator = socket(ana, code, role)
        ok, close_code = await communicator.connect()
        assert (ok, close_code) == (False, 4403)
    stranger = await sync_to_async(join)(code, "Ben")
    await sync_to_async(Student.objects.filter(nickname="Ben").delete)()
    communicator = socket(stranger, code, "student")
    assert (await communicator.connect()) == (False, 4403)


async def test_a_cross_origin_page_cannot_connect():
    teacher, code, _ = await a_class()
    communicator = socket(teacher, code, "teacher", origin=(b"origin", b"http://evil.example"))
    ok, _ = await communicator.connect()
    assert not ok


async def test_a_students_buttons_act_on_their_own_customer_only():
    _teacher, code, (ana, ben) = await a_class("Ana", "Ben")
    phone_a = await connected(ana, code, "student")
    await receive_until(phone_a, card)
    phone_b = await connected(ben, code, "student")
    await receive_until(phone_b, card)

    # A field naming another customer is ignored: Ben's button moves Ben.
    await send(phone_b, action="add_to_cart", customer=1, client=1)
    frame = await receive_until(phone_b, lambda f: "Added to your cart" in f)
    assert "1 item now" in frame
    await send(phone_a, action="snapshot")
    ana_card = await receive_until(phone_a, card)
    assert "Your cart is empty." in ana_card

    for action, says in [
        ("switch_network", "Your phone switched network"),
        ("clear_my_cookies", "You cleared your cookies"),
        ("add_to_cart", "Added to your cart"),
        ("checkout", "You checked out"),
    ]:
        await send(phone_a, action=action)
        assert says in await receive_until(phone_a, lambda f, s=says: s in f)
    for phone in (phone_a, phone_b):
        await phone.disconnect()


async def test_students_and_the_projector_cannot_control_the_room():
    teacher, code, (ana,) = await a_class("Ana")
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    for action in ("add_bots", "pause", "crash_table", "push_question", "end_class"):
        await send(phone, action=action)
        frame = await receive_until(phone, lambda f: status(f) is not None)
        assert (
            status(frame) == f"Not done: Unknown action '{action}'. Use one of the room's buttons."
        )
    projector = await connected(teacher, code, "projector")
    await receive_until(projector, lambda f: 'id="floor"' in f)
    await send(projector, action="reset")
    frame = await receive_until(projector, lambda f: status(f) is not None)
    assert "Unknown action 'reset'" in status_text(frame)
    assert await sync_to_async(Classroom.objects.filter(code=code, ended_at=None).exists)()
    await phone.disconnect()
    await projector.disconnect()


async def test_bad_messages_get_a_clear_error_and_oversized_ones_close_with_4009():
    _teacher, code, (ana,) = await a_class("Ana")
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    await phone.send_to(text_data="{not json")
    assert status(await receive_until(phone, lambda f: status(f) is not None)) == (
        "Not done: That message is not valid JSON."
    )
    await send(phone, action="answer", choice=["a"])
    assert "no open question" in status_text(
        await receive_until(phone, lambda f: status(f) is not None)
    )
    await phone.send_to(text_data=json.dumps({"action": "add_to_cart", "pad": "x" * 20000}))
    assert "the limit is 16384" in status_text(
        await receive_until(phone, lambda f: status(f) is not None)
    )
    assert await phone.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CLOSE_TOO_BIG,
    }


async def test_commands_are_rate_limited_per_connection(settings):
    settings.LAB_COMMAND_RATE = 0.0001
    settings.LAB_COMMAND_BURST = 4
    _teacher, code, (ana,) = await a_class("Ana")
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    for _ in range(6):
        await send(phone, action="add_to_cart")
    replies: list[str] = []
    while len(replies) < 6:
        replies += [s for s in statuses(await phone.receive_from(timeout=3)) if s]
    assert sum("Too many commands" in r for r in replies) == 2
    await phone.disconnect()


async def test_a_class_quiz_collects_answers_once_and_reveals_them():
    await sync_to_async(call_command)("load_questions", stdout=io.StringIO())
    teacher, code, (ana, ben) = await a_class("Ana", "Ben")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phones = [await connected(p, code, "student") for p in (ana, ben)]
    for phone in phones:
        await receive_until(phone, card)

    await send(screen, action="push_question", question="ip-mobile-wifi-lte", seconds=60)
    sent = await receive_until(screen, lambda f: status(f) is not None)
    assert status(sent) == "Question sent to the class: 60 seconds to answer."
    question = await receive_until(phones[0], lambda f: "answer-form" in f)
    assert "Correct" not in question  # nothing in the phone's page says which option is right
    assert re.findall(r'name="choice" value="([^"]+)"', question) == ["1", "2", "3", "4"]
    quiz = home_module.homes[code].room.quiz
    assert quiz is not None
    right = quiz["correct"][0]
    wrong = next(n for n in "1234" if n != right)
    assert quiz["bank_keys"][right] == "a"

    await send(phones[0], action="answer", choice=wrong)
    await receive_until(phones[0], lambda f: status(f) == "Answer received. Wait for the reveal.")
    await send(phones[0], action="answer", choice=right)
    again = await receive_until(phones[0], lambda f: status(f) is not None)
    assert status(again) == "Not done: You already answered this question."
    await send(phones[1], action="answer", choice="zzz")
    tampered = await receive_until(phones[1], lambda f: status(f) is not None)
    assert status(tampered) == "Not done: That answer is not one of this question's options."
    await send(phones[1], action="answer", choice=right)
    await receive_until(phones[1], lambda f: status(f) == "Answer received. Wait for the reveal.")
    histogram = await receive_until(screen, lambda f: "answers in: 2 / 2" in f)
    assert "1 vote" in histogram

    await send(screen, action="reveal_question")
    revealed = await receive_until(screen, lambda f: status(f) is not None)
    assert status_text(revealed).startswith("Answer revealed: ")
    assert "Not this time." in await receive_until(phones[0], lambda f: "Why:" in f)
    assert "You got it right." in await receive_until(phones[1], lambda f: "Why:" in f)
    answers = await sync_to_async(
        lambda: list(
            ClassAnswer.objects.order_by("student__nickname").values_list("choice", "correct")
        )
    )()
    assert answers == [([quiz["bank_keys"][wrong]], False), (["a"], True)]
    for communicator in (screen, *phones):
        await communicator.disconnect()


async def test_the_teacher_runs_the_lab_controls_and_adds_bots():
    teacher, code, _ = await a_class()
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    await send(screen, action="add_bots", count=15)
    assert status(await receive_until(screen, lambda f: status(f) is not None)) == "Added 15 bots."
    await send(screen, action="set_balancer", balancer="source_ip")
    frame = await receive_until(screen, lambda f: "<strong>Source IP hash</strong>" in f)
    assert "15 customers" in frame
    await screen.disconnect()


async def test_a_restarted_server_restores_the_room_with_every_customer_and_cart():
    _teacher, code, (ana,) = await a_class("Ana")
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    for _ in range(3):
        await send(phone, action="add_to_cart")
        await receive_until(phone, lambda f: "Added to your cart" in f)
    home = home_module.homes[code]
    await phone.disconnect()
    # What the home's keeper does every second, then the process "dies" with its room.
    from lbteach.classroom import homeclaims

    await sync_to_async(homeclaims.heartbeat)(code, home.channel, home.room.to_dict(), True)
    home._stop()
    home_module.homes.clear()
    placement._locks.clear()

    phone = await connected(ana, code, "student")
    restored = await receive_until(phone, card)
    assert "3 items" in restored
    assert home_module.homes[code] is not home
    student = await sync_to_async(Student.objects.get)(nickname="Ana")
    assert f">{student.customer}</span> Ana" in restored
    await phone.disconnect()


async def test_ending_the_class_tells_everyone_and_closes_the_room():
    teacher, code, (ana,) = await a_class("Ana")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    projector = await connected(teacher, code, "projector")
    await receive_until(projector, lambda f: 'id="floor"' in f)
    await send(phone, action="add_to_cart")
    await send(phone, action="checkout")
    await receive_until(phone, lambda f: "You checked out" in f)
    await send(screen, action="end_class")
    # Every screen turns into its own ending at once.
    mine = await receive_until(phone, lambda f: "is-ended" in f)
    assert "Class ended" in mine
    assert 'data-ending="checkouts">1<' in mine
    assert 'data-ending="score">0<' in mine
    assert "<form" not in mine
    stage = await receive_until(projector, lambda f: "is-ended" in f)
    assert f"Class {code} has ended" in stage
    assert "<dt>Checkouts</dt><dd>1</dd>" in stage
    told = await receive_until(screen, lambda f: "is-ended" in f)
    assert f'data-go="/class/{code}/results/"' in told
    assert await sync_to_async(Classroom.objects.filter(code=code).exclude(ended_at=None).exists)()
    assert code not in home_module.homes
    # Then the sockets close normally (pages do not reconnect to an ended class).
    for communicator in (phone, projector, screen):
        assert await closes(communicator) == 1000
    # A screen that connects later is shown its ending, then closed.
    late = socket(teacher, code, "teacher")
    assert (await late.connect())[0]
    assert "data-go=" in await late.receive_from()
    assert await closes(late) == 1000
    late_phone = socket(ana, code, "student")
    assert (await late_phone.connect())[0]
    assert 'data-ending="checkouts">1<' in await late_phone.receive_from()
    _, elsewhere = await sync_to_async(start_class)()
    stranger = socket(await sync_to_async(join)(elsewhere, "Ben"), code, "student")
    assert (await stranger.connect()) == (False, 4403)  # not a student of this class


async def test_an_idle_class_ends_by_itself(settings, monkeypatch):
    monkeypatch.setattr("lbteach.classroom.home.KEEPER_SECONDS", 0.05)
    _teacher, code, (ana,) = await a_class("Ana")
    settings.CLASS_IDLE_MINUTES = 0.002  # about 0.1 s for the live room
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    ended = await receive_until(phone, lambda f: "is-ended" in f)
    assert "Class ended" in ended
    assert code not in home_module.homes
    assert await sync_to_async(Classroom.objects.filter(code=code).exclude(ended_at=None).exists)()
    await phone.disconnect()


async def test_the_leaderboard_can_hide_names():
    teacher, code, (ana,) = await a_class("Ana")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    await send(screen, action="leaderboard", show="on")
    board = await receive_until(screen, lambda f: 'class="leaderboard"' in f)
    ranked = board[board.index('class="leaderboard"') :]
    assert "Student 1" in ranked
    assert "Ana" not in ranked
    await send(screen, action="leaderboard", show="on", names="on")
    board = await receive_until(screen, lambda f: 'class="leaderboard"' in f and "Leaderboard" in f)
    assert "Ana" in board[board.index('class="leaderboard"') :]
    await send(screen, action="leaderboard")
    await receive_until(screen, lambda f: status(f) == "Leaderboard hidden.")
    await send(screen, action="snapshot")
    snapshot = await receive_until(screen, lambda f: 'id="roster"' in f)
    assert 'class="leaderboard"' not in snapshot
    for communicator in (screen, phone):
        await communicator.disconnect()


def items_in(frame: str) -> str:
    return search(r"(\d+) items? now|Your cart is empty", frame, group=0)


async def test_a_reset_keeps_every_student_on_a_customer_of_their_own():
    teacher, code, (ana, ben) = await a_class("Ana", "Ben")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phones = {}
    for name, client in (("Ana", ana), ("Ben", ben)):
        phones[name] = await connected(client, code, "student")
        await receive_until(phones[name], card)
    await send(phones["Ana"], action="add_to_cart")
    await receive_until(phones["Ana"], lambda f: "Added to your cart" in f)

    await send(screen, action="reset")
    frame = await receive_until(screen, lambda f: status(f) is not None)
    assert status(frame) == (
        "Reset: a fresh restaurant with the same seed; every student keeps a customer."
    )
    # Their sockets stay open and each phone hears about its new, empty cart.
    for phone in phones.values():
        note = await receive_until(phone, lambda f: "The teacher reset the restaurant" in f)
        assert card(note)
    room = home_module.homes[code].room
    before = {seat.nickname: seat.customer for seat in room.seats.values()}
    assert sorted(before.values()) == [1, 2]

    # A student who joins after the reset gets a customer nobody else has...
    carl = await sync_to_async(join)(code, "Carl")
    phones["Carl"] = await connected(carl, code, "student")
    await receive_until(phones["Carl"], card)
    customers = {seat.nickname: seat.customer for seat in room.seats.values()}
    assert customers == {**before, "Carl": 3}
    saved = await sync_to_async(
        lambda: dict(
            Student.objects.filter(classroom__code=code).values_list("nickname", "customer")
        )
    )()
    assert saved == customers  # the database agrees with the room

    # ...so one student's button changes only their own cart.
    await send(phones["Carl"], action="add_to_cart")
    await receive_until(phones["Carl"], lambda f: "Added to your cart" in f)
    await send(phones["Ana"], action="snapshot")
    ana_card = await receive_until(phones["Ana"], card)
    assert "Your cart is empty" in ana_card
    for phone in (*phones.values(), screen):
        await phone.disconnect()


async def test_an_ended_class_refuses_every_command_on_every_screen():
    teacher, code, (ana,) = await a_class("Ana")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    running = home_module.homes[code]
    running.room.ended = True  # as between the teacher's "End class" and the sockets closing
    for communicator, action in ((phone, "add_to_cart"), (screen, "add_bots"), (screen, "reset")):
        await send(communicator, action=action)
        frame = await receive_until(communicator, lambda f: status(f) is not None)
        assert status(frame) == "Not done: This class has ended."
    assert running.room.customers == 1  # nothing happened
    await phone.disconnect()
    await screen.disconnect()


async def test_an_answer_survives_a_crash_before_the_room_was_saved():
    await sync_to_async(call_command)("load_questions", stdout=io.StringIO())
    teacher, code, (ana,) = await a_class("Ana")
    screen = await connected(teacher, code, "teacher")
    await receive_until(screen, lambda f: 'id="floor"' in f)
    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    await send(screen, action="push_question", question="ip-mobile-wifi-lte", seconds=60)
    await receive_until(screen, lambda f: status(f) is not None)
    await receive_until(phone, lambda f: "answer-form" in f)
    home = home_module.homes[code]
    # The question is saved; then the process dies right after Ana's answer, before the next
    # save: the room it saved knows nothing of her answer, the database does.
    from lbteach.classroom import homeclaims

    await sync_to_async(homeclaims.heartbeat)(code, home.channel, home.room.to_dict(), True)
    assert home.room.quiz is not None
    right = home.room.quiz["correct"][0]
    await send(phone, action="answer", choice=right)
    await receive_until(phone, lambda f: status(f) == "Answer received. Wait for the reveal.")
    home._stop()
    home_module.homes.clear()
    placement._locks.clear()
    await phone.disconnect()
    await screen.disconnect()

    phone = await connected(ana, code, "student")
    await receive_until(phone, card)
    wrong = next(n for n in "1234" if n != right)
    await send(phone, action="answer", choice=wrong)  # a second try, with another choice
    again = await receive_until(phone, lambda f: status(f) is not None)
    assert status(again) == "Not done: You already answered this question."
    room = home_module.homes[code].room
    student = await sync_to_async(Student.objects.get)(nickname="Ana")
    assert room.quiz is not None
    assert room.quiz["answers"] == {str(student.pk): {"choice": [right], "correct": True}}
    assert room.scores == {student.pk: 1}
    # The histogram the class sees and the CSV the teacher downloads agree.
    download = await sync_to_async(teacher.get)(f"/class/{code}/results.csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [(row["nickname"], row["correct"]) for row in rows] == [("Ana", "yes")]
    await phone.disconnect()
