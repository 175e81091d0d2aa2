"""URL routes of the classroom app."""

from __future__ import annotations

app_name = "classroom"
urlpatterns: list = []
