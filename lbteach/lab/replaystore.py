"""Runs kept server-side for the lab to replay: a class's whole run, too long for a share link.

Whoever stores a run (the classroom, when a class ends) gets a random, URL-safe token and
the lab address that replays it (`replay_url`); it also deletes the run when its own
results go. The lab knows nothing of who stored it. A stored log is checked entry by entry
as a share link's is (`decode_stored`) before anything replays it: the database is not
trusted to hold only what was written. These functions do blocking I/O: async callers run
them in a worker thread.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlencode

from django.urls import reverse

from lbteach.lab.actions import LAB_ACTIONS
from lbteach.lab.models import StoredReplay
from lbteach.lab.sharelink import LOG_ENTRY, LabSetup, LogEntry
from lbteach.live.commands import BadCommand

TOKEN_BYTES = 16  # 128 random bits: 22 URL-safe characters
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
NOT_KEPT = (
    "This class replay is not kept any more (a class's replay goes with its results), "
    "or its link is wrong."
)


class UnknownReplay(LookupError):
    """No stored replay has this token: it never existed, was mistyped, or was deleted."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def store(setup: LabSetup, log: list[str]) -> str:
    """Keep a run (its setup and its whole log) and return the token that replays it."""
    token = new_token()
    StoredReplay.objects.create(token=token, setup=setup.to_dict(), log=list(log))
    return token


def replay_url(token: str, highlight: int | None = None) -> str:
    """The lab page that replays a stored run, with `highlight`'s customer circled."""
    query = {"replay": token}
    if highlight is not None:
        query["highlight"] = str(highlight)
    return f"{reverse('lab:lab')}?{urlencode(query)}"


def setup_of(token: str) -> LabSetup:
    """The stored run's setup (what the page shows before the replay arrives), or raise."""
    return _setup(_row(token, "setup")["setup"])


def load(token: str) -> tuple[LabSetup, list[LogEntry]]:
    """A stored run's setup and its checked log; `UnknownReplay` or `BadCommand` if none."""
    row = _row(token, "setup", "log")
    return _setup(row["setup"]), decode_stored(row["log"])


def delete(tokens: Iterable[str]) -> int:
    """Forget stored runs (their storer's results went); how many were deleted."""
    deleted, _ = StoredReplay.objects.filter(token__in=list(tokens)).delete()
    return deleted


def _row(token: str, *fields: str) -> dict:
    # Text that cannot be a token is refused without a query, in the same words.
    rows = StoredReplay.objects.filter(token=token).values(*fields)
    row = rows.first() if TOKEN.match(token) else None
    if row is None:
        raise UnknownReplay(NOT_KEPT)
    return row


def _setup(data: object) -> LabSetup:
    damaged = BadCommand("The stored replay's setup is damaged.")
    if not isinstance(data, dict):
        raise damaged
    try:
        setup = LabSetup.from_dict(data)
        # Through the same checks as a link's setup: a damaged row cannot name a missing
        # preset or balancer, nor a seed or a crowd out of bounds.
        checked = LabSetup.from_query(setup.query([]), compare=setup.compare)
    except (KeyError, TypeError, ValueError) as error:
        raise damaged from error
    if checked != setup:
        raise damaged
    return setup


def decode_stored(log: object) -> list[LogEntry]:
    """A stored log's entries, each checked by the action table like a link's; no more steps
    than were stored (the storer bounds them), never back in time."""
    if not isinstance(log, list) or not all(isinstance(entry, str) for entry in log):
        raise BadCommand("The stored replay's log is damaged.")
    entries: list[LogEntry] = []
    previous = 0
    for entry in log:
        match = LOG_ENTRY.match(entry)
        if not match or int(match[1]) < previous:
            raise BadCommand(f"The stored replay's step {entry[:40]!r} is not valid.")
        previous = int(match[1])
        try:
            command = LAB_ACTIONS.from_log(match[2], match[3])
        except BadCommand as error:
            raise BadCommand(f"The stored replay's step {entry[:40]!r}: {error}") from None
        entries.append(LogEntry(previous, command))
    return entries
