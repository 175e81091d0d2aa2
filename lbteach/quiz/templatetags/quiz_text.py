"""`{{ text|quiztext }}`: render a question's Markdown with any raw HTML escaped."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()


@cache
def _markdown() -> MarkdownIt:
    # Questions are edited in the admin, so raw HTML stays off: markdown-it escapes it.
    return MarkdownIt("commonmark", {"html": False, "typographer": True})


@register.filter
def quiztext(text: str) -> str:
    # Safe because html=False: any markup in the text arrives escaped.
    return mark_safe(_markdown().render(text or ""))


@register.filter
def quiztext_inline(text: str) -> str:
    """One line of Markdown without a wrapping paragraph, for labels and list items."""
    return mark_safe(_markdown().renderInline(text or ""))
