"""Which lessons this browser has read, kept in its session (no account needed)."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "lessons_read"


def read_slugs(session: SessionBase) -> set[str]:
    return set(session.get(SESSION_KEY, []))


def mark_read(session: SessionBase, slug: str) -> None:
    read = session.get(SESSION_KEY, [])
    if slug not in read:
        session[SESSION_KEY] = [*read, slug]
