"""The shared store every table reads while it is on: Redis when the site has one, else SQLite.

Standard library only, except Redis's client, imported only when a Redis URL is given. A
cart is a JSON list of item names under its session id; a Redis cart expires after a day.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

REDIS_TTL_SECONDS = 24 * 3600


class SqliteStore:
    """A SQLite file in the run directory that every table process opens."""

    name = "a SQLite file every table opens"

    def __init__(self, path: Path):
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5)
        db.execute("CREATE TABLE IF NOT EXISTS cart (session TEXT PRIMARY KEY, items TEXT)")
        return db

    def get(self, session: str) -> list[str]:
        db = self._connect()
        try:
            row = db.execute("SELECT items FROM cart WHERE session = ?", (session,)).fetchone()
        finally:
            db.close()
        return json.loads(row[0]) if row else []

    def put(self, session: str, items: list[str]) -> None:
        db = self._connect()
        try:
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO cart (session, items) VALUES (?, ?)",
                    (session, json.dumps(items)),
                )
        finally:
            db.close()


class RedisStore:
    """The site's Redis (REDIS_URL), keys under a prefix of this run's own."""

    name = "Redis"

    def __init__(self, url: str, prefix: str):
        import redis  # only where a Redis URL is given: tables otherwise need no package

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.prefix = prefix

    def get(self, session: str) -> list[str]:
        raw = self.client.get(self.prefix + session)
        return json.loads(raw) if raw else []

    def put(self, session: str, items: list[str]) -> None:
        self.client.set(self.prefix + session, json.dumps(items), ex=REDIS_TTL_SECONDS)


def shared_store(run_dir: Path, redis_url: str) -> SqliteStore | RedisStore:
    if redis_url:
        return RedisStore(redis_url, f"lbteach:real:{run_dir.name}:cart:")
    return SqliteStore(run_dir / "store.sqlite3")
