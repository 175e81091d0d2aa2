"""URL routes of the lab."""

from __future__ import annotations

from django.urls import path

from lbteach.lab import views

app_name = "lab"
urlpatterns = [
    path("", views.lab, name="lab"),
    path("compare/", views.compare, name="compare"),
    path("figures/<str:name>/", views.figure_frames, name="figure_frames"),
]
