"""Abuse limits of the class pages: wrong join codes and new classes, counted per address.

Counted in the cache (Redis when `REDIS_URL` is set, so across processes). If the cache is
unreachable the count is skipped rather than the page failing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


def _attempts_key(client: str) -> str:
    return f"class-join-misses:{client}"


def _count(key: str, window: int) -> int:
    """Add one to a counter that lives `window` seconds; its new value."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def missed_join(client: str) -> bool:
    """Count a code that matched no open class; True once this address has missed too many.

    Only wrong codes count. Past the budget every new visitor from this address waits, right
    code or wrong (a right code that still opened would tell a guesser it was right), but
    a browser that already belongs to the class is never turned away. If the cache is
    unreachable (Redis down), the miss goes uncounted rather than the page failing.
    """
    try:
        misses = _count(_attempts_key(client), settings.CLASS_JOIN_WINDOW_SECONDS)
    except Exception:
        log.warning("could not count a missed join code", exc_info=True)
        return False
    return misses > settings.CLASS_JOIN_ATTEMPTS


def locked_out(client: str) -> bool:
    """Whether this address has missed too many codes in the window (without counting)."""
    try:
        misses = cache.get(_attempts_key(client), 0)
    except Exception:
        log.warning("could not read missed join codes", exc_info=True)
        return False
    return int(misses) > settings.CLASS_JOIN_ATTEMPTS


def may_start_class(client: str) -> bool:
    """Whether this address may start another class now (CLASS_STARTS_PER_HOUR)."""
    try:
        started = _count(f"class-starts:{client}", 3600)
    except Exception:
        log.warning("could not count a class start", exc_info=True)
        return True
    return started <= settings.CLASS_STARTS_PER_HOUR
