"""Forms that start a sitting and confirm a reset; answers are parsed by the play service."""

from __future__ import annotations

from typing import Any

from django import forms

from lbteach.lessons.catalogue import load_catalogue
from lbteach.quiz.models import QuizRun


def topic_choices() -> list[tuple[str, str]]:
    return [("", "All topics")] + [
        (lesson.slug, lesson.title) for lesson in load_catalogue().lessons
    ]


class StartForm(forms.Form):
    mode = forms.ChoiceField(choices=QuizRun.MODES)
    topic = forms.ChoiceField(choices=topic_choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].error_messages["invalid_choice"] = (
            "There is no quiz mode called “%(value)s”."
        )
        self.fields["topic"].error_messages["invalid_choice"] = (
            "There is no lesson called “%(value)s”."
        )


class ResetForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, erase my answers, mistakes and schedule in this browser",
        error_messages={"required": "Tick the box to confirm you want to erase your progress."},
    )
