"""Template filters of the classroom stage: option letters, the phase, leaderboard places."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.utils.safestring import mark_safe

from lbteach.classroom import stage
from lbteach.quiz.templatetags import quiz_text

register = template.Library()


@register.filter
def option_letter(key: object) -> str:
    return stage.letter(key)


@register.filter
def stage_phase(room: Any) -> str:
    return stage.phase(room) if room is not None else stage.LOBBY


@register.filter
def past_stage(position: int) -> bool:
    """Whether the roster's name at this 1-based position is one the stage leaves out."""
    return position > stage.STAGE_NAMES


@register.filter
def names_past_stage(count: int) -> int:
    return stage.names_past_stage(count)


@register.filter
def ranked(seats: Any) -> list[dict[str, Any]]:
    return stage.ranked(seats or [])


# A class's question is rendered for every phone on every push (N phones x each action), so
# its Markdown is rendered once per distinct text, not once per phone.
@lru_cache(maxsize=1024)
def _block(text: str) -> str:
    return str(quiz_text.quiztext(text))


@lru_cache(maxsize=1024)
def _inline(text: str) -> str:
    return str(quiz_text.quiztext_inline(text))


@register.filter
def classtext(text: str) -> str:
    # Safe for the same reason as quiztext: markdown-it escapes any markup in the text.
    return mark_safe(_block(text or ""))


@register.filter
def classtext_inline(text: str) -> str:
    return mark_safe(_inline(text or ""))
