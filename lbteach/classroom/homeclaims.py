"""Which process is a class's home: its claim in the database, takeovers and heartbeats.

The heartbeat also saves the room's state, so the next home restores it
(`lbteach.classroom.placement`). All synchronous Django ORM code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from lbteach.classroom.lifecycle import ClassNotFound
from lbteach.classroom.models import Classroom


@dataclass(frozen=True)
class HomeInfo:
    state: dict[str, Any]
    home_channel: str
    fresh: bool
    ended: bool


def home_info(code: str) -> HomeInfo:
    row = (
        Classroom.objects.filter(code=code)
        .values("state", "home_channel", "home_seen_at", "ended_at")
        .first()
    )
    if row is None:
        raise ClassNotFound(code)
    stale_before = timezone.now() - timedelta(seconds=settings.CLASS_HOME_STALE_SECONDS)
    seen_at = row["home_seen_at"]
    fresh = bool(row["home_channel"]) and seen_at is not None and seen_at >= stale_before
    return HomeInfo(row["state"], row["home_channel"], fresh, row["ended_at"] is not None)


def claim_home(code: str, channel: str) -> bool:
    """Become the process that runs this room, unless another one is alive and running it."""
    stale_before = timezone.now() - timedelta(seconds=settings.CLASS_HOME_STALE_SECONDS)
    claimed = (
        Classroom.objects.filter(code=code, ended_at=None)
        .filter(Q(home_channel="") | Q(home_seen_at=None) | Q(home_seen_at__lt=stale_before))
        .update(home_channel=channel, home_seen_at=timezone.now())
    )
    return claimed == 1


def take_home(code: str, channel: str) -> bool:
    """With one process, any home on record is this process's previous run: take it."""
    claimed = Classroom.objects.filter(code=code, ended_at=None).update(
        home_channel=channel, home_seen_at=timezone.now()
    )
    return claimed == 1


def heartbeat(code: str, channel: str, state: dict[str, Any] | None, active: bool) -> bool:
    """Say this process still runs the room (and save its state); False if it lost it."""
    changes: dict[str, Any] = {"home_seen_at": timezone.now()}
    if state is not None:
        changes["state"] = state
    if active:
        changes["last_active_at"] = timezone.now()
    return Classroom.objects.filter(code=code, home_channel=channel).update(**changes) == 1
