"""The projector as a stage: which phase a class is in, option letters, and leaderboard ranks.

Derived from the room's state alone, so the page, every frame and the CSV agree without
the room keeping anything extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LOBBY, RESTAURANT, QUESTION, RESULTS = "lobby", "restaurant", "question", "results"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Names the lobby shows at most; past it the stage says "+N more" (every phase must fit).
STAGE_NAMES = 60


def letter(key: object) -> str:
    """The letter a room's option key ("1".."n") is shown as: "1" -> "A", "2" -> "B"."""
    try:
        number = int(str(key))
    except ValueError:
        return str(key)
    return LETTERS[number - 1] if 1 <= number <= len(LETTERS) else str(key)


def letters(keys: Iterable[object]) -> str:
    return " ".join(sorted(letter(k) for k in keys))


def names_past_stage(count: int) -> int:
    """How many names the stage leaves out of a roster of `count` (shown as "+N more")."""
    return max(0, count - STAGE_NAMES)


def phase(room: Any) -> str:
    """Lobby until anyone is served, then the restaurant; a question and its results take
    the stage while one is out."""
    quiz = getattr(room, "quiz", None)
    if quiz:
        return RESULTS if quiz.get("revealed") else QUESTION
    restaurants = getattr(room, "restaurants", None) or []
    served = sum(r.sim.restaurant.index for r in restaurants)
    return RESTAURANT if served else LOBBY


def ranked(entries: Iterable[Mapping[str, Any]], limit: int = 10) -> list[dict[str, Any]]:
    """Competition ranking by score ("1, 2, 2, 4"): ties share a place. Nobody is placed on
    zero points (their place is None, after everyone who scored), so an unanswered quiz
    names no winner."""
    everyone = sorted((dict(e) for e in entries), key=lambda e: -e.get("score", 0))
    board: list[dict[str, Any]] = []
    for index, entry in enumerate(everyone):
        if entry.get("score", 0) <= 0:
            entry["place"] = None
        elif board and board[-1]["score"] == entry["score"]:
            entry["place"] = board[-1]["place"]
        else:
            entry["place"] = index + 1
        board.append(entry)
    return board[:limit]
