"""URL routes of the lab app."""

from __future__ import annotations

app_name = "lab"
urlpatterns: list = []
