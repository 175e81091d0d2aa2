"""The site's own secret key when none is configured: random, per install, never in the repo.

Plain standard library: settings.py reads it before Django is set up. A key written in the
repository would let anyone who reads it sign sessions, drill tokens and cookies for every
install; so an install without SECRET_KEY makes its own on first start, in a file only
this machine's user can read, and keeps it (sessions survive a restart). Production, which
is served over HTTPS, must set SECRET_KEY itself (several machines share one key).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 50
# A key shorter than this was not written by us (or was cut short): make a new one.
MIN_LENGTH = 50


class SecretKeyMissing(RuntimeError):
    """Production settings without SECRET_KEY."""


def key_file_for(database_url: str, base_dir: Path) -> Path:
    """Where the key lives: beside the SQLite database, or beside manage.py for any other."""
    if database_url.startswith("sqlite:///"):
        database = Path(database_url.removeprefix("sqlite:///"))
        if database.name and database.name != ":memory:":
            return database.parent / "secret_key"
    return base_dir / "secret_key"


def local_secret_key(path: Path) -> str:
    """The key in `path`, created (mode 0600) on first use. Safe when processes race."""
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= MIN_LENGTH:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_urlsafe(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(fresh + "\n")
    try:
        # Link, not rename: if another process got there first, its key wins and both agree.
        os.link(temporary, path)
    except FileExistsError:
        existing = path.read_text().strip()
        if len(existing) >= MIN_LENGTH:
            return existing
        os.replace(temporary, path)  # a short or empty file we replace
        return fresh
    finally:
        temporary.unlink(missing_ok=True)
    return fresh


def secret_key(configured: str, *, production: bool, database_url: str, base_dir: Path) -> str:
    """SECRET_KEY if set; else this install's own key; production must set it."""
    if configured.strip():
        return configured.strip()
    if production:
        raise SecretKeyMissing(
            "SECRET_KEY is not set. With HTTPS=true (production) set a long random value, "
            "the same on every process: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    return local_secret_key(key_file_for(database_url, base_dir))
