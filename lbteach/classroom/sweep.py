"""Classes end and go away on schedule, whether or not anyone opens them again.

A class is usually left, not ended: the laptop shuts at the bell. Its nicknames and answers
must still go: a class idle past its `idle_minutes` is ended (as of when it went idle), and
an ended class is deleted after CLASS_RESULTS_DAYS. The sweep runs at `make run` (the
purge command) and then at most once a minute across all processes, on the back of
whatever request comes in (the cache decides which process, so two never sweep at once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import F
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from lbteach.classroom.lifecycle import purge_expired_results
from lbteach.classroom.models import Classroom

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60
SWEEP_CACHE_KEY = "class-sweep"


def end_idle_classes(now: datetime | None = None) -> int:
    """End every open class idle past its own limit; how many were ended."""
    now = now or timezone.now()
    ended = 0
    open_classes = Classroom.objects.filter(ended_at=None)
    for minutes in open_classes.values_list("idle_minutes", flat=True).distinct():
        limit = timedelta(minutes=minutes)
        ended += open_classes.filter(idle_minutes=minutes, last_active_at__lt=now - limit).update(
            ended_at=F("last_active_at") + limit
        )
    return ended


def sweep(now: datetime | None = None) -> tuple[int, int]:
    """End idle classes, then delete expired ones: (ended, deleted)."""
    return end_idle_classes(now), purge_expired_results(now)


class SweepClasses:
    """Middleware: runs the sweep when a minute has passed since the last, in any process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.next_check = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if time.monotonic() >= self.next_check:
            self.next_check = time.monotonic() + SWEEP_EVERY_SECONDS
            try:
                if cache.add(SWEEP_CACHE_KEY, 1, timeout=SWEEP_EVERY_SECONDS):
                    sweep()
            except Exception:  # the page matters more than the sweep; the next one retries
                log.warning("the class sweep failed", exc_info=True)
        return self.get_response(request)
