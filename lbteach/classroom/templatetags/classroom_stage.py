"""Template filters of the classroom stage: option letters, the phase, leaderboard places."""

from __future__ import annotations

from typing import Any

from django import template

from lbteach.classroom import stage

register = template.Library()


@register.filter
def option_letter(key: object) -> str:
    return stage.letter(key)


@register.filter
def stage_phase(room: Any) -> str:
    return stage.phase(room) if room is not None else stage.LOBBY


@register.filter
def ranked(seats: Any) -> list[dict[str, Any]]:
    return stage.ranked(seats or [])
