"""Classes left open end, and ended classes go, on schedule: nobody has to open them."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lbteach.classroom import sweep
from lbteach.classroom.models import Classroom, Student
from tests.classroom.conftest import join, start_class

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def left_open(minutes_ago: float, idle_minutes: int = 120) -> str:
    """A class nobody ended, last used `minutes_ago`."""
    _, code = start_class()
    join(code, "Ana")
    Classroom.objects.filter(code=code).update(
        last_active_at=timezone.now() - timedelta(minutes=minutes_ago), idle_minutes=idle_minutes
    )
    return code


def test_a_class_left_idle_ends_as_of_when_it_went_idle_and_a_busy_one_stays_open():
    idle, busy, short = left_open(121), left_open(119), left_open(11, idle_minutes=10)
    assert sweep.end_idle_classes() == 2
    ended = dict(Classroom.objects.values_list("code", "ended_at"))
    assert ended[busy] is None
    for code, limit in ((idle, 120), (short, 10)):
        went_idle = Classroom.objects.get(code=code).last_active_at + timedelta(minutes=limit)
        assert ended[code] == went_idle


def test_a_class_left_open_is_deleted_after_its_results_days_without_being_opened(settings):
    settings.CLASS_RESULTS_DAYS = 30
    code = left_open(60 * 24 * 31)  # the laptop shut a month ago
    assert sweep.sweep() == (1, 1)
    assert not Classroom.objects.filter(code=code).exists()
    assert not Student.objects.filter(nickname="Ana").exists()


def test_any_request_sweeps_at_most_once_a_minute_across_processes(settings):
    settings.CLASS_RESULTS_DAYS = 30
    old = left_open(60 * 24 * 31)
    cache.delete(sweep.SWEEP_CACHE_KEY)
    assert Client().get("/lessons/").status_code == 200  # a page that has nothing to do with it
    assert not Classroom.objects.filter(code=old).exists()
    # Another class goes stale within the minute: the next sweep waits for the cache key,
    # which stands for every process sharing the cache.
    later = left_open(60 * 24 * 31)
    Client().get("/lessons/")
    assert Classroom.objects.filter(code=later).exists()
    cache.delete(sweep.SWEEP_CACHE_KEY)
    middleware = sweep.SweepClasses(lambda request: None)  # type: ignore[arg-type,return-value]
    middleware(None)  # type: ignore[arg-type]
    assert not Classroom.objects.filter(code=later).exists()


def test_make_run_sweeps_at_start():
    code = left_open(200)
    out = io.StringIO()
    call_command("purge_class_results", stdout=out)
    assert out.getvalue().strip() == (
        "Ended 1 idle class; deleted 0 ended classes older than 30 days."
    )
    assert Classroom.objects.get(code=code).ended_at is not None
    assert "manage.py purge_class_results" in (ROOT / "Makefile").read_text()
