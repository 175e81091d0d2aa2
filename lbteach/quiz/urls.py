"""URL routes of the quiz: modes, sittings, questions, answers, progress, the bank, drills."""

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
    path("drills/", views.drills_home, name="drills"),
    path("drills/next/", views.drill_next, name="drill_next"),
    path("drills/<slug:kind>/", views.drill_kind, name="drill_kind"),
    # The seed is a str here so a bad one reaches the view and gets a clear 400.
    path("drills/<slug:kind>/<str:seed>/", views.drill, name="drill"),
    path("drills/<slug:kind>/<str:seed>/answer/", views.drill_answer, name="drill_answer"),
]
