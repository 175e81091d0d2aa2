"""Template tags that read the lab's buttons from its action table: a page names an action,
the table gives its label and description (an unknown name fails loudly)."""

from __future__ import annotations

from django import template

from lbteach.lab.actions import LAB_ACTIONS, TABLE_EVENTS
from lbteach.live.actions import Action

register = template.Library()


@register.simple_tag
def lab_action(name: str) -> Action:
    """The action the table declares under `name`: `{% lab_action "pause" as pause %}`."""
    return LAB_ACTIONS[name]


@register.inclusion_tag("lab/page.html#action_button")
def action_button(name: str, style: str = "") -> dict[str, object]:
    """One button that sends `name`; a button that names a table sends the chosen one."""
    return {"action": LAB_ACTIONS[name], "style": style, "names_table": name in TABLE_EVENTS}
