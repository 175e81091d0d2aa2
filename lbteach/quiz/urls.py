"""URL routes of the quiz: modes, sittings, single questions, answers, progress and the bank."""

from __future__ import annotations

from django.urls import path

from lbteach.quiz import views

app_name = "quiz"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("run/<uuid:run_id>/", views.run, name="run"),
    path("q/<slug:key>/", views.question, name="question"),
    path("answer/", views.answer, name="answer"),
    path("reveal/", views.reveal, name="reveal"),
    path("rate/", views.rate, name="rate"),
    path("progress/", views.progress_page, name="progress"),
    path("progress/reset/", views.reset, name="reset"),
    path("bank/", views.bank_page, name="bank"),
]
