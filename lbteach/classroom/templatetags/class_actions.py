"""Template tags that read the class's buttons from its action table (`CLASS_ACTIONS`): a page
names an action, the table gives its name, label and description (an unknown name fails
loudly)."""

from __future__ import annotations

from django import template

from lbteach.classroom.actions import CLASS_ACTIONS, PHONE_BUTTONS
from lbteach.live.actions import Action

register = template.Library()


@register.simple_tag
def class_action(name: str) -> Action:
    """The action the class's table declares under `name`:
    `{% class_action "end_class" as end %}`."""
    return CLASS_ACTIONS[name]


@register.simple_tag
def phone_buttons() -> list[Action]:
    """A phone's buttons, in the phone's order."""
    return [CLASS_ACTIONS[name] for name, _, _ in PHONE_BUTTONS]


@register.inclusion_tag("lab/page.html#action_button")
def class_button(name: str, style: str = "") -> dict[str, object]:
    """One button that sends `name` (the lab's button partial, read from the class's table)."""
    return {"action": CLASS_ACTIONS[name], "style": style, "names_table": False}
