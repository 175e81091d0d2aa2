"""Two daphne processes joined through Redis, as production runs them, for scale-out tests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.browser.server import Server, prepare_database, server_env


@contextlib.contextmanager
def two_redis_processes(
    directory: Path, redis_url: str, **settings: str
) -> Iterator[tuple[Server, Server, str]]:
    """Two servers on one SQLite file and one Redis, with `settings` in their environment;
    their cache keys carry a prefix of their own (parallel runs on one Redis keep apart),
    and every key under it is deleted afterwards. Yields (first, second, prefix)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    env = server_env(
        directory / "db.sqlite3", REDIS_URL=redis_url, CACHE_KEY_PREFIX=prefix, **settings
    )
    prepare_database(env)
    first = Server(env).start()
    try:
        second = Server(env).start()
        try:
            yield first, second, prefix
        finally:
            second.stop()
    finally:
        first.stop()
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)
