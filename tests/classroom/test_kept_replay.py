"""A class's replay is stored in the lab when it ends, replays every seat the host gave each
student, and goes when the class's results go (the sweep and the purge command; a page that
finds a class past its days shows none of it)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lbteach.classroom import ending, kept_replay, lifecycle, sweep
from lbteach.classroom import room as room_module
from lbteach.classroom.actions import CLASS_ACTIONS
from lbteach.classroom.models import Classroom, Student
from lbteach.classroom.room import TEACHER, ClassRoom
from lbteach.classroom.students import set_customers
from lbteach.lab import replaystore
from lbteach.lab.models import StoredReplay
from lbteach.lab.replay import replay
from lbteach.lab.sharelink import LOG_LIMIT
from lbteach.live.actions import Sender
from lbteach.sim.simulation import Simulation
from tests.classroom.conftest import join, start_class

pytestmark = pytest.mark.django_db


def teacher(room: ClassRoom, **command) -> None:
    room.apply(CLASS_ACTIONS.parse(json.dumps(command), TEACHER), Sender(TEACHER))


def tap(room: ClassRoom, student: int, action: str) -> None:
    room.apply(
        CLASS_ACTIONS.parse(json.dumps({"action": action}), "student"), Sender("student", student)
    )


def a_class(nicknames: tuple[str, ...] = ("Ana", "Ben")) -> tuple[Classroom, ClassRoom, list[int]]:
    """A class that started, with students who joined, and its room (not run yet)."""
    _, code = start_class()
    for nickname in nicknames:
        join(code, nickname)
    classroom = Classroom.objects.get(code=code)
    students = list(classroom.students.values_list("pk", flat=True))
    room = ClassRoom(code, seed=11)
    for pk, nickname in zip(students, nicknames, strict=True):
        room.seat(pk, nickname)
    set_customers({pk: seat.customer for pk, seat in room.seats.items()})
    return classroom, room, students


def end(classroom: Classroom, room: ClassRoom) -> Classroom:
    """The class ends with this room as its saved state (as the home's `end` leaves it)."""
    room.ended = True
    ended_at = timezone.now()
    Classroom.objects.filter(pk=classroom.pk).update(state=room.to_dict(), ended_at=ended_at)
    return Classroom.objects.get(pk=classroom.pk)


def a_long_class() -> tuple[Classroom, ClassRoom, list[int]]:
    """Longer than a share link: two students tapping through events and ticks."""
    classroom, room, (ana, ben) = a_class()
    teacher(room, action="add_bots", count=8)
    teacher(room, action="set_balancer", balancer="source_ip")
    for turn in range(220):
        tap(room, ana if turn % 3 else ben, "add_to_cart")
        if turn % 5 == 0:
            room.tick()
        if turn == 40:
            tap(room, ana, "switch_network")
        if turn == 70:
            teacher(room, action="set_balancer", balancer="cookie_insert")
        if turn == 120:
            tap(room, ben, "checkout")
        if turn == 195:  # late enough for the endings' newest seats to show what followed
            teacher(room, action="crash_table", server="A")
        if turn == 205:
            tap(room, ben, "clear_my_cookies")
    tap(room, ana, "checkout")
    assert len(room.replay) > LOG_LIMIT
    return classroom, room, [ana, ben]


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["replay"][0]


def test_the_ending_stores_the_whole_run_once_and_links_each_student_to_it():
    classroom, room, (ana, ben) = a_long_class()
    classroom = end(classroom, room)
    figures = ending.data(classroom)
    url = figures["students"][ana]["replay_url"]
    token = token_of(url)
    assert url == f"/lab/?replay={token}&highlight={room.seats[ana].customer}"
    assert figures["students"][ben]["replay_url"] == (
        f"/lab/?replay={token}&highlight={room.seats[ben].customer}"
    )
    stored = StoredReplay.objects.get()
    assert stored.log == [*room.replay, f"{room.requests}.until"]
    assert Classroom.objects.get(pk=classroom.pk).replay_id == token
    # Drawn again (a reload, another screen): the same stored run, nothing new.
    assert ending.data(Classroom.objects.get(pk=classroom.pk))["students"][ana]["replay_url"] == url
    assert StoredReplay.objects.count() == 1


def test_the_replay_gives_a_student_exactly_the_seats_the_class_ending_shows(monkeypatch):
    classroom, room, (ana, ben) = a_long_class()
    figures = ending.data(end(classroom, room))
    setup, entries = replaystore.load(token_of(figures["students"][ana]["replay_url"]))
    decisions: list = []
    real = Simulation.request

    def watched(sim: Simulation, customer: int, action: str):
        decision = real(sim, customer, action)
        decisions.append((customer, decision))
        return decision

    monkeypatch.setattr(Simulation, "request", watched)
    lab = replay("lab-replay", setup, entries)
    assert lab.restaurants[0].sim.view()["clients"] == room.sim.view()["clients"]
    for student in (ana, ben):
        me = figures["students"][student]
        replayed = [
            {
                "request": decision.index + 1,
                "action": ending.ACTION_WORDS[decision.action],
                "table": decision.server,
                "broken": decision.cart_broken,
                "reason": decision.reason,
            }
            for customer, decision in decisions
            if customer == me["customer"]
        ]
        # The ending keeps each student's newest SEAT_HISTORY seats; the replay has them all.
        assert me["seats"] == replayed[-room_module.SEAT_HISTORY :]
        assert len(me["seats"]) == room_module.SEAT_HISTORY
    ana_taps = [e for e in room.replay if e.endswith(f".cart.{room.seats[ana].customer}")]
    assert len([1 for c, _ in decisions if c == room.seats[ana].customer]) == len(ana_taps) + 1
    assert figures["students"][ana]["seats"][-1]["action"] == "Check out"
    # In the seats the endings show: the crash of table A moved Ana to C, and clearing his
    # cookies broke Ben's cart once.
    assert sorted({seat["table"] for seat in figures["students"][ana]["seats"]}) == ["A", "C"]
    assert [seat["broken"] for seat in figures["students"][ben]["seats"]].count(True) == 1
    assert figures["students"][ben]["cart_breaks"] == Student.objects.get(pk=ben).cart_breaks


def test_a_class_past_its_replay_bound_stores_nothing_and_its_ending_says_so(monkeypatch):
    monkeypatch.setattr(room_module, "CLASS_REPLAY_STEPS", 20)
    classroom, room, (ana, _ben) = a_class()
    for _ in range(25):
        tap(room, ana, "add_to_cart")
    figures = ending.data(end(classroom, room))
    assert figures["students"][ana]["replay_url"] == ""
    assert StoredReplay.objects.count() == 0
    phone = ending.render(figures, "student", ana)
    assert "Replay this class in the lab" not in phone
    assert (
        "This class ran longer than a replay records, so it cannot be replayed in the lab." in phone
    )


def test_an_open_class_stores_no_replay():
    classroom, room, _ = a_class()
    Classroom.objects.filter(pk=classroom.pk).update(state=room.to_dict())
    assert (
        kept_replay.keep(Classroom.objects.get(pk=classroom.pk), room.setup, room.replay_log())
        == ""
    )
    assert StoredReplay.objects.count() == 0


def test_two_screens_drawing_the_ending_at_once_keep_one_stored_run():
    classroom, room, _ = a_class()
    classroom = end(classroom, room)
    stale = Classroom.objects.get(pk=classroom.pk)  # read before the other screen stored it
    first = kept_replay.keep(classroom, room.setup, room.replay_log())
    second = kept_replay.keep(stale, room.setup, room.replay_log())
    assert first == second
    assert list(StoredReplay.objects.values_list("token", flat=True)) == [first]


def ended_with_a_replay() -> tuple[str, str]:
    classroom, room, (ana, _) = a_class()
    tap(room, ana, "add_to_cart")
    figures = ending.data(end(classroom, room))
    return classroom.code, token_of(figures["students"][ana]["replay_url"])


def ended_days_ago(code: str, days: float) -> None:
    # Set once every class exists: a request made meanwhile may sweep (the middleware).
    Classroom.objects.filter(code=code).update(ended_at=timezone.now() - timedelta(days=days))


def test_the_sweep_deletes_an_expired_class_with_its_stored_replay(settings):
    settings.CLASS_RESULTS_DAYS = 30
    old_code, old_token = ended_with_a_replay()
    kept_code, kept_token = ended_with_a_replay()
    ended_days_ago(old_code, 31)
    ended_days_ago(kept_code, 29)
    assert sweep.sweep() == (0, 1)
    assert not Classroom.objects.filter(code=old_code).exists()
    assert list(StoredReplay.objects.values_list("token", flat=True)) == [kept_token]
    with pytest.raises(replaystore.UnknownReplay):
        replaystore.load(old_token)
    page = Client().get("/lab/", {"replay": old_token, "highlight": "1"}).content.decode()
    assert "This class replay is not kept any more" in page
    assert Classroom.objects.filter(code=kept_code).exists()


def test_the_purge_command_deletes_stored_replays_with_their_classes(settings):
    settings.CLASS_RESULTS_DAYS = 30
    ended_days_ago(ended_with_a_replay()[0], 31)
    out = io.StringIO()
    call_command("purge_class_results", stdout=out)
    assert "deleted 1 ended class older than 30 days" in out.getvalue()
    assert StoredReplay.objects.count() == 0


def test_a_class_past_its_days_shows_no_page_and_the_sweep_deletes_its_stored_replay(settings):
    settings.CLASS_RESULTS_DAYS = 30
    code, _ = ended_with_a_replay()
    ended_days_ago(code, 31)
    with pytest.raises(lifecycle.ClassNotFound):
        lifecycle.kept_class(code)
    # Reading deletes nothing (a page view is no place for a purge); the sweep does it.
    assert (Classroom.objects.count(), StoredReplay.objects.count()) == (1, 1)
    assert sweep.sweep() == (0, 1)
    assert (Classroom.objects.count(), StoredReplay.objects.count()) == (0, 0)


def test_a_class_the_sweep_ended_stores_its_replay_when_a_phone_opens_its_ending():
    _, code = start_class()
    ana = join(code, "Ana")
    classroom = Classroom.objects.get(code=code)
    (pk,) = classroom.students.values_list("pk", flat=True)
    room = ClassRoom(code, seed=5)
    room.seat(pk, "Ana")
    tap(room, pk, "add_to_cart")
    set_customers({pk: room.seats[pk].customer})
    # The laptop shut at the bell: the room as last saved, nobody pressed "End class".
    Classroom.objects.filter(pk=classroom.pk).update(
        state=room.to_dict(), last_active_at=timezone.now() - timedelta(minutes=121)
    )
    assert sweep.end_idle_classes() == 1
    assert StoredReplay.objects.count() == 0
    page = ana.get(f"/class/{code}/").content.decode()
    (stored,) = StoredReplay.objects.all()
    assert stored.log == ["0.seat", "0.cart.1", "1.until"]
    assert f'href="/lab/?replay={stored.token}&amp;highlight=1"' in page
