"""Where lab runs are kept between ticks: the database, or Redis when REDIS_URL is set.

The site teaches that a server holding sessions in its own memory loses them; so a lab run
is saved as it changes (at most once a second) and any process can pick it up: after a
reconnect to another process, a rolling restart, a SIGTERM or a SIGKILL the page returns
to the run as last saved. Runs nobody returns to are forgotten after LAB_RUN_KEEP_MINUTES.
These functions do blocking I/O: async callers run them in a worker thread.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from lbteach.lab.models import LabRun

log = logging.getLogger(__name__)
PURGE_EVERY = 200  # saves between sweeps of forgotten runs from the database
_saves = 0


def _keep_seconds() -> int:
    return int(settings.LAB_RUN_KEEP_MINUTES * 60)


def _key(code: str) -> str:
    return f"lab-run:{code}"


def save(code: str, state: dict) -> None:
    global _saves
    if settings.REDIS_URL:
        cache.set(_key(code), state, timeout=_keep_seconds())
        return
    LabRun.objects.update_or_create(code=code, defaults={"state": state})
    _saves += 1
    if _saves % PURGE_EVERY == 0:
        purge()


def load(code: str) -> dict | None:
    if settings.REDIS_URL:
        return cache.get(_key(code))
    before = timezone.now() - timedelta(seconds=_keep_seconds())
    row = LabRun.objects.filter(code=code, saved_at__gte=before).values("state").first()
    return row["state"] if row else None


def delete(codes: list[str]) -> None:
    """Forget these runs at once (the keeper's bounds on saved runs)."""
    if settings.REDIS_URL:
        cache.delete_many([_key(code) for code in codes])
        return
    LabRun.objects.filter(code__in=codes).delete()


def purge() -> int:
    """Delete runs nobody touched for LAB_RUN_KEEP_MINUTES; returns how many."""
    before = timezone.now() - timedelta(seconds=_keep_seconds())
    deleted, _ = LabRun.objects.filter(saved_at__lt=before).delete()
    return deleted
