"""URL routes of the classroom."""

from __future__ import annotations

from django.urls import path, re_path

from lbteach.classroom import views

app_name = "classroom"
CODE = r"(?P<code>[2-9A-Za-z]{6})"
urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("join/", views.join_lookup, name="join"),
    re_path(rf"^{CODE}/$", views.student, name="student"),
    re_path(rf"^{CODE}/teach/$", views.teach, name="teach"),
    re_path(rf"^{CODE}/projector/$", views.projector, name="projector"),
    re_path(rf"^{CODE}/qr\.svg$", views.qr, name="qr"),
    re_path(rf"^{CODE}/results\.csv$", views.results, name="results"),
    re_path(rf"^{CODE}/results/$", views.results_page, name="results_page"),
    re_path(rf"^{CODE}/results/print/$", views.results_print, name="results_print"),
]
